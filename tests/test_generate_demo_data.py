"""`generate_demo_data`: the same data for the same seed, in proportion, and removable."""

import pytest
from django.core.management import CommandError, call_command

from casebook.models import City, Figure, Initiative, Partnership, Status
from partners.models import Partner

pytestmark = pytest.mark.django_db


def snapshot():
    """What a visitor could see of the demo data, in a stable order."""
    return {
        "initiatives": list(
            Initiative.objects.filter(is_demo=True)
            .order_by("slug")
            .values_list("slug", "title_es", "title_en", "status", "year_founded", "city__slug")
        ),
        "partnerships": list(
            Partnership.objects.filter(initiative__is_demo=True)
            .order_by("initiative__slug", "order")
            .values_list("initiative__slug", "partner__slug", "role")
        ),
        "figures": list(
            Figure.objects.filter(initiative__is_demo=True)
            .order_by("initiative__slug", "key")
            .values_list("initiative__slug", "key", "label_en", "value", "unit")
        ),
        "themes": list(
            Initiative.themes.through.objects.filter(initiative__is_demo=True)
            .order_by("initiative__slug", "theme__order")
            .values_list("initiative__slug", "theme__slug")
        ),
    }


def test_it_generates_the_same_data_for_the_same_seed(casebook):
    call_command("generate_demo_data", initiatives=40, seed=7, verbosity=0)
    first = snapshot()
    call_command("generate_demo_data", initiatives=40, seed=7, verbosity=0)
    assert snapshot() == first
    call_command("generate_demo_data", initiatives=40, seed=8, verbosity=0)
    assert snapshot() != first


def test_it_generates_in_proportion_in_both_languages(casebook):
    call_command("generate_demo_data", initiatives=200, verbosity=0)
    demo = Initiative.objects.filter(is_demo=True)
    assert demo.count() == 200
    assert Partner.objects.filter(is_demo=True).count() == 400
    assert Partnership.objects.filter(initiative__is_demo=True).count() == 6 * 200
    assert Figure.objects.filter(initiative__is_demo=True).count() == 3 * 200
    drafts = demo.filter(status=Status.DRAFT).count()
    assert 5 <= drafts <= 40  # about a tenth
    assert set(demo.values_list("themes__slug", flat=True)) == {
        "trust-building",
        "engagement",
        "capacity-building",
        "education",
        "messaging",
    }
    assert City.objects.filter(is_demo=True).values("country").distinct().count() >= 10
    assert not demo.filter(title_es="").exists()
    assert not demo.filter(title_en="").exists()
    assert not demo.filter(summary_en="").exists()
    # Published demo cases are found like any other: by a city or partner name.
    case = demo.filter(status=Status.PUBLISHED).select_related("city").first()
    assert case.city.name in case.search_document
    hub = Partner.objects.filter(is_demo=True).order_by("slug").first()
    assert Partnership.objects.filter(partner=hub).count() >= 20
    # A partner's description names its kind in its own language.
    foundation = Partner.objects.filter(is_demo=True, kind="foundation").first()
    assert foundation.description_es == "Socio de demostración (fundación)."
    assert foundation.description_en == "Demonstration partner (foundation)."


def test_it_never_mixes_with_the_case_book(casebook):
    before = set(Initiative.objects.values_list("slug", flat=True))
    call_command("generate_demo_data", initiatives=30, verbosity=0)
    case_book = Initiative.objects.filter(slug__in=before)
    assert not case_book.filter(is_demo=True).exists()
    assert not Partnership.objects.filter(initiative__is_demo=True, partner__is_demo=False).exists()
    assert not Partnership.objects.filter(initiative__is_demo=False, partner__is_demo=True).exists()
    assert not Initiative.objects.filter(is_demo=True, city__is_demo=False).exists()


def test_it_removes_all_demo_data_and_nothing_else(casebook, client):
    before = {
        "initiatives": Initiative.objects.count(),
        "partners": Partner.objects.count(),
        "cities": City.objects.count(),
        "partnerships": Partnership.objects.count(),
        "figures": Figure.objects.count(),
    }
    call_command("generate_demo_data", initiatives=30, verbosity=0)
    assert Initiative.objects.count() == before["initiatives"] + 30
    listing = client.get(
        "/en/initiatives/?country="
        + Initiative.objects.filter(is_demo=True, status="published").first().country.code
    )
    assert "demo-" in listing.content.decode()

    call_command("generate_demo_data", remove=True, verbosity=0)

    after = {
        "initiatives": Initiative.objects.count(),
        "partners": Partner.objects.count(),
        "cities": City.objects.count(),
        "partnerships": Partnership.objects.count(),
        "figures": Figure.objects.count(),
    }
    assert after == before
    assert Initiative.objects.filter(slug="ruta-n").exists()
    # And the pages say so at once.
    assert "demo-" not in client.get("/en/initiatives/").content.decode()


def test_it_refuses_to_remove_demo_partners_a_real_case_uses(casebook):
    call_command("generate_demo_data", initiatives=10, verbosity=0)
    ruta_n = Initiative.objects.get(slug="ruta-n")
    Partnership.objects.create(
        initiative=ruta_n, partner=Partner.objects.filter(is_demo=True).first(), role="funder"
    )
    with pytest.raises(CommandError, match="ruta-n"):
        call_command("generate_demo_data", remove=True, verbosity=0)
    assert Initiative.objects.filter(is_demo=True).count() == 10


def test_it_needs_the_case_book_vocabularies_first(db):
    with pytest.raises(CommandError, match="load_casebook"):
        call_command("generate_demo_data", initiatives=5, verbosity=0)
