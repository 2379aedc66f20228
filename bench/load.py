#!/usr/bin/env python3
"""Load test: the portal under gunicorn on PostgreSQL, read by many while editors work.

    .venv/bin/python bench/load.py [--clients 50] [--duration 60] [--database ppci_load]

What it does:

1. Creates a fresh PostgreSQL database (dropping one of the same name), migrates it, loads the
   case book with ``load_casebook`` and, with ``--initiatives N``, adds N demo initiatives
   with ``generate_demo_data``. Collects the static files.
2. Starts ``gunicorn ppci.wsgi`` with production settings: DEBUG off, a random SECRET_KEY,
   every transport-security setting on. The clients say they came through an HTTPS proxy
   (``X-Forwarded-Proto: https``, which the settings trust), so nothing is relaxed for
   loopback: secure cookies, CSRF origin checks and HSTS all apply.
3. For ``--duration`` seconds, ``--clients`` visitors send mixed traffic on keep-alive
   connections: the list with filters, full-text searches, initiative pages and CSV/JSON
   exports, in both languages. At the same time, editors log in to the admin and append a
   marked sentence to initiatives through the change form (re-opening the form and trying
   again when told that someone else saved first), and a reviewer publishes and unpublishes
   a draft from the list.
4. Reports requests served, errors (any status other than the expected one, or a failed
   connection), latency percentiles and throughput, and then checks in the database that
   every edit the admin accepted is there and that the draft ended as the reviewer left it.

Exits with status 1 if there was any error or any accepted edit is missing.
"""

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shutil
import sqlite3
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import django
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, only bench/ is on the path

from bench import harness  # noqa: E402

PYTHON = sys.executable
STAFF_PASSWORD = "load-test " + secrets.token_urlsafe(12)
SEARCHES = [
    "medellin",
    "jóvenes",
    "football",
    "fútbol",
    "social impact bond",
    '"Ruta N"',
    "violencia -armas",
    "extremism",
    "empleo",
    "memphis",
    "paz",
    "reoffending",
]
FILTERS = [
    "theme=trust-building",
    "theme=engagement&theme=education",
    "sector=private",
    "sector=community&programming=implicit",
    "kind=sports-team",
    "funding=social-impact-bond",
    "scale=city",
    "country=co",
    "country=GB&country=US",
    "year_from=2005&year_to=2015",
    "sort=-year",
    "sort=title&page=1",
    "programming=explicit&sort=-updated",
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent visitors (50)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of traffic (60)")
    parser.add_argument("--editors", type=int, default=3, help="editors saving at once (3)")
    parser.add_argument(
        "--database",
        default=os.environ.get("LOAD_DATABASE", "ppci_load"),
        help="PostgreSQL database to create for the run, dropped first if it exists",
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("LOAD_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server, as a URL without the database name",
    )
    parser.add_argument(
        "--sqlite",
        type=Path,
        help="run on a new SQLite database in this file instead of PostgreSQL",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (4)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    parser.add_argument(
        "--initiatives",
        type=int,
        default=0,
        help="demo initiatives to add with generate_demo_data",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    return parser.parse_args()


# Setting up -----------------------------------------------------------------------------


def admin_connection(server):
    return psycopg.connect(f"{server}/postgres", autocommit=True)


def database_url(args):
    if args.sqlite:
        return f"sqlite:///{args.sqlite.resolve()}"
    return f"{args.server}/{args.database}"


def sqlite_files(args):
    return [args.sqlite.with_name(args.sqlite.name + suffix) for suffix in ("", "-wal", "-shm")]


def drop_database(args):
    if args.sqlite:
        for path in sqlite_files(args):
            path.unlink(missing_ok=True)
        return
    with admin_connection(args.server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


def create_database(args):
    """A new, empty database (an SQLite file is created by the first migration)."""
    drop_database(args)
    if not args.sqlite:
        with admin_connection(args.server) as connection:
            connection.execute(f'CREATE DATABASE "{args.database}"')


def read(args, sql, params=()):
    """All rows of one query, on whichever database the run uses."""
    if args.sqlite:
        connection = sqlite3.connect(args.sqlite)
        try:
            return connection.execute(sql.replace("%s", "?"), params).fetchall()
        finally:
            connection.close()
    with psycopg.connect(database_url(args)) as connection:
        return connection.execute(sql, params).fetchall()


def manage(env, *arguments):
    return harness.manage(env, *arguments, capture=True)


STAFF_SETUP = """
from django.contrib.auth.models import Group, User
from casebook.models import Initiative, Theme
password = {password!r}
for number in range({editors}):
    user = User.objects.create_user(f"editor{{number}}", password=password, is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
reviewer = User.objects.create_user("reviewer", password=password, is_staff=True)
reviewer.groups.add(Group.objects.get(name="Reviewers"))
draft = Initiative.objects.create(
    slug="load-test-draft", title_es="Borrador de la prueba de carga",
    summary_es="Lo publica y despublica la revisora durante la prueba.",
    country="ES", programming="implicit", scale="local",
)
draft.themes.set(Theme.objects.filter(slug="trust-building"))
"""


def prepare(args, env):
    print(f"Creating database {database_url(args)} …", flush=True)
    create_database(args)
    manage(env, "migrate", "--noinput", "-v0")
    print(manage(env, "load_casebook").stdout.strip(), flush=True)
    if args.initiatives:
        result = manage(env, "generate_demo_data", "--initiatives", str(args.initiatives))
        print(result.stdout.strip(), flush=True)
    manage(env, "collectstatic", "--noinput", "-v0")
    manage(
        env,
        "shell",
        "-c",
        STAFF_SETUP.format(password=STAFF_PASSWORD, editors=args.editors),
    )


def start_gunicorn(args, env):
    try:
        return harness.start_gunicorn(
            env,
            args.port,
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            "gthread",
            "--backlog",
            "2048",
            "--timeout",
            "60",
            ready="/robots.txt",
            headers=PROXY_HEADERS,
            log=ROOT / "bench" / "reports" / "load-gunicorn.log",
        )
    except RuntimeError as error:
        raise SystemExit(f"{error}; see bench/reports/load-gunicorn.log") from None


# Talking HTTP ---------------------------------------------------------------------------

PROXY_HEADERS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}


class Browser:
    """One keep-alive connection with its own cookies, as a visitor's browser would have."""

    def __init__(self, port, language="es"):
        self.port = port
        self.origin = "https://127.0.0.1"
        self.cookies = {}
        self.language = language
        self.connection = None

    def request(self, method, path, body=None, headers=None):
        headers = {**PROXY_HEADERS, "Accept-Language": self.language, **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                content = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: open a new one, once.
                self.connection.close()
                self.connection = None
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location", ""), content

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields, referer):
        body = urllib.parse.urlencode(fields, doseq=True)
        return self.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": self.origin + referer,
            },
        )


def form_fields(content, form_id):
    """The fields the form would submit, as (name, value) pairs."""
    from tests.support import FormReader  # imports the models: Django is set up in main()

    reader = FormReader(form_id)
    reader.feed(content.decode("utf-8"))
    if not reader.data:
        raise RuntimeError(f"no form #{form_id} on the page")
    return [(name, value) for name, values in reader.data.items() for value in values]


def log_in(port, username):
    browser = Browser(port, language="en")
    status, _location, content = browser.get("/admin/login/")
    fields = dict(form_fields(content, "login-form"))
    fields.update(username=username, password=STAFF_PASSWORD)
    status, location, _content = browser.post("/admin/login/", fields, "/admin/login/")
    if status != 302:
        raise RuntimeError(f"{username} could not log in (status {status})")
    return browser


# The traffic ----------------------------------------------------------------------------


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = {}
        self.errors = []
        self.accepted_edits = {}  # initiative id -> list of markers the admin accepted
        self.conflicts = 0
        self.publishes = []  # "published" | "unpublished", in order

    def record(self, kind, seconds, ok, what):
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            if not ok:
                self.errors.append(what)


def visitor(port, slugs, stop, tally, seed):
    rng = random.Random(seed)
    browser = Browser(port, language=rng.choice(["es", "en"]))
    while not stop.is_set():
        lang = rng.choice(["es", "en"])
        roll = rng.random()
        if roll < 0.30:
            kind, path = "list", f"/{lang}/initiatives/?{rng.choice(FILTERS)}"
        elif roll < 0.55:
            query = urllib.parse.urlencode({"q": rng.choice(SEARCHES)})
            kind, path = "search", f"/{lang}/initiatives/?{query}"
        elif roll < 0.85:
            kind, path = "detail", f"/{lang}/initiatives/{rng.choice(slugs)}/"
        else:
            extension = rng.choice(["csv", "json"])
            kind, path = "export", f"/{lang}/initiatives/export.{extension}?{rng.choice(FILTERS)}"
        started = time.perf_counter()
        try:
            status, _location, _content = browser.get(path)
            ok = status == 200
            what = f"{status} {path}"
        except OSError as error:
            ok, what = False, f"{type(error).__name__} {path}"
            browser.connection = None
        tally.record(kind, time.perf_counter() - started, ok, what)


MARKER = re.compile(r"\[load-edit [^\]]+\]")


def editor(port, username, initiative_ids, stop, tally, seed):
    """Append a marked sentence to an initiative's English lessons, through the form."""
    rng = random.Random(seed)
    browser = log_in(port, username)
    number = 0
    while not stop.is_set():
        pk = rng.choice(initiative_ids)
        number += 1
        marker = f"[load-edit {username} {number}]"
        change = f"/admin/casebook/initiative/{pk}/change/"
        while not stop.is_set():
            started = time.perf_counter()
            status, _location, content = browser.get(change)
            tally.record("admin form", time.perf_counter() - started, status == 200, change)
            if status != 200:
                break
            fields = form_fields(content, "initiative_form")
            fields = [
                (name, f"{value} {marker}".strip() if name == "lessons_learned_en" else value)
                for name, value in fields
            ]
            time.sleep(rng.uniform(0.05, 0.3))  # reading and typing
            started = time.perf_counter()
            status, _location, content = browser.post(change, fields, change)
            seconds = time.perf_counter() - started
            if status == 302:
                tally.record("admin save", seconds, True, change)
                with tally.lock:
                    tally.accepted_edits.setdefault(pk, []).append(marker)
                break
            told = status == 200 and b"Someone else saved this initiative" in content
            tally.record("admin save", seconds, told, f"{status} POST {change}")
            if not told:
                break
            with tally.lock:
                tally.conflicts += 1
            # Told that someone else saved first: open the form again and redo the edit.
        time.sleep(rng.uniform(0.2, 0.6))


def reviewer(port, draft_pk, stop, tally, seed):
    """Publish and unpublish the load-test draft with the list's actions."""
    rng = random.Random(seed)
    browser = log_in(port, "reviewer")
    listing = "/admin/casebook/initiative/"
    action = "publish"
    while not stop.is_set():
        started = time.perf_counter()
        status, _location, content = browser.get(listing)
        tally.record("admin list", time.perf_counter() - started, status == 200, listing)
        fields = [
            (name, value)
            for name, value in form_fields(content, "changelist-form")
            if name not in {"action", "_selected_action"}
        ]
        fields += [("action", action), ("_selected_action", str(draft_pk)), ("index", "0")]
        started = time.perf_counter()
        status, _location, _content = browser.post(listing, fields, listing)
        ok = status == 302
        tally.record("admin publish", time.perf_counter() - started, ok, f"{status} {action}")
        if ok:
            with tally.lock:
                tally.publishes.append("published" if action == "publish" else "unpublished")
            action = "unpublish" if action == "publish" else "publish"
        time.sleep(rng.uniform(0.5, 1.5))


# Checking -------------------------------------------------------------------------------


def check_database(args, tally):
    problems = []
    for pk, markers in tally.accepted_edits.items():
        sql = "SELECT lessons_learned_en FROM casebook_initiative WHERE id = %s"
        [(text,)] = read(args, sql, [pk])
        stored = MARKER.findall(text or "")
        missing = [marker for marker in markers if marker not in stored]
        unexpected = [marker for marker in stored if marker not in markers]
        if missing:
            problems.append(f"initiative {pk}: accepted edits missing: {missing}")
        if unexpected:
            problems.append(f"initiative {pk}: edits no one saved: {unexpected}")
    sql = "SELECT status FROM casebook_initiative WHERE slug = 'load-test-draft'"
    [(status,)] = read(args, sql)
    if tally.publishes and status != tally.publishes[-1]:
        problems.append(f"the draft is {status}, the reviewer left it {tally.publishes[-1]}")
    [(versions,)] = read(
        args,
        "SELECT count(*) FROM reversion_version v JOIN reversion_revision r "
        "ON r.id = v.revision_id WHERE r.user_id IS NOT NULL AND v.content_type_id = "
        "(SELECT id FROM django_content_type WHERE app_label = 'casebook' "
        "AND model = 'initiative')",
    )
    return problems, versions


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main():
    args = parse_args()
    (ROOT / "bench" / "reports").mkdir(parents=True, exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE"}
    }
    env.update(
        DATABASE_URL=database_url(args),
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="ERROR",
        PYTHONPATH=str(ROOT),
    )
    if shutil.which("gunicorn", path=str(Path(PYTHON).parent)) is None:
        raise SystemExit("gunicorn is not installed next to this Python")
    # The editors read forms with the test suite's FormReader; tests.support imports the models.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ppci.settings")
    django.setup()
    prepare(args, env)
    server = start_gunicorn(args, env)
    try:
        status, _location, content = Browser(args.port).get("/en/initiatives/export.json")
        slugs = [row["slug"] for row in json.loads(content)["results"]] if status == 200 else []
        if not slugs:
            raise SystemExit(f"could not read the initiatives (status {status})")
        edited = [
            row[0]
            for row in read(
                args,
                "SELECT id FROM casebook_initiative WHERE slug IN (%s, %s, %s) ORDER BY id",
                ["ruta-n", "gcerf", "memphis-fast-forward"],
            )
        ]
        sql = "SELECT id FROM casebook_initiative WHERE slug = 'load-test-draft'"
        [(draft_pk,)] = read(args, sql)

        tally, stop = Tally(), threading.Event()
        threads = [
            threading.Thread(target=visitor, args=(args.port, slugs, stop, tally, n), daemon=True)
            for n in range(args.clients)
        ]
        threads += [
            threading.Thread(
                target=editor,
                args=(args.port, f"editor{n}", edited, stop, tally, 1000 + n),
                daemon=True,
            )
            for n in range(args.editors)
        ]
        threads.append(
            threading.Thread(
                target=reviewer, args=(args.port, draft_pk, stop, tally, 2000), daemon=True
            )
        )
        print(
            f"{args.clients} visitors, {args.editors} editors and a reviewer for "
            f"{args.duration:g} s against gunicorn ({args.workers} workers × "
            f"{args.threads} threads) on {database_url(args)} …",
            flush=True,
        )
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(args.duration)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        elapsed = time.monotonic() - started
    finally:
        harness.stop_gunicorn(server)

    problems, versions = check_database(args, tally)
    public = [
        seconds
        for kind in ("list", "search", "detail", "export")
        for seconds in tally.latencies.get(kind, [])
    ]
    everything = [seconds for values in tally.latencies.values() for seconds in values]
    figures = {
        "database": "sqlite" if args.sqlite else "postgresql",
        "initiatives": args.initiatives,
        "workers": args.workers,
        "threads": args.threads,
        "clients": args.clients,
        "duration_s": round(elapsed, 1),
        "requests": len(everything),
        "public_requests": len(public),
        "requests_per_s": round(len(everything) / elapsed, 1),
        "errors": len(tally.errors),
        "p50_ms": round(statistics.median(public) * 1000, 1),
        "p95_ms": round(percentile(public, 0.95) * 1000, 1),
        "p99_ms": round(percentile(public, 0.99) * 1000, 1),
        "max_ms": round(max(public) * 1000, 1),
        "by_kind": {
            kind: {
                "requests": len(values),
                "p99_ms": round(percentile(values, 0.99) * 1000, 1),
            }
            for kind, values in sorted(tally.latencies.items())
        },
        "edits_accepted": sum(len(markers) for markers in tally.accepted_edits.values()),
        "edit_conflicts_told_and_redone": tally.conflicts,
        "publish_actions": len(tally.publishes),
        "initiative_revisions_by_staff": versions,
        "edits_missing": len(problems),
    }

    print()
    print(
        f"Requests served:   {figures['requests']} in {figures['duration_s']} s "
        f"({figures['requests_per_s']}/s); public pages and exports: {len(public)}"
    )
    print(f"Errors:            {figures['errors']}")
    print(
        f"Latency (public):  p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
        f"p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms"
    )
    for kind, row in figures["by_kind"].items():
        print(f"  {kind:<14} {row['requests']:>7} requests, p99 {row['p99_ms']} ms")
    print(
        f"Admin:             {figures['edits_accepted']} edits saved, "
        f"{figures['edit_conflicts_told_and_redone']} stale saves refused and redone, "
        f"{figures['publish_actions']} publish/unpublish actions"
    )
    print("Every accepted edit in the database afterwards: " + ("yes" if not problems else "NO"))
    for problem in problems:
        print("  " + problem)
    for error in tally.errors[:20]:
        print("  error: " + error)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if not args.keep:
        drop_database(args)
    return 1 if tally.errors or problems else 0


if __name__ == "__main__":
    sys.exit(main())
