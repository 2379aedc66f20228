"""Filter options with counts, and the active filters as removable chips.

Shared by every filterable list: each FilterSet provides ``FACETS``, ``facet_counts()`` and
``selected(name)``; the view gives the option labels.
"""

from django.utils.text import capfirst
from django_countries import countries

from ppci.lib.paging import query_without

# A facet with more options than this (cities, countries at network scale) shows the most
# common ones, and any chosen; the others stay reachable through search and the address.
MAX_OPTIONS = 12


def country_options(filterset, counts):
    """Only the countries that give results (or were chosen), by name."""
    codes = set(counts["country"]) | set(filterset.selected("country"))
    return sorted(((code, countries.name(code)) for code in codes), key=lambda item: item[1])


def build_facets(filterset, request, labels, always_shown=(), repeatable=None, text_filters=()):
    counts = filterset.facet_counts()
    if "country" in counts and "country" not in labels:
        labels = {**labels, "country": country_options(filterset, counts)}
    facets, chips = [], []
    for name in filterset.FACETS:
        selected = set(filterset.selected(name))
        label_of_facet = filterset.filters[name].label
        options = []
        for value, label in labels[name]:
            count = counts[name].get(value, 0)
            if count or value in selected or name in always_shown:
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
        if len(options) > MAX_OPTIONS and name not in always_shown:
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
                "multiple": repeatable is None or name in repeatable,
                "open": bool(selected) or name in always_shown,
                "has_selection": bool(selected),
            }
        )
    for name in text_filters:
        value = filterset.form.cleaned_data.get(name)
        if value not in (None, ""):
            chips.append(
                {
                    "label": f"{filterset.filters[name].label}: {value}",
                    "url": query_without(request.GET, name),
                }
            )
    return facets, chips
