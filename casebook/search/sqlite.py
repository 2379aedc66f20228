"""Search on SQLite: an FTS5 table over ``Initiative.search_document``, with diacritics
removed, prefix matching and Spanish and English word forms, kept in step by triggers.

The table is contentless: its first column indexes the document as it is (for phrases and the
start of words), its second the Snowball stems of the document's words (``stems``), written
by the SQL function ``ppci_search_stems`` that every connection gets (``add_functions``). A
word of a query matches by its start in the document, or by any of its stems.

SQLite rebuilds a table it alters and drops its triggers with it, so the index is made whole
after every ``migrate`` (see ``casebook.apps``) and checked: a missing trigger is an error.
"""

from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models import FloatField, Value
from django.db.models.expressions import RawSQL
from django.dispatch import receiver

from ppci.lib.text import fold

from . import ranks
from .stems import stems, stems_of_text
from .syntax import fts5_expression

TRIGGER_EVENTS = ("insert", "delete", "update")
STEMS_FUNCTION = "ppci_search_stems"
STEMS_COLUMN = "stems"
# Scores equal to this many significant digits are a tie, which the list orders by slug:
# bm25's last digits depend on the order FTS5 happened to add up its figures in.
SCORE_DIGITS = 10


def add_functions(connection):
    """What the index's triggers call: the stems of a document (see ``stems``)."""
    connection.connection.create_function(STEMS_FUNCTION, 1, stems_of_text, deterministic=True)


@receiver(connection_created)
def add_functions_to_new_connection(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        add_functions(connection)


def other_forms(word):
    """The stems of ``word`` a search looks for besides its start: a stem that is the word
    itself adds nothing (a word begins with its stem), and would make a common word such as
    “de” cost a second pass over the index."""
    folded = fold(word)
    return [stem for stem in stems(word) if stem != folded]


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
    stems = STEMS_COLUMN

    def row(prefix):
        return f"{prefix}.{key}, {prefix}.{document}, {STEMS_FUNCTION}({prefix}.{document})"

    forget_old = (
        f"INSERT INTO {fts}({fts}, rowid, {document}, {stems}) VALUES ('delete', {row('old')})"
    )
    add_new = f"INSERT INTO {fts}(rowid, {document}, {stems}) VALUES ({row('new')})"
    return [
        f"""CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(
            {document},
            {stems},
            content='',
            tokenize="unicode61 remove_diacritics 2"
        )""",
        f"""CREATE TRIGGER IF NOT EXISTS {fts}_insert AFTER INSERT ON {table}
        BEGIN
            {add_new};
        END""",
        f"""CREATE TRIGGER IF NOT EXISTS {fts}_delete AFTER DELETE ON {table}
        BEGIN
            {forget_old};
        END""",
        f"""CREATE TRIGGER IF NOT EXISTS {fts}_update AFTER UPDATE OF {document} ON {table}
        BEGIN
            {forget_old};
            {add_new};
        END""",
        # Rebuilding is cheap and makes the index whole again after a table rebuild dropped
        # the triggers (or a new stemmer changed the stems).
        f"INSERT INTO {fts}({fts}) VALUES ('delete-all')",
        f"INSERT INTO {fts}(rowid, {document}, {stems}) SELECT {row(table)} FROM {table}",
    ]


def teardown_statements():
    fts = names()["fts"]
    return [f"DROP TABLE IF EXISTS {fts}"] + [
        f"DROP TRIGGER IF EXISTS {fts}_{event}" for event in TRIGGER_EVENTS
    ]


def missing_parts(connection):
    """What of the index is not in the database: the FTS table, its column of stems or any
    of its triggers."""
    fts = names()["fts"]
    wanted = {fts, *(f"{fts}_{event}" for event in TRIGGER_EVENTS)}
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
        if fts in present:
            cursor.execute(f"SELECT name FROM pragma_table_info('{fts}')")
            if STEMS_COLUMN not in {row[0] for row in cursor.fetchall()}:
                wanted.add(f"{fts}.{STEMS_COLUMN}")
    return sorted(wanted - present)


def _matching_keys(expression):
    n = names()
    return RawSQL(f"SELECT rowid FROM {n['fts']} WHERE {n['fts']} MATCH %s", [expression])


def _fill(expression):
    def make(connection, table):
        fts = names()["fts"]
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE {table} (id INTEGER PRIMARY KEY, score REAL)")
            cursor.execute(
                f"INSERT INTO temp.{table} "
                f"SELECT rowid, CAST(printf('%%.{SCORE_DIGITS - 1}e', -bm25({fts})) AS REAL) "
                f"FROM {fts} WHERE {fts} MATCH %s",
                [expression],
            )

    return make


def ranks_table(connection, expression):
    """One pass of FTS5 over the query: every match with its bm25 score (see ``ranks``).
    The table is remade whenever the content has changed."""
    return f"temp.{ranks.remembered(connection, expression, _fill(expression))}"


def match_scores(connection, text, scored=True, among=None):
    """Every match with its score, as the ranking table holds them, without the table; a
    search of excluded words alone scores every initiative without them 0, as ``ranked``.
    FTS5 scores its matches as it finds them: ``scored`` and ``among`` (the keys the caller
    needs, which it picks out of the matches itself) change nothing here."""
    n = names()
    fts = n["fts"]
    expression, only_negative = fts5_expression(text, n["document"], other_forms)
    with connection.cursor() as cursor:
        if expression is None:
            cursor.execute(
                f"SELECT {n['key']}, 0.0 FROM {n['table']} WHERE {n['key']} NOT IN "
                f"(SELECT rowid FROM {fts} WHERE {fts} MATCH %s)",
                [" OR ".join(only_negative)],
            )
        else:
            cursor.execute(
                f"SELECT rowid, CAST(printf('%%.{SCORE_DIGITS - 1}e', -bm25({fts})) AS REAL) "
                f"FROM {fts} WHERE {fts} MATCH %s",
                [expression],
            )
        return cursor.fetchall()


def matching(queryset, text):
    expression, only_negative = fts5_expression(text, names()["document"], other_forms)
    if expression is None:
        return queryset.exclude(pk__in=_matching_keys(" OR ".join(only_negative)))
    table = ranks_table(connections[queryset.db], expression)
    return queryset.filter(pk__in=RawSQL(f"SELECT id FROM {table}", []))


def ranked(queryset, text):
    expression, _ = fts5_expression(text, names()["document"], other_forms)
    if expression is None:
        return queryset.annotate(search_rank=Value(0.0, output_field=FloatField()))
    table = ranks_table(connections[queryset.db], expression)
    return ranks.by_relevance(queryset, table)


def with_snippets(queryset, text):
    """SQLite marks matches in Python (see ``snippet``)."""
    return queryset
