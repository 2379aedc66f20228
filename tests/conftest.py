import pytest
from django.core.management import call_command


@pytest.fixture
def casebook(db):
    """The case book from fixtures/, loaded as `load_casebook` loads it."""
    call_command("load_casebook", verbosity=0)
