"""On PostgreSQL the database writes most of each figure's JSON in the export (``Table``'s
``in_sql``): the file must be the one Python writes, byte for byte, whatever the texts,
numbers, dates and codes hold."""

import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casebook import exports
from casebook.models import Figure
from tests.factories import make_initiative

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="only PostgreSQL writes JSON for the export"
    ),
]

AWKWARD = 'Niños “del barrio” \\ "citado"\n\ttab \x01\x1f ø 😀 </script> \u2028'


@pytest.fixture
def figures():
    initiative = make_initiative(slug="awkward", figures=6)
    rows = list(Figure.objects.filter(initiative=initiative).order_by("key"))
    changes = [
        {"label_es": AWKWARD, "note_en": AWKWARD, "value": Decimal("40.00")},
        {"label_es": "", "label_en": "Only English", "value": Decimal("12.50")},
        {"value": Decimal("0.05"), "value_max": Decimal("99999999999999.99"), "unit": "percent"},
        {"unit": "parsecs", "qualifier": "", "direction": "level", "kind": "outcome"},
        {"period_start": 1991, "period_end": None, "checked_on": datetime.date(2025, 1, 31)},
        {"source_quote": "=SUM(A1)", "checked_by_es": "Equipo ‘A’", "period_start": None},
    ]
    for row, change in zip(rows, changes, strict=True):
        Figure.objects.filter(pk=row.pk).update(**change)
    return rows


def download(client, url):
    with CaptureQueriesContext(connection) as queries:
        body = b"".join(client.get(url).streaming_content)
    return body, [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_json_the_database_writes_is_the_json_python_writes(
    client, figures, monkeypatch, language
):
    url = f"/{language}/initiatives/export.json"
    written, statements = download(client, url)
    assert any("to_json" in sql for sql in statements), "the database wrote none of it"
    monkeypatch.setattr(exports.Export, "json_in_sql", lambda self, name, bounds: {})
    by_python, statements = download(client, url)
    assert not any("to_json" in sql for sql in statements)
    assert written == by_python
    items = json.loads(written)["results"][0]["figures"]
    assert [item["key"] for item in items] == [f"figure-{n}" for n in range(6)]
    if language == "es":
        assert items[0]["label"] == AWKWARD
        assert items[1]["label"] == "Only English"
    else:
        assert items[0]["note"] == AWKWARD
    assert [items[n]["value"] for n in range(3)] == [40, 12.5, 0.05]
    assert b'"value_max": 99999999999999.99,' in written  # every digit, as the CSV has it
    assert items[3]["unit"] == {"code": "parsecs", "label": "parsecs"}
    assert items[3]["qualifier"] is None
    assert items[4]["checked_on"] == "2025-01-31"
    assert items[4]["period_start"] == 1991 and items[4]["period_end"] is None
    assert items[5]["source_quote"] == "=SUM(A1)"


def test_where_the_database_writes_the_json_a_figure_reads_only_what_python_writes(client, figures):
    """Its texts and codes come as JSON: the row holds the fields of the wording and the
    period, not the note or the method."""
    table = exports.Table(
        exports.FIGURE_COLUMNS,
        exports.Export(
            exports.Initiative.objects.all(), client.get("/es/").wsgi_request, partners=False
        ),
        in_sql="figures",
    )
    assert table.segments
    assert {"value", "unit", "period_start"} <= table.reads
    assert not {"note", "method", "label", "checked_on"} & table.reads
