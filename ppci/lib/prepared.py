"""Queries whose SQL is written once per process and then run with new values.

Django compiles a queryset into SQL each time it is evaluated. For the few queries a page
makes on every visit, with many columns and joins, that takes longer than the database takes
to run them: an initiative's page spends several milliseconds compiling four queries whose
SQL differs only in one value. A ``Prepared`` query is a function of a few values that gives
a queryset; it is compiled once for each database, language and ``variant`` (the SQL a
queryset compiles to can depend on each), with markers in place of the values, and each run
puts the values in the markers' places and makes model instances from the rows as Django's
own iteration does (``select_related`` objects and annotations included).

What it does not do: ``prefetch_related`` (a queryset's prefetches are left out; read them
with their own ``Prepared`` and ``attach`` them), ``values()``, deferred fields, extra
columns, or any value that changes the *shape* of the SQL (an ``__in`` list's length): such a
queryset is refused when it is compiled.
"""

import threading
from dataclasses import dataclass

from django.db import connections
from django.db.models.query import ModelIterable, get_related_populators
from django.utils import translation

# What stands for a value of each type while the SQL is compiled: a value no query is given,
# found again among the compiled parameters.
MARKERS = {str: "\x00prepared\x00", int: -7_301_946_028_815_377}


@dataclass(frozen=True)
class Compiled:
    sql: str
    params: tuple
    positions: tuple  # where each value goes in ``params``
    model: type
    init_list: list
    model_slice: slice
    select: list
    klass_info: dict
    annotations: tuple  # (attribute, position) of each annotation
    converters: tuple  # (position, converters, expression) of each column that has any


class Prepared:
    def __init__(self, build, **types):
        """``build(**markers)`` gives the queryset (``build(variant, **markers)`` with a
        variant), given a marker for each value; ``types`` name the values and their types
        (``str`` or ``int``)."""
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

    def _compile(self, using, variant):
        markers = {name: MARKERS[kind] for name, kind in self.types.items()}
        if len(set(self.types.values())) != len(self.types):
            raise ValueError("A prepared query takes at most one value of each type.")
        queryset = self.build(variant, **markers) if variant is not None else self.build(**markers)
        if queryset._prefetch_related_lookups or queryset._iterable_class is not ModelIterable:
            raise ValueError("A prepared query makes model instances, with no prefetches.")
        if queryset.query.deferred_loading != (frozenset(), True) or queryset.query.extra:
            raise ValueError("A prepared query reads whole rows, without extra columns.")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        params = tuple(params)
        positions = []
        for name in self.names:
            marker = markers[name]
            found = [i for i, value in enumerate(params) if type(value) is type(marker)
                     and value == marker]  # fmt: skip
            if len(found) != 1:
                raise ValueError(f"The value {name!r} must appear once in the query's SQL.")
            positions.append(found[0])
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        fields = [column for column, _sql, _alias in select[: compiler.col_count]]
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(fields).items()
        )
        return Compiled(
            sql=sql,
            params=params,
            positions=tuple(positions),
            model=klass_info["model"],
            init_list=[column[0].target.attname for column in select[start:end]],
            model_slice=slice(start, end),
            select=select,
            klass_info=klass_info,
            annotations=tuple((compiler.annotation_col_map or {}).items()),
            converters=converters,
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
            params[position] = values[name]
        return compiled, params


def instances(compiled, rows, using):
    """The model instances of ``rows``, as Django's own iteration makes them."""
    connection = connections[using]
    populators = get_related_populators(compiled.klass_info, compiled.select, using)
    model, init_list, model_slice = compiled.model, compiled.init_list, compiled.model_slice
    found = []
    for row in rows:
        if compiled.converters:
            row = list(row)
            for position, functions, expression in compiled.converters:
                value = row[position]
                for convert in functions:
                    value = convert(value, expression, connection)
                row[position] = value
        instance = model.from_db(using, init_list, row[model_slice])
        for populator in populators:
            populator.populate(row, instance)
        for attribute, position in compiled.annotations:
            setattr(instance, attribute, row[position])
        found.append(instance)
    return found


def read_together(using, reads):
    """The instances of each read, ``(prepared, variant, values)``, in a list each. On
    PostgreSQL, whose connections here bind values on the client, the statements go together
    in one round trip; elsewhere one after another."""
    connection = connections[using]
    statements = [prepared.statement(using, variant, values) for prepared, variant, values in reads]
    together = (
        connection.vendor == "postgresql"
        and not connection.settings_dict["OPTIONS"].get("server_side_binding")
        and len(statements) > 1
    )
    results = []
    with connection.cursor() as cursor:
        if together:
            cursor.execute(
                "; ".join(compiled.sql for compiled, _params in statements),
                [value for _compiled, params in statements for value in params],
            )
            for index, (compiled, _params) in enumerate(statements):
                if index and not cursor.nextset():
                    raise RuntimeError("A statement sent together gave no result.")
                results.append(instances(compiled, cursor.fetchall(), using))
        else:
            for compiled, params in statements:
                cursor.execute(compiled.sql, params)
                results.append(instances(compiled, cursor.fetchall(), using))
    return results


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
