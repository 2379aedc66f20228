"""The one ranking pass of a search: every match with its score, in a temporary table of the
connection, that the list's filter, its count, its facets and its order all read. A common
word is matched and ranked once per request, not once per statement (or per row).

Each backend fills the table its own way (``ranks_table`` of ``sqlite`` and ``postgresql``);
this module keeps what they share: the tables a connection has made, by search and content
generation, and ``by_relevance``, the rows joined to their scores.

A connection forgets its tables when it is made again (``connection_created``). Connections
outlive requests, so the tables a request made are dropped when it finishes
(``request_finished``, sent once a streamed export has been sent): they never pile up on a
kept connection.
"""

import hashlib
import itertools

from django.core.signals import request_finished
from django.db import DatabaseError, connections
from django.db.backends.signals import connection_created
from django.dispatch import receiver

_serial = itertools.count(1)
KEPT = "ppci_search_tables"


@receiver(connection_created)
def forget_search_tables(sender, connection, **kwargs):
    """A new connection has none of the temporary tables the last one made."""
    connection.__dict__.pop(KEPT, None)


@receiver(request_finished)
def drop_search_tables(sender, **kwargs):
    for connection in connections.all(initialized_only=True):
        kept = connection.__dict__.pop(KEPT, {})
        if not kept or connection.connection is None:
            continue
        try:
            with connection.cursor() as cursor:
                for _generation, table in kept.values():
                    cursor.execute(f"DROP TABLE IF EXISTS {table}")
        except DatabaseError:
            pass  # a failed transaction; the tables end with the connection


def remembered(connection, search, make):
    """The name of the table of ``search`` (a backend's own query text) for the current
    content, made by ``make(connection, table)`` on first use."""
    from ppci.lib import pagecache

    # Connect first: a new connection forgets the tables of the last (connection_created).
    connection.ensure_connection()
    key = hashlib.sha256(search.encode()).hexdigest()[:16]
    kept = connection.__dict__.setdefault(KEPT, {})
    current = pagecache.generation()
    found = kept.get(key)
    if found is not None and current is not None and found[0] == current:
        return found[1]
    table = f"ppci_search_{key}_{next(_serial)}"
    make(connection, table)
    kept[key] = (current, table)
    return table


def by_relevance(queryset, table):
    """``queryset`` joined to the ranking table ``table`` (every row of it matches), each
    row annotated with its ``search_rank`` (higher is better). A join, not a lookup per row:
    ordering ninety thousand matches by a score looked up one by one costs twice as much.
    Django's ``extra()`` is the one way to join a table that has no model; its SQL names the
    query's own table, so the result is for a page or an export, not for a subquery."""
    base = queryset.model._meta.db_table
    name = table.removeprefix("temp.")  # SQLite looks in temp first; extra() quotes names
    return queryset.extra(
        select={"search_rank": f"{name}.score"},
        tables=[name],
        where=[f"{name}.id = {base}.{queryset.model._meta.pk.column}"],
    )
