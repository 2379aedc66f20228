"""On PostgreSQL, outside a transaction, an export reads its initiatives, partnerships and
figures on connections of their own, in threads of their own (``casebook.exports.ReadAhead``). These
tests commit their rows (``transaction=True``): a transaction's rows are seen by no other
connection, and inside one the export reads everything on its own connection."""

import contextlib
import json
import threading
import time

import pytest
from django.db import OperationalError, connection

from casebook import exports
from tests.factories import make_initiative, make_partner, make_theme

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="only PostgreSQL's exports read ahead"
    ),
]


@pytest.fixture
def cases():
    theme = make_theme(slug="messaging", name_es="Mensajería", name_en="Messaging")
    club = make_partner(slug="club", name_es="Club", name_en="Club", sector="private")
    office = make_partner(
        slug="office", name_es="Oficina", name_en="Office", sector="public", kind="police"
    )
    return [
        make_initiative(
            slug=f"case-{n}",
            themes=[theme],
            partners=[(club, "messenger"), (office, "lead"), (club, "funder")],
            figures=n % 4,
        )
        for n in range(30)
    ]


def body(response):
    return b"".join(response.streaming_content)


def readers_alive():
    return [t for t in threading.enumerate() if t.name == "export-read-ahead"]


def backends():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def backends_once_gone(expected):
    """The count of other backends, given a few seconds to come down to `expected`: a backend
    leaves pg_stat_activity a moment after its client has closed the connection (on a busy
    machine, after this test asks). One still open stays counted."""
    for _ in range(100):
        count = backends()
        if count <= expected:
            return count
        time.sleep(0.05)
    return count


@pytest.mark.parametrize(
    "url", ["/es/initiatives/export.json", "/en/initiatives/export-figures.csv"]
)
def test_reading_ahead_gives_the_same_file_as_reading_on_one_connection(
    client, cases, monkeypatch, url
):
    started = []
    enter = exports.ReadAhead.__enter__
    monkeypatch.setattr(
        exports.ReadAhead, "__enter__", lambda self: started.append(self) or enter(self)
    )
    ahead = body(client.get(url))
    assert started, "the export read nothing ahead"
    monkeypatch.setattr(exports, "READ_AHEAD", ())
    assert ahead == body(client.get(url))
    if url.endswith(".json"):
        first = json.loads(ahead)["results"][0]
        assert [p["slug"] for p in first["partners"]] == ["office", "club"]
        assert [r["code"] for r in first["partners"][1]["roles"]] == ["messenger", "funder"]


def test_a_download_stopped_early_stops_its_readers_and_closes_their_connections(
    client, cases, monkeypatch
):
    monkeypatch.setattr(exports, "CHUNK", 2)  # many chunks: the readers wait for room
    monkeypatch.setattr(exports, "PIECE", 1)  # a piece per initiative
    before = backends()
    response = client.get("/es/initiatives/export.json")
    pieces = iter(response.streaming_content)
    next(pieces)
    next(pieces)
    assert len(readers_alive()) == len(exports.READ_AHEAD) == 3
    response.close()
    assert readers_alive() == []
    assert backends_once_gone(before) == before


def test_an_error_of_a_reader_reaches_the_download(client, cases, monkeypatch):
    chunks = exports.Export.chunks

    def failing(self, cursor, sql, keys, fields):
        if threading.current_thread().name == "export-read-ahead":
            raise RuntimeError("a table could not be read")
        return chunks(self, cursor, sql, keys, fields)

    monkeypatch.setattr(exports.Export, "chunks", failing)
    response = client.get("/es/initiatives/export.json")
    with pytest.raises(RuntimeError, match="a table could not be read"):
        body(response)
    assert readers_alive() == []


def test_the_readers_statements_count_as_the_requests_own(client, cases):
    counted = []

    def count(execute, sql, params, many, context):
        counted.append(threading.current_thread().name)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        body(client.get("/es/initiatives/export.json"))
    # The initiatives', the partnerships' and the figures'.
    assert counted.count("export-read-ahead") >= 3


def test_with_no_connection_to_spare_the_export_reads_every_table_itself(
    client, cases, monkeypatch
):
    whole = body(client.get("/es/initiatives/export.json"))
    create, refused = exports.connections.create_connection, []

    def refusing(alias):
        made = create(alias)

        def ensure_connection():
            refused.append(made)
            raise OperationalError("FATAL: sorry, too many clients already")

        made.ensure_connection = ensure_connection
        return made

    monkeypatch.setattr(exports.connections, "create_connection", refusing)
    assert body(client.get("/es/initiatives/export.json")) == whole
    assert len(refused) == 3
    assert readers_alive() == []


def test_a_reader_keeps_no_cursor_past_its_transaction(client, cases, monkeypatch):
    """A cursor kept past its transaction (WITH HOLD) has every row worked out, links and
    JSON included, before the first is sent: a reader's rows come as they are worked out."""
    cursor, held = exports.Export.cursor, []

    @contextlib.contextmanager
    def watched(self, connection=None):
        with cursor(self, connection) as made:
            if threading.current_thread().name == "export-read-ahead":
                held.append(made.cursor.withhold)
            yield made

    monkeypatch.setattr(exports.Export, "cursor", watched)
    body(client.get("/es/initiatives/export.json"))
    assert held == [False, False, False]


def test_stopping_while_a_reader_waits_on_the_database_cancels_its_statement(cases, rf):
    import psycopg

    from casebook.models import Figure, Initiative

    export = exports.Export(Initiative.objects.published().order_by("pk"), rf.get("/"))
    fields, sql = export.tables()["figures"]
    keys = list(export.initiatives.values_list("pk", flat=True))
    with psycopg.connect(**connection.get_connection_params()) as locker:
        locker.execute(f"LOCK TABLE {Figure._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        reader = exports.ReadAhead(export, sql, keys, fields)
        reader.__enter__()
        for _ in range(400):  # until its query waits on the lock
            if waiting_on_a_lock():
                break
            time.sleep(0.05)
        assert waiting_on_a_lock()
        stopping = threading.Thread(target=reader.__exit__, args=(None, None, None))
        stopping.start()
        # Without a cancel it would wait as long as the lock is held, or until the statement
        # limit (20 s) stops its query.
        stopping.join(10)
        held = stopping.is_alive()
        locker.rollback()
    stopping.join()
    assert not held
    assert readers_alive() == []
    assert not waiting_on_a_lock()


def waiting_on_a_lock():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0
