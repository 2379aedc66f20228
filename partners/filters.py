import django_filters
from django.utils.translation import gettext_lazy as _

from ppci.lib.facets import CountryFilter, FacetedFilterSet
from ppci.lib.text import fold

from .models import Kind, Partner, Sector

MAX_QUERY_LENGTH = 200


class PartnerFilter(FacetedFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="filter_search", max_length=MAX_QUERY_LENGTH
    )
    sector = django_filters.MultipleChoiceFilter(
        label=_("Sector"), choices=Sector.choices, distinct=False
    )
    kind = django_filters.MultipleChoiceFilter(
        label=_("Kind"), choices=Kind.choices, distinct=False
    )
    country = CountryFilter(label=_("Country"))

    FACETS = {"sector": "sector", "kind": "kind", "country": "country"}
    REPEATABLE = ("sector", "kind", "country")
    ALWAYS_SHOWN = frozenset({"sector"})
    TEXT_FILTERS = ("q",)

    class Meta:
        model = Partner
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and "country" in data:
            data = data.copy()
            data.setlist("country", [value.strip().upper() for value in data.getlist("country")])
        super().__init__(data, *args, **kwargs)

    def filter_search(self, queryset, name, value):
        words = fold(value).split()
        for word in words[:10]:
            queryset = queryset.filter(search_name__contains=word)
        return queryset
