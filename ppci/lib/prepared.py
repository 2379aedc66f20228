"""Queries whose SQL is written once per process and then run with new values.

Django compiles a queryset into SQL each time it is evaluated. For the few queries a page
makes on every visit, with many columns and joins, that takes longer than the database takes
to run them: an initiative's page spends several milliseconds compiling four queries whose
SQL differs only in one value. A ``Prepared`` query is a function of a few values that gives
a queryset; it is compiled once for each database, language and ``variant`` (the SQL a
queryset compiles to can depend on each), with markers in place of the values, and each run
puts the values in the markers' places and makes model instances from the rows as Django's
own iteration does (``select_related`` objects and annotations included), or, for a
``values_list()`` queryset, the tuples Django's would give.

Several reads go together (``read_together``): on PostgreSQL, in one round trip, each as an
``EXECUTE`` of a statement prepared once in the connection's server session, so that the
server does not plan it again on each visit either (``PG_PREPARED_STATEMENTS``; off behind a
pooler that hands each transaction another server session). Elsewhere, one after another.

What it does not do: ``prefetch_related`` (a queryset's prefetches are left out; read them
with their own ``Prepared`` and ``attach`` them), ``values()``, a flat or named
``values_list()``, deferred fields, extra columns, or a value that changes the *shape* of the
SQL (an ``__in`` list takes a fixed number of values, see ``Prepared``): such a queryset is
refused when it is compiled.
"""

import hashlib
import itertools
import re
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django.utils import translation

# What stands for an integer while the SQL is compiled: values no query is given, found again
# among the compiled parameters (a text's stand-in names it: see ``_markers``).
INT_MARKER = -7_301_946_028_815_377


@dataclass(frozen=True)
class Compiled:
    sql: str
    params: tuple
    name: str  # of the statement prepared on a PostgreSQL server
    numbered: str  # the SQL with $1, $2, … for its parameters, as PREPARE takes it
    positions: tuple  # where each value goes in ``params``
    model: type
    init_list: list
    model_slice: slice
    select: list
    klass_info: dict
    annotations: tuple  # (attribute, position) of each annotation
    converters: tuple  # (position, converters, expression) of each column that has any
    values: bool  # rows as tuples (values_list), not instances
    order: tuple | None  # the positions of the values_list's fields, where they differ


class Prepared:
    def __init__(self, build, **types):
        """``build(**markers)`` gives the queryset (``build(variant, **markers)`` with a
        variant), given a marker for each value; ``types`` name the values and their types:
        ``str``, ``int``, or a tuple of them for a list of that many values (``pk__in``)."""
        self.build = build
        self.names = tuple(types)
        self.types = types
        self._compiled = {}
        self._lock = threading.Lock()

    def compiled(self, using, variant=None):
        key = (using, translation.get_language(), variant)
        found = self._compiled.get(key)
        if found is None:
            with self._lock:
                found = self._compiled.get(key) or self._compile(using, variant)
                self._compiled[key] = found
        return found

    def _markers(self):
        markers, count = {}, 0
        for name, kind in self.types.items():
            kinds = kind if isinstance(kind, tuple) else (kind,)
            made = []
            for number, each in enumerate(kinds):
                count += 1
                made.append(
                    INT_MARKER - count if each is int else f"\x00prepared:{name}:{number}\x00"
                )
            markers[name] = made if isinstance(kind, tuple) else made[0]
        return markers

    def _compile(self, using, variant):
        markers = self._markers()
        queryset = self.build(variant, **markers) if variant is not None else self.build(**markers)
        values = queryset._iterable_class is ValuesListIterable
        if queryset._prefetch_related_lookups or not (
            values or queryset._iterable_class is ModelIterable
        ):
            raise ValueError("A prepared query makes instances or tuples, with no prefetches.")
        if queryset.query.deferred_loading != (frozenset(), True) or queryset.query.extra:
            raise ValueError("A prepared query reads whole rows, without extra columns.")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        params = tuple(params)
        positions = []
        for name in self.names:
            each = markers[name] if isinstance(markers[name], list) else [markers[name]]
            places = []
            for marker in each:
                found = [i for i, value in enumerate(params) if type(value) is type(marker)
                         and value == marker]  # fmt: skip
                if len(found) != 1:
                    raise ValueError(f"The value {name!r} must appear once in the query's SQL.")
                places.append(found[0])
            positions.append(tuple(places) if isinstance(markers[name], list) else places[0])
        select, klass_info = compiler.select, compiler.klass_info
        fields = [column for column, _sql, _alias in select[: compiler.col_count]]
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(fields).items()
        )
        order = None
        if values:  # as Django's ValuesListIterable puts the fields in the order asked
            query = queryset.query
            names = [*query.extra_select, *query.values_select, *query.annotation_select]
            asked = [
                *queryset._fields,
                *(f for f in query.annotation_select if f not in queryset._fields),
            ]
            if queryset._fields and asked != names:
                order = tuple(names.index(name) for name in asked)
        else:
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return Compiled(
            sql=sql,
            params=params,
            name="ppci_" + hashlib.sha256(sql.encode()).hexdigest()[:24],
            numbered=numbered(sql),
            positions=tuple(positions),
            model=queryset.model if values else klass_info["model"],
            init_list=[] if values else [column[0].target.attname for column in select[start:end]],
            model_slice=slice(0) if values else slice(start, end),
            select=select,
            klass_info=klass_info,
            annotations=() if values else tuple((compiler.annotation_col_map or {}).items()),
            converters=converters,
            values=values,
            order=order,
        )

    def __call__(self, using="default", variant=None, **values):
        """The instances the query finds with ``values``, in a list."""
        (found,) = read_together(using, [(self, variant, values)])
        return found

    def statement(self, using, variant, values):
        """The compiled query and its parameters, with ``values`` in their places."""
        compiled = self.compiled(using, variant)
        params = list(compiled.params)
        for name, position in zip(self.names, compiled.positions, strict=True):
            if isinstance(position, tuple):
                given = list(values[name])
                if len(given) != len(position):
                    raise ValueError(f"{name!r} takes {len(position)} values.")
                for place, value in zip(position, given, strict=True):
                    params[place] = value
            else:
                params[position] = values[name]
        return compiled, params


def instances(compiled, rows, using):
    """The model instances of ``rows``, or their tuples, as Django's own iteration makes them."""
    connection = connections[using]
    converted = rows
    if compiled.converters:
        converted = []
        for row in rows:
            row = list(row)
            for position, functions, expression in compiled.converters:
                value = row[position]
                for convert in functions:
                    value = convert(value, expression, connection)
                row[position] = value
            converted.append(row)
    if compiled.values:
        if compiled.order:
            return [tuple(row[position] for position in compiled.order) for row in converted]
        return [tuple(row) for row in converted]
    populators = get_related_populators(compiled.klass_info, compiled.select, using)
    model, init_list, model_slice = compiled.model, compiled.init_list, compiled.model_slice
    found = []
    for row in converted:
        instance = model.from_db(using, init_list, row[model_slice])
        for populator in populators:
            populator.populate(row, instance)
        for attribute, position in compiled.annotations:
            setattr(instance, attribute, row[position])
        found.append(instance)
    return found


def numbered(sql):
    """``sql`` with ``$1``, ``$2``, … for its ``%s``, its ``%%`` left for the cursor."""
    count = itertools.count(1)
    return PLACEHOLDER.sub(lambda m: m[0] if m[0] == "%%" else f"${next(count)}", sql)


PLACEHOLDER = re.compile(r"%[%s]")


def read_together(using, reads):
    """The instances (or tuples) of each read, ``(prepared, variant, values)``, in a list
    each: on PostgreSQL, whose connections here bind values on the client, in one round trip
    (as prepared statements, see ``on_the_server``); elsewhere one after another."""
    if not reads:
        return []
    connection = connections[using]
    statements = [prepared.statement(using, variant, values) for prepared, variant, values in reads]
    binds_on_the_client = connection.vendor == "postgresql" and not connection.settings_dict[
        "OPTIONS"
    ].get("server_side_binding")
    if binds_on_the_client and settings.PG_PREPARED_STATEMENTS:
        rows = on_the_server(connection, statements)
    elif binds_on_the_client and len(statements) > 1:
        sql = "; ".join(compiled.sql for compiled, _params in statements)
        rows = _together(connection, sql, [value for _c, params in statements for value in params])
    else:
        with connection.cursor() as cursor:
            rows = []
            for compiled, params in statements:
                cursor.execute(compiled.sql, params)
                rows.append(cursor.fetchall())
    if len(rows) != len(statements):
        raise RuntimeError("The statements sent together gave another number of results.")
    return [
        instances(compiled, found, using)
        for (compiled, _params), found in zip(statements, rows, strict=True)
    ]


def _together(connection, sql, params):
    """The rows of each statement of ``sql`` that gives rows, in a list each."""
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            if cursor.description is not None:
                rows.append(cursor.fetchall())
            if not cursor.nextset():
                return rows


class ServerSession:
    """The statements prepared in the server session of one database connection of Django's:
    ``names``, and whether they are still known (an error may have come before or after a
    PREPARE: ``known`` is then False, and the next batch deallocates them all first)."""

    def __init__(self, raw):
        self.raw = raw
        self.names = set()
        self.known = True

    @classmethod
    def of(cls, connection):
        session = getattr(connection, "_prepared_statements", None)
        if session is None or session.raw is not connection.connection:
            session = connection._prepared_statements = cls(connection.connection)
        return session


# The errors of a session whose prepared statements are not what it was told: deallocated
# elsewhere (26000), prepared already (42P05), or planned for columns a migration has since
# changed ("cached plan must not change result type", 0A000).
STALE_STATEMENTS = {"26000", "42P05", "0A000"}


def on_the_server(connection, statements):
    """The rows of each statement: sent in one round trip as EXECUTEs of statements prepared
    in the connection's server session, preparing first those it has not yet. A session whose
    statements have gone stale is cleared and the batch sent again, once, where no
    transaction is under way to be lost."""
    connection.ensure_connection()
    session = ServerSession.of(connection)
    for attempt in (1, 2):
        parts = [] if session.known else ["DEALLOCATE ALL"]
        names = set(session.names) if session.known else set()
        params = []
        for compiled, values in statements:
            if compiled.name not in names:
                parts.append(f"PREPARE {compiled.name} AS {compiled.numbered}")
                names.add(compiled.name)
            arguments = ", ".join(["%s"] * len(values))
            parts.append(
                f"EXECUTE {compiled.name}({arguments})" if values else f"EXECUTE {compiled.name}"
            )
            params.extend(values)
        try:
            rows = _together(connection, "; ".join(parts), params)
        except DatabaseError as error:
            session.known = False
            code = getattr(getattr(error, "__cause__", None), "sqlstate", None)
            if attempt == 1 and code in STALE_STATEMENTS and not connection.in_atomic_block:
                continue
            raise
        session.names, session.known = names, True
        return rows


def attach(instance, relation, objects):
    """``objects`` as ``instance``'s prefetched ``relation`` (a reverse foreign key), as
    ``prefetch_related`` leaves it: ``instance.<relation>.all()`` gives them without a query,
    and each one's foreign key to ``instance`` is set."""
    manager = getattr(instance, relation)
    field = manager.field
    for item in objects:
        field.set_cached_value(item, instance)
    queryset = manager.get_queryset()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[field.remote_field.cache_name] = (
        queryset
    )
