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
import itertools
import os
from contextlib import contextmanager

import django_filters
from django import forms
from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connections
from django.db.models import BooleanField, CharField, Count, ExpressionWrapper, F, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from . import pagecache
from .countries import country_choices
from .paging import query_without

# A facet with more options than this (cities, countries at network scale) shows the most
# common ones, and any chosen; the others stay reachable through search and the address.
MAX_OPTIONS = 12

_serial = itertools.count(1)


def facet_plan(model, facets):
    """Where each facet's options are read. A lookup along columns and foreign keys (a
    column, ``city__slug``) is read per row: the path itself. A lookup that starts through a
    link (a many-to-many field, or the rows pointing at the model) is counted in the link
    table: ``(link model, its field towards the model, the rest of the path from the link)``.
    """
    plan = {}
    for name, path in facets.items():
        first, _, rest = path.partition("__")
        field = model._meta.get_field(first)
        if field.many_to_many and field.concrete:
            through = field.remote_field.through
            target = field.m2m_reverse_field_name()
            plan[name] = (through, field.m2m_field_name(), f"{target}__{rest}" if rest else target)
        elif field.one_to_many:
            plan[name] = (field.related_model, field.field.name, rest or "pk")
        elif field.many_to_many:
            raise NotImplementedError(f"facet {name}: a reverse many-to-many lookup ({path})")
        else:
            plan[name] = path
    return plan


def can_materialize(connection):
    """Whether the database takes ``WITH … AS MATERIALIZED`` (PostgreSQL 12, SQLite 3.35)."""
    if connection.vendor == "sqlite":
        return connection.Database.sqlite_version_info >= (3, 35)
    return connection.vendor == "postgresql"


_shared_choices = {}


def with_shared_choices(field_class):
    """``field_class`` whose copy for each form shares the choices instead of copying them
    one by one: a form copies each of its fields, and the cities and countries of a list's
    filters are hundreds of choices (a few milliseconds of every list request). The choices
    are replaced, never changed in place."""
    if field_class not in _shared_choices:

        def __deepcopy__(self, memo):
            result = forms.Field.__deepcopy__(self, memo)
            result._choices = self._choices
            return result

        _shared_choices[field_class] = type(
            field_class.__name__, (field_class,), {"__deepcopy__": __deepcopy__}
        )
    return _shared_choices[field_class]


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
    - ``MASK_FACETS``: the facets whose column holds a set of options as bits, each with its
      options' bits (``{option: bit}``): a row counts for every option whose bit it has;
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
    MASK_FACETS = {}
    REPEATABLE = ()
    ALWAYS_SHOWN = frozenset()
    TEXT_FILTERS = ()
    SORT = None

    def __init__(self, data=None, queryset=None, *, remember_counts_as=None, **kwargs):
        self.remember_counts_as = remember_counts_as
        if not hasattr(self, "notices"):
            self.notices = []
        super().__init__(data, queryset, **kwargs)
        for filter_ in self.filters.values():
            if issubclass(filter_.field_class, forms.ChoiceField):
                filter_.field_class = with_shared_choices(filter_.field_class)

    # Filtering ------------------------------------------------------------------------

    def filter_queryset(self, queryset, skip=()):
        """Every filter with a value but those named in ``skip``."""
        for name, value in self.form.cleaned_data.items():
            if name in skip or name == self.SORT or value in (None, "", []):
                continue
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    def is_set(self, name):
        return self.form.cleaned_data.get(name) not in (None, "", [])

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
        """For each facet, how many rows each option gives with the other filters: worked
        out (or read from the cache) once per filterset, whatever asks for them."""
        if not hasattr(self, "_facet_counts"):
            self._facet_counts = self._read_facet_counts()
        return self._facet_counts

    def _read_facet_counts(self):
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
        """One pass over the list into a temporary table, then one query: a UNION ALL of one
        grouped count per facet.

        The table holds each row that the filters other than the facets keep and that fails
        at most one chosen facet, whether it passes each chosen facet, and its value of each
        facet that is a column (or a column of a row it points to). Each facet then counts
        the rows that pass every chosen facet but its own: a column facet within the table,
        a facet reached through a link (themes, partnerships) within the link table, without
        filtering, searching or reading the list's own rows again.

        A facet chosen alone, with no other filter, counts its own options within the whole
        list in a grouped count of its own; the table then holds only the rows it keeps."""
        chosen = [name for name in self.FACETS if self.is_set(name)]
        plan = facet_plan(self.queryset.model, self.FACETS)
        others = [
            name
            for name in self.form.cleaned_data
            if name != self.SORT and name not in self.FACETS and self.is_set(name)
        ]
        alone = chosen[0] if len(chosen) == 1 and not others else None
        try:
            with self._passing_rows(chosen, plan, alone) as (table, passes, values):
                sql, params = [], []
                if alone:
                    own = self._grouped_parts({alone: self.queryset.all()})
                    own_sql, own_params = own[0].query.sql_with_params()
                    sql.append(f"SELECT facet, option, count FROM ({own_sql}) AS part_own")
                    params.extend(own_params)
                for name in self.FACETS:
                    if name == alone:
                        continue
                    tests = [passes[other] for other in passes if other != name]
                    where = f" WHERE {' AND '.join(tests)}" if tests else ""
                    if name in values:
                        option = values[name]
                        if name in self.MASK_FACETS:
                            # Every option of a UNION's column has one type: text.
                            option = f"CAST({option} AS varchar(20))"
                        sql.append(
                            f"SELECT %s AS facet, {option} AS option, COUNT(*) AS count "
                            f"FROM {table}{where} GROUP BY {values[name]}"
                        )
                        params.append(name)
                        continue
                    link, towards, path = plan[name]
                    part = (
                        link._base_manager.filter(
                            **{f"{towards}__in": RawSQL(f"SELECT row_id FROM {table}{where}", [])}
                        )
                        .order_by()
                        .annotate(facet=Value(name), option=F(path))
                        .values("facet", "option")
                        .annotate(count=Count(towards, distinct=name in self.DISTINCT_FACETS))
                        .values_list("facet", "option", "count")
                    )
                    part_sql, part_params = part.query.sql_with_params()
                    # Django orders a grouped query's columns its own way; name them.
                    sql.append(f"SELECT facet, option, count FROM ({part_sql}) AS part_{name}")
                    params.extend(part_params)
                with connections[self.queryset.db].cursor() as cursor:
                    cursor.execute(" UNION ALL ".join(sql), params)
                    rows = cursor.fetchall()
        except EmptyResultSet:  # the filters keep nothing (a search without a word, say)
            rows = []
        counts = {name: {} for name in self.FACETS}
        for name, option, count in rows:
            if option is None:
                continue
            if name in self.MASK_FACETS:
                for value, bit in self.MASK_FACETS[name].items():
                    if int(option) & bit:
                        counts[name][value] = counts[name].get(value, 0) + count
            else:
                counts[name][option] = count
        return counts

    def row_condition(self, name, value):
        """Whether a row passes the filter ``name``, as a condition on the row itself (its
        columns and the rows it points to), or None when the filter must look elsewhere (a
        search, a link table): it is then asked as a subquery of the rows it keeps."""
        return None

    @contextmanager
    def _passing_rows(self, chosen, plan, alone=None):
        """The temporary table of the rows the filters other than the facets keep and that
        fail at most one chosen facet: a column per chosen facet (whether the row passes it)
        and a column per column facet (its value). With a facet chosen ``alone``, the rows it
        keeps."""
        model = self.queryset.model
        kept = self.filter_queryset(self.queryset.all(), skip=self.FACETS)
        if alone:
            kept, chosen = self.filter_queryset(kept, skip=set(self.FACETS) - {alone}), []
        passes = {name: f"passes_{number}" for number, name in enumerate(chosen)}
        columns = {}
        for name in chosen:
            value = self.form.cleaned_data[name]
            condition = self.row_condition(name, value)
            if condition is None:
                keeps = self.filters[name].filter(model._base_manager.all(), value)
                condition = Q(pk__in=keeps.values("pk"))
            columns[passes[name]] = ExpressionWrapper(condition, output_field=BooleanField())
        values = {
            name: f"value_{number}"
            for number, name in enumerate(self.FACETS)
            if isinstance(plan[name], str)
        }
        columns.update({values[name]: F(plan[name]) for name in values})
        rows = kept.order_by().annotate(row_id=F("pk"), **columns).values("row_id", *columns)
        sql, params = rows.query.sql_with_params()  # EmptyResultSet if it keeps nothing
        connection = connections[self.queryset.db]
        if len(chosen) > 1:
            # A row that fails two chosen facets counts for none of them. Kept apart
            # (MATERIALIZED), so that each test is worked out once per row, not once for its
            # column and again for this condition.
            failed = " + ".join(f"(1 - CAST({passes[name]} AS integer))" for name in chosen)
            fence = "MATERIALIZED " if can_materialize(connection) else ""
            sql = f"WITH kept AS {fence}({sql}) SELECT * FROM kept WHERE {failed} <= 1"
        table = f"ppci_facet_rows_{os.getpid()}_{next(_serial)}"
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {table} AS {sql}", params)
            if connection.vendor == "postgresql":
                # Autovacuum never sees a temporary table: without statistics the planner
                # guesses a few hundred rows and probes an index once per row.
                cursor.execute(f"ANALYZE {table}")
        try:
            yield table, passes, values
        except BaseException:
            # The table dies with the connection anyway; a failed transaction refuses more.
            try:
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP TABLE IF EXISTS {table}")
            except DatabaseError:
                pass
            raise
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {table}")

    def _grouped_counts(self, sources):
        """One query: each facet's options counted within its source, as a UNION ALL."""
        parts = self._grouped_parts(sources)
        counts = {name: {} for name in self.FACETS}
        for name, option, count in parts[0].union(*parts[1:], all=True):
            if option is not None:
                counts[name][option] = count
        return counts

    def _grouped_parts(self, sources):
        """For each facet of ``sources``, its options counted within its source."""
        parts = []
        for name, path in self.FACETS.items():
            if name not in sources:
                continue
            option = F(path)
            if name in self.MASK_FACETS:
                option = Cast(option, output_field=CharField(max_length=20))
            parts.append(
                sources[name]
                .order_by()
                .annotate(facet=Value(name), option=option)
                .values("facet", "option")
                .annotate(count=Count("pk", distinct=name in self.DISTINCT_FACETS))
                .values_list("facet", "option", "count")
            )
        return parts

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
