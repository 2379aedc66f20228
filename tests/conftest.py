import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _plain_http(settings):
    """Tests talk plain HTTP to the test server; production redirects to HTTPS."""
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def casebook(db):
    """The case book from fixtures/, loaded as `load_casebook` loads it."""
    call_command("load_casebook", verbosity=0)
