"""Search on SQLite: an FTS5 table over ``Initiative.search_document``, with diacritics
removed and prefix matching, kept in step by triggers.

SQLite rebuilds a table it alters and drops its triggers with it, so the index is made whole
after every ``migrate`` (see ``casebook.apps``) and checked: a missing trigger is an error.
"""

from django.db.models import Expression, F, FloatField, Value
from django.db.models.expressions import RawSQL

from .syntax import fts5_expression

TRIGGER_EVENTS = ("insert", "delete", "update")


def names():
    """Table and columns, read off the model: the initiatives' table, its key and text
    columns, and the FTS5 table named after it."""
    from casebook.models import Initiative

    meta = Initiative._meta
    table = meta.db_table
    return {
        "table": table,
        "key": meta.pk.column,
        "document": meta.get_field("search_document").column,
        "fts": f"{table}_fts",
    }


def setup_statements():
    n = names()
    fts, table, key, document = n["fts"], n["table"], n["key"], n["document"]
    forget_old = (
        f"INSERT INTO {fts}({fts}, rowid, {document}) VALUES ('delete', old.{key}, old.{document})"
    )
    return [
        f"""CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(
            {document},
            content='{table}',
            content_rowid='{key}',
            tokenize="unicode61 remove_diacritics 2"
        )""",
        f"""CREATE TRIGGER IF NOT EXISTS {fts}_insert AFTER INSERT ON {table}
        BEGIN
            INSERT INTO {fts}(rowid, {document}) VALUES (new.{key}, new.{document});
        END""",
        f"""CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {table}
        BEGIN
            {forget_old};
        END""",
        f"""CREATE TRIGGER IF NOT EXISTS {fts}_update AFTER UPDATE OF {document} ON {table}
        BEGIN
            {forget_old};
            INSERT INTO {fts}(rowid, {document}) VALUES (new.{key}, new.{document});
        END""",
        # Rebuilding is cheap and makes the index whole again after a table rebuild dropped
        # the triggers.
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def teardown_statements():
    fts = names()["fts"]
    return [f"DROP TABLE IF EXISTS {fts}"] + [
        f"DROP TRIGGER IF EXISTS {fts}_{event}" for event in TRIGGER_EVENTS
    ]


def missing_parts(connection):
    """What of the index is not in the database: the FTS table or any of its triggers."""
    fts = names()["fts"]
    wanted = {fts, *(f"{fts}_{event}" for event in TRIGGER_EVENTS)}
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
    return sorted(wanted - present)


def _matching_keys(expression):
    n = names()
    return RawSQL(f"SELECT rowid FROM {n['fts']} WHERE {n['fts']} MATCH %s", [expression])


def matching(queryset, text):
    expression, only_negative = fts5_expression(text)
    if expression is None:
        return queryset.exclude(pk__in=_matching_keys(" OR ".join(only_negative)))
    return queryset.filter(pk__in=_matching_keys(expression))


class Relevance(Expression):
    """FTS5's bm25 score of each initiative for the query (higher is better): the matches
    are ranked in one pass, then looked up by key."""

    output_field = FloatField()

    def __init__(self, expression, key=None):
        super().__init__()
        self.expression = expression
        self.key = key if key is not None else F("pk")

    def get_source_expressions(self):
        return [self.key]

    def set_source_expressions(self, expressions):
        [self.key] = expressions

    def as_sql(self, compiler, connection):
        fts = names()["fts"]
        key_sql, key_params = compiler.compile(self.key)
        sql = (
            f"(SELECT ranked.score FROM (SELECT rowid AS id, -bm25({fts}) AS score "
            f"FROM {fts} WHERE {fts} MATCH %s) AS ranked WHERE ranked.id = {key_sql})"
        )
        return sql, [self.expression, *key_params]


def ranked(queryset, text):
    expression, _ = fts5_expression(text)
    if expression is None:
        return queryset.annotate(search_rank=Value(0.0, output_field=FloatField()))
    return queryset.annotate(search_rank=Relevance(expression))


def with_snippets(queryset, text):
    """SQLite marks matches in Python (see ``snippet``)."""
    return queryset
