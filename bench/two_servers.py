#!/usr/bin/env python3
"""Two app servers, one database, one Redis: what one shows, the other shows at once.

    .venv/bin/python bench/two_servers.py [--server postgres://postgres@127.0.0.1:5432]

It creates a PostgreSQL database of its own, migrates it and loads the case book, starts a
Redis server of its own (no persistence, as a restarted production Redis without a dump) and
two ``gunicorn ppci.wsgi`` servers as two machines would run them: each with its own
temporary folder, the same DATABASE_URL, REDIS_URL and SECRET_KEY, the page cache on. Then:

1. both servers serve the list (and keep it in the cache);
2. a reviewer unpublishes a case through server A's admin: server B's very next request for
   the case is a 404 and its list no longer names it;
3. Redis is restarted (everything it held is gone): both servers keep serving;
4. the reviewer publishes the case again through A: B's very next request shows it;
5. Redis is stopped; the reviewer unpublishes the case through A; both servers serve
   uncached, and B does not show it; Redis comes back: B still does not show it;
6. Redis stops with its data kept on disk (as if only unreachable); the reviewer publishes the
   case through A, while B gets no request; Redis comes back with the pages it held: B's next
   request shows the case, without waiting for A to notice;
7. a CSV export is started on B while the table it reads next is locked, and B's database
   connection is cut: the download ends as an incomplete transfer, never a body that looks
   whole, and B's next export is whole.

It prints each step and exits with status 1 at the first that fails. The database is dropped
and the servers stopped at the end.
"""

import argparse
import http.client
import http.cookiejar
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from bench.harness import free_port, manage, start_gunicorn, stop_gunicorn  # noqa: E402

CASE = "ruta-n"
TITLE = "Ruta N"
PASSWORD = "two servers " + secrets.token_urlsafe(8)


class Failed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failed(message)
    print(f"  ok: {message}", flush=True)


class Redis:
    def __init__(self, folder):
        self.port = free_port()
        self.folder = folder
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            ping = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
            )
            if ping.stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        raise Failed("redis-server did not start")

    def stop(self, keep_data=False):
        """Stop it; with ``keep_data`` it writes what it holds to disk and reads it back when
        started again, as a Redis that was only unreachable for a while."""
        if keep_data:
            subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "save"], check=False)
        else:
            self.process.terminate()
        self.process.wait(timeout=10)


class Browser:
    """A client with its own cookies, as a person's browser."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def token(self, html):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def log_in(self, username):
        _status, page = self.request("/admin/login/")
        status, _ = self.request(
            "/admin/login/",
            {"csrfmiddlewaretoken": self.token(page), "username": username, "password": PASSWORD},
        )
        check(status == 302, f"{username} logs in to {self.base}")

    def run_action(self, action, pk):
        path = "/admin/casebook/initiative/"
        _status, page = self.request(path)
        status, _ = self.request(
            path,
            {
                "csrfmiddlewaretoken": self.token(page),
                "action": action,
                "_selected_action": [str(pk)],
                "index": "0",
            },
        )
        check(status == 302, f"the {action} action is accepted by {self.base}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def visitor_sees_case(base):
    """(status of the case's page, whether the list names it), as a visitor gets them."""
    visitor = Browser(base)
    status, _ = visitor.request(f"/en/initiatives/{CASE}/")
    _, listing = visitor.request("/en/initiatives/?sort=title&page=1")
    pages = [listing]
    for number in range(2, 4):
        _, page = visitor.request(f"/en/initiatives/?sort=title&page={number}")
        pages.append(page)
    return status, any(f">{TITLE}<" in page for page in pages)


def export_rows(base):
    """(status, whether the body ended as a complete transfer) of the CSV export."""
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("GET", "/en/initiatives/export.csv")
        response = connection.getresponse()
        try:
            response.read()
        except http.client.IncompleteRead:
            return response.status, False
        return response.status, True
    finally:
        connection.close()


def export_cut_mid_stream(base, server, database):
    """Start the CSV export while the theme links it reads next wait on a lock, so that the
    header row has gone out; cut the server's database connection; the client must see an
    incomplete transfer, not a body that looks whole."""
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    # The lock is held in a transaction; the backends are watched from outside it, as a
    # transaction sees the activity of the others as it was when it first asked.
    with (
        psycopg.connect(f"{server}/{database}", autocommit=True) as other,
        psycopg.connect(f"{server}/{database}", autocommit=True) as watcher,
    ):
        with other.transaction():
            other.execute("LOCK TABLE casebook_initiative_themes IN ACCESS EXCLUSIVE MODE")
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            connection.request("GET", "/en/initiatives/export.csv")
            response = connection.getresponse()
            check(response.status == 200, "the export starts with 200")
            first = response.readline()
            check(b"slug" in first, "its header row arrives before the rows")
            waiting = []
            for _ in range(200):
                waiting = watcher.execute(
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE datname = %s AND wait_event_type = 'Lock'",
                    [database],
                ).fetchall()
                if waiting:
                    break
                time.sleep(0.05)
            check(len(waiting) == 1, "the export waits on its next read")
            watcher.execute("SELECT pg_terminate_backend(%s)", [waiting[0][0]])
        try:
            response.read()
        except http.client.IncompleteRead:
            return True
        finally:
            connection.close()
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()

    database = f"ppci_two_servers_{os.getpid()}"
    work = Path(tempfile.mkdtemp(prefix="ppci-two-servers-"))
    redis = Redis(work)
    servers = []
    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        admin.execute(f'CREATE DATABASE "{database}"')
    try:
        redis.start()
        env = {
            **os.environ,
            "DATABASE_URL": f"{args.server}/{database}",
            "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "PAGE_CACHE_SECONDS": "600",
            "DJANGO_SUPERUSER_USERNAME": "reviewer",
            "DJANGO_SUPERUSER_EMAIL": "reviewer@example.org",
            "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        }
        print(f"Preparing {database} …", flush=True)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "load_casebook", quiet=True)
        manage(env, "collectstatic", "--noinput", "-v0")
        manage(env, "createsuperuser", "--noinput", quiet=True)
        find = (
            f"from casebook.models import Initiative as I; print(I.objects.get(slug='{CASE}').pk)"
        )
        shell = manage(env, "shell", "-v0", "-c", find, capture=True)
        case_pk = shell.stdout.split()[-1]

        bases = []
        for name in ("a", "b"):
            folder = work / name  # each "machine" has its own temporary folder
            folder.mkdir()
            port = free_port()
            servers.append(
                start_gunicorn(
                    {**env, "TMPDIR": str(folder)},
                    port,
                    "--workers=1",
                    ready="/en/",
                    log=folder / "gunicorn.log",
                )
            )
            bases.append(f"http://127.0.0.1:{port}")
        a, b = bases

        print("1. Both servers serve the list", flush=True)
        for base in bases:
            check(visitor_sees_case(base) == (200, True), f"{base} shows {TITLE}")
            check(visitor_sees_case(base) == (200, True), f"{base} shows it again, cached")

        print("2. Unpublished through A, gone from B at once", flush=True)
        reviewer = Browser(a)
        reviewer.log_in("reviewer")
        reviewer.run_action("unpublish", case_pk)
        check(visitor_sees_case(b) == (404, False), f"{b} no longer shows {TITLE}")

        print("3. Redis restarted: both keep serving", flush=True)
        redis.stop()
        redis.start()
        time.sleep(6)  # past the breaker of a server that noticed
        for base in bases:
            check(visitor_sees_case(base) == (404, False), f"{base} serves, without {TITLE}")

        print("4. Published through A, shown by B at once", flush=True)
        reviewer.run_action("publish", case_pk)
        check(visitor_sees_case(b) == (200, True), f"{b} shows {TITLE} again")

        print("5. Unpublished through A while Redis is down", flush=True)
        redis.stop()
        reviewer.run_action("unpublish", case_pk)
        for base in bases:
            check(visitor_sees_case(base) == (404, False), f"{base} serves uncached, without it")
        redis.start()
        time.sleep(6)
        check(visitor_sees_case(b) == (404, False), f"{b}, with Redis back, still without it")

        print("6. Published through A while Redis is away, B idle; Redis back with its pages")
        check(visitor_sees_case(b) == (404, False), f"{b} keeps its page without {TITLE}")
        redis.stop(keep_data=True)
        reviewer.run_action("publish", case_pk)
        redis.start()  # with the pages it held, from before the publish
        # No wait: B, which never saw the failure, finds the debt in the database itself.
        check(visitor_sees_case(b) == (200, True), f"{b} shows {TITLE}, not its old page")

        print("7. An export whose database connection is cut mid-stream", flush=True)
        check(export_cut_mid_stream(b, args.server, database), "the download ends incomplete")
        status, complete = export_rows(b)
        check(status == 200 and complete, f"{b}'s next export is whole")
        print("Two servers: every step as expected.")
        return 0
    except Failed as failure:
        print(f"FAILED: {failure}", flush=True)
        for server_log in sorted(work.glob("*/gunicorn.log")):
            print(f"--- {server_log}\n{server_log.read_text()[-3000:]}")
        return 1
    finally:
        for server in servers:
            stop_gunicorn(server)
        if redis.process and redis.process.poll() is None:
            redis.stop()
        with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
