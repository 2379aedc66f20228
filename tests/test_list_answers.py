"""The initiative list answers what it answered before: for 100 addresses drawn with a fixed
seed from the list's own vocabulary (0 to 3 filters, half with a search of one or two words
from the data, a sort, a page), on the case book and 2,000 demo initiatives, the number of
matches, the slugs of the page in order and every facet's counts are those recorded in
``tests/answers/``. Any change to how the list counts, ranks or pages must keep them.

The answers are recorded per database (their relevance scores differ: bm25 on SQLite,
ts_rank on PostgreSQL). To record them again, on purpose, after a change of the data or of
what the list should answer::

    RECORD_LIST_ANSWERS=1 .venv/bin/pytest tests/test_list_answers.py
"""

import json
import os
import random
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from casebook import listindex
from casebook.models import City, Initiative, Programming, Scale, Theme
from partners.models import Kind, Sector
from ppci.lib import pagecache

pytestmark = pytest.mark.django_db

ANSWERS = Path(__file__).parent / "answers"
SEED = 2026
ADDRESSES = 100
# Words of the demo data and of the case book, common and rare, in both languages.
WORDS = [
    "de",
    "the",
    "jóvenes",
    "young",
    "community",
    "comunitaria",
    "policía",
    "police",
    "empleo",
    "jobs",
    "prison",
    "prisión",
    "radicalización",
    "gang",
    "escuelas",
    "trust",
    "confianza",
    "deporte",
    "hate",
    "mentors",
    "Ruta",
    "Aarhus",
    "agencia",
    "bond",
    "Medellín",
]
# Sorts whose order the data decides; "recently updated" follows the clock of the load.
SORTS = ["", "relevance", "title", "-year", "year"]


def addresses(rng):
    """Distinct combinations of filters and search words, drawn from the real vocabulary."""
    cities = sorted(
        City.objects.filter(initiatives__isnull=False).distinct().values_list("slug", flat=True)
    )
    countries = sorted(set(Initiative.objects.values_list("country", flat=True)))
    options = {
        "theme": sorted(Theme.objects.values_list("slug", flat=True)),
        "sector": list(Sector.values),
        "kind": list(Kind.values),
        "programming": list(Programming.values),
        "scale": list(Scale.values),
        "country": countries,
        "city": cities,
        "year_from": [str(year) for year in range(1990, 2026, 5)],
        "year_to": [str(year) for year in range(1995, 2027, 5)],
    }
    seen, drawn = set(), []
    while len(drawn) < ADDRESSES:
        params = []
        for name in rng.sample(sorted(options), rng.randint(0, 3)):
            values = rng.sample(options[name], min(len(options[name]), rng.choice([1, 1, 2])))
            if name in ("programming", "year_from", "year_to"):
                values = values[:1]
            params += [(name, value) for value in sorted(values)]
        if rng.random() < 0.5:
            params.append(("q", " ".join(rng.sample(WORDS, rng.choice([1, 2])))))
        combination = tuple(sorted(params))
        if combination in seen:
            continue
        seen.add(combination)
        sort = rng.choice(SORTS)
        if sort:
            params.append(("sort", sort))
        params.append(("page", str(rng.randint(1, 5))))
        language = rng.choice(["es", "en"])
        drawn.append(f"/{language}/initiatives/?{urlencode(sorted(params))}")
    return drawn


def answer(client, address):
    response = client.get(address)
    assert response.status_code == 200, address
    context = response.context
    return {
        "matches": context["page"].paginator.count,
        "page": context["page"].number,
        "slugs": [initiative.slug for initiative in context["initiatives"]],
        "facets": {
            facet["name"]: {option["value"]: option["count"] for option in facet["options"]}
            for facet in context["facets"]
        },
    }


@pytest.fixture
def demo_case_book(casebook):
    call_command("generate_demo_data", initiatives=2000, seed=7, verbosity=0)


def test_the_list_answers_as_recorded(demo_case_book, settings, monkeypatch):
    """From the published case book's index in memory, and from the database (the way staff
    and a visitor while the cache is down are answered): the same answers, those recorded.
    The index is asked twice: as it is, and with every facet of one value per initiative
    kept as each initiative's option (as the cities are at network scale)."""
    client = Client()
    drawn = addresses(random.Random(SEED))
    settings.LIST_INDEX = False
    from_database = {address: answer(client, address) for address in drawn}
    settings.LIST_INDEX = True
    found = {address: answer(client, address) for address in drawn}
    monkeypatch.setattr(listindex, "SPARSE_ABOVE", 1)
    pagecache.invalidate()  # an index built afresh
    sparse = {address: answer(client, address) for address in drawn}
    assert listindex.ListIndex.current().sparse.keys() >= {"country", "city", "scale"}
    for name, other in (("index", found), ("index with sparse facets", sparse)):
        different = [address for address in found if other[address] != from_database[address]]
        assert not different, (
            f"the {name} and the database answer {different[0]} differently:\n"
            f"{name} {other[different[0]]}\ndatabase {from_database[different[0]]}"
        )
    assert sum(1 for a in found.values() if a["slugs"]) >= 50, "too few addresses list anything"
    recorded = ANSWERS / f"list-{connection.vendor}.json"
    if os.environ.get("RECORD_LIST_ANSWERS"):
        ANSWERS.mkdir(exist_ok=True)
        recorded.write_text(json.dumps(found, indent=1, ensure_ascii=False) + "\n")
        pytest.skip(f"answers recorded in {recorded}")
    expected = json.loads(recorded.read_text())
    assert list(found) == list(expected), "the addresses drawn are not those recorded"
    different = [address for address in found if found[address] != expected[address]]
    assert not different, (
        f"{len(different)} of {len(found)} addresses answer differently, first "
        f"{different[0]}:\nnow {found[different[0]]}\nrecorded {expected[different[0]]}"
    )
