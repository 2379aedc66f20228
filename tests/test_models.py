import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from casebook.models import Figure, Initiative, Partnership
from partners.models import Partner
from tests.factories import make_initiative, make_partner

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def refused_by_the_database(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_a_partner_kind_outside_its_sector_is_refused_by_the_database():
    refused_by_the_database(
        lambda: Partner.objects.create(slug="x", name_es="X", sector="public", kind="sports-team")
    )
    make_partner(slug="club", sector="private", kind="sports-team")  # the right sector is fine


def test_a_partner_kind_outside_its_sector_is_reported_on_the_kind_field():
    partner = Partner(slug="x", name_es="X", sector="community", kind="police")
    with pytest.raises(ValidationError) as error:
        partner.full_clean()
    assert list(error.value.message_dict) == ["kind"]
    assert "A community partner is one of:" in error.value.message_dict["kind"][0]


def test_an_initiative_cannot_end_before_it_starts():
    refused_by_the_database(lambda: make_initiative(year_founded=2010, year_ended=2009))
    initiative = Initiative(
        slug="y",
        title_es="Y",
        summary_es="Y",
        country="ES",
        programming="explicit",
        scale="local",
        year_founded=2010,
        year_ended=2009,
    )
    with pytest.raises(ValidationError) as error:
        initiative.full_clean()
    assert "year_ended" in error.value.message_dict


def test_a_published_initiative_always_has_a_publication_date():
    initiative = make_initiative(status="draft")
    initiative.status = "published"
    initiative.save()
    assert initiative.published_at is not None
    refused_by_the_database(
        lambda: Initiative.objects.filter(pk=initiative.pk).update(published_at=None)
    )


def test_a_figure_needs_a_unit_and_a_range_in_order():
    initiative = make_initiative()
    refused_by_the_database(
        lambda: Figure.objects.create(
            initiative=initiative, key="a", label_es="A", kind="output", value=1, unit=""
        )
    )
    refused_by_the_database(
        lambda: Figure.objects.create(
            initiative=initiative,
            key="b",
            label_es="B",
            kind="funding",
            value=50,
            value_max=10,
            unit="usd",
        )
    )
    figure = Figure(initiative=initiative, key="c", label_es="C", kind="output", value=1, unit="")
    with pytest.raises(ValidationError) as error:
        figure.full_clean()
    assert "unit" in error.value.message_dict


def test_a_partner_has_one_role_once_per_initiative():
    partner = make_partner()
    initiative = make_initiative(partners=[(partner, "funder")])
    Partnership.objects.create(initiative=initiative, partner=partner, role="in-kind-supporter")
    refused_by_the_database(
        lambda: Partnership.objects.create(initiative=initiative, partner=partner, role="funder")
    )


def test_published_leaves_out_drafts():
    published = make_initiative(status="published")
    draft = make_initiative(status="draft")
    assert list(Initiative.objects.published()) == [published]
    assert list(Initiative.objects.drafts()) == [draft]


def test_figures_read_as_a_person_says_them():
    initiative = make_initiative()
    cases = [
        ({"value": 40, "unit": "percent", "direction": "decrease"}, "−40%"),
        ({"value": "23.6", "unit": "percent", "direction": "decrease"}, "−23.6%"),
        ({"value": 7000, "unit": "people", "qualifier": "more-than"}, "more than 7,000 people"),
        ({"value": 10000, "value_max": 50000, "unit": "usd"}, "US$10,000–50,000"),
        ({"value": 5000000, "unit": "eur"}, "€5,000,000"),
        (
            {"value": 90, "unit": "percent", "direction": "decrease", "qualifier": "more-than"},
            "a fall of more than 90%",  # English writes no space before %
        ),
    ]
    for index, (fields, expected) in enumerate(cases):
        figure = Figure(
            initiative=initiative, key=f"f{index}", label_es="F", kind="output", **fields
        )
        assert figure.display_value == expected


def test_a_choice_is_shown_in_the_language_of_each_request():
    """The labels of a field's choices are kept once, untranslated: each display is in the
    language active when it is shown, and a value that is not a choice shows as it is."""
    partner = Partner(kind="local-authority", sector="public")
    with translation.override("es"):
        assert partner.get_kind_display() == "autoridad local"
    assert partner.get_kind_display() == "local authority"
    with translation.override("es"):
        assert partner.get_sector_display() == "público"
    assert Partnership(role="no-such-role").get_role_display() == "no-such-role"
