"""Benchmark the portal on PostgreSQL at network scale, and write a report.

    .venv/bin/python bench/benchmark.py                     # 10,000 and 100,000 initiatives
    .venv/bin/python bench/benchmark.py --sizes 10000 --requests 50

For each size, a database ``ppci_bench_<size>`` on ``--server`` (kept between runs; ``--fresh``
builds it again) is migrated and given the case book and the demo data. Then:

1. server time of every page type, in-process through the whole middleware stack with the
   page cache off: median and p95 over ``--requests`` requests, and the SQL queries of one;
2. EXPLAIN ANALYZE of the slowest queries of the list with filters and a search;
3. ``gunicorn ppci.wsgi`` with 2 workers and the page cache in Redis, loaded by ``wrk`` from
   another process over loopback: throughput and latency of a trivial view (the base
   template, no database: the ceiling) and of list and detail pages with the cache warm;
4. the CSV export of about 10,000 rows through gunicorn: first byte, whole download, and how
   much the worker's resident memory grew.

Writes ``bench/reports/benchmark.md`` and ``benchmark.json``, with the machine and versions.
Needs PostgreSQL, Redis and wrk (``apt-get install wrk``).
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, only bench/ is on the path

from bench import harness  # noqa: E402

PYTHON = sys.executable
REPORTS = ROOT / "bench" / "reports"
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


def log(message):
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


# The database ---------------------------------------------------------------------------


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
    log(f"{name}: migrate and load the case book")
    manage(url, "migrate", "--verbosity", "0")
    manage(url, "load_casebook", "--verbosity", "0")
    log(f"{name}: generate {size} demo initiatives")
    started = time.perf_counter()
    manage(url, "generate_demo_data", "--initiatives", str(size))
    seconds = time.perf_counter() - started
    log(f"{name}: generated in {seconds:.1f} s")
    return {"generated_seconds": round(seconds, 1)}


# 1 and 2: server time in-process (run in a child process with DATABASE_URL set) ----------


def measure_in_process(requests, output):
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ppci.settings")
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from casebook.models import Initiative, Partnership

    settings.PAGE_CACHE_SECONDS = 0
    settings.SECURE_SSL_REDIRECT = False
    settings.ALLOWED_HOSTS = ["testserver"]

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


# 3 and 4: gunicorn under load -------------------------------------------------------------


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
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def export_through_gunicorn(port, master, path):
    """First byte, whole download and the largest growth of a worker's memory meanwhile."""
    pids = workers(master)
    before = {pid: resident_mb(pid) for pid in pids}
    peak = dict(before)
    done = threading.Event()

    def watch():
        while not done.is_set():
            for pid in pids:
                peak[pid] = max(peak[pid], resident_mb(pid))
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
        "first_byte_ms": round(first_byte, 1),
        "total_ms": round(total, 1),
        "bytes": size,
        "worker_memory_growth_mb": round(max(peak[pid] - before[pid] for pid in pids), 1),
        "worker_memory_before_mb": round(max(before.values()), 1),
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
        get(port, "/es/")  # every import done before memory is measured
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


# The report -------------------------------------------------------------------------------


def machine(server):
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
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mb": memory,
        "python": platform.python_version(),
        "django": django.get_version(),
        "psycopg": psycopg.__version__,
        "postgresql": psql(server, "SELECT version()")[0][0],
        "gunicorn": gunicorn,
        "wrk": wrk_version.splitlines()[0] if wrk_version else "",
    }


def checks(size_result):
    pages = size_result["pages"]
    search = pages["list, three filters and a search"]
    detail = pages["initiative detail"]
    deep = pages["list, page 400"]["median_ms"] / pages["list, page 1"]["median_ms"]
    export = size_result["csv_export"]
    throughput = size_result["throughput"]
    cached = min(throughput["list"]["ratio_to_ceiling"],
                 throughput["initiative detail"]["ratio_to_ceiling"])  # fmt: skip
    return [
        ("list, 3 filters + search: median ≤ 40 ms", f"{search['median_ms']} ms",
         search["median_ms"] <= TARGETS["list_filters_search_median_ms"]),
        ("list, 3 filters + search: p95 ≤ 80 ms", f"{search['p95_ms']} ms",
         search["p95_ms"] <= TARGETS["list_filters_search_p95_ms"]),
        ("list, 3 filters + search: ≤ 12 queries", str(search["queries"]),
         search["queries"] <= TARGETS["list_filters_search_queries"]),
        ("initiative detail: median ≤ 15 ms", f"{detail['median_ms']} ms",
         detail["median_ms"] <= TARGETS["detail_median_ms"]),
        ("partner detail: median ≤ 15 ms", f"{partner_page(pages)['median_ms']} ms",
         partner_page(pages)["median_ms"] <= TARGETS["detail_median_ms"]),
        ("CSV export: first byte ≤ 200 ms (gunicorn)", f"{export['first_byte_ms']} ms",
         export["first_byte_ms"] <= TARGETS["csv_first_byte_ms"]),
        ("CSV export: worker memory growth < 50 MB", f"{export['worker_memory_growth_mb']} MB",
         export["worker_memory_growth_mb"] < TARGETS["csv_memory_growth_mb"]),
        ("page 400 ≤ 2 × page 1", f"{deep:.2f} ×", deep <= TARGETS["deep_page_ratio"]),
        ("cached list and detail ≥ 60 % of the ceiling", f"{cached:.0%}",
         cached >= TARGETS["cached_throughput_ratio"]),
    ]  # fmt: skip


def partner_page(pages):
    return next(value for name, value in pages.items() if name.startswith("partner detail"))


def markdown(report):
    lines = ["# Benchmark", ""]
    info = report["machine"]
    lines += [f"- **{key}**: {value}" for key, value in info.items()]
    lines += ["", f"Settings: {report['settings']}", ""]
    for size, result in report["sizes"].items():
        lines += [f"## {int(size):,} initiatives", ""]
        if result.get("generated_seconds"):
            lines += [f"Demo data generated in {result['generated_seconds']} s.", ""]
        lines += ["| check | measured | met |", "|---|---|---|"]
        lines += [f"| {name} | {value} | {'yes' if ok else '**no**'} |"
                  for name, value, ok in checks(result)]  # fmt: skip
        lines += ["", "### Server time (in-process, page cache off)", ""]
        lines += [
            "The first request of each page is shown apart: it also computes what is then kept "
            "for the current content generation (vocabularies, related cases, facet counts of each "
            "combination of filters, the counts of the whole case book). The page cache is off "
            "throughout.",
            "",
            "| page | median ms | p95 ms | first request ms | SQL queries | requests |",
            "|---|---|---|---|---|---|",
        ]
        for name, page in result["pages"].items():
            lines.append(
                f"| {name} | {page['median_ms']} | {page['p95_ms']} | {page.get('first_ms')} "
                f"| {page['queries']} | {page['requests']} |"
            )
        lines += ["", "### Through gunicorn (2 workers), wrk on loopback, page cache warm", ""]
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
            "### Plans of the slowest queries of the list with three filters and a search",
            "",
        ]
        for title, plan in result["plans"].items():
            lines += [f"`{title}`", "", "```", plan, "```", ""]
    sizes = sorted(report["sizes"], key=int)
    if len(sizes) > 1:
        small, large = (report["sizes"][size]["pages"] for size in (sizes[0], sizes[-1]))
        lines += [f"## Growth from {int(sizes[0]):,} to {int(sizes[-1]):,} initiatives", ""]
        lines += ["| page | median ms | median ms | growth |", "|---|---|---|---|"]
        for (name, page), other in zip(small.items(), large.values(), strict=False):
            growth = other["median_ms"] / page["median_ms"] if page["median_ms"] else 0
            lines.append(
                f"| {name} | {page['median_ms']} | {other['median_ms']} | {growth:.1f} × |"
            )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--fresh", action="store_true", help="generate the databases again")
    parser.add_argument("--load-seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--measure", nargs=2, metavar=("REQUESTS", "OUTPUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.measure:
        measure_in_process(int(args.measure[0]), args.measure[1])
        return
    if not shutil.which("wrk"):
        sys.exit("wrk is needed for the load test: apt-get install wrk")
    REPORTS.mkdir(parents=True, exist_ok=True)
    report = {
        "machine": machine(args.server),
        "settings": {
            "requests": args.requests,
            "load_seconds": args.load_seconds,
            "connections": args.connections,
        },
        "targets": TARGETS,
        "sizes": {},
    }
    for size in args.sizes:
        url = database_url(args.server, size)
        result = prepare(args.server, size, args.fresh)
        manage(url, "collectstatic", "--noinput", "--verbosity", "0")
        log(f"{size}: server time, {args.requests} requests per page")
        output = REPORTS / f".measure-{size}.json"
        subprocess.run(
            [PYTHON, __file__, "--measure", str(args.requests), str(output)],
            cwd=ROOT, env=database_env(url), check=True,
        )  # fmt: skip
        result.update(json.loads(output.read_text()))
        output.unlink()
        log(f"{size}: gunicorn under load")
        result.update(load_test(url, size, result, args.load_seconds, args.connections))
        report["sizes"][str(size)] = result
        (REPORTS / "benchmark.json").write_text(json.dumps(report, indent=2))
        (REPORTS / "benchmark.md").write_text(markdown(report))
    log(f"Report: {REPORTS / 'benchmark.md'}")
    for size, result in report["sizes"].items():
        for name, value, ok in checks(result):
            print(f"{int(size):>7,}  {'ok  ' if ok else 'MISS'}  {name}: {value}")


if __name__ == "__main__":
    main()
