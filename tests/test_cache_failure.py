"""The site outlives its cache: Redis refusing, silent, stopped and restarted, or full, and
the page cache never serves a page from before a change made while Redis was away."""

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time

import psycopg
import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casebook.models import Correction, Initiative
from tests.factories import make_initiative
from tests.support import compiled_models

pytestmark = pytest.mark.django_db

BREAKER = 0.3


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def use_redis(settings, port):
    settings.PAGE_CACHE_SECONDS = 600
    settings.CACHES = {
        "default": {
            "BACKEND": "ppci.lib.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "KEY_PREFIX": "ppci-test",
            "OPTIONS": {"breaker_seconds": BREAKER},
        }
    }


class RedisServer:
    """A Redis server of the test's own, which it can stop and start again."""

    def __init__(self, folder, *options):
        self.port = free_port()
        self.folder = folder
        self.options = options
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
                "--save", "", "--appendonly", "no", *self.options,
            ],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self, keep_data=False):
        client = redis.Redis(port=self.port)
        with contextlib.suppress(redis.ConnectionError):
            client.shutdown(save=keep_data, nosave=not keep_data)
        self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path):
    if not shutil.which("redis-server"):
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    servers = []

    def start(*options):
        server = RedisServer(tmp_path, *options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


@pytest.fixture
def silent_port():
    """A server that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(50)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def visit_everything(client):
    """What a visitor reaches: the list, a case, the exports, robots.txt, the correction
    form, the health check."""
    make_initiative(slug="case", title_en="A case that still shows")
    listing = client.get("/en/initiatives/")
    assert listing.status_code == 200
    assert "A case that still shows" in listing.content.decode()
    assert client.get("/en/initiatives/case/").status_code == 200
    export = client.get("/en/initiatives/export.csv")
    assert export.status_code == 200
    assert "A case that still shows" in b"".join(export.streaming_content).decode()
    assert client.get("/robots.txt").status_code == 200
    assert client.get("/en/initiatives/case/correction/").status_code == 200
    sent = client.post("/en/initiatives/case/correction/", {"what_is_wrong": "A wrong year."})
    assert sent.status_code == 302
    assert Correction.objects.count() == 1
    assert client.get("/health/").json()["status"] == "degraded"


def test_the_site_serves_uncached_when_redis_refuses(client, settings):
    use_redis(settings, free_port())
    visit_everything(client)


def test_the_site_serves_uncached_when_redis_never_answers(client, settings, silent_port):
    use_redis(settings, silent_port)
    visit_everything(client)


def test_commands_work_with_the_cache_down(settings):
    from django.core.management import call_command

    use_redis(settings, free_port())
    call_command("load_casebook", verbosity=0)
    assert Initiative.objects.published().count() == 9


def test_a_publish_while_redis_is_away_shows_once_it_is_back(
    client, settings, redis_server, monkeypatch
):
    server = redis_server()
    use_redis(settings, server.port)
    case = make_initiative(slug="late", title_en="Published while Redis was away", status="draft")
    assert "Published while Redis was away" not in client.get("/en/initiatives/").content.decode()

    server.stop(keep_data=True)  # it keeps the page it held
    case.publish(by=None)
    assert "Published while Redis was away" in client.get("/en/initiatives/").content.decode()

    server.start()  # back with its old page
    time.sleep(BREAKER + 0.1)
    assert "Published while Redis was away" in client.get("/en/initiatives/").content.decode()
    # And it caches again: the only question to the database is whether a debt is owed,
    # in SQL compiled once per process, not at each page served from the cache.
    compiled = compiled_models(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/en/initiatives/")
    assert "Published while Redis was away" in again.content.decode()
    assert [query["sql"] for query in queries if "cachedebt" not in query["sql"]] == []
    assert len(queries) == 1
    assert compiled == []


def test_a_process_that_never_saw_the_outage_serves_no_page_from_before_it(
    client, settings, redis_server
):
    """Another app server, idle while Redis was away, asks first once it is back: the change
    made meanwhile is shown at once, not after the server that saw the outage settles."""
    from ppci.lib import cache as resilient

    server = redis_server()
    use_redis(settings, server.port)
    case = make_initiative(slug="late", title_en="Published while Redis was away", status="draft")
    assert "Published while Redis was away" not in client.get("/en/initiatives/").content.decode()

    server.stop(keep_data=True)
    case.publish(by=None)  # the cache is away: a debt is written with the publish
    server.start()
    # As another process would be: its breaker never opened, and it runs no probe.
    resilient._shared_state(f"redis://127.0.0.1:{server.port}/0")["failed_at"] = None
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/en/initiatives/").content.decode()
    assert "Published while Redis was away" in page
    assert any("ppci_lib_cachedebt" in query["sql"] for query in queries)
    # Settled once: the next visitor is served from the cache, asking only whether a debt
    # is owed.
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/en/initiatives/")
    assert "Published while Redis was away" in again.content.decode()
    assert [query["sql"] for query in queries if "cachedebt" not in query["sql"]] == []
    assert len(queries) == 1


def test_a_full_redis_costs_the_visitor_nothing(client, settings, redis_server):
    server = redis_server("--maxmemory", "2mb", "--maxmemory-policy", "noeviction")
    use_redis(settings, server.port)
    filler = redis.Redis(port=server.port)
    with pytest.raises(redis.exceptions.OutOfMemoryError):
        for n in range(10_000):
            filler.set(f"filler:{n}", "x" * 10_000)
    make_initiative(slug="case", title_en="Shown with a full cache")
    for url in ("/en/initiatives/", "/en/initiatives/?theme=nothing", "/en/initiatives/case/"):
        response = client.get(url)
        assert response.status_code == 200
    assert "Shown with a full cache" in client.get("/en/initiatives/").content.decode()


def test_unknown_parameters_are_sent_to_the_address_without_them(client, settings):
    settings.PAGE_CACHE_SECONDS = 600
    make_initiative(slug="case")
    with CaptureQueriesContext(connection) as queries:
        for n in range(20):
            response = client.get(f"/en/initiatives/?sort=title&f={n}")
            assert response.status_code == 301
            assert response["Location"] == "/en/initiatives/?sort=title"
    assert len(queries) == 0


def test_parameters_in_another_order_are_answered_from_the_same_page(client, settings):
    settings.PAGE_CACHE_SECONDS = 600
    make_initiative(slug="case")
    assert client.get("/en/initiatives/?sort=title&q=case").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/en/initiatives/?q=case&sort=title")
    assert response.status_code == 200
    assert len(queries) == 0


def test_a_page_served_from_redis_makes_no_new_client(client, settings, redis_server, monkeypatch):
    """Django's Redis backend made a ``redis.Redis`` for every call, and redis-py fills a
    table of some 340 reply handlers in each: a quarter of a millisecond, twice for every
    page served from the cache."""
    server = redis_server()
    use_redis(settings, server.port)
    made = []
    original = redis.Redis.__init__

    def init(self, *args, **kwargs):
        made.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", init)
    first = client.get("/en/initiatives/")
    assert first.status_code == 200
    kept = len(made)
    for _ in range(3):
        again = client.get("/en/initiatives/")
        assert again.content == first.content
    assert len(made) == kept


@pytest.mark.django_db(transaction=True)
def test_a_page_served_from_redis_costs_one_round_trip_to_the_database(
    client, settings, redis_server, monkeypatch
):
    """Whether a change is owed is the request's first question to the database, and stands
    for Django's health check of a kept connection (CONN_HEALTH_CHECKS: a SELECT 1 before a
    request's first query): one round trip, not two. A kept connection that broke meanwhile
    is still replaced, and the visitor never sees it."""
    from django.db import close_old_connections, connections

    database = connections["default"]
    server = redis_server()
    use_redis(settings, server.port)
    make_initiative(slug="kept", title_en="Kept in the cache")
    assert "Kept in the cache" in client.get("/en/initiatives/").content.decode()
    assert database.health_check_enabled
    checks = []
    original = type(database).is_usable

    def is_usable(wrapper):
        checks.append(wrapper.alias)
        return original(wrapper)

    monkeypatch.setattr(type(database), "is_usable", is_usable)
    # Between two requests, as a server's handler does (the test client does not): a kept
    # connection is to be checked before its next query.
    close_old_connections()
    with CaptureQueriesContext(database) as queries:
        again = client.get("/en/initiatives/")
    assert "Kept in the cache" in again.content.decode()
    assert len(queries) == 1 and "cachedebt" in queries[0]["sql"]
    assert checks == []

    # The kept connection breaks between two requests: the server ends it (or, on SQLite,
    # the file's handle is closed).
    if database.vendor == "postgresql":
        pid = database.connection.info.backend_pid
        params = database.settings_dict
        with psycopg.connect(
            host=params["HOST"], port=params["PORT"] or 5432, user=params["USER"],
            dbname=params["NAME"], autocommit=True,
        ) as other:  # fmt: skip
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
    else:
        database.connection.close()
    close_old_connections()
    with CaptureQueriesContext(database) as queries:
        after = client.get("/en/initiatives/")
    assert after.status_code == 200
    assert "Kept in the cache" in after.content.decode()
    # The question, asked again on a new connection when the kept one failed to answer.
    assert all("cachedebt" in query["sql"] for query in queries) and queries
    close_old_connections()
    assert client.get("/en/initiatives/kept/").status_code == 200
