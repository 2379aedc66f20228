"""Filterable lists with counts: a FilterSet base that counts each option of its facets, and
the facets and the active filters (as removable chips) ready for the page.

A list declares its facets once, on its FilterSet::

    class PartnerFilter(FacetedFilterSet):
        sector = django_filters.MultipleChoiceFilter(choices=Sector.choices, ...)
        FACETS = {"sector": "sector", "kind": "kind", "country": "country"}
        ALWAYS_SHOWN = {"sector"}
        TEXT_FILTERS = ("q",)

and its view calls ``build_facets(filterset, request)``. The option labels are the filters'
own choices; countries are named in the visitor's language.
"""

import hashlib

import django_filters
from django.db.models import Count, F, Value
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from . import pagecache
from .countries import country_choices
from .paging import query_without

# A facet with more options than this (cities, countries at network scale) shows the most
# common ones, and any chosen; the others stay reachable through search and the address.
MAX_OPTIONS = 12


class CountryFilter(django_filters.MultipleChoiceFilter):
    """Any of the chosen countries (ISO 3166-1 alpha-2 codes)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", country_choices)
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


class FacetedFilterSet(django_filters.FilterSet):
    """A FilterSet whose list shows, for each option of each facet, how many rows it gives
    with the other filters applied.

    Subclasses declare:

    - ``FACETS``: each facet's filter name and the lookup whose value is its option;
    - ``DISTINCT_FACETS``: the facets whose lookup can meet a row more than once;
    - ``REPEATABLE``: the facets a visitor may choose several options of (checkboxes);
    - ``ALWAYS_SHOWN``: the facets shown open, with every option, even those giving none;
    - ``TEXT_FILTERS``: the other filters shown as removable chips when set;
    - ``SORT``: the name of the parameter that orders the list, if any (it filters nothing).

    With ``remember_counts_as`` (a name for what the queryset holds, the same for every
    visitor), the counts of each combination of filters are kept for the current content
    generation of the page cache: the next page, another sort order or the next visitor
    with the same filters reuse them, and any change to the content starts afresh.
    """

    FACETS = {}
    DISTINCT_FACETS = frozenset()
    REPEATABLE = ()
    ALWAYS_SHOWN = frozenset()
    TEXT_FILTERS = ()
    SORT = None

    def __init__(self, data=None, queryset=None, *, remember_counts_as=None, **kwargs):
        self.remember_counts_as = remember_counts_as
        if not hasattr(self, "notices"):
            self.notices = []
        super().__init__(data, queryset, **kwargs)

    # Filtering ------------------------------------------------------------------------

    def filter_queryset(self, queryset, skip=None):
        """Every filter with a value but ``skip``."""
        for name, value in self.form.cleaned_data.items():
            if name in (skip, self.SORT) or value in (None, "", []):
                continue
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    def ordered(self, queryset):
        """The list's order; the queryset's own unless a subclass sorts."""
        return queryset

    @property
    def qs(self):
        if not hasattr(self, "_qs"):
            self.form.is_valid()
            self._qs = self.ordered(self.filter_queryset(self.queryset.all()))
        return self._qs

    @property
    def problems(self):
        """Every value that could not be used, as a sentence for the page that shows it back
        (the template escapes it)."""
        self.form.is_valid()
        messages = list(self.notices)
        for name, errors in self.form.errors.items():
            label = self.form.fields[name].label if name in self.form.fields else name
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else []
            shown = ", ".join(value[:80] for value in values if value)
            for error in errors:
                if shown:
                    message = _("%(label)s: “%(value)s” — %(error)s It was left out.") % {
                        "label": label,
                        "value": shown,
                        "error": error,
                    }
                else:
                    message = _("%(label)s: %(error)s It was left out.") % {
                        "label": label,
                        "error": error,
                    }
                messages.append(message)
        return messages

    def selected(self, name):
        """The options of ``name`` the visitor chose, as a list."""
        if not self.is_bound:
            return []
        self.form.is_valid()
        value = self.form.cleaned_data.get(name)
        if value in (None, ""):
            return []
        return list(value) if isinstance(value, list | tuple) else [value]

    # Counting ---------------------------------------------------------------------------

    def facet_counts(self):
        """For each facet, how many rows each option gives with the other filters."""
        self.form.is_valid()
        if not self.remember_counts_as:
            return self._count_facets()
        state = sorted(
            (name, str(value))
            for name, value in self.form.cleaned_data.items()
            if name != self.SORT and value not in (None, "", [])
        )
        digest = hashlib.sha256(repr(state).encode()).hexdigest()[:32]
        return pagecache.remember(
            f"facets:{type(self).__name__}:{self.remember_counts_as}:{digest}",
            self._count_facets,
            in_process=False,
        )

    def _count_facets(self):
        """One query: a UNION ALL of one grouped count per facet."""
        parts = []
        everything = self.filter_queryset(self.queryset.all())
        for name, path in self.FACETS.items():
            # A facet nobody chose counts within the whole filtered list; a chosen one within
            # what the other filters give.
            chosen = self.form.cleaned_data.get(name) not in (None, "", [])
            source = self.filter_queryset(self.queryset.all(), skip=name) if chosen else everything
            parts.append(
                source.order_by()
                .annotate(facet=Value(name), option=F(path))
                .values("facet", "option")
                .annotate(count=Count("pk", distinct=name in self.DISTINCT_FACETS))
                .values_list("facet", "option", "count")
            )
        counts = {name: {} for name in self.FACETS}
        for name, option, count in parts[0].union(*parts[1:], all=True):
            if option is not None:
                counts[name][option] = count
        return counts

    def facet_choices(self, name, counts):
        """The options of a facet with their labels, in the order the page lists them."""
        if isinstance(self.filters[name], CountryFilter):
            # Only the countries that give results (or were chosen), by name.
            codes = set(counts[name]) | set(self.selected(name))
            return sorted(((code, countries.name(code)) for code in codes), key=lambda c: c[1])
        return list(self.filters[name].extra["choices"])


def build_facets(filterset, request):
    """The facets of a ``FacetedFilterSet`` for the page, and its active filters as chips,
    each with the address that removes it."""
    counts = filterset.facet_counts()
    facets, chips = [], []
    for name in filterset.FACETS:
        selected = set(filterset.selected(name))
        always_shown = name in filterset.ALWAYS_SHOWN
        label_of_facet = filterset.filters[name].label
        options = []
        for value, label in filterset.facet_choices(name, counts):
            count = counts[name].get(value, 0)
            if count or value in selected or always_shown:
                options.append(
                    {"value": value, "label": label, "count": count, "selected": value in selected}
                )
            if value in selected:
                chips.append(
                    {
                        "label": f"{label_of_facet}: {capfirst(label)}",
                        "url": query_without(request.GET, name, value),
                    }
                )
        hidden = 0
        if len(options) > MAX_OPTIONS and not always_shown:
            by_count = sorted(options, key=lambda option: (-option["count"], str(option["label"])))
            kept = {id(option) for option in by_count[:MAX_OPTIONS]}
            shown = [option for option in options if id(option) in kept or option["selected"]]
            hidden = len(options) - len(shown)
            options = shown
        facets.append(
            {
                "name": name,
                "label": label_of_facet,
                "options": options,
                "hidden": hidden,
                "multiple": name in filterset.REPEATABLE,
                "open": bool(selected) or always_shown,
                "has_selection": bool(selected),
            }
        )
    for name in filterset.TEXT_FILTERS:
        value = filterset.form.cleaned_data.get(name)
        if value not in (None, ""):
            chips.append(
                {
                    "label": f"{filterset.filters[name].label}: {value}",
                    "url": query_without(request.GET, name),
                }
            )
    return facets, chips
