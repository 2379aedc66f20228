from functools import cached_property

from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import Max, QuerySet
from django.urls import reverse

from .models import Initiative, Partnership, Theme


class BilingualSitemap(Sitemap):
    """Every page in Spanish and English, each listing the other as its alternate; a section
    of many is split into pages of ``limit`` addresses (each with its alternates, about
    half a kilobyte), which the index at /sitemap.xml lists."""

    limit = 2000
    i18n = True
    alternates = True
    x_default = True

    @property
    def paginator(self):
        # Django's pairs every item with every language before it takes a page: a page of a
        # section read every row of it (four and a half seconds at 100,000 initiatives).
        return Paginator(InEachLanguage(self.items(), self._languages()), self.limit)


class InEachLanguage:
    """(item, language) for each of ``items`` and each of ``languages``, in Django's order,
    read from ``items`` (a queryset) a page at a time."""

    def __init__(self, items, languages):
        self.items, self.languages = items, list(languages)

    @cached_property
    def items_count(self):
        return self.items.count() if isinstance(self.items, QuerySet) else len(self.items)

    def __len__(self):
        return self.items_count * len(self.languages)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("read a page at a time")
        start, stop, _step = index.indices(len(self))
        if start >= stop:
            return []
        each = len(self.languages)
        first = start // each
        pairs = [
            (item, language)
            for item in self.items[first : -(-stop // each)]
            for language in self.languages
        ]
        return pairs[start - first * each : stop - first * each]


class StaticPagesSitemap(BilingualSitemap):
    priority = 0.8
    changefreq = "weekly"

    def items(self):
        return [
            "casebook:home",
            "casebook:list",
            "casebook:themes",
            "casebook:cities",
            "partners:list",
            "casebook:guide",
            "casebook:network",
            "casebook:evidence",
            "casebook:data-quality",
            "casebook:accessibility",
        ]

    def location(self, item):
        return reverse(item)


class InitiativeSitemap(BilingualSitemap):
    priority = 1.0
    changefreq = "monthly"

    def items(self):
        return Initiative.objects.published().order_by("slug")

    def lastmod(self, initiative):
        return initiative.updated_at

    def get_latest_lastmod(self):
        return self.items().aggregate(latest=Max("updated_at"))["latest"]


class ThemeSitemap(BilingualSitemap):
    def items(self):
        return Theme.objects.order_by("order")


class CitySitemap(BilingualSitemap):
    def items(self):
        from .views import public_cities

        return public_cities().order_by("slug")


class PartnerSitemap(BilingualSitemap):
    priority = 0.4

    def items(self):
        return Partnership.objects.published().partners().order_by("slug")


SITEMAPS = {
    "pages": StaticPagesSitemap,
    "initiatives": InitiativeSitemap,
    "themes": ThemeSitemap,
    "cities": CitySitemap,
    "partners": PartnerSitemap,
}
