"""Two people saving the same record from stale forms: the second is told, and loses nothing."""

import re

import pytest
from django.urls import reverse

from casebook.models import Initiative
from partners.models import Partner
from tests.factories import make_staff
from tests.support import form_on, log_in, make_initiative


@pytest.fixture
def eva(db):
    return make_staff("eva", "Editors")


@pytest.fixture
def luis(db):
    return make_staff("luis", "Editors")


def conflict_message(response):
    found = re.search(r'<ul class="errorlist nonfield">(.*?)</ul>', response.content.decode(), re.S)
    return found.group(1) if found else ""


def test_it_tells_the_second_editor_and_keeps_both_changes_apart(eva, luis):
    initiative = make_initiative(title="Parques del Río")
    change = reverse("admin:casebook_initiative_change", args=[initiative.pk])
    as_eva, as_luis = log_in(eva), log_in(luis)
    evas_form = form_on(as_eva.get(change), "initiative_form")
    luis_form = form_on(as_luis.get(change), "initiative_form")

    evas_form["title_es"] = "Parques del Río Medellín"
    assert as_eva.post(change, evas_form).status_code == 302
    luis_form["summary_es"] = "Un parque lineal de 1,2 km junto al río Medellín."
    luis_form["lessons_learned_en"] = "Ask the neighbours first."
    response = as_luis.post(change, luis_form)

    assert response.status_code == 200
    message = conflict_message(response)
    assert "Someone else saved this initiative while you were editing it (eva" in message
    assert "Changed Title [es]." in message
    assert "Your changes have NOT been saved" in message
    initiative.refresh_from_db()
    assert initiative.title_es == "Parques del Río Medellín"
    assert initiative.summary_es == "Un parque junto al río."
    assert initiative.lessons_learned_en == ""
    # Nothing Luis typed is lost: the form comes back with it.
    shown = form_on(response, "initiative_form")
    assert shown["summary_es"] == ["Un parque lineal de 1,2 km junto al río Medellín."]
    assert shown["lessons_learned_en"] == ["Ask the neighbours first."]
    assert shown["title_es"] == ["Parques del Río"]


def test_it_saves_the_redisplayed_form_when_the_editor_saves_again(eva, luis):
    initiative = make_initiative(title="Parques del Río")
    change = reverse("admin:casebook_initiative_change", args=[initiative.pk])
    as_eva, as_luis = log_in(eva), log_in(luis)
    evas_form = form_on(as_eva.get(change), "initiative_form")
    luis_form = form_on(as_luis.get(change), "initiative_form")
    evas_form["title_es"] = "Título de Eva"
    as_eva.post(change, evas_form)
    luis_form["summary_es"] = "Resumen de Luis."
    refused = as_luis.post(change, luis_form)

    again = as_luis.post(change, form_on(refused, "initiative_form"))

    assert again.status_code == 302
    initiative.refresh_from_db()
    assert initiative.summary_es == "Resumen de Luis."


def test_it_refuses_a_form_opened_before_a_publish_from_the_list(eva, db):
    reviewer = make_staff("rafa", "Reviewers")
    initiative = make_initiative()
    change = reverse("admin:casebook_initiative_change", args=[initiative.pk])
    as_eva, as_rafa = log_in(eva), log_in(reviewer)
    evas_form = form_on(as_eva.get(change), "initiative_form")
    listing = reverse("admin:casebook_initiative_changelist")
    actions = form_on(as_rafa.get(listing), "changelist-form")
    actions.update(action="publish", _selected_action=[initiative.pk], index="0")
    as_rafa.post(listing, actions)

    evas_form["title_es"] = "Otro título"
    response = as_eva.post(change, evas_form)

    assert response.status_code == 200
    assert "(rafa" in conflict_message(response)
    initiative.refresh_from_db()
    assert initiative.title_es == "Parques del Río"
    assert initiative.status == "published"


def test_it_refuses_a_stale_partner_form(eva, luis):
    partner = Partner.objects.create(
        slug="ruta-n", name_es="Ruta N", sector="public", kind="local-authority"
    )
    change = reverse("admin:partners_partner_change", args=[partner.pk])
    as_eva, as_luis = log_in(eva), log_in(luis)
    evas_form = form_on(as_eva.get(change), "partner_form")
    luis_form = form_on(as_luis.get(change), "partner_form")
    evas_form["description_es"] = "Centro de innovación de Medellín."
    as_eva.post(change, evas_form)

    luis_form["website"] = "https://www.rutanmedellin.org"
    response = as_luis.post(change, luis_form)

    assert response.status_code == 200
    assert "Someone else saved this partner" in conflict_message(response)
    partner.refresh_from_db()
    assert partner.website == ""
    assert partner.description_es == "Centro de innovación de Medellín."
    assert form_on(response, "partner_form")["website"] == ["https://www.rutanmedellin.org"]


def test_it_counts_every_save(db):
    initiative = make_initiative()
    assert initiative.version == 1

    initiative.title_es = "Nuevo"
    initiative.save()
    initiative.save(update_fields=["title_es"])

    assert Initiative.objects.get(pk=initiative.pk).version == 3
