from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import index, sitemap
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from casebook.sitemaps import SITEMAPS
from casebook.urls import partner_urlpatterns
from casebook.views import robots_txt
from ppci.views import benchmark_ceiling, health

admin.site.site_header = _("PPCI Case Book: administration")
admin.site.site_title = _("PPCI Case Book administration")

urlpatterns = [
    path("admin/", admin.site.urls),
    # The admin's language switch (Django's set_language view: a POST that sets the cookie).
    path("i18n/", include("django.conf.urls.i18n")),
    # An index of the sitemap's sections, each a page of at most a few thousand addresses
    # (``?p=2``, …): at network scale one file would hold hundreds of thousands.
    path(
        "sitemap.xml",
        index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap-section"),
    path("robots.txt", robots_txt, name="robots"),
    path("health/", health, name="health"),
]

localized = [
    path("", include("casebook.urls")),
    path("partners/", include(partner_urlpatterns)),
]
if settings.BENCHMARK_CEILING_VIEW:
    localized.append(path("bench/ceiling/", benchmark_ceiling, name="bench-ceiling"))

urlpatterns += i18n_patterns(*localized)
