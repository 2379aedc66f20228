import pytest
from django.core.management import call_command
from django.test.utils import override_settings


@pytest.fixture(scope="session", autouse=True)
def _test_server_settings():
    """Tests talk plain HTTP to the test server and read static files from the source tree.

    Session-wide, so that the live server used by the browser tests starts with them too.
    """
    override = override_settings(
        SECURE_SSL_REDIRECT=False,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    )
    override.enable()
    yield
    override.disable()


@pytest.fixture
def casebook(db):
    """The case book from fixtures/, loaded as `load_casebook` loads it."""
    call_command("load_casebook", verbosity=0)
