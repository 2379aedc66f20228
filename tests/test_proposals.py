"""A city official proposes an initiative: a public, bilingual form that works without
JavaScript, kept privately for the reviewers, who are told; bots and floods are turned away."""

import json
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from casebook.models import City, Proposal
from partners.models import Partner
from tests.factories import make_staff
from tests.support import form_on, log_in

pytestmark = pytest.mark.django_db

TITLE = "Mesas de convivencia de Valparaíso"
EMAIL = "ana.rojas@municipio.example"


def proposal_data(page, **changes):
    data = form_on(page, "proposal-form")
    data.update(
        title=TITLE,
        summary="La municipalidad, un club de fútbol y juntas de vecinos median conflictos.",
        city_name="Valparaíso",
        country="CL",
        year_founded="2019",
        partner_1_name="Municipalidad de Valparaíso",
        partner_1_sector="public",
        partner_2_name="Club Deportivo del Puerto",
        partner_2_sector="private",
        what_changed="120 conflictos mediados en 2022.",
        source="https://example.org/informe-2022",
        proposer_name="Ana Rojas",
        proposer_role="Coordinadora de seguridad",
        proposer_organisation="Municipalidad de Valparaíso",
        proposer_email=EMAIL,
        consent="on",
    )
    data.update(changes)
    return data


@pytest.fixture
def visitor():
    return Client(enforce_csrf_checks=True, headers={"accept-language": "es"})


@pytest.fixture
def reviewer_with_email(db):
    reviewer = make_staff("rafa", "Reviewers")
    reviewer.email = "rafa@example.org"
    reviewer.save()
    return reviewer


def test_a_proposal_in_spanish_is_kept_privately_and_reviewers_are_told(
    visitor, casebook, reviewer_with_email, django_capture_on_commit_callbacks
):
    page = visitor.get("/es/propose/")
    assert page.status_code == 200
    assert "Proponer una iniciativa" in page.content.decode()
    cities, partners = City.objects.count(), Partner.objects.count()
    data = proposal_data(page, themes=["engagement", "trust-building"])
    data["themes"] = [str(pk) for pk in themes_by_slug(page, data["themes"])]
    with django_capture_on_commit_callbacks(execute=True):
        response = visitor.post("/es/propose/", data)
    assert response.status_code == 302
    thanks = visitor.get(response.url).content.decode()
    assert "Gracias por su propuesta" in thanks
    assert "qué pasa ahora" in thanks.lower() or "Esto es lo que pasa ahora" in thanks

    proposal = Proposal.objects.get()
    assert (proposal.title, proposal.language, proposal.country.code) == (TITLE, "es", "CL")
    assert proposal.partners == [
        {"name": "Municipalidad de Valparaíso", "sector": "public"},
        {"name": "Club Deportivo del Puerto", "sector": "private"},
    ]
    assert sorted(proposal.themes.values_list("slug", flat=True)) == [
        "engagement",
        "trust-building",
    ]
    assert proposal.state == "new" and proposal.consent
    # No public row is made for it: its partners and city are only named.
    assert (City.objects.count(), Partner.objects.count()) == (cities, partners)
    (told,) = mail.outbox
    assert told.to == ["rafa@example.org"]
    assert TITLE in told.subject
    assert f"/admin/casebook/proposal/{proposal.pk}/change/" in told.body
    assert EMAIL not in told.body


def themes_by_slug(page, slugs):
    """The checkbox values of the themes with these slugs, read from the database."""
    from casebook.models import Theme

    return list(Theme.objects.filter(slug__in=slugs).values_list("pk", flat=True))


def test_a_proposal_is_on_no_public_surface(visitor, casebook, client):
    page = visitor.get("/en/propose/")
    assert visitor.post("/en/propose/", proposal_data(page)).status_code == 302
    assert Proposal.objects.count() == 1
    surfaces = [
        "/es/", "/en/initiatives/", "/es/initiatives/?q=Valpara%C3%ADso",
        "/es/initiatives/?q=convivencia", "/en/initiatives/?country=CL", "/en/feed/",
        "/sitemap.xml", "/en/cities/", "/en/partners/?q=puerto",
    ]  # fmt: skip
    for url in surfaces:
        text = client.get(url).content.decode()
        assert TITLE not in text and EMAIL not in text and "Ana Rojas" not in text, url
    for export in ("/en/initiatives/export.csv", "/en/initiatives/export.json"):
        text = b"".join(client.get(export).streaming_content).decode()
        assert TITLE not in text and EMAIL not in text, export
    assert json.loads(b"".join(client.get("/en/initiatives/export.json").streaming_content))


def test_the_form_is_linked_from_home_list_and_city_pages(client, casebook):
    for url in ("/es/", "/es/initiatives/", "/es/cities/medellin/"):
        assert 'href="/es/propose/"' in client.get(url).content.decode(), url


def test_bad_input_is_named_on_its_field_in_the_visitors_language(visitor, casebook):
    page = visitor.get("/es/propose/")
    data = proposal_data(
        page, title="x" * 201, partner_1_sector="", consent="", proposer_email="not an address"
    )
    response = visitor.post("/es/propose/", data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Revise el formulario" in text
    assert "menos de 200 caracteres (tiene 201)" in text
    assert "Nombre al menos un socio." not in text
    assert "Diga de qué sector es este socio." in text
    assert "Necesitamos su consentimiento para contactarle." in text
    assert "Introduzca una dirección de correo electrónico válida." in text
    assert Proposal.objects.count() == 0


def test_the_honeypot_keeps_nothing_and_the_limit_stops_a_flood(visitor, casebook):
    page = visitor.get("/en/propose/")
    response = visitor.post("/en/propose/", proposal_data(page, fax_number="+1 555 0100"))
    assert response.status_code == 302  # a bot is thanked, and nothing is kept
    assert Proposal.objects.count() == 0
    for _ in range(2):
        assert visitor.post("/en/propose/", proposal_data(page)).status_code == 302
    limited = visitor.post("/en/propose/", proposal_data(page))
    assert limited.status_code == 429
    assert "several proposals in the last hour" in limited.content.decode()
    assert Proposal.objects.count() == 2


def test_reviewers_find_proposals_in_their_queue_and_editors_do_not_see_them(
    visitor, casebook, editor, reviewer
):
    page = visitor.get("/en/propose/")
    visitor.post("/en/propose/", proposal_data(page))
    as_reviewer = log_in(reviewer)
    index = as_reviewer.get(reverse("admin:index")).content.decode()
    assert "1 proposal from a city waits" in index
    proposal = Proposal.objects.get()
    detail = as_reviewer.get(reverse("admin:casebook_proposal_change", args=[proposal.pk]))
    assert EMAIL in detail.content.decode()
    assert re.search(r"Club Deportivo del Puerto \(private\)", detail.content.decode())
    as_editor = log_in(editor)
    listing = reverse("admin:casebook_proposal_changelist")
    assert as_editor.get(listing).status_code == 403
    assert "proposal" not in as_editor.get(reverse("admin:index")).content.decode().lower()


def test_a_reviewer_publishes_a_proposal_with_one_new_and_one_existing_partner(
    visitor, casebook, reviewer, client
):
    from casebook.models import Initiative

    page = visitor.get("/es/propose/")
    data = proposal_data(page, partner_2_name="Converse", partner_2_sector="private")
    assert visitor.post("/es/propose/", data).status_code == 302
    proposal = Proposal.objects.get()
    converse = Partner.objects.get(slug="converse")
    partners_before = Partner.objects.count()

    as_reviewer = log_in(reviewer)
    change = as_reviewer.get(reverse("admin:casebook_proposal_change", args=[proposal.pk]))
    publish_url = reverse("admin:casebook_proposal_publish", args=[proposal.pk])
    assert publish_url in change.content.decode()
    form = form_on(as_reviewer.get(publish_url), "publish-proposal-form")
    assert form["city"] == ["new"]  # Valparaíso is not in the case book yet
    assert form["partner_1"] == [str(converse.pk)]  # the same name is offered first
    form.update(programming="implicit", scale="city", partner_0="new")
    form["partner_0_kind"] = "local-authority"
    form["partner_1"] = str(converse.pk)
    response = as_reviewer.post(publish_url, form)
    assert response.status_code == 302

    proposal.refresh_from_db()
    initiative = proposal.initiative
    assert proposal.state == "accepted"
    assert initiative.status == "published" and initiative.title_es == TITLE
    assert initiative.city.name_es == "Valparaíso"
    names = [p.partner.name_es for p in initiative.partnerships.order_by("order")]
    assert names == ["Municipalidad de Valparaíso", "Converse"]
    assert Partner.objects.count() == partners_before + 1  # Converse was linked, not copied
    page = client.get(f"/es/initiatives/{initiative.slug}/").content.decode()
    assert TITLE in page and "Converse" in page and "Municipalidad de Valparaíso" in page
    assert EMAIL not in page and "Ana Rojas" not in page
    assert Initiative.objects.published().filter(pk=initiative.pk).exists()
    # Settled once: publishing it again is refused.
    again = as_reviewer.post(publish_url, form)
    assert again.status_code == 200
    assert Initiative.objects.filter(title_es=TITLE).count() == 1


def test_a_privacy_notice_in_both_languages_is_linked_from_both_forms(client, casebook, settings):
    settings.PERSONAL_DATA_DAYS = 180
    for language, title, days in (
        ("es", "Aviso de privacidad", "180 días"),
        ("en", "Privacy notice", "180 days"),
    ):
        notice = client.get(f"/{language}/privacy/").content.decode()
        assert f"<h1>{title}</h1>" in notice and days in notice
        for form in (f"/{language}/propose/", f"/{language}/initiatives/ruta-n/correction/"):
            assert f'href="/{language}/privacy/"' in client.get(form).content.decode(), form


def test_contact_details_are_erased_after_the_retention_time_and_on_request(
    visitor, casebook, reviewer, settings
):
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    from casebook.models import Correction, Initiative

    page = visitor.get("/en/propose/")
    visitor.post("/en/propose/", proposal_data(page))
    visitor.post("/en/propose/", proposal_data(page, title="A newer proposal"))
    old, new = Proposal.objects.order_by("pk")
    correction = Correction.objects.create(
        initiative=Initiative.objects.get(slug="ruta-n"), what_is_wrong="x", email="b@example.org"
    )
    long_ago = timezone.now() - datetime.timedelta(days=400)
    Proposal.objects.filter(pk=old.pk).update(created_at=long_ago)
    Correction.objects.filter(pk=correction.pk).update(created_at=long_ago)

    settings.PERSONAL_DATA_DAYS = 365
    call_command("erase_contact_details", verbosity=0)
    old.refresh_from_db()
    new.refresh_from_db()
    correction.refresh_from_db()
    assert (old.proposer_email, old.proposer_name, old.consent) == ("", "", False)
    assert old.contact_erased_at is not None and old.title == TITLE  # what was proposed stays
    assert correction.email == "" and correction.what_is_wrong == "x"
    assert new.proposer_email == EMAIL  # not old enough yet

    # On request: the reviewer erases the newer one at once, from the list.
    as_reviewer = log_in(reviewer)
    listing = reverse("admin:casebook_proposal_changelist")
    data = form_on(as_reviewer.get(listing), "changelist-form")
    data.update(action="erase_contact_details", _selected_action=[str(new.pk)], index="0")
    assert as_reviewer.post(listing, data).status_code == 302
    new.refresh_from_db()
    assert new.proposer_email == "" and new.contact_erased_at is not None
