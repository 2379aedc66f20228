import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _test_server_settings(settings):
    """Tests talk plain HTTP to the test server and read static files from the source tree."""
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def casebook(db):
    """The case book from fixtures/, loaded as `load_casebook` loads it."""
    call_command("load_casebook", verbosity=0)
