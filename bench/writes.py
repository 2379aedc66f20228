"""Writing at network scale: an editor's admin save, a publish and an unpublish, timed.

    .venv/bin/python bench/writes.py --database postgres://postgres@127.0.0.1:5432/ppci_bench_100000

Against a database that already holds the case book and the demo initiatives (the ones
``bench/benchmark.py`` builds), in one process with the settings' cache (Redis with
REDIS_URL), as a superuser logged in through the admin:

- the change form of a published demo initiative: read, its English summary changed, and
  saved (``--rounds`` times, each a different initiative);
- a draft demo initiative published, then unpublished, with the admin's list actions.

For each it prints the median and the largest time and number of queries of the request,
and how many times the request built anything for the whole case book (the list's index:
it must be none; a thread builds it after the change, outside the request). Each change is
undone after it is timed: the summary is set back, the initiative made a draft again.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, only bench/ is on the path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="DATABASE_URL")
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    os.environ.update(
        DATABASE_URL=options.database,
        DJANGO_SETTINGS_MODULE="ppci.settings",
        DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY", "writes"),
    )
    import warnings

    import django

    warnings.filterwarnings("ignore", "No directory at")
    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from casebook import listindex
    from casebook.models import Initiative, Status
    from tests.support import FormReader

    override_settings(
        ALLOWED_HOSTS=["testserver"],
        SECURE_SSL_REDIRECT=False,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ).enable()

    builds = []
    build = listindex.ListIndex.build

    def counted_build():
        builds.append(1)
        return build()

    listindex.ListIndex.build = counted_build

    user, _ = User.objects.get_or_create(
        username="bench-writer", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    total = Initiative.objects.count()
    print(f"{total:,} initiatives, {Initiative.objects.published().count():,} published")

    def timed(method, url, data=None):
        queries = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        builds.clear()
        started = time.perf_counter()
        with connection.execute_wrapper(count):
            response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
            response.content  # noqa: B018 (read it all)
        took = (time.perf_counter() - started) * 1000
        return response, took, len(queries), len(builds)

    results = {"change form": [], "save": [], "publish": [], "unpublish": []}
    published = list(
        Initiative.objects.published().filter(is_demo=True).order_by("pk")[: options.rounds]
    )
    for initiative in published:
        url = reverse("admin:casebook_initiative_change", args=[initiative.pk])
        response, took, queries, built = timed("get", url)
        assert response.status_code == 200, (url, response.status_code)
        results["change form"].append((took, queries, built))
        reader = FormReader("initiative_form")
        reader.feed(response.content.decode())
        data = reader.data
        (summary,) = data["summary_en"]
        data["summary_en"] = [summary + " Checked."]
        response, took, queries, built = timed("post", url, data)
        assert response.status_code == 302, (url, response.status_code)
        results["save"].append((took, queries, built))
        back = Initiative.objects.filter(pk=initiative.pk)
        back.update(summary_en=summary)
        back.refresh_derived_fields()

    changelist = reverse("admin:casebook_initiative_changelist")
    drafts = list(
        Initiative.objects.filter(is_demo=True, status=Status.DRAFT).order_by("pk")[
            : options.rounds
        ]
    )
    for initiative in drafts:
        for action in ("publish", "unpublish"):
            data = {"action": action, "_selected_action": [initiative.pk], "index": 0}
            response, took, queries, built = timed("post", changelist, data)
            assert response.status_code == 302, (action, response.status_code)
            initiative.refresh_from_db()
            expected = Status.PUBLISHED if action == "publish" else Status.UNPUBLISHED
            assert initiative.status == expected, (action, initiative.status)
            results[action].append((took, queries, built))
        # A draft again, as it was: unpublished and draft are both private.
        Initiative.objects.filter(pk=initiative.pk).update(status=Status.DRAFT)

    for name, rows in results.items():
        times = [row[0] for row in rows]
        print(
            f"{name}: {len(rows)} requests, median {statistics.median(times):.0f} ms, "
            f"max {max(times):.0f} ms, queries median {statistics.median(r[1] for r in rows):.0f} "
            f"max {max(r[1] for r in rows)}, whole-case-book builds in the request "
            f"{sum(r[2] for r in rows)}"
        )


if __name__ == "__main__":
    main()
