"""Lighthouse scores of the portal as it is served in production.

Builds a production-like server in a temporary folder - an SQLite database with the case book
loaded, static files collected and served by whitenoise (compressed, hashed names), DEBUG off,
gunicorn - then runs Lighthouse (mobile preset, the default) on the home page, the initiative
list, a filtered list and an initiative page, three times each, and prints the median of each
score. Exits with status 1 if a median is below its threshold.

    npm ci --prefix bench/lighthouse
    .venv/bin/python bench/lighthouse.py [--runs 3] [--language es] [--reports bench/reports]

Chromium comes from CHROME_PATH (default /usr/bin/chromium); nothing is downloaded.
"""

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, only bench/ is on the path

from bench import harness  # noqa: E402

LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"

PAGES = {
    "home": "/{language}/",
    "list": "/{language}/initiatives/",
    "filtered list": "/{language}/initiatives/?theme=messaging&sector=private",
    "detail": "/{language}/initiatives/ruta-n/",
}
THRESHOLDS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
CHROME_FLAGS = "--headless=new --no-sandbox"


# Lighthouse's own failures to record a page load (NO_NAVSTART, a trace it could not read)
# happen on a busy machine, sometimes several in a row; such a run is tried again after a
# pause that grows, its scores are never softened.
ATTEMPTS = 5


def lighthouse(url, report_path, env):
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return lighthouse_once(url, report_path, env)
        except (subprocess.CalledProcessError, RuntimeError) as error:
            if attempt == ATTEMPTS:
                raise
            print(f"Lighthouse failed on {url} ({error}); trying again", flush=True)
            time.sleep(2 * attempt)


def lighthouse_once(url, report_path, env):
    subprocess.run(
        [
            "node",
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report_path}",
            f"--chrome-flags={CHROME_FLAGS}",
            "--only-categories=performance,accessibility,best-practices,seo",
        ],
        env=env,
        check=True,
    )
    report = json.loads(report_path.read_text(encoding="utf-8"))
    if report.get("runtimeError"):
        raise RuntimeError(f"Lighthouse could not load {url}: {report['runtimeError']}")
    scores = {}
    for name, category in report["categories"].items():
        score = category["score"]
        scores[name] = None if score is None else round(score * 100)
    failing = [
        f"{audit['id']}: {audit['title']}"
        for audit in report["audits"].values()
        if audit.get("score") is not None
        and audit["score"] < 1
        and audit.get("scoreDisplayMode") in {"binary", "numeric", "metricSavings"}
    ]
    return scores, failing


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per page; the median counts")
    parser.add_argument("--language", default="es", choices=["es", "en"])
    parser.add_argument("--reports", type=Path, help="keep the JSON reports in this folder")
    options = parser.parse_args()

    if not LIGHTHOUSE.exists():
        sys.exit(f"Lighthouse is not installed at {LIGHTHOUSE}: npm ci --prefix bench/lighthouse")
    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not Path(chrome).exists():
        sys.exit(f"No Chromium at {chrome} (apt-get install chromium, or set CHROME_PATH)")

    work = Path(tempfile.mkdtemp(prefix="ppci-lighthouse-"))
    reports = options.reports or work / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    port = harness.free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            # Plain HTTP on the loopback interface: nothing to redirect to.
            "SECURE_SSL_REDIRECT": "0",
            "CHROME_PATH": chrome,
        }
    )
    server = None
    try:
        harness.manage(env, "migrate", "--noinput", quiet=True)
        harness.manage(env, "load_casebook", quiet=True)
        harness.manage(env, "collectstatic", "--noinput", "--clear", quiet=True)
        server = harness.start_gunicorn(
            env, port, "--workers=2", "--log-level=warning", ready=f"/{options.language}/"
        )
        base = f"http://127.0.0.1:{port}"

        results = {}
        failed = False
        for name, path in PAGES.items():
            url = base + path.format(language=options.language)
            runs = []
            notes = set()
            for run in range(1, options.runs + 1):
                slug = name.replace(" ", "-")
                scores, failing = lighthouse(url, reports / f"{slug}-{run}.json", env)
                runs.append(scores)
                notes.update(failing)
            medians = {
                category: statistics.median(run[category] or 0 for run in runs)
                for category in THRESHOLDS
            }
            results[name] = medians
            below = [c for c, minimum in THRESHOLDS.items() if medians[c] < minimum]
            failed = failed or bool(below)
            line = "  ".join(f"{c} {medians[c]:g}" for c in THRESHOLDS)
            each = " / ".join(",".join(str(run[c]) for c in THRESHOLDS) for run in runs)
            print(f"{name:14} {line}   (runs: {each}){'  BELOW THRESHOLD' if below else ''}")
            if below:
                for note in sorted(notes):
                    print(f"    {note}")
        print(
            "thresholds: "
            + ", ".join(f"{c} >= {minimum}" for c, minimum in THRESHOLDS.items())
            + f" (median of {options.runs} runs, mobile preset, /{options.language}/)"
        )
        return 1 if failed else 0
    finally:
        if server is not None:
            harness.stop_gunicorn(server)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
