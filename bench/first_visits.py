"""First visits: list and detail pages that nobody asked for before, with no cache at all.

    .venv/bin/python bench/first_visits.py                          # SQLite, 2,000 demo cases
    .venv/bin/python bench/first_visits.py --database postgres://postgres@127.0.0.1:5432/ppci_fv

A visitor's first visit of a filtered search meets no cached page and no cached facet
counts: every combination of filters, words, sort and page is new. This script builds a
database (``--database``, default an SQLite file ``bench-first-visits.sqlite3`` in the
project root; kept between runs, ``--fresh`` builds it again) with the case book and
``--initiatives`` demo initiatives (``generate_demo_data --seed 1``), then, in one process
with the page cache off, requests:

- ``--requests`` list addresses, each different: a theme, a sector, a country, a search word,
  a sort and a page drawn from a fixed sequence (the same addresses on every run);
- ``--requests`` initiative pages, each a different published initiative.

Every address is new, so nothing kept per address (facet counts, an initiative's related
cases, rankings) can answer; what is kept for the whole case book until it changes (the
vocabularies, the cities' positions) is warm after the first request, as it is on a server
that has run for a while. The cache is the default one of the settings (local memory, or
Redis with REDIS_URL).

It prints the median and 95th percentile of the server time (through the whole middleware
stack, in process: no network, no gunicorn) and the median and largest number of SQL
queries, for each. The first request of the process, which warms it, is not counted.
"""

import argparse
import itertools
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, only bench/ is on the path

from bench import harness  # noqa: E402

THEMES = ["trust-building", "engagement", "capacity-building", "education", "messaging"]
SECTORS = ["public", "private", "community"]
WORDS = ["", "", "violencia", "jóvenes", "community", "policía", "school", "de", "empleo"]
SORTS = ["", "title", "-year", "-updated"]


def addresses(count, countries, seed=7):
    """``count`` different list addresses, the same for the same arguments."""
    rng = random.Random(seed)
    seen, result = set(), []
    while len(result) < count:
        parameters = []
        for name, values, chance in (
            ("theme", THEMES, 0.5),
            ("sector", SECTORS, 0.4),
            ("country", countries, 0.3),
        ):
            if rng.random() < chance:
                parameters.append((name, rng.choice(values)))
        word = rng.choice(WORDS)
        if word:
            parameters.append(("q", word))
        sort = rng.choice(SORTS)
        if sort:
            parameters.append(("sort", sort))
        parameters.append(("page", str(rng.randint(1, 4))))
        query = "&".join(f"{name}={value}" for name, value in parameters)
        if query not in seen:
            seen.add(query)
            language = rng.choice(["es", "en"])
            result.append(f"/{language}/initiatives/?{query}")
    return result


def prepare(env, fresh, initiatives, sqlite_file):
    if sqlite_file is not None:
        if fresh:
            for path in sqlite_file.parent.glob(sqlite_file.name + "*"):
                path.unlink()
        elif sqlite_file.exists():
            return
    elif not fresh:
        counted = harness.manage(
            env,
            "shell",
            "-c",
            "from casebook.models import Initiative; "
            "print(Initiative.objects.filter(is_demo=True).count())",
            check=False,
            capture=True,
        )
        if counted.returncode == 0 and counted.stdout.strip() == str(initiatives):
            harness.manage(env, "migrate", "--verbosity", "0")
            return
    if sqlite_file is None:
        harness.manage(env, "flush", "--noinput", check=False, quiet=True)
    harness.manage(env, "migrate", "--verbosity", "0")
    harness.manage(env, "load_casebook", "--verbosity", "0")
    harness.manage(
        env, "generate_demo_data", "--initiatives", str(initiatives), "--seed", "1", quiet=True
    )


def measure(requests):
    import warnings

    import django

    warnings.filterwarnings("ignore", "No directory at")  # no collectstatic: none needed

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from casebook.models import Initiative

    override_settings(
        # Plain static storage: the production manifest needs collectstatic first, and
        # static URLs are not what is measured.
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ).enable()
    settings.PAGE_CACHE_SECONDS = 0
    # What is kept for the whole case book is built by the first request, which is not
    # counted, rather than by a thread while the first visits are timed.
    settings.LIST_INDEX_BUILD = "inline"
    settings.SECURE_SSL_REDIRECT = False
    settings.ALLOWED_HOSTS = ["testserver"]
    countries = sorted(
        set(Initiative.objects.published().values_list("country", flat=True).distinct())
    )
    details = list(
        Initiative.objects.published().order_by("pk").values_list("slug", flat=True)[: requests + 1]
    )
    pages = {
        "list": addresses(requests + 1, countries),
        "detail": [
            f"/{language}/initiatives/{slug}/"
            for slug, language in zip(details, itertools.cycle(["es", "en"]), strict=False)
        ],
    }
    client = Client()

    def count_queries(execute, sql, params, many, context):
        count_queries.n += 1
        return execute(sql, params, many, context)

    print(f"{Initiative.objects.published().count()} published initiatives")
    for name, urls in pages.items():
        times, queries = [], []
        for number, url in enumerate(urls):
            count_queries.n = 0
            started = time.perf_counter()
            with connection.execute_wrapper(count_queries):
                response = client.get(url)
                response.content  # noqa: B018 (read it all)
            took = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code}")
            if number:  # the first request warms the process
                times.append(took)
                queries.append(count_queries.n)
        times.sort()
        print(
            f"{name}: {len(times)} first visits, median {statistics.median(times):.1f} ms, "
            f"p95 {times[int(0.95 * (len(times) - 1))]:.1f} ms, "
            f"queries median {statistics.median(queries):.0f}, max {max(queries)}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="DATABASE_URL (default: an SQLite file)")
    parser.add_argument("--initiatives", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--fresh", action="store_true", help="build the database again")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    sqlite_file = None
    database = options.database
    if not database:
        sqlite_file = ROOT / "bench-first-visits.sqlite3"
        database = f"sqlite:///{sqlite_file}"
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "DEBUG": "0",
        "SECRET_KEY": "first-visits",
        "DJANGO_SETTINGS_MODULE": "ppci.settings",
    }
    if options.measure_only:
        measure(options.requests)
        return
    prepare(env, options.fresh, options.initiatives, sqlite_file)
    # A fresh process, so that nothing from building the database is kept in memory.
    os.execve(
        sys.executable,
        [sys.executable, __file__, "--measure-only", "--requests", str(options.requests)],
        env,
    )


if __name__ == "__main__":
    main()
