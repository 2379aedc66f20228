import django_filters
from django.db.models import Count, F, Value
from django.utils.translation import gettext_lazy as _

from ppci.lib.countries import country_choices
from ppci.lib.text import fold

from .models import Kind, Partner, Sector

MAX_QUERY_LENGTH = 200


class PartnerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="filter_search", max_length=MAX_QUERY_LENGTH
    )
    sector = django_filters.MultipleChoiceFilter(
        label=_("Sector"), choices=Sector.choices, distinct=False
    )
    kind = django_filters.MultipleChoiceFilter(
        label=_("Kind"), choices=Kind.choices, distinct=False
    )
    country = django_filters.MultipleChoiceFilter(
        label=_("Country"), choices=country_choices, distinct=False
    )

    FACETS = ("sector", "kind", "country")

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

    def filter_queryset(self, queryset, skip=None):
        for name, value in self.form.cleaned_data.items():
            if name == skip or value in (None, "", []):
                continue
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    @property
    def qs(self):
        if not hasattr(self, "_qs"):
            self.form.is_valid()
            self._qs = self.filter_queryset(self.queryset.all())
        return self._qs

    def problems(self):
        return [
            _("%(label)s: %(error)s It was left out.")
            % {"label": self.form.fields[name].label, "error": error}
            for name, errors in self.form.errors.items()
            for error in errors
        ]

    def selected(self, name):
        self.form.is_valid()
        return list(self.form.cleaned_data.get(name) or [])

    def facet_counts(self):
        """Partners per option of each facet, given the other filters, in one query."""
        self.form.is_valid()
        parts = [
            self.filter_queryset(self.queryset.all(), skip=name)
            .order_by()
            .annotate(facet=Value(name), option=F(name))
            .values("facet", "option")
            .annotate(count=Count("pk"))
            .values_list("facet", "option", "count")
            for name in self.FACETS
        ]
        counts = {name: {} for name in self.FACETS}
        for name, option, count in parts[0].union(*parts[1:], all=True):
            counts[name][option] = count
        return counts
