from django import forms
from django.contrib import admin
from django.db import models
from django_countries.filters import CountryFilter

from ppci.lib.history import HistoryAdmin
from ppci.lib.locking import VersionCheckedForm

from .models import KINDS_BY_SECTOR, Partner, Sector

SECTOR_OF_KIND = {kind: sector for sector, kinds in KINDS_BY_SECTOR.items() for kind in kinds}


class KindSelect(forms.Select):
    """The kinds grouped by sector, each option marked with its sector, so that a static
    script can offer only the kinds of the chosen sector; without JavaScript the groups say
    which is which, and the model's check refuses a kind from another sector."""

    class Media:
        js = ["js/admin-partner-kind.js"]

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value in SECTOR_OF_KIND:
            option["attrs"]["data-sector"] = SECTOR_OF_KIND[value]
        return option


def kind_choices():
    return [
        ("", "---------"),
        *[
            (Sector(sector).label, [(kind.value, kind.label) for kind in kinds])
            for sector, kinds in KINDS_BY_SECTOR.items()
        ],
    ]


class PartnerForm(VersionCheckedForm):
    class Meta:
        widgets = {**VersionCheckedForm.Meta.widgets, "kind": KindSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            self.fields["kind"].choices = kind_choices()


@admin.register(Partner)
class PartnerAdmin(HistoryAdmin):
    form = PartnerForm
    list_display = ["name", "sector", "kind", "country"]
    list_filter = ["sector", "kind", ("country", CountryFilter)]
    # Initiatives pick their partners by autocomplete, which searches these fields.
    search_fields = ["name_es", "name_en", "slug"]
    prepopulated_fields = {"slug": ("name_es",)}
    # An address typed without a scheme is taken as https://, as Django 6 will.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = ["name", "slug", "sector", "kind", "country", "website", "description", "version"]
