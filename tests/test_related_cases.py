"""The related cases of an initiative's page are the same whether they are scored in memory
from the published case book's index or in the database (the way while the cache is down):
the same cases, in the same order, with the same reasons in both languages."""

import pytest
from django.core.management import call_command
from django.utils import translation

from casebook import related
from casebook.listindex import ListIndex
from casebook.models import Initiative

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_case_book(casebook):
    call_command("generate_demo_data", initiatives=400, seed=5, verbosity=0)


def shown(cases, initiative):
    own = related.Own.of(initiative)
    lines = []
    for language in ("es", "en"):
        with translation.override(language):
            for case in cases:
                lines.append((case.slug, case.title, str(case.city), related.reasons(own, case)))
    return lines


def test_the_index_and_the_database_relate_the_same_cases(demo_case_book, monkeypatch):
    # A pool smaller than the case book, so that which candidates enter it matters.
    monkeypatch.setattr(related, "POOL_SIZE", 40)
    index = ListIndex.build()
    initiatives = Initiative.objects.for_detail().order_by("slug")[::5]
    compared = 0
    for initiative in initiatives:
        in_memory = related.related_from_index(index, related.Own.of(initiative), 5)
        in_database = related.find_related(initiative, 5)
        assert shown(in_memory, initiative) == shown(in_database, initiative), initiative.slug
        compared += bool(in_database)
    assert compared >= 60, "too few initiatives have related cases to compare"
