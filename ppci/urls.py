from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from casebook.sitemaps import SITEMAPS
from casebook.urls import partner_urlpatterns
from casebook.views import robots_txt
from ppci.views import benchmark_ceiling, health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
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
