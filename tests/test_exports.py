import csv
import io
import json

import pytest

from tests.factories import make_initiative, make_partner, make_theme

pytestmark = pytest.mark.django_db


def read_csv(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def read_json(response):
    return json.loads(b"".join(response.streaming_content))


@pytest.fixture
def initiatives(settings):
    settings.INITIATIVES_PER_PAGE = 2
    theme = make_theme(slug="messaging", order=5, name_es="Mensajería", name_en="Messaging")
    club = make_partner(
        slug="club", name_es="Club", name_en="Club", sector="private", kind="sports-team"
    )
    return [
        make_initiative(slug=f"case-{n}", themes=[theme], partners=[(club, "messenger")])
        for n in range(5)
    ] + [make_initiative(slug="secret-draft", themes=[theme], status="draft")]


def test_it_exports_exactly_the_rows_of_the_list_on_every_page(client, initiatives):
    listed = []
    for number in (1, 2, 3):
        response = client.get("/es/initiatives/", {"theme": "messaging", "page": number})
        listed += [i.slug for i in response.context["initiatives"]]
    rows = read_csv(client.get("/es/initiatives/export.csv", {"theme": "messaging"}))
    assert [row["Identificador (slug)"] for row in rows] == listed
    data = read_json(client.get("/es/initiatives/export.json", {"theme": "messaging"}))
    assert [item["slug"] for item in data["results"]] == listed
    assert "secret-draft" not in listed


def test_it_names_partners_and_themes_in_readable_columns(client, initiatives):
    response = client.get("/en/initiatives/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    row = read_csv(response)[0]
    assert row["Work themes"] == "Messaging"
    assert row["Work theme codes"] == "messaging"
    assert row["Private partners"] == "Club (messenger)"
    assert row["Address (URL)"].endswith("/en/initiatives/case-0/")
    item = read_json(client.get("/en/initiatives/export.json"))["results"][0]
    assert item["partners"] == [
        {
            "slug": "club",
            "name": "Club",
            "sector": {"code": "private", "label": "private"},
            "kind": {"code": "sports-team", "label": "sports team"},
            "roles": [{"code": "messenger", "label": "messenger"}],
            "website": "",
        }
    ]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_it_neutralises_cells_a_spreadsheet_would_run(client, db, start):
    make_initiative(slug="formula", title_en=f'{start}HYPERLINK("http://x")')
    row = read_csv(client.get("/en/initiatives/export.csv"))[0]
    assert row["Title"] == f'\'{start}HYPERLINK("http://x")'


@pytest.mark.parametrize("url", ["/es/initiatives/export.csv", "/es/initiatives/export.json"])
def test_it_refuses_bad_parameters_with_a_message(client, initiatives, url):
    response = client.get(url, {"theme": "nonsense", "year_from": "soon"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "nonsense" in text
    assert "Fundada desde" in text or "Founded from" in text


def test_it_never_exports_a_draft(client, initiatives):
    for url in ("/es/initiatives/export.csv", "/es/initiatives/export.json"):
        body = b"".join(client.get(url).streaming_content).decode()
        assert "secret-draft" not in body


def test_a_partners_website_is_on_its_page_and_in_both_exports(client, db):
    import csv
    import io
    import json

    from django.core.exceptions import ValidationError

    from tests.factories import make_initiative, make_partner

    club = make_partner(slug="club", name_en="River Club", website="https://river-club.example")
    with pytest.raises(ValidationError) as refused:
        club.website = "http://river-club.example"
        club.full_clean()
    assert "https://" in str(refused.value)
    club.refresh_from_db()
    make_initiative(slug="with-club", partners=[club])

    page = client.get("/en/partners/club/").content.decode()
    assert '<a href="https://river-club.example" rel="external noopener noreferrer">' in page
    data = json.loads(b"".join(client.get("/en/initiatives/export.json").streaming_content))
    (row,) = data["results"]
    assert row["partners"][0]["website"] == "https://river-club.example"
    text = b"".join(client.get("/en/initiatives/export.csv").streaming_content).decode()
    (line,) = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    assert line["Partner websites"] == "River Club: https://river-club.example"


@pytest.mark.parametrize("missing", ["", None])
def test_a_text_missing_in_the_readers_language_comes_in_the_other(client, db, missing):
    """As the pages show it: an initiative's, its city's, a partner's and a figure's texts."""
    from casebook.models import Figure
    from tests.factories import make_city

    city = make_city(slug="lugar", name_es="Villa Sur", name_en=missing)
    partner = make_partner(slug="solo-es", name_es="Asociación Vecinal", name_en=missing)
    initiative = make_initiative(
        slug="only-spanish",
        title_es="Solo en castellano",
        title_en=missing,
        city=city,
        partners=[(partner, "lead")],
        figures=1,
    )
    Figure.objects.filter(initiative=initiative).update(label_es="Vecinos", label_en=missing)
    item = read_json(client.get("/en/initiatives/export.json"))["results"][0]
    assert item["title"] == "Solo en castellano"
    assert item["city"] == {"code": "lugar", "label": "Villa Sur"}
    assert item["partners"][0]["name"] == "Asociación Vecinal"
    assert item["figures"][0]["label"] == "Vecinos"
    row = read_csv(client.get("/en/initiatives/export.csv"))[0]
    assert (row["Title"], row["City"]) == ("Solo en castellano", "Villa Sur")
    assert row["Partners (roles)"] == "Asociación Vecinal (lead partner)"
    Initiative = type(initiative)
    Initiative.objects.filter(pk=initiative.pk).update(title_es=missing, title_en=missing)
    assert read_json(client.get("/es/initiatives/export.json"))["results"][0]["title"] == ""


def test_dates_and_times_are_written_as_iso_in_every_file(client, db):
    """Read as the database keeps them (on SQLite, as text), written as the model's own."""
    import datetime

    from casebook.models import Figure

    initiative = make_initiative(slug="dated", last_checked=datetime.date(2024, 2, 29), figures=1)
    Figure.objects.filter(initiative=initiative).update(checked_on=datetime.date(2025, 1, 31))
    initiative.refresh_from_db()
    updated = initiative.updated_at.isoformat(timespec="seconds")
    assert updated.endswith("+00:00")
    item = read_json(client.get("/en/initiatives/export.json"))["results"][0]
    assert (item["last_checked"], item["last_updated"]) == ("2024-02-29", updated)
    assert item["figures"][0]["checked_on"] == "2025-01-31"
    row = read_csv(client.get("/en/initiatives/export.csv"))[0]
    assert (row["Record last checked"], row["Last updated"]) == ("2024-02-29", updated)
    figure = read_csv(client.get("/en/initiatives/export-figures.csv"))[0]
    assert figure["Checked on"] == "2025-01-31"


@pytest.mark.parametrize("language", ["es", "en"])
def test_every_kind_of_figure_is_worded_in_the_files_as_on_its_page(client, db, language):
    """Units, qualifiers (and none), directions, ranges and values of every shape: the files
    word each figure as the case's page does (``Figure.display_value``)."""
    import itertools
    import random
    from decimal import Decimal

    from django.utils import translation

    from casebook.models import Direction, Figure, Qualifier, Unit

    rng = random.Random(7)
    initiative = make_initiative(slug="every-figure")
    kinds = itertools.product(
        Unit.values + ["parsecs"], Qualifier.values + [""], Direction.values, [False, True]
    )
    figures = []
    for order, (unit, qualifier, direction, ranged) in enumerate(kinds):
        value = Decimal(rng.choice([0, 1, 40, 999, 1000, 6637, 10**13])) + Decimal(
            rng.choice(["0", "0.5", "0.05", "0.25", "0.99"])
        )
        figures.append(
            Figure(
                initiative=initiative,
                key=f"figure-{order}",
                label_es="Cifra",
                label_en="Figure",
                kind="output",
                value=value,
                value_max=value * 3 + Decimal("0.10") if ranged else None,
                unit=unit,
                qualifier=qualifier,
                direction=direction,
                order=order,
            )
        )
    Figure.objects.bulk_create(figures)
    with translation.override(language):
        expected = {f.key: f.display_value for f in Figure.objects.filter(initiative=initiative)}
    assert len(expected) == 12 * 5 * 3 * 2
    items = read_json(client.get(f"/{language}/initiatives/export.json"))["results"][0]
    assert {item["key"]: item["wording"] for item in items["figures"]} == expected
    # In the CSV, a wording that starts with a sign starts with "'" (never a formula).
    rows = read_csv(client.get(f"/{language}/initiatives/export-figures.csv"))
    key, wording = list(rows[0])[1], list(rows[0])[3]
    assert {row[key]: row[wording].removeprefix("'") for row in rows} == expected
    assert any(row[wording].startswith("'+") for row in rows)


def test_an_export_of_no_initiatives_reads_no_rows(rf, db):
    """A list the database need not be asked for (``none()``) exports nothing."""
    from casebook import exports
    from casebook.models import Initiative

    make_initiative(slug="not-asked-for")
    request = rf.get("/es/initiatives/export.json")
    assert list(exports.Export(Initiative.objects.none(), request)) == []
    assert [i.slug for i in exports.Export(Initiative.objects.all(), request)] == ["not-asked-for"]
