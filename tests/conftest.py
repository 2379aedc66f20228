import atexit
import os
import shutil
import tempfile

import pytest
from django.core.cache import cache
from django.test.utils import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from ppci.lib import pagecache
from tests.factories import make_staff
from tests.support import load_casebook

# Under pytest-xdist (`-n auto`) each worker is a process with a test database of its own
# (pytest-django adds the worker's name to it). What lives outside the database is kept apart
# per worker too: each worker has a temporary folder of its own, where the page generation
# file is written, and the Redis tests use a database number of their own
# (`tests.support.redis_url`).
if os.environ.get("PYTEST_XDIST_WORKER"):
    tempfile.tempdir = tempfile.mkdtemp(prefix=f"ppci-tests-{os.environ['PYTEST_XDIST_WORKER']}-")
    atexit.register(shutil.rmtree, tempfile.tempdir, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _test_server_settings():
    """Tests talk plain HTTP to the test server and read static files from the source tree.

    The page cache is off, so that every test sees a rendered response with its context;
    the tests of the cache itself (and the browser journeys) turn it on.

    Session-wide, so that the live server used by the browser tests starts with them too.
    """
    override = override_settings(
        SECURE_SSL_REDIRECT=False,
        PAGE_CACHE_SECONDS=0,
        # The list's index is built by the request that first needs it, not by a thread that
        # would read the database outside the test's transaction (tests/test_list_index.py
        # tests the thread).
        LIST_INDEX_BUILD="inline",
        # Staff log in through the login form in many tests; a cheap hasher keeps that quick.
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    )
    override.enable()
    yield
    override.disable()


@pytest.fixture(autouse=True)
def _empty_caches():
    """Each test starts with empty caches: a page kept by one test never reaches another,
    whose database was rolled back without a signal."""
    cache.clear()
    pagecache.invalidate()
    yield
    cache.clear()


@pytest.fixture
def casebook(db):
    """The case book from fixtures/, as `load_casebook` loads it."""
    load_casebook()


# Property-based tests (Hypothesis): reproducible by default, the same examples on every run
# and in CI; HYPOTHESIS_PROFILE=explore draws new ones each run.
hypothesis_settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
hypothesis_settings.register_profile(
    "explore",
    parent=hypothesis_settings.get_profile("ci"),
    derandomize=False,
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def editor(db):
    return make_staff("eva", "Editors")


@pytest.fixture
def reviewer(db):
    return make_staff("rafa", "Reviewers")
