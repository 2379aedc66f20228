"""Benchmark the portal at network scale, cold and warm, and write a report.

    .venv/bin/python bench/benchmark.py                     # 10,000 and 100,000 initiatives
    .venv/bin/python bench/benchmark.py --cold-only --sizes 10000 --cold-requests 100

Each size has a PostgreSQL database ``ppci_bench_<size>`` on ``--server`` and an SQLite file
``bench-<size>.sqlite3`` in the project root (kept between runs; ``--fresh`` builds them
again), migrated and given the case book and ``generate_demo_data --seed 1``.

The cold workload, on each database (``--databases``; SQLite up to ``--sqlite-max-size``):
``gunicorn ppci.wsgi`` with 2 sync workers, the page cache off, the cache in Redis under a
new key prefix and the Server-Timing header on (``SERVER_TIMING``), warmed with the home
page, the unfiltered list in each order, a search that finds nothing and one initiative, in
both languages and both workers (what is kept for the whole case book: vocabularies,
counts); then, sequentially over loopback, each requested once:

1. ``--cold-requests`` list addresses drawn with ``--seed`` from the database's own
   vocabulary: up to three filters, half with a search of one or two words (common and rare
   words of the titles and summaries), a sort and a page; each a different combination of
   filters and words, so that nothing kept per address (facet counts) can answer;
2. ``--cold-details`` initiative pages, each a different published initiative, and, where
   Datasette is installed (``bench/requirements.txt``) and the SQLite file of the size exists,
   Datasette's row page of the same initiatives, served from that file;
3. the full CSV and JSON exports, each downloaded ``--export-runs`` times in a row (once past
   10,000 initiatives): first byte and whole download (medians, with the first download's
   own time beside them), the largest growth of a worker's own memory (``resident_mb``:
   pages of the SQLite file it maps are counted apart); their queries are counted again in
   process, where the streamed part is seen too;
4. then, on a new server with a new key prefix, ``wrk`` sends the same list addresses, each
   once, over ``--wrk-connections`` connections: requests per second.

Time, queries and per-address memo hits of each page come from the Server-Timing header.

The warm workload, on PostgreSQL (``--cold-only`` leaves it out):

1. server time of every page type, in-process through the whole middleware stack with the
   page cache off: median and p95 over ``--requests`` requests, and the SQL queries of one;
2. EXPLAIN ANALYZE of the slowest queries of the list with filters and a search;
3. ``gunicorn ppci.wsgi`` with 2 workers and the page cache in Redis, loaded by ``wrk`` from
   another process over loopback: throughput and latency of a trivial view (the base
   template, no database: the ceiling) and of list and detail pages with the cache warm;
4. the CSV export of about 10,000 rows through gunicorn: first byte, whole download, and how
   much the worker's own memory grew.

Writes ``bench/reports/benchmark.md`` and ``benchmark.json``, with the machine and versions,
and prints every target as met or NOT MET. Needs PostgreSQL, Redis and wrk
(``apt-get install wrk``).
"""

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, only bench/ is on the path

from bench import harness  # noqa: E402

PYTHON = sys.executable
REPORTS = ROOT / "bench" / "reports"
DATABASES = ("postgresql", "sqlite")
# The warm workload's targets.
TARGETS = {
    "list_filters_search_median_ms": 40,
    "list_filters_search_p95_ms": 80,
    "list_filters_search_queries": 12,
    "detail_median_ms": 15,
    "csv_first_byte_ms": 200,
    "csv_memory_growth_mb": 50,
    "deep_page_ratio": 2.0,
    "cached_throughput_ratio": 0.6,
}
# The cold workload's: the list's times up to 10,000 initiatives and beyond ("large_").
COLD_TARGETS = {
    "list_median_ms": 40,
    "list_p95_ms": 100,
    "large_list_median_ms": 120,
    "large_list_p95_ms": 300,
    "list_queries": 12,
    "detail_median_ms": 15,
    "detail_datasette_ratio": 2.0,
    "list_throughput_rps": 40,
    "export_total_ms": 1000,
    "export_first_byte_ms": 100,
    "export_memory_growth_mb": 50,
    "memo_hits": 0,
}


def log(message):
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


class Stages:
    """Each stage's name and how long it took, printed as it ends."""

    def __init__(self):
        self.taken = []

    @contextmanager
    def __call__(self, name):
        log(f"{name} …")
        started = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - started
            self.taken.append({"stage": name, "seconds": round(seconds, 1)})
            log(f"{name}: {seconds:.1f} s")


# The databases ----------------------------------------------------------------------------


def database_url(server, size):
    return f"{server.rstrip('/')}/ppci_bench_{size}"


def database_env(url):
    return {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "SECRET_KEY": "benchmark"}


def manage(url, *args, capture=False):
    return harness.manage(database_env(url), *args, capture=capture)


def psql(server, sql, database="postgres"):
    import psycopg

    with psycopg.connect(f"{server.rstrip('/')}/{database}", autocommit=True) as connection:
        return (
            connection.execute(sql).fetchall()
            if sql.lstrip().upper().startswith("SELECT")
            else connection.execute(sql)
        )


def prepare(server, size, fresh):
    """Create the database with the case book and ``size`` demo initiatives, unless there."""
    url = database_url(server, size)
    name = f"ppci_bench_{size}"
    exists = psql(server, f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
    if exists and not fresh:
        try:
            (count,) = psql(server, "SELECT count(*) FROM casebook_initiative WHERE is_demo", name)[
                0
            ]
        except Exception:
            count = -1
        if count == size:
            log(f"{name}: already holds {size} demo initiatives")
            manage(url, "migrate", "--verbosity", "0")
            return {"generated_seconds": None}
    if exists:
        psql(server, f"DROP DATABASE {name} WITH (FORCE)")
    psql(server, f"CREATE DATABASE {name}")
    return fill(url, name, size)


def fill(url, name, size):
    """Migrate the empty database at ``url``, load the case book and ``size`` demo
    initiatives (seed 1: the same on every database)."""
    log(f"{name}: migrate and load the case book")
    manage(url, "migrate", "--verbosity", "0")
    manage(url, "load_casebook", "--verbosity", "0")
    log(f"{name}: generate {size} demo initiatives")
    started = time.perf_counter()
    manage(url, "generate_demo_data", "--initiatives", str(size), "--seed", "1")
    seconds = time.perf_counter() - started
    log(f"{name}: generated in {seconds:.1f} s")
    return {"generated_seconds": round(seconds, 1)}


def sqlite_path(size, given=None):
    return Path(given).resolve() if given else ROOT / f"bench-{size}.sqlite3"


def demo_count(path):
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as database:
            return database.execute(
                "SELECT count(*) FROM casebook_initiative WHERE is_demo"
            ).fetchone()[0]
    except sqlite3.Error:
        return -1


def prepare_sqlite(path, size, fresh, given):
    """The SQLite file with the case book and ``size`` demo initiatives, unless there; a file
    given with --sqlite-file is used as it is, never rebuilt."""
    url = f"sqlite:///{path}"
    count = demo_count(path) if path.exists() else None
    if given and (fresh or count != size):
        sys.exit(f"{path}, given with --sqlite-file, is used as it is, never built: it holds "
                 f"{count} demo initiatives, and {size} are asked for")  # fmt: skip
    if count == size and not fresh:
        log(f"{path.name}: already holds {size} demo initiatives")
        manage(url, "migrate", "--verbosity", "0")
        checkpoint(path)
        return {"generated_seconds": None}
    for old in path.parent.glob(path.name + "*"):
        old.unlink()
    generated = fill(url, path.name, size)
    checkpoint(path)
    return generated


def checkpoint(path):
    """Everything written into the main file: Datasette opens it immutable, without the WAL."""
    with sqlite3.connect(path) as database:
        database.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# The warm workload, 1 and 2: server time in-process (a child process with DATABASE_URL) ---


def django_in_this_process():
    """Django set up in this (child) process for requests through the test client: the page
    cache off, plain HTTP, the test client's host."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ppci.settings")
    django.setup()
    from django.conf import settings

    settings.PAGE_CACHE_SECONDS = 0
    settings.SECURE_SSL_REDIRECT = False
    settings.ALLOWED_HOSTS = ["testserver"]


def measure_in_process(requests, output):
    django_in_this_process()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from casebook.listindex import ListIndex
    from casebook.models import Initiative, Partnership

    detail = Initiative.objects.published().filter(is_demo=True).order_by("pk")
    detail = detail[detail.count() // 2]
    by_count = list(
        Partnership.objects.published()
        .values("partner__slug")
        .annotate(count=Count("initiative", distinct=True))
        .filter(count__gte=50)
        .order_by("-count")[:5]
    )
    partner = min(by_count, key=lambda row: abs(row["count"] - 1000))
    export_filter, export_rows = export_query()
    pages = {
        "home": "/es/",
        "list": "/es/initiatives/",
        "list, three filters": "/es/initiatives/?theme=engagement&sector=private&country=CO",
        "list, search": "/es/initiatives/?q=violencia",
        "list, three filters and a search": (
            "/es/initiatives/?theme=engagement&sector=private&country=CO&q=violencia"
        ),
        "list, page 1": "/es/initiatives/?sort=title&page=1",
        "list, page 400": "/es/initiatives/?sort=title&page=400",
        "initiative detail": detail.get_absolute_url(),
        f"partner detail ({partner['count']} initiatives)": (
            f"/es/partners/{partner['partner__slug']}/"
        ),
        f"CSV export ({export_rows} rows)": f"/es/initiatives/export.csv?{export_filter}",
        f"JSON export ({export_rows} rows)": f"/es/initiatives/export.json?{export_filter}",
    }

    class Recorder:
        def __init__(self):
            self.queries = []

        def __call__(self, execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                self.queries.append(((time.perf_counter() - started) * 1000, sql, params))

    client = Client()
    # The list's index is built by a thread after the first list request; meanwhile the
    # database answers the list. The timed requests are of the server as it then runs.
    consume(client.get("/es/initiatives/?sort=-updated"))
    deadline = time.monotonic() + 300
    while ListIndex.current() is None:
        if time.monotonic() > deadline:
            raise RuntimeError("the list's index was not built in time")
        time.sleep(0.2)
    results = {}
    plans = {}
    for name, url in pages.items():
        is_export = "export" in url
        count = max(5, requests // 5) if is_export else requests
        started = time.perf_counter()
        consume(client.get(url))  # the first request: nothing kept for it yet
        first_ms = (time.perf_counter() - started) * 1000
        recorder = Recorder()
        with connection.execute_wrapper(recorder):
            response = client.get(url)
            first_byte = consume(response)
        assert response.status_code == 200, (url, response.status_code)
        times, first_bytes = [], []
        for _ in range(count):
            started = time.perf_counter()
            response = client.get(url)
            first_bytes.append(consume(response, started))
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        results[name] = {
            "url": url,
            "requests": count,
            "first_ms": round(first_ms, 1),
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "queries": len(recorder.queries),
            "first_byte_ms": round(statistics.median(first_bytes), 1) if is_export else None,
        }
        del first_byte
        log(f"  {name}: {results[name]['median_ms']} ms median, {len(recorder.queries)} queries")
        if name == "list, three filters and a search":
            with connection.cursor() as cursor:
                for took, sql, params in sorted(recorder.queries, key=lambda q: -q[0])[:3]:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                    plans[f"{took:.1f} ms: {sql[:120]}…"] = "\n".join(
                        row[0] for row in cursor.fetchall()
                    )
    Path(output).write_text(
        json.dumps(
            {
                "pages": results,
                "plans": plans,
                "export_filter": export_filter,
                "export_rows": export_rows,
                "detail_url": pages["initiative detail"],
            }
        )
    )


def consume(response, started=None):
    """Read a whole response; return when its first byte came (ms after ``started``)."""
    first = None
    if response.streaming:
        for chunk in response.streaming_content:
            if first is None and started is not None:
                first = (time.perf_counter() - started) * 1000
            del chunk
    else:
        _ = response.content
    return first or 0.0


def export_query(target=10_000):
    """A founding-year range with about ``target`` published initiatives (or all of them)."""
    from django.db.models import Count

    from casebook.models import Initiative

    years = (
        Initiative.objects.published()
        .exclude(year_founded=None)
        .values_list("year_founded")
        .annotate(count=Count("pk"))
        .order_by("year_founded")
    )
    total, first = 0, None
    for year, count in years:
        first = first or year
        total += count
        if total >= target:
            return f"year_from={first}&year_to={year}", total
    return "", Initiative.objects.published().count()


# The warm workload, 3 and 4: gunicorn under load -------------------------------------------


def start_gunicorn(url, size):
    port = harness.free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": "benchmark",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "CACHE_KEY_PREFIX": f"bench-{size}-{port}",
        "PAGE_CACHE_SECONDS": "3600",
        "BENCHMARK_CEILING_VIEW": "1",
    }
    process = harness.start_gunicorn(
        env, port, "--workers", "2", "--log-level", "warning", ready="/es/bench/ceiling/"
    )
    return process, port


def get(port, path):
    connection = HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"{path}: {response.status}")
    return body


def workers(master):
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def resident_mb(pid):
    """A worker's own memory (``RssAnon``: what it allocated) and the pages of files mapped
    into it (``RssFile``: its code, and on SQLite the database file read through memory
    mapping, ``SQLITE_MMAP_SIZE``, which are the system's file cache, shared and given back
    under pressure), in MB."""
    sizes = {"RssAnon": 0.0, "RssFile": 0.0}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in sizes:
            sizes[name] = int(value.split()[0]) / 1024
    return sizes["RssAnon"], sizes["RssFile"]


def export_through_gunicorn(port, master, path):
    """First byte, whole download and the largest growth of a worker's memory meanwhile."""
    pids = workers(master)
    before = {pid: resident_mb(pid) for pid in pids}
    peak = dict(before)
    done = threading.Event()

    def watch():
        while not done.is_set():
            for pid in pids:
                own, mapped = resident_mb(pid)
                peak[pid] = (max(peak[pid][0], own), max(peak[pid][1], mapped))
            time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.perf_counter()
    connection = HTTPConnection("127.0.0.1", port, timeout=300)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read(1)
    first_byte = (time.perf_counter() - started) * 1000
    size = 1 + len(response.read())
    total = (time.perf_counter() - started) * 1000
    connection.close()
    done.set()
    watcher.join()
    return {
        "status": response.status,
        # What the Server-Timing header knew when the headers were sent (with SERVER_TIMING).
        **server_timing(response.getheader("Server-Timing")),
        "first_byte_ms": round(first_byte, 1),
        "total_ms": round(total, 1),
        "bytes": size,
        "worker_memory_growth_mb": round(max(peak[p][0] - before[p][0] for p in pids), 1),
        "worker_memory_before_mb": round(max(own for own, _mapped in before.values()), 1),
        "mapped_file_growth_mb": round(max(peak[p][1] - before[p][1] for p in pids), 1),
    }


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(port, path, seconds, connections):
    command = [
        "wrk",
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--latency",
        f"http://127.0.0.1:{port}{path}",
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = {}
    for percentile, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M):
        latency[f"p{percentile}_ms"] = round(float(value) * UNITS[unit], 2)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {
        "requests_per_second": round(rate, 1),
        **latency,
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def load_test(url, size, measured, seconds, connections):
    process, port = start_gunicorn(url, size)
    try:
        # Every import done in both workers before memory is measured: the export's first byte
        # is not a worker's first request.
        for _ in range(3):
            in_both_workers(port, "/es/")
        export_path = f"/es/initiatives/export.csv?{measured['export_filter']}"
        export = export_through_gunicorn(port, process.pid, export_path)
        log(f"  CSV through gunicorn: first byte {export['first_byte_ms']} ms, "
            f"memory +{export['worker_memory_growth_mb']} MB")  # fmt: skip
        paths = {
            "trivial view (ceiling)": "/es/bench/ceiling/",
            "list": "/es/initiatives/",
            "list, three filters and a search": measured["pages"][
                "list, three filters and a search"
            ]["url"],
            "initiative detail": measured["detail_url"],
        }
        throughput = {}
        for name, path in paths.items():
            get(port, path)  # warm the page cache
            throughput[name] = wrk(port, path, seconds, connections)
            log(f"  {name}: {throughput[name]['requests_per_second']} requests/s")
        ceiling = throughput["trivial view (ceiling)"]["requests_per_second"]
        for result in throughput.values():
            result["ratio_to_ceiling"] = round(result["requests_per_second"] / ceiling, 2)
        return {"throughput": throughput, "csv_export": export}
    finally:
        harness.stop_gunicorn(process)


def warm_workload(args, size, prepared, stages):
    url = database_url(args.server, size)
    result = dict(prepared)
    output = REPORTS / f".measure-{size}.json"
    with stages(f"warm-{size}: server time in process, {args.requests} requests per page"):
        subprocess.run(
            [PYTHON, __file__, "--measure", str(args.requests), str(output)],
            cwd=ROOT, env=database_env(url), check=True,
        )  # fmt: skip
        result.update(json.loads(output.read_text()))
        output.unlink()
    with stages(f"warm-{size}: gunicorn under load, page cache warm"):
        result.update(load_test(url, size, result, args.load_seconds, args.connections))
    return result


# The cold workload: every address new, requested once ------------------------------------

LIST_FILTERS = (
    "theme", "sector", "kind", "programming", "funding", "issue", "scale", "country", "city",
    "evidence", "method", "year",
)  # fmt: skip
SORTS = ("title", "-year", "year", "-updated")
WORD = re.compile(r"[^\W\d_]{4,}")
COMMON_WORDS = 200  # the most frequent words of four letters or more
RARE_DOCUMENTS = 5  # a rare word occurs in at most this many initiatives
STATIC_FILE = "/static/img/favicon.svg"  # what whitenoise answers, without the middleware
TIMING = re.compile(
    r'db;dur=(?P<db>[\d.]+);desc="(?P<queries>\d+) queries", app;dur=(?P<app>[\d.]+), '
    r'memo;desc="(?P<hits>\d+) per-address hits"'
)


def draw_workload(count, details, seed, output):
    """Draw the cold workload from the vocabulary of the database in DATABASE_URL (run in a
    child process) and write it to ``output`` as JSON: ``count`` list addresses, each a
    different combination of filters and search words, and ``details`` initiative pages, each
    a different published initiative, plus one more initiative to warm the server with."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ppci.settings")
    django.setup()
    from django.db.models import Max, Min

    from casebook.models import EVIDENCE_BITS, METHOD_BITS, City, Initiative
    from partners.models import KIND_BITS, SECTOR_BITS

    rng = random.Random(seed)
    published = Initiative.objects.published()

    def linked(field, slug):
        through = getattr(Initiative, field).through
        rows = through.objects.filter(initiative__in=published).values_list(slug, flat=True)
        return sorted(set(rows))

    def present(field, bits):
        held = 0
        for value in published.values_list(field, flat=True).distinct():
            held |= value
        return [name for name, bit in bits.items() if held & bit]

    def distinct(field):
        values = published.exclude(**{field: ""}).values_list(field, flat=True).distinct()
        return sorted(set(values))

    years = published.aggregate(first=Min("year_founded"), last=Max("year_founded"))
    vocabulary = {
        "theme": linked("themes", "theme__slug"),
        "sector": present("partner_sectors", SECTOR_BITS),
        "kind": present("partner_kinds", KIND_BITS),
        "programming": distinct("programming"),
        "funding": linked("fundings", "funding__slug"),
        "issue": linked("issues", "issue__slug"),
        "scale": distinct("scale"),
        "country": sorted({str(code) for code in distinct("country")}),
        "city": sorted(
            City.objects.filter(pk__in=published.values("city_id")).values_list("slug", flat=True)
        ),
        "evidence": present("evidence_levels", EVIDENCE_BITS),
        "method": present("figure_methods", METHOD_BITS),
    }
    names = [name for name in LIST_FILTERS if name == "year" or vocabulary[name]]

    # Words of the titles and summaries, in both languages, by how many initiatives hold them.
    documents = Counter()
    fields = ("title_es", "title_en", "summary_es", "summary_en")
    for texts in published.order_by("pk").values_list(*fields).iterator(chunk_size=2000):
        documents.update(set(WORD.findall(" ".join(texts).lower())))
    documents.pop(UNKNOWN_WORD, None)  # the warm-up's search
    by_frequency = sorted(documents.items(), key=lambda item: (-item[1], item[0]))
    common = [word for word, _ in by_frequency[:COMMON_WORDS]]
    rare = sorted(word for word, held in documents.items() if held <= RARE_DOCUMENTS)
    if len(rare) < COMMON_WORDS:  # few rare words: the least frequent ones
        rare = [word for word, _ in by_frequency[-COMMON_WORDS:]]

    if years["first"] is None or years["first"] == years["last"]:
        names.remove("year")

    def filter_value(name):
        if name != "year":
            return [(name, rng.choice(vocabulary[name]))]
        first, last = sorted(rng.sample(range(years["first"], years["last"] + 1), 2))
        bounds = rng.choice(["from", "to", "both"])
        pairs = []
        if bounds != "to":
            pairs.append(("year_from", str(first)))
        if bounds != "from":
            pairs.append(("year_to", str(last)))
        return pairs

    searches = [True] * (count // 2) + [False] * (count - count // 2)
    rng.shuffle(searches)
    seen, lists, attempts = set(), [], 0
    while len(lists) < count:
        attempts += 1
        if attempts > count * 200:
            raise SystemExit(f"only {len(lists)} different list addresses in {attempts} draws")
        searched = searches[len(lists)]
        chosen = rng.sample(names, rng.randint(0 if searched else 1, 3))
        parameters = [pair for name in sorted(chosen) for pair in filter_value(name)]
        words = []
        if searched:
            for _ in range(rng.choice([1, 2])):
                words.append(rng.choice(common if rng.random() < 0.5 else rare))
        combination = (tuple(parameters), tuple(sorted(set(words))))
        if combination in seen:
            continue
        seen.add(combination)
        if words:
            parameters.append(("q", " ".join(words)))
        sort = rng.choice([None, *SORTS, *(["relevance"] if words else [])])
        if sort:
            parameters.append(("sort", sort))
        page = rng.randint(1, 5)
        if page > 1:
            parameters.append(("page", str(page)))
        language = rng.choice(["es", "en"])
        lists.append(f"/{language}/initiatives/?{urlencode(parameters)}")

    rows = list(published.order_by("pk").values_list("pk", "slug"))
    chosen = rng.sample(rows, min(details + 1, len(rows)))
    warm = chosen.pop()
    Path(output).write_text(
        json.dumps(
            {
                "published": len(rows),
                "lists": lists,
                "details": [
                    {
                        "pk": pk,
                        "slug": slug,
                        "url": f"/{rng.choice(['es', 'en'])}/initiatives/{slug}/",
                    }
                    for pk, slug in chosen
                ],
                "warm_detail": warm[1],
                "vocabulary": {name: len(values) for name, values in vocabulary.items()},
                "years": [years["first"], years["last"]],
                "words": {"common": len(common), "rare": len(rare)},
            }
        )
    )


def count_queries_in_process(urls, output):
    """The SQL statements of each of ``urls``, its body read to the end (a child process)."""
    django_in_this_process()
    from django.db import connection
    from django.test import Client

    client, counts = Client(), {}

    def count(execute, sql, params, many, context):
        count.queries += 1
        return execute(sql, params, many, context)

    for url in urls:
        count.queries = 0
        with connection.execute_wrapper(count):
            response = client.get(url)
            consume(response)
        counts[url] = count.queries
    Path(output).write_text(json.dumps(counts))


def server_timing(value):
    match = TIMING.search(value or "")
    if not match:
        return {}
    return {
        "queries": int(match["queries"]),
        "db_ms": float(match["db"]),
        "app_ms": float(match["app"]),
        "memo_hits": int(match["hits"]),
    }


def timed_get(port, path):
    """One GET on a new connection: the time until the whole body is read, and what the
    Server-Timing header says."""
    started = time.perf_counter()
    connection = HTTPConnection("127.0.0.1", port, timeout=300)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    took = (time.perf_counter() - started) * 1000
    connection.close()
    return {
        "url": path,
        "status": response.status,
        "ms": round(took, 2),
        "bytes": len(body),
        **server_timing(response.getheader("Server-Timing")),
    }


def percentile(values, share):
    values = sorted(values)
    return values[int(share * (len(values) - 1))]


def summary(rows):
    """Median, p95 and max of the times; median and max of the queries; memo hits."""
    times = [row["ms"] for row in rows]
    queries = [row["queries"] for row in rows if "queries" in row]
    apps = [row["app_ms"] for row in rows if "app_ms" in row]
    return {
        "requests": len(rows),
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "max_ms": round(max(times), 1),
        "server_median_ms": round(statistics.median(apps), 1) if apps else None,
        "queries_median": statistics.median(queries) if queries else None,
        "queries_max": max(queries) if queries else None,
        "memo_hits": sum(row.get("memo_hits", 0) for row in rows),
        "not_200": sum(row["status"] != 200 for row in rows),
    }


def bench_redis_url():
    return os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def cold_env(env, label):
    """The server of the cold workload: no page cache, no search's matches kept, a cache of
    its own in Redis (a new key prefix: nothing kept by an earlier run), the Server-Timing
    header."""
    prefix = f"bench-cold-{label}-{uuid.uuid4().hex[:12]}"
    return {
        **env,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "REDIS_URL": bench_redis_url(),
        "CACHE_KEY_PREFIX": prefix,
        "PAGE_CACHE_SECONDS": "0",
        # The matches of a search are not kept: words repeat across the workload's addresses.
        "SEARCH_MEMO": "0",
        "SERVER_TIMING": "1",
    }


def start_cold_gunicorn(env, label):
    port = harness.free_port()
    env = cold_env(env, label)
    process = harness.start_gunicorn(
        env,
        port,
        "--workers", "2", "--threads", "1", "--timeout", "120", "--log-level", "warning",
        ready=STATIC_FILE,
        log=REPORTS / f"cold-gunicorn-{label}.log",
    )  # fmt: skip
    return process, port, env["CACHE_KEY_PREFIX"]


def forget_cache(prefix):
    """Drop what a run kept in Redis under its own key prefix."""
    try:
        import redis

        client = redis.Redis.from_url(bench_redis_url())
        for keys in batched(client.scan_iter(f"{prefix}:*", count=1000), 1000):
            client.delete(*keys)
    except Exception as error:  # the figures are taken; a leftover key harms nothing
        log(f"  could not drop the cache keys {prefix}:*: {error}")


def batched(iterable, size):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


UNKNOWN_WORD = "zqxjvw"  # in no initiative: the search offers other words, from all of them


def warm_up(port, workload, rounds=3):
    """What pages read for the whole case book (vocabularies, counts, the list in each of its
    orders, the words a search that finds nothing suggests), in both worker processes: each
    page twice at once, so that both workers serve it. Every list address here is the list
    without filters or words, or a search for a word no initiative holds: none is a
    combination of the workload's, so nothing kept for one of its addresses is made here."""
    detail = workload["warm_detail"]
    paths = []
    for language in ("es", "en"):
        paths += [f"/{language}/", f"/{language}/initiatives/"]
        paths += [f"/{language}/initiatives/?sort={sort}" for sort in SORTS]
        paths += [f"/{language}/initiatives/?q={UNKNOWN_WORD}",
                  f"/{language}/initiatives/{detail}/"]  # fmt: skip
    for _ in range(rounds):
        for path in paths:
            in_both_workers(port, path)
    wait_for_the_list_index(port)


def in_both_workers(port, path):
    """``path`` requested twice at once: each of the two workers serves one."""
    pair = [threading.Thread(target=get, args=(port, path)) for _ in range(2)]
    for thread in pair:
        thread.start()
    for thread in pair:
        thread.join()


# The list without filters answered from the list's index: is a change owed to the cache (1),
# the page's rows (1) and their themes (1). From the database it takes more.
INDEX_QUERIES = 3


def wait_for_the_list_index(port, seconds=300):
    """Until both workers answer the list from the index of the published case book, which a
    thread builds after the server starts (meanwhile the database answers): the cold
    workload is about first visits of addresses, not of the server."""
    deadline = time.monotonic() + seconds
    answered = 0
    while answered < 6:  # several in a row: both workers
        queries = timed_get(port, "/es/initiatives/?sort=title").get("queries", 99)
        answered = answered + 1 if queries <= INDEX_QUERIES else 0
        if time.monotonic() > deadline:
            raise RuntimeError("the list's index was not built in time")
        if not answered:
            time.sleep(0.5)


def sequential(port, paths):
    return [timed_get(port, path) for path in paths]


def datasette_command():
    command = Path(PYTHON).with_name("datasette")
    return command if command.exists() else None


def datasette_details(sqlite_file, slugs, warm_slug):
    """Datasette's row page of the same initiatives, from ``sqlite_file`` in immutable mode,
    each requested once, sequentially, after a warm-up on another row."""
    command = datasette_command()
    if command is None:
        return {
            "skipped": "Datasette is not installed: .venv/bin/pip install -r bench/requirements.txt"
        }
    if not sqlite_file.exists():
        return {"skipped": f"no SQLite database {sqlite_file.name} of this size to serve"}
    with sqlite3.connect(sqlite_file) as database:
        pks = dict(database.execute("SELECT slug, id FROM casebook_initiative").fetchall())
    missing = [slug for slug in [*slugs, warm_slug] if slug not in pks]
    if missing:
        return {"skipped": f"{len(missing)} of the initiatives are not in {sqlite_file.name}"}
    name = sqlite_file.stem
    port = harness.free_port()
    with open(REPORTS / "cold-datasette.log", "w") as output:
        process = subprocess.Popen(
            [str(command), "serve", "-i", str(sqlite_file), "--host", "127.0.0.1",
             "--port", str(port)],
            cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        harness.wait_until_up(process, port, "/-/versions.json", {}, 60)
        for _ in range(5):
            get(port, f"/{name}/casebook_initiative/{pks[warm_slug]}")
        rows = sequential(port, [f"/{name}/casebook_initiative/{pks[slug]}" for slug in slugs])
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    return {"file": sqlite_file.name, "rows": rows, **summary(rows)}


WRK_SCRIPT = """\
-- Each of the addresses once, in turn, over the connections; written by bench/benchmark.py.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *t);
]]
local function now()
  local t = ffi.new("bench_timespec")
  ffi.C.clock_gettime(1, t)  -- CLOCK_MONOTONIC
  return tonumber(t.tv_sec) + tonumber(t.tv_nsec) / 1e9
end

paths = {PATHS}
sent, answered, not2xx, memo, queries_max, started, finished = 0, 0, 0, 0, 0, nil, false
verified = false

request = function()
  -- wrk calls request() once before the run, to check what it returns; nothing is sent.
  if not verified then
    verified = true
    return wrk.format("GET", paths[1])
  end
  if started == nil then started = now() end
  sent = sent + 1
  if sent <= #paths then return wrk.format("GET", paths[sent]) end
  -- Every address is out; until the last is answered, a free connection asks for a static
  -- file, which whitenoise answers without a Server-Timing header and so is not counted.
  return wrk.format("GET", "{STATIC}")
end

response = function(status, headers, body)
  local timing = headers["Server-Timing"]
  if timing == nil or finished then return end
  answered = answered + 1
  if status < 200 or status > 299 then not2xx = not2xx + 1 end
  memo = memo + (tonumber(string.match(timing, 'memo;desc="(%d+) per%-address hits"')) or 0)
  local queries = tonumber(string.match(timing, 'desc="(%d+) queries"')) or 0
  if queries > queries_max then queries_max = queries end
  if answered == #paths then
    finished = true
    io.write(string.format("COLD-DONE answered=%d seconds=%.6f not2xx=%d memo=%d queries_max=%d\\n",
      answered, now() - started, not2xx, memo, queries_max))
    io.flush()
    wrk.thread:stop()
  end
end
"""


def wrk_once_each(port, paths, connections):
    """Throughput of the addresses, each sent once, over ``connections`` connections of one
    wrk thread. wrk's own rate divides by the whole --duration, so the script times the run
    itself (from its first request to the last address's answer) and says when it is done;
    wrk is then interrupted."""
    assert all(path.isascii() and '"' not in path and "\\" not in path for path in paths)
    lua = WRK_SCRIPT.replace("{PATHS}", "{" + ", ".join(f'"{path}"' for path in paths) + "}")
    lua = lua.replace("{STATIC}", STATIC_FILE)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        command = [
            "wrk", "--threads", "1", "--connections", str(connections),
            "--duration", f"{60 + 2 * len(paths)}s", "--timeout", "60s", "--latency",
            "--script", script.name, f"http://127.0.0.1:{port}/",
        ]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        done, lines = None, []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("COLD-DONE"):
                done = dict(re.findall(r"(\w+)=([\d.]+)", line))
                process.send_signal(signal.SIGINT)  # wrk sleeps out --duration otherwise
                break
        rest = "".join(lines) + process.communicate(timeout=120)[0]
    finally:
        os.unlink(script.name)
    if done is None:
        raise RuntimeError(f"wrk ended before every address was answered:\n{rest}")
    latency = {}
    for share, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", rest, re.M):
        latency[f"p{share}_ms"] = round(float(value) * UNITS[unit], 1)
    answered, seconds = int(done["answered"]), float(done["seconds"])
    return {
        "requests": answered,
        "connections": connections,
        "seconds": round(seconds, 2),
        "requests_per_second": round(answered / seconds, 1),
        "not_2xx": int(done["not2xx"]),
        "memo_hits": int(done["memo"]),
        "queries_max": int(done["queries_max"]),
        **latency,
    }


def export_runs(port, master, path, runs):
    """``runs`` downloads of the export at ``path``, one after the other: the medians of their
    first byte and whole time, the first download's own time (a worker's first export of the
    run), the largest growth of a worker's memory, and the status and size of each."""
    downloads = [export_through_gunicorn(port, master, path) for _ in range(runs)]
    first = downloads[0]
    failed = [d for d in downloads if d["status"] != 200]
    return {
        **first,
        "url": path,
        "runs": runs,
        "status": (failed or downloads)[0]["status"],
        "total_ms": round(statistics.median(d["total_ms"] for d in downloads), 1),
        "first_byte_ms": round(statistics.median(d["first_byte_ms"] for d in downloads), 1),
        "first_total_ms": first["total_ms"],
        "totals_ms": [d["total_ms"] for d in downloads],
        "worker_memory_growth_mb": max(d["worker_memory_growth_mb"] for d in downloads),
        "mapped_file_growth_mb": max(d["mapped_file_growth_mb"] for d in downloads),
        "sizes": sorted({d["bytes"] for d in downloads}),
    }


def cold_workload(database, size, env, sqlite_file, args, stages):
    """The cold workload on one database: sequential list and detail pages, Datasette's row
    pages, the full exports, then wrk over the list addresses on a new server."""
    label = f"{database}-{size}"
    result = {"database": database, "size": size}
    output = REPORTS / f".cold-{label}.json"
    with stages(f"{label}: draw {args.cold_requests} list addresses and {args.cold_details} "
                "initiatives from the database"):  # fmt: skip
        subprocess.run(
            [PYTHON, __file__, "--draw", str(output), "--seed", str(args.seed),
             "--cold-requests", str(args.cold_requests), "--cold-details", str(args.cold_details)],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip
        workload = json.loads(output.read_text())
        output.unlink()
    result["workload"] = {
        key: workload[key] for key in ("published", "vocabulary", "years", "words", "warm_detail")
    }
    process, port, prefix = start_cold_gunicorn(env, label)
    try:
        with stages(f"{label}: warm the vocabularies in both workers"):
            warm_up(port, workload)
        with stages(f"{label}: {len(workload['lists'])} list addresses, once each"):
            lists = sequential(port, workload["lists"])
        result["list"] = summary(lists)
        result["list_rows"] = lists
        log(f"  list: median {result['list']['median_ms']} ms, p95 {result['list']['p95_ms']} ms, "
            f"queries ≤ {result['list']['queries_max']}")  # fmt: skip
        with stages(f"{label}: {len(workload['details'])} initiative pages, once each"):
            details = sequential(port, [row["url"] for row in workload["details"]])
        result["detail"] = summary(details)
        result["detail_rows"] = details
        log(f"  detail: median {result['detail']['median_ms']} ms")
        with stages(f"{label}: Datasette's row pages of the same initiatives"):
            result["datasette"] = datasette_details(
                sqlite_file,
                [row["slug"] for row in workload["details"]],
                workload["warm_detail"],
            )
        if "skipped" in result["datasette"]:
            log(f"  Datasette skipped: {result['datasette']['skipped']}")
        else:
            log(f"  Datasette: median {result['datasette']['median_ms']} ms")
        with stages(f"{label}: full exports through gunicorn"):
            runs = args.export_runs if size <= 10_000 else 1
            result["exports"] = {
                kind: export_runs(port, process.pid, f"/es/initiatives/export.{kind}", runs)
                for kind in ("csv", "json")
            }
    finally:
        harness.stop_gunicorn(process)
        forget_cache(prefix)
    output = REPORTS / f".queries-{label}.json"
    with stages(f"{label}: the exports' queries, in process"):
        subprocess.run(
            [PYTHON, __file__, "--count-queries", str(output),
             *(export["url"] for export in result["exports"].values())],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip
        counted = json.loads(output.read_text())
        output.unlink()
    for export in result["exports"].values():
        export["queries_in_process"] = counted[export["url"]]
        log(f"  {export['url']}: {export['total_ms']} ms, first byte {export['first_byte_ms']} "
            f"ms, +{export['worker_memory_growth_mb']} MB, {export['queries_in_process']} "
            "queries")  # fmt: skip
    process, port, prefix = start_cold_gunicorn(env, f"{label}-wrk")
    try:
        with stages(f"{label}: wrk, the list addresses once each on a new server"):
            warm_up(port, workload)
            result["throughput"] = wrk_once_each(port, workload["lists"], args.wrk_connections)
        log(f"  wrk: {result['throughput']['requests_per_second']} requests/s")
    finally:
        harness.stop_gunicorn(process)
        forget_cache(prefix)
    return result


def cold_list_targets(size):
    """The list's median and p95 targets: up to 10,000 initiatives, and beyond."""
    if size <= 10_000:
        return COLD_TARGETS["list_median_ms"], COLD_TARGETS["list_p95_ms"]
    return COLD_TARGETS["large_list_median_ms"], COLD_TARGETS["large_list_p95_ms"]


def cold_checks(result):
    """(target, measured, met) for one database and size; met is None where the figure could
    not be measured."""
    size, lists, detail = result["size"], result["list"], result["detail"]
    median, p95 = cold_list_targets(size)
    # Times of error pages say nothing: a page type with any answer but 200 meets no target.
    lists_ok, detail_ok = lists["not_200"] == 0, detail["not_200"] == 0
    lists_errors = "" if lists_ok else f" ({lists['not_200']} answers not 200)"
    detail_errors = "" if detail_ok else f" ({detail['not_200']} answers not 200)"
    rows = [
        (f"cold list: median ≤ {median} ms", f"{lists['median_ms']} ms{lists_errors}",
         lists_ok and lists["median_ms"] <= median),
        (f"cold list: p95 ≤ {p95} ms", f"{lists['p95_ms']} ms{lists_errors}",
         lists_ok and lists["p95_ms"] <= p95),
        (f"cold list: ≤ {COLD_TARGETS['list_queries']} queries (max)",
         f"{lists['queries_max']} (median {lists['queries_median']}){lists_errors}",
         lists_ok and lists["queries_max"] is not None
         and lists["queries_max"] <= COLD_TARGETS["list_queries"]),
        (f"cold detail: median ≤ {COLD_TARGETS['detail_median_ms']} ms",
         f"{detail['median_ms']} ms{detail_errors}",
         detail_ok and detail["median_ms"] <= COLD_TARGETS["detail_median_ms"]),
    ]  # fmt: skip
    datasette = result["datasette"]
    ratio = COLD_TARGETS["detail_datasette_ratio"]
    if "skipped" in datasette:
        rows.append((f"cold detail: median ≤ {ratio:g} × Datasette's", datasette["skipped"], None))
    else:
        measured = detail["median_ms"] / datasette["median_ms"]
        errors = "" if datasette["not_200"] == 0 else f", {datasette['not_200']} not 200"
        rows.append((f"cold detail: median ≤ {ratio:g} × Datasette's",
                     f"{measured:.2f} × ({detail['median_ms']} ms against "
                     f"{datasette['median_ms']} ms{errors}){detail_errors}",
                     detail_ok and not errors and measured <= ratio))  # fmt: skip
    throughput = result["throughput"]
    if result["database"] == "postgresql" and size <= 10_000:
        least = COLD_TARGETS["list_throughput_rps"]
        rows.append((f"cold list, wrk: ≥ {least} requests/s",
                     f"{throughput['requests_per_second']} requests/s "
                     f"({throughput['not_2xx']} not 2xx)",
                     throughput["requests_per_second"] >= least
                     and throughput["not_2xx"] == 0))  # fmt: skip
    for kind, export in result["exports"].items():
        name = f"full {kind.upper()} export"
        # An error page is neither quick nor small; every download must be the same file.
        whole = export["status"] == 200 and len(export.get("sizes", [0])) == 1
        runs = export.get("runs", 1)
        spread = (f"median of {runs} downloads, the first {export['first_total_ms']} ms, "
                  f"all {min(export['totals_ms'])}–{max(export['totals_ms'])} ms; "
                  if runs > 1 else "")  # fmt: skip
        rows += [
            # The time of the whole export is a target for 10,000 initiatives; beyond, a figure.
            (f"{name}: ≤ {COLD_TARGETS['export_total_ms']:,} ms" if size <= 10_000
             else f"{name}: the whole download", f"{export['total_ms']} ms "
             f"({spread}{export['bytes']:,} bytes, status {export['status']})",
             whole and export["total_ms"] <= COLD_TARGETS["export_total_ms"]
             if size <= 10_000 else NO_TARGET),
            (f"{name}: first byte ≤ {COLD_TARGETS['export_first_byte_ms']} ms",
             f"{export['first_byte_ms']} ms",
             whole and export["first_byte_ms"] <= COLD_TARGETS["export_first_byte_ms"]),
            (f"{name}: worker memory growth < {COLD_TARGETS['export_memory_growth_mb']} MB",
             f"{export['worker_memory_growth_mb']} MB",
             whole
             and export["worker_memory_growth_mb"] < COLD_TARGETS["export_memory_growth_mb"]),
        ]  # fmt: skip
    hits = lists["memo_hits"] + detail["memo_hits"] + throughput["memo_hits"]
    rows.append(("cold runs: per-address memo hits = 0",
                 f"{hits} (list {lists['memo_hits']}, detail {detail['memo_hits']}, "
                 f"wrk {throughput['memo_hits']})", hits == 0))  # fmt: skip
    return rows


# A figure reported at a size the issue sets no target for.
NO_TARGET = "no target"


def verdict(ok):
    if ok is NO_TARGET:
        return "figure"
    return "not measured" if ok is None else "met" if ok else "NOT MET"


# The report -------------------------------------------------------------------------------


def version_of(command):
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except OSError:
        return None
    return (
        (result.stdout or result.stderr).strip().splitlines()[0] if result.returncode == 0 else None
    )


def load_average():
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def round_trip_ms(ask, times=500):
    """The median time of ``ask()``, in ms: what one statement or one cache lookup costs
    before any work, on this machine at this moment."""
    took = []
    for _ in range(times):
        started = time.perf_counter()
        ask()
        took.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(took), 3)


def round_trips(server, databases):
    """The PostgreSQL (``SELECT 1``) and Redis (``PING``) round trips, over loopback TCP as
    the servers make them. A case page makes seven of the one and one of the other: when they
    are slow (a busy virtual machine), every page is, whatever its code."""
    import psycopg
    import redis

    found = {}
    if "postgresql" in databases:
        with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True) as connection:
            found["postgresql_round_trip_ms"] = round_trip_ms(
                lambda: connection.execute("SELECT 1").fetchall()
            )
    client = redis.Redis.from_url(bench_redis_url())
    found["redis_round_trip_ms"] = round_trip_ms(client.ping)
    return found


def machine(server, databases):
    import django
    import psycopg

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) // 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    gunicorn = subprocess.run(
        [str(Path(PYTHON).with_name("gunicorn")), "--version"], capture_output=True, text=True
    ).stdout.strip()
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    datasette = datasette_command()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        # Other work on the machine while it runs makes every figure slower.
        "load_average_at_start": load_average(),
        "memory_mb": memory,
        "python": platform.python_version(),
        "django": django.get_version(),
        "psycopg": psycopg.__version__,
        "postgresql": (
            psql(server, "SELECT version()")[0][0] if "postgresql" in databases else None
        ),
        # Off, the demo tables are never vacuumed while the benchmark runs: no visibility map,
        # so no index-only scans, as on a server whose autovacuum has not yet reached them.
        "postgresql_autovacuum": (
            psql(server, "SELECT current_setting('autovacuum')")[0][0]
            if "postgresql" in databases
            else None
        ),
        "sqlite": sqlite3.sqlite_version,
        "gunicorn": gunicorn,
        "wrk": wrk_version.splitlines()[0] if wrk_version else "",
        "datasette": version_of([str(datasette), "--version"]) if datasette else None,
        **round_trips(server, databases),
    }


def warm_checks(size_result):
    pages = size_result["pages"]
    search = pages["list, three filters and a search"]
    detail = pages["initiative detail"]
    deep = pages["list, page 400"]["median_ms"] / pages["list, page 1"]["median_ms"]
    export = size_result["csv_export"]
    throughput = size_result["throughput"]
    cached = min(throughput["list"]["ratio_to_ceiling"],
                 throughput["initiative detail"]["ratio_to_ceiling"])  # fmt: skip
    return [
        ("warm: list, 3 filters + search: median ≤ 40 ms", f"{search['median_ms']} ms",
         search["median_ms"] <= TARGETS["list_filters_search_median_ms"]),
        ("warm: list, 3 filters + search: p95 ≤ 80 ms", f"{search['p95_ms']} ms",
         search["p95_ms"] <= TARGETS["list_filters_search_p95_ms"]),
        ("warm: list, 3 filters + search: ≤ 12 queries", str(search["queries"]),
         search["queries"] <= TARGETS["list_filters_search_queries"]),
        ("warm: initiative detail: median ≤ 15 ms", f"{detail['median_ms']} ms",
         detail["median_ms"] <= TARGETS["detail_median_ms"]),
        ("warm: partner detail: median ≤ 15 ms", f"{partner_page(pages)['median_ms']} ms",
         partner_page(pages)["median_ms"] <= TARGETS["detail_median_ms"]),
        ("warm: CSV export: first byte ≤ 200 ms (gunicorn)", f"{export['first_byte_ms']} ms",
         export["first_byte_ms"] <= TARGETS["csv_first_byte_ms"]),
        ("warm: CSV export: worker memory growth < 50 MB",
         f"{export['worker_memory_growth_mb']} MB",
         export["worker_memory_growth_mb"] < TARGETS["csv_memory_growth_mb"]),
        ("warm: page 400 ≤ 2 × page 1", f"{deep:.2f} ×", deep <= TARGETS["deep_page_ratio"]),
        ("warm: cached list and detail ≥ 60 % of the ceiling", f"{cached:.0%}",
         cached >= TARGETS["cached_throughput_ratio"]),
    ]  # fmt: skip


def partner_page(pages):
    return next(value for name, value in pages.items() if name.startswith("partner detail"))


def warm_markdown(warm):
    lines = [
        "## Warm workload (PostgreSQL)",
        "",
        "The same addresses again and again: the database's and the system's caches are warm, "
        "and so, through gunicorn, is the page cache.",
        "",
    ]
    for size, result in warm.items():
        lines += [f"### {int(size):,} initiatives", ""]
        if result.get("generated_seconds"):
            lines += [f"Demo data generated in {result['generated_seconds']} s.", ""]
        lines += ["| check | measured | met |", "|---|---|---|"]
        lines += [f"| {name} | {value} | {'yes' if ok else '**no**'} |"
                  for name, value, ok in warm_checks(result)]  # fmt: skip
        lines += ["", "#### Server time (in-process, page cache off)", ""]
        lines += [
            "The first request of each page is shown apart: it also computes what is then kept "
            "for the current content generation (vocabularies, related cases, a search's "
            "matches, the counts of the whole case book). The page cache is off throughout; "
            "the list's index was built before the first page was requested.",
            "",
            "| page | median ms | p95 ms | first request ms | SQL queries | requests |",
            "|---|---|---|---|---|---|",
        ]
        for name, page in result["pages"].items():
            lines.append(
                f"| {name} | {page['median_ms']} | {page['p95_ms']} | {page.get('first_ms')} "
                f"| {page['queries']} | {page['requests']} |"
            )
        lines += ["", "#### Through gunicorn (2 workers), wrk on loopback, page cache warm", ""]
        lines += ["| page | requests/s | p50 ms | p99 ms | ratio to ceiling |",
                  "|---|---|---|---|---|"]  # fmt: skip
        for name, row in result["throughput"].items():
            lines.append(
                f"| {name} | {row['requests_per_second']} | {row.get('p50_ms')} "
                f"| {row.get('p99_ms')} | {row['ratio_to_ceiling']:.0%} |"
            )
        export = result["csv_export"]
        lines += [
            "",
            f"CSV export of {result['export_rows']} rows through gunicorn: first byte "
            f"{export['first_byte_ms']} ms, whole file {export['total_ms']} ms "
            f"({export['bytes']:,} bytes), worker memory {export['worker_memory_before_mb']} MB "
            f"before, +{export['worker_memory_growth_mb']} MB at most during the download.",
            "",
            "#### Plans of the slowest queries of the list with three filters and a search",
            "",
        ]
        for title, plan in result["plans"].items():
            lines += [f"`{title}`", "", "```", plan, "```", ""]
    sizes = sorted(warm, key=int)
    if len(sizes) > 1:
        small, large = (warm[size]["pages"] for size in (sizes[0], sizes[-1]))
        lines += [f"### Growth from {int(sizes[0]):,} to {int(sizes[-1]):,} initiatives", ""]
        lines += ["| page | median ms | median ms | growth |", "|---|---|---|---|"]
        for (name, page), other in zip(small.items(), large.values(), strict=False):
            growth = other["median_ms"] / page["median_ms"] if page["median_ms"] else 0
            lines.append(
                f"| {name} | {page['median_ms']} | {other['median_ms']} | {growth:.1f} × |"
            )
        lines.append("")
    return lines


COLD_INTRODUCTION = (
    "Each address is requested once, sequentially, over loopback, from `gunicorn ppci.wsgi` "
    "(2 sync workers, 1 thread each) with the page cache off, no search's matches kept "
    "(`SEARCH_MEMO=0`) and Redis as the cache under a new key prefix, after the home page, "
    "the unfiltered list in each order, a search that "
    "finds nothing and one initiative outside the workload were requested in both languages "
    "in both workers (what is kept for the whole case book, such as vocabularies and counts, "
    "is warm; nothing kept for one address is). "
    "Times are the client's, from sending the request to reading the whole body, without "
    "compression; queries, server time and per-address memo hits come from the Server-Timing "
    "header. Not covered: the network, TLS, compression, and a cold PostgreSQL buffer cache "
    "or operating-system page cache (the databases were read before). A worker's memory "
    "growth is of its own memory (RssAnon); the pages of the SQLite file that it reads "
    "through memory mapping are the system's file cache, shared and given back under "
    "pressure, and are shown apart (RssFile)."
)


def cold_markdown(cold, notes):
    lines = ["## Cold workload", "", COLD_INTRODUCTION, ""]
    lines += [f"- {note}" for note in notes] + ([""] if notes else [])
    for database, sizes in cold.items():
        for size, result in sizes.items():
            workload = result["workload"]
            lines += [f"### {database}, {int(size):,} initiatives", ""]
            if result.get("generated_seconds"):
                lines += [f"Demo data generated in {result['generated_seconds']} s.", ""]
            lines += [
                f"{workload['published']:,} published initiatives; vocabulary: "
                + ", ".join(f"{name} {count}" for name, count in workload["vocabulary"].items())
                + f"; founding years {workload['years'][0]}–{workload['years'][1]}; search "
                f"words drawn from the {workload['words']['common']} most frequent and "
                f"{workload['words']['rare']} rare ones.",
                "",
                "| target | measured | |",
                "|---|---|---|",
            ]
            lines += [f"| {name} | {value} | {verdict(ok)} |"
                      for name, value, ok in cold_checks(result)]  # fmt: skip
            lines += [
                "",
                "| pages | requests | median ms | p95 ms | max ms | server median ms "
                "| queries median | queries max | per-address memo hits | not 200 |",
                "|---|---|---|---|---|---|---|---|---|---|",
            ]
            rows = {"list": result["list"], "initiative detail": result["detail"]}
            if "skipped" not in result["datasette"]:
                rows[f"Datasette row page ({result['datasette']['file']})"] = result["datasette"]
            for name, row in rows.items():
                lines.append(
                    f"| {name} | {row['requests']} | {row['median_ms']} | {row['p95_ms']} "
                    f"| {row['max_ms']} | {row['server_median_ms'] or '—'} "
                    f"| {'—' if row['queries_median'] is None else row['queries_median']} "
                    f"| {'—' if row['queries_max'] is None else row['queries_max']} "
                    f"| {row['memo_hits']} | {row['not_200']} |"
                )
            if "skipped" in result["datasette"]:
                lines += ["", f"Datasette: {result['datasette']['skipped']}."]
            throughput = result["throughput"]
            lines += [
                "",
                f"wrk, the {throughput['requests']} list addresses once each over "
                f"{throughput['connections']} connections, on a new server (new key prefix): "
                f"**{throughput['requests_per_second']} requests/s** in "
                f"{throughput['seconds']} s, p50 {throughput.get('p50_ms')} ms, p99 "
                f"{throughput.get('p99_ms')} ms, {throughput['not_2xx']} not 2xx, "
                f"{throughput['memo_hits']} per-address memo hits, at most "
                f"{throughput['queries_max']} queries.",
                "",
                "| export | bytes | downloads | first byte ms (median) | whole ms (median) "
                "| whole ms, each download | worker memory growth MB (largest) "
                "| mapped file pages growth MB (largest) "
                "| queries before the first byte | queries in all (in process) |",
                "|---|---|---|---|---|---|---|---|---|---|",
            ]
            for export in result["exports"].values():
                each = ", ".join(str(ms) for ms in export.get("totals_ms", [export["total_ms"]]))
                lines.append(
                    f"| `{export['url']}` | {export['bytes']:,} | {export.get('runs', 1)} "
                    f"| {export['first_byte_ms']} | {export['total_ms']} | {each} "
                    f"| {export['worker_memory_growth_mb']} "
                    f"| {export.get('mapped_file_growth_mb', '—')} "
                    f"| {export.get('queries', '—')} | {export['queries_in_process']} |"
                )
            slowest = sorted(result["list_rows"], key=lambda row: -row["ms"])[:5]
            lines += [
                "",
                "Slowest list addresses:",
                "",
                "| address | ms | server ms | queries | status |",
                "|---|---|---|---|---|",
            ]
            lines += [
                f"| `{row['url']}` | {row['ms']} | {row.get('app_ms', '—')} "
                f"| {row.get('queries', '—')} | {row['status']} |"
                for row in slowest
            ]
            lines.append("")
    return lines


def markdown(report):
    lines = ["# Benchmark", ""]
    lines += [f"- **{key}**: {value}" for key, value in report["machine"].items()]
    lines += ["", f"Settings: {report['settings']}", ""]
    if report["cold"]:
        lines += cold_markdown(report["cold"], report["notes"])
    if report["warm"]:
        lines += warm_markdown(report["warm"])
    if report["stages"]:
        lines += ["## Stages", "", "| stage | seconds |", "|---|---|"]
        lines += [f"| {row['stage']} | {row['seconds']} |" for row in report["stages"]]
    return "\n".join(lines) + "\n"


def write_report(report):
    (REPORTS / "benchmark.json").write_text(json.dumps(report, indent=2))
    (REPORTS / "benchmark.md").write_text(markdown(report))


def print_targets(report):
    for database, sizes in report["cold"].items():
        for size, result in sizes.items():
            for name, value, ok in cold_checks(result):
                print(f"{database:<10} {int(size):>7,}  {verdict(ok):<12}  {name}: {value}")
            slowest = max(result["list_rows"], key=lambda row: row["ms"])
            print(f"{database:<10} {int(size):>7,}  slowest cold list address: {slowest['url']} "
                  f"{slowest['ms']} ms, {slowest.get('queries')} queries")  # fmt: skip
    for size, result in report["warm"].items():
        for name, value, ok in warm_checks(result):
            print(f"{'postgresql':<10} {int(size):>7,}  {verdict(ok):<12}  {name}: {value}")
    for note in report["notes"]:
        print(f"note: {note}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--databases", nargs="+", choices=DATABASES, default=list(DATABASES))
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--fresh", action="store_true", help="generate the databases again")
    parser.add_argument("--cold-only", action="store_true", help="leave the warm workload out")
    parser.add_argument(
        "--cold-requests", type=int, default=500, help="list addresses of the cold workload"
    )
    parser.add_argument(
        "--cold-details", type=int, default=100, help="initiative pages of the cold workload"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the cold workload's draw")
    parser.add_argument("--wrk-connections", type=int, default=4)
    parser.add_argument(
        "--export-runs",
        type=int,
        default=5,
        help="downloads of each full export, one after the other (one past 10,000 initiatives)",
    )
    parser.add_argument(
        "--sqlite-file",
        help="an SQLite database to use as it is, instead of bench-<size>.sqlite3 (one size)",
    )
    parser.add_argument(
        "--sqlite-max-size",
        type=int,
        default=10_000,
        help="the largest size run on SQLite (default 10000: 100,000 on PostgreSQL only)",
    )
    parser.add_argument("--requests", type=int, default=50, help="warm: timed requests per page")
    parser.add_argument("--load-seconds", type=int, default=10, help="warm: seconds of wrk")
    parser.add_argument("--connections", type=int, default=8, help="warm: wrk's connections")
    parser.add_argument(
        "--measure", nargs=2, metavar=("REQUESTS", "OUTPUT"), help=argparse.SUPPRESS
    )
    parser.add_argument("--draw", metavar="OUTPUT", help=argparse.SUPPRESS)
    parser.add_argument("--count-queries", nargs="+", metavar="OUTPUT URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure_in_process(int(args.measure[0]), args.measure[1])
        return
    if args.draw:
        draw_workload(args.cold_requests, args.cold_details, args.seed, args.draw)
        return
    if args.count_queries:
        count_queries_in_process(args.count_queries[1:], args.count_queries[0])
        return
    if not shutil.which("wrk"):
        sys.exit("wrk is needed for the load test: apt-get install wrk")
    if args.sqlite_file and len(args.sizes) != 1:
        sys.exit("--sqlite-file is for one size: give --sizes too")
    if datasette_command() is None:
        print(
            "Datasette is not installed, so the initiative pages are not compared with its row "
            "pages: .venv/bin/pip install -r bench/requirements.txt",
            flush=True,
        )
    REPORTS.mkdir(parents=True, exist_ok=True)
    stages = Stages()
    report = {
        "machine": machine(args.server, args.databases),
        "settings": {
            "databases": args.databases,
            "sizes": args.sizes,
            "cold_requests": args.cold_requests,
            "cold_details": args.cold_details,
            "seed": args.seed,
            "wrk_connections": args.wrk_connections,
            **(
                {}
                if args.cold_only
                else {
                    "requests": args.requests,
                    "load_seconds": args.load_seconds,
                    "connections": args.connections,
                }
            ),
        },
        "targets": {"cold": COLD_TARGETS, **({} if args.cold_only else {"warm": TARGETS})},
        "cold": {},
        "warm": {},
        "notes": [],
        "stages": stages.taken,
    }
    started = time.perf_counter()
    with stages("collectstatic"):
        harness.manage(
            database_env("sqlite://:memory:"), "collectstatic", "--noinput", "--verbosity", "0"
        )
    for size in args.sizes:
        envs, prepared = {}, {}
        sqlite_file = sqlite_path(size, args.sqlite_file)
        if "postgresql" in args.databases:
            with stages(f"postgresql-{size}: the database"):
                prepared["postgresql"] = prepare(args.server, size, args.fresh)
            envs["postgresql"] = database_env(database_url(args.server, size))
        if "sqlite" in args.databases:
            if size <= args.sqlite_max_size:
                with stages(f"sqlite-{size}: the database"):
                    prepared["sqlite"] = prepare_sqlite(
                        sqlite_file, size, args.fresh, args.sqlite_file
                    )
                envs["sqlite"] = database_env(f"sqlite:///{sqlite_file}")
            else:
                note = (
                    f"SQLite at {size:,} initiatives left out (above --sqlite-max-size "
                    f"{args.sqlite_max_size:,}); it is optional: --sqlite-max-size {size} runs it."
                )
                report["notes"].append(note)
                log(note)
        for database, env in envs.items():
            result = cold_workload(database, size, env, sqlite_file, args, stages)
            result.update(prepared[database])
            report["cold"].setdefault(database, {})[str(size)] = result
            write_report(report)
        if "postgresql" in args.databases and not args.cold_only:
            report["warm"][str(size)] = warm_workload(args, size, prepared["postgresql"], stages)
            write_report(report)
    report["machine"]["load_average_at_end"] = load_average()
    report["machine"].update(
        {f"{name}_at_end": ms for name, ms in round_trips(args.server, args.databases).items()}
    )
    write_report(report)
    log(f"All stages: {time.perf_counter() - started:.0f} s. Report: {REPORTS / 'benchmark.md'}")
    print_targets(report)


if __name__ == "__main__":
    main()
