import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test.utils import override_settings


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
    yield
    cache.clear()


@pytest.fixture
def casebook(db):
    """The case book from fixtures/, loaded as `load_casebook` loads it."""
    call_command("load_casebook", verbosity=0)
