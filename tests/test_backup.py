"""Backup and restore: export_casebook writes everything, load_casebook puts it back into an
empty database identically. CI runs this on SQLite and on PostgreSQL (DATABASE_URL)."""

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from casebook.management.commands.export_casebook import FILES
from casebook.models import (
    City,
    Correction,
    Figure,
    Funding,
    Initiative,
    Issue,
    Partnership,
    Proposal,
    Source,
    Theme,
)
from partners.models import Partner

# Every model the backup writes (the test below checks that no model is missing from it),
# and the tables of their many-to-many links.
MODELS = [model for _name, models in FILES for model in models]
LINKS = [
    field.remote_field.through for model in MODELS for field in model._meta.local_many_to_many
    if field.remote_field.through._meta.auto_created
]  # fmt: skip
# Rows other rows point at, and the key that names them in any database.
NAMED_BY_SLUG = [Funding, Issue, City, Theme, Partner, Initiative]


def rows(model):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def every_row():
    """Every row of every case-book table, as stored, with links written as the slug (or, for
    a source, the initiative's slug and the source's key) of what they point at and database
    ids left out (they differ between two databases)."""
    slugs = {model: {row["id"]: row["slug"] for row in rows(model)} for model in NAMED_BY_SLUG}
    # A source is named by its initiative and its key (a figure points at one).
    slugs[Source] = {
        row["id"]: f"{slugs[Initiative][row['initiative_id']]}/{row['key']}" for row in rows(Source)
    }
    snapshot = {}
    for model in MODELS + LINKS:
        links = {
            field.column: slugs[field.related_model]
            for field in model._meta.concrete_fields
            if field.is_relation and field.related_model in slugs
        }
        table = []
        for row in rows(model):
            if model not in (Correction, Proposal):  # no other key: theirs is kept
                del row["id"]
            for column, names in links.items():
                if row[column] is not None:
                    row[column] = names[row[column]]
            table.append(row)
        snapshot[model._meta.label_lower] = sorted(
            table, key=lambda row: json.dumps(row, default=str)
        )
    return snapshot


def empty_the_case_book():
    Correction.objects.all().delete()
    Proposal.objects.all().delete()
    Initiative.objects.all().delete()  # with its partnerships, figures and sources
    for model in (Theme, Partner, City, Funding, Issue):
        model.objects.all().delete()
    assert not any(model.objects.exists() for model in MODELS)


@pytest.fixture
def staff_additions(casebook):
    """What staff and visitors add on top of the case book: a draft with a new partner,
    city, figure and source, a new vocabulary entry, an edit and a suggested correction."""
    city = City.objects.create(slug="murcia-centro", name_es="Murcia centro", country="ES")
    partner = Partner.objects.create(
        slug="club-de-barrio",
        name_es="Club de barrio",
        name_en="Neighbourhood club",
        sector="community",
        kind="youth-group",
        country="ES",
    )
    funding = Funding.objects.create(slug="crowdfunding", name_es="Micromecenazgo")
    draft = Initiative.objects.create(
        slug="borrador-murcia",
        title_es="Borrador en Murcia",
        summary_es="Aún sin publicar.",
        city=city,
        country="ES",
        reach_countries=["ES", "PT"],
        programming="implicit",
        scale="local",
        year_founded=2024,
        month_founded=3,
    )
    draft.themes.set(Theme.objects.filter(slug__in=["trust-building", "engagement"]))
    draft.fundings.set([funding])
    draft.issues.set(Issue.objects.all()[:2])
    Partnership.objects.create(initiative=draft, partner=partner, role="lead", order=0)
    Partnership.objects.create(
        initiative=draft, partner=Partner.objects.get(slug="converse"), role="funder", order=1
    )
    Figure.objects.create(
        initiative=draft,
        key="young-people",
        label_es="Jóvenes",
        kind="output",
        qualifier="about",
        value=Decimal("120.5"),
        unit="people",
    )
    Source.objects.create(initiative=draft, key="acta", title_es="Acta del pleno", year=2024)
    edited = Initiative.objects.get(slug="ruta-n")
    edited.title_en = "Ruta N (Medellín)"
    edited.save()
    Correction.objects.create(
        initiative=edited, what_is_wrong="El año es 2009.", email="ana@example.org", language="es"
    )
    theme = Theme.objects.get(slug="education")
    theme.example = draft
    theme.save()
    proposal = Proposal.objects.create(
        language="es", title="Mesas de convivencia", summary="Mediación vecinal.",
        city_name="Valparaíso", country="CL", partners=[{"name": "Junta", "sector": "community"}],
        proposer_name="Ana Rojas", proposer_role="Coordinadora", proposer_organisation="Municipio",
        proposer_email="ana.rojas@municipio.example", consent=True, initiative=edited,
    )  # fmt: skip
    proposal.themes.set(Theme.objects.filter(slug="engagement"))


def test_it_restores_every_row_of_an_export_into_an_empty_database(staff_additions, tmp_path):
    before = every_row()
    assert len(before["casebook.initiative"]) == 10
    assert len(before["casebook.correction"]) == 1

    call_command("export_casebook", str(tmp_path / "backup"), verbosity=0)
    empty_the_case_book()
    call_command("load_casebook", directory=str(tmp_path / "backup"), verbosity=0)

    after = every_row()
    for label, table in before.items():
        assert after[label] == table, label


def test_it_writes_the_files_load_casebook_reads_in_its_format(staff_additions, tmp_path):
    call_command("export_casebook", str(tmp_path), verbosity=0)

    names = sorted(path.name for path in tmp_path.glob("*.json"))
    assert names == [
        "01_vocabularies.json",
        "02_cities.json",
        "03_themes.json",
        "04_partners.json",
        "05_initiatives.json",
        "06_partnerships.json",
        "07_figures.json",
        "08_sources.json",
        "09_corrections.json",
        "10_proposals.json",
    ]
    initiatives = json.loads((tmp_path / "05_initiatives.json").read_text(encoding="utf-8"))
    draft = next(r for r in initiatives if r["fields"]["slug"] == "borrador-murcia")
    assert "pk" not in draft
    assert draft["fields"]["status"] == "draft"
    assert draft["fields"]["city"] == ["murcia-centro"]
    assert draft["fields"]["title_es"] == "Borrador en Murcia"
    assert "title" not in draft["fields"]
    partnerships = json.loads((tmp_path / "06_partnerships.json").read_text(encoding="utf-8"))
    assert {
        "model": "casebook.partnership",
        "fields": {
            "initiative": ["borrador-murcia"],
            "partner": ["club-de-barrio"],
            "role": "lead",
            "description_es": None,
            "description_en": None,
            "order": 0,
        },
    } in partnerships


def test_it_loads_its_own_export_twice_without_a_change(staff_additions, tmp_path, capsys):
    call_command("export_casebook", str(tmp_path), verbosity=0)

    call_command("load_casebook", directory=str(tmp_path))

    assert "0 created, 0 updated, 139 unchanged" in capsys.readouterr().out


def test_it_will_not_mix_a_backup_with_other_files(casebook, tmp_path):
    (tmp_path / "notes.json").write_text("[]")

    with pytest.raises(CommandError, match="choose an empty folder or pass --overwrite"):
        call_command("export_casebook", str(tmp_path))
    with pytest.raises(CommandError, match=r"other JSON files \(notes.json\)"):
        call_command("export_casebook", str(tmp_path), overwrite=True)


def test_it_finds_restored_initiatives_by_search(staff_additions, tmp_path, client):
    call_command("export_casebook", str(tmp_path), verbosity=0)
    empty_the_case_book()
    call_command("load_casebook", directory=str(tmp_path), verbosity=0)

    response = client.get("/es/initiatives/", {"q": "medellin"})

    assert "Ruta N" in response.content.decode()


def test_the_backup_covers_every_model_or_says_why_not():
    """A new model of the case book's apps can never be left out of the backup unnoticed."""
    from django.apps import apps

    from casebook.management.commands.export_casebook import FILES, NOT_BACKED_UP

    backed_up = {model for _name, models in FILES for model in models}
    through = {
        field.remote_field.through for model in backed_up for field in model._meta.many_to_many
    }
    every_model = {
        model
        for label in ("casebook", "partners")
        for model in apps.get_app_config(label).get_models()
    }
    assert every_model - backed_up - through == set(NOT_BACKED_UP)


def test_a_backup_without_personal_data_keeps_no_contact_detail(staff_additions, tmp_path):
    call_command("export_casebook", str(tmp_path), without_personal_data=True, verbosity=0)
    written = "".join(file.read_text() for file in sorted(tmp_path.glob("*.json")))
    assert "Mesas de convivencia" in written and "El año es 2009." in written
    for detail in ("ana.rojas@municipio.example", "Ana Rojas", "ana@example.org", "Coordinadora"):
        assert detail not in written
    full = tmp_path / "full"
    call_command("export_casebook", str(full), verbosity=0)
    assert "ana.rojas@municipio.example" in (full / "10_proposals.json").read_text()
