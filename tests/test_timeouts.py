"""No statement runs for ever: SQLite's statements are interrupted after
SQLITE_STATEMENT_TIMEOUT as PostgreSQL's are after statement_timeout, and the visitor whose
request ran out of time gets a page that says so, not a server error."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import OperationalError, connection, connections
from django.db.backends.signals import connection_created

from casebook import views

pytestmark = pytest.mark.django_db

# A statement that runs for many seconds on either database (and then ends, should the
# limit fail to stop it).
ENDLESS = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
    "WHERE i < 50000000) SELECT count(*) FROM n",
    "postgresql": "SELECT pg_sleep(10)",
}


@pytest.fixture
def in_a_request():
    request_started.send(sender=None)
    yield
    request_finished.send(sender=None)


@pytest.fixture
def short_limit(settings):
    """A limit of a fifth of a second, on a new connection (where the limit is set). On
    PostgreSQL it is set on the connection and on any connection opened while the test runs:
    a request closes a connection older than CONN_MAX_AGE and opens another."""
    if connection.vendor == "sqlite":
        settings.SQLITE_STATEMENT_TIMEOUT = 200
        connections["default"].close()
        connections["default"].ensure_connection()
        yield
        connections["default"].close()
    else:

        def limit(sender, connection, **kwargs):
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 200")

        connection_created.connect(limit)
        connection.ensure_connection()
        limit(None, connection)
        yield
        connection_created.disconnect(limit)
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = DEFAULT")


@pytest.mark.django_db(transaction=True)
def test_a_statement_that_runs_away_is_stopped(short_limit, in_a_request):
    with pytest.raises(OperationalError), connection.cursor() as cursor:
        cursor.execute(ENDLESS[connection.vendor])


@pytest.mark.django_db(transaction=True)
def test_the_next_statement_is_not_stopped(short_limit, in_a_request):
    with pytest.raises(OperationalError), connection.cursor() as cursor:
        cursor.execute(ENDLESS[connection.vendor])
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL limits every statement")
@pytest.mark.django_db(transaction=True)
def test_a_management_command_is_not_limited(short_limit):
    """Outside a request (rebuilding the search index of a large case book, say), SQLite's
    statements run to their end."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
            "WHERE i < 3000000) SELECT count(*) FROM n"
        )
        assert cursor.fetchone() == (3000000,)


@pytest.mark.django_db(transaction=True)
def test_a_visitor_whose_request_ran_out_of_time_is_told_so(client, short_limit, monkeypatch):
    def endless_counts():
        with connection.cursor() as cursor:
            cursor.execute(ENDLESS[connection.vendor])

    monkeypatch.setattr(views, "case_book_counts", endless_counts)
    for language, words in (("es", "tardó demasiado"), ("en", "took too long")):
        response = client.get(f"/{language}/")
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        assert words in response.content.decode()
