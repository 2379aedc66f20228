from django.contrib import admin
from django.db import models
from django_countries.filters import CountryFilter

from ppci.lib.history import HistoryAdmin
from ppci.lib.locking import VersionCheckedForm

from .models import Partner


@admin.register(Partner)
class PartnerAdmin(HistoryAdmin):
    form = VersionCheckedForm
    list_display = ["name", "sector", "kind", "country"]
    list_filter = ["sector", "kind", ("country", CountryFilter)]
    # Initiatives pick their partners by autocomplete, which searches these fields.
    search_fields = ["name_es", "name_en", "slug"]
    prepopulated_fields = {"slug": ("name_es",)}
    # An address typed without a scheme is taken as https://, as Django 6 will.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = ["name", "slug", "sector", "kind", "country", "website", "description", "version"]
