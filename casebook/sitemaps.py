from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Initiative, Partnership, Theme


class BilingualSitemap(Sitemap):
    """Every page in Spanish and English, each listing the other as its alternate."""

    i18n = True
    alternates = True
    x_default = True


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
