"""Browser tests: Playwright driving Debian's Chromium against the live test server.

Outside CI a missing browser skips these tests; in CI (CI=true) it fails them.
"""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parent / "artifacts"
# axe-core from the npm registry: `npm ci --prefix tests/browser` (the README's test command).
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the
# test itself (setting up data) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def in_ci():
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(message):
    """A missing tool fails the test in CI and skips it elsewhere."""
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, request):
    """Opens pages in fresh browser contexts; a failed test leaves a screenshot of each."""
    contexts = []

    def open_page(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("locale", "es-ES")
        context = chromium.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "-", request.node.name)
        for number, context in enumerate(contexts, 1):
            for page_number, opened in enumerate(context.pages, 1):
                path = ARTIFACTS / f"{name}-{number}-{page_number}.png"
                try:
                    opened.screenshot(path=str(path), full_page=True)
                except Exception as error:  # a crashed page must not hide the test's failure
                    print(f"No screenshot of {opened.url}: {error}")
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def no_js_page(new_page):
    """A page with JavaScript turned off, for what must work without it."""
    return new_page(java_script_enabled=False)


@pytest.fixture(scope="session")
def axe_source():
    if not AXE.exists():
        missing(f"axe-core is not installed at {AXE} (npm ci --prefix tests/browser)")
    return AXE.read_text(encoding="utf-8")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def live_casebook(transactional_db, live_server):
    """The case book, committed so that the live server's thread sees it."""
    from tests.support import load_casebook

    load_casebook()
    return live_server


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    """In the browser, pages come through the page cache as they do in production: a journey
    that publishes and then searches proves the cache never serves a stale page."""
    settings.PAGE_CACHE_SECONDS = 3600
