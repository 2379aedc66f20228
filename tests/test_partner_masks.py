"""Each initiative keeps its partners' sectors and kinds in its own row (the list filters and
counts them there): whatever changes partnerships or partners, those sets stay true."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from reversion.models import Version

from casebook.models import Initiative, Partnership
from partners.models import KIND_BITS, SECTOR_BITS
from tests.factories import PASSWORD, make_initiative, make_partner, make_theme
from tests.support import form_on, log_in

pytestmark = pytest.mark.django_db


def options(bits, value):
    return {option for option, bit in bits.items() if value & bit}


def stored():
    return {
        pk: (options(SECTOR_BITS, sectors), options(KIND_BITS, kinds))
        for pk, sectors, kinds in Initiative.objects.values_list(
            "pk", "partner_sectors", "partner_kinds"
        )
    }


def true_sets():
    sets = {pk: (set(), set()) for pk in Initiative.objects.values_list("pk", flat=True)}
    for pk, sector, kind in Partnership.objects.values_list(
        "initiative_id", "partner__sector", "partner__kind"
    ):
        sets[pk][0].add(sector)
        sets[pk][1].add(kind)
    return sets


def assert_in_step():
    assert stored() == true_sets()


def test_the_case_book_and_demo_data_are_loaded_with_their_sets(casebook):
    call_command("generate_demo_data", initiatives=60, verbosity=0)
    sets = stored()
    assert sets[Initiative.objects.get(slug="ruta-n").pk][0]  # the case book's have partners
    assert any(sectors for sectors, _kinds in sets.values() if len(sectors) > 1)
    assert_in_step()


def test_partnerships_added_removed_and_partners_changed_or_deleted_keep_them_true():
    police = make_partner(sector="public", kind="police")
    club = make_partner(sector="private", kind="sports-team")
    case = make_initiative(partners=[police])
    other = make_initiative(partners=[police, club])
    assert stored()[case.pk] == ({"public"}, {"police"})

    Partnership.objects.create(initiative=case, partner=club, role="funder", order=1)
    assert stored()[case.pk] == ({"public", "private"}, {"police", "sports-team"})

    club.sector, club.kind = "community", "youth-group"
    club.save()
    assert stored()[other.pk] == ({"public", "community"}, {"police", "youth-group"})

    Partnership.objects.filter(initiative=case, partner=police).delete()
    assert stored()[case.pk] == ({"community"}, {"youth-group"})

    other.partnerships.filter(partner=police).delete()
    police.delete()  # a partner with no partnership left
    assert stored()[other.pk] == ({"community"}, {"youth-group"})
    assert_in_step()


def test_an_editor_changing_partners_in_the_admin_keeps_them_true(editor):
    police = make_partner(sector="public", kind="police")
    ngo = make_partner(sector="community", kind="ngo")
    case = make_initiative(partners=[police], themes=[make_theme()], status="draft")
    browser = log_in(editor)
    change = reverse("admin:casebook_initiative_change", args=[case.pk])
    data = form_on(browser.get(change), "initiative_form")
    (partner_field,) = [name for name in data if name.endswith("-0-partner")]
    data[partner_field] = [str(ngo.pk)]
    response = browser.post(change, data)
    assert response.status_code == 302
    assert stored()[case.pk] == ({"community"}, {"ngo"})

    partner_change = reverse("admin:partners_partner_change", args=[ngo.pk])
    data = form_on(browser.get(partner_change), "partner_form")
    data["sector"], data["kind"] = ["private"], ["foundation"]
    assert browser.post(partner_change, data).status_code == 302
    assert stored()[case.pk] == ({"private"}, {"foundation"})
    assert_in_step()


def test_a_recovered_initiative_comes_back_with_its_sets(casebook, reviewer):
    initiative = Initiative.objects.get(slug="memphis-fast-forward")
    before = stored()[initiative.pk]
    assert before[0]
    root = log_in(User.objects.create_superuser("root", password=PASSWORD))
    delete = reverse("admin:casebook_initiative_delete", args=[initiative.pk])
    token = root.get(delete).context["csrf_token"]
    root.post(delete, {"csrfmiddlewaretoken": str(token), "post": "yes"})

    browser = log_in(reviewer)
    (version,) = Version.objects.get_deleted(Initiative)
    recover = reverse("admin:casebook_initiative_recover", args=[version.pk])
    assert (
        browser.post(recover, form_on(browser.get(recover), "initiative_form")).status_code == 302
    )
    restored = Initiative.objects.get(slug="memphis-fast-forward")
    assert stored()[restored.pk] == before
    assert_in_step()


def test_the_sector_filter_keeps_the_initiatives_with_a_partner_of_that_sector(client):
    police = make_partner(sector="public", kind="police")
    club = make_partner(sector="private", kind="sports-team")
    make_initiative(slug="public-only", partners=[police])
    make_initiative(slug="both", partners=[police, club])
    make_initiative(slug="none")
    listing = client.get("/en/initiatives/?sector=private")
    assert [initiative.slug for initiative in listing.context["initiatives"]] == ["both"]
    facets = {facet["name"]: facet for facet in listing.context["facets"]}
    counts = {option["value"]: option["count"] for option in facets["sector"]["options"]}
    assert counts == {"public": 2, "private": 1, "community": 0}
    kinds = {option["value"]: option["count"] for option in facets["kind"]["options"]}
    assert kinds == {"police": 1, "sports-team": 1}
    listing = client.get("/en/initiatives/?kind=police&sort=title")
    assert sorted(i.slug for i in listing.context["initiatives"]) == ["both", "public-only"]
