"""The admin in the staff member's language: a switch that is remembered, grammatical
messages in Spanish and English for every model, and names (site, groups, lockouts, history)
in that language."""

import html
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from casebook.models import City, Funding, Initiative, Issue, Theme
from partners.models import Partner
from tests.factories import PASSWORD, make_theme
from tests.support import form_on, log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("ada", "ada@example.org", PASSWORD)


def in_language(browser, code):
    browser.cookies["django_language"] = code
    return browser


def messages_on(response):
    found = re.findall(
        r'<li class="(?:success|warning|info|error)">(.*?)</li>', response.content.decode(), re.S
    )
    return [html.unescape(re.sub(r"<[^>]+>", "", text)).strip() for text in found]


def test_the_language_switch_is_in_the_header_and_is_remembered(admin_user):
    browser = log_in(admin_user)  # the browser asks for English
    page = browser.get(reverse("admin:index")).content.decode()
    assert "PPCI Case Book: administration" in page
    assert "Django" not in re.search(r"<title>(.*?)</title>", page).group(1)
    switch = form_on(browser.get(reverse("admin:index")), "admin-language")
    switch.update(language="es")

    response = browser.post(reverse("set_language"), switch)

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert response.cookies["django_language"]["max-age"] >= 30 * 24 * 3600
    page = browser.get(reverse("admin:index")).content.decode()
    assert '<html lang="es"' in page
    assert "Libro de casos PPCI: administración" in page
    assert (
        'value="es" lang="es" aria-describedby="admin-language-label" aria-pressed="true"' in page
    )


def post_form(browser, url, form_id, changes):
    data = form_on(browser.get(url), form_id)
    data.update(changes)
    return browser.post(url, data, follow=True)


CASES = {
    # model: (admin name, the add form's fields, a change)
    City: (
        "casebook_city",
        {"name_es": "Murcia", "slug": "murcia-2", "country": "ES"},
        {"name_en": "Murcia"},
    ),
    Partner: (
        "partners_partner",
        {"name_es": "Cruz Roja", "slug": "cruz-roja", "sector": "community", "kind": "charity"},
        {"name_en": "Red Cross"},
    ),
    Theme: (
        "casebook_theme",
        {
            "order": "9",
            "name_es": "Escucha",
            "slug": "escucha",
            "description_es": "Escuchar primero.",
        },
        {"name_en": "Listening"},
    ),
    Funding: (
        "casebook_funding",
        {"name_es": "Donaciones", "slug": "donaciones"},
        {"name_en": "Donations"},
    ),
    Issue: (
        "casebook_issue",
        {"name_es": "Acoso escolar", "slug": "acoso-escolar"},
        {"name_en": "Bullying"},
    ),
    Initiative: (
        "casebook_initiative",
        {
            "title_es": "Plazas Seguras",
            "slug": "plazas-seguras",
            "summary_es": "Vecinos y comercios cuidan juntos las plazas del barrio.",
            "country": "ES",
            "programming": "implicit",
            "scale": "local",
        },
        {"title_en": "Safe Squares"},
    ),
}

EXPECTED = {
    "es": {
        City: "«Murcia» (ciudad)",
        Partner: "«Cruz Roja» (socio)",
        Theme: "«Escucha» (tema de trabajo)",
        Funding: "«Donaciones» (tipo de financiación)",
        Issue: "«Acoso escolar» (problema abordado)",
        Initiative: "«Plazas Seguras» (iniciativa)",
    },
}


@pytest.mark.parametrize("model", list(CASES), ids=lambda model: model.__name__)
@pytest.mark.parametrize("code", ["es", "en"])
def test_each_model_is_added_changed_and_deleted_with_grammatical_messages(admin_user, model, code):
    name, fields, change = CASES[model]
    if model is Initiative:
        fields = {**fields, "themes": [make_theme().pk]}
    browser = in_language(log_in(admin_user), code)
    verbose = str(model._meta.verbose_name)

    added = post_form(
        browser, reverse(f"admin:{name}_add"), f"{model._meta.model_name}_form", fields
    )
    assert model.objects.filter(slug=fields["slug"]).exists(), re.findall(
        r"errorlist[^>]*>(.*?)</ul>", added.content.decode(), re.S
    )
    obj = model.objects.get(slug=fields["slug"])
    changed = post_form(
        browser,
        reverse(f"admin:{name}_change", args=[obj.pk]),
        f"{model._meta.model_name}_form",
        change,
    )
    delete_url = reverse(f"admin:{name}_delete", args=[obj.pk])
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get(delete_url).content.decode()
    )
    deleted = browser.post(
        delete_url, {"post": "yes", "csrfmiddlewaretoken": token.group(1)}, follow=True
    )

    assert not model.objects.filter(pk=obj.pk).exists()
    said = messages_on(added) + messages_on(changed) + messages_on(deleted)
    if code == "es":
        named = EXPECTED["es"][model]
        assert said == [
            f"{named} se ha añadido correctamente.",
            f"{named} se ha modificado correctamente.",
            f"{named} se ha eliminado correctamente.",
        ]
    else:
        title = fields.get("name_es") or fields.get("title_es")
        renamed = change.get("name_en") or change.get("title_en")
        assert said == [
            f"The {verbose} “{title}” was added successfully.",
            f"The {verbose} “{renamed}” was changed successfully.",
            f"The {verbose} “{renamed}” was deleted successfully.",
        ]


def test_groups_and_lockouts_are_named_in_spanish(admin_user, editor):
    browser = in_language(log_in(admin_user), "es")

    index = html.unescape(browser.get(reverse("admin:index")).content.decode())
    user_page = html.unescape(
        browser.get(reverse("admin:auth_user_change", args=[editor.pk])).content.decode()
    )
    groups = html.unescape(browser.get(reverse("admin:auth_group_changelist")).content.decode())

    assert "Bloqueos de acceso" in index and "Intentos de acceso" in index
    assert "Access attempts" not in index and "Axes" not in index
    assert re.search(r'<option value="\d+"[^>]*>Editores</option>', user_page)
    assert re.search(r'<option value="\d+"[^>]*>Revisores</option>', user_page)
    assert ">Editores<" in groups and ">Revisores<" in groups
    assert ">Editors<" not in groups


def test_the_history_speaks_the_readers_language_whoever_saved(admin_user, casebook):
    initiative = Initiative.objects.get(slug="ruta-n")
    url = reverse("admin:casebook_initiative_change", args=[initiative.pk])
    english = in_language(log_in(admin_user), "en")
    response = post_form(
        english,
        url,
        "initiative_form",
        {"description_en": "Changed in English.", "partnerships-0-role": "board-member"},
    )
    assert response.status_code == 200 and "was changed successfully" in response.content.decode()

    history = reverse("admin:casebook_initiative_history", args=[initiative.pk])
    spanish = html.unescape(in_language(log_in(admin_user), "es").get(history).content.decode())
    latest = re.search(r"<td>([^<]*Cambios en[^<]*(?:<br>[^<]*)*)</td>", spanish).group(1)

    assert "Descripción [en]" in latest, latest
    assert "miembro del consejo directivo" in latest, latest
    assert "Description" not in latest and "board member" not in latest, latest
    assert "Cargado por load_casebook desde fixtures/" in spanish
    assert "Loaded by" not in spanish
    english_history = html.unescape(english.get(history).content.decode())
    assert "Description [en]" in english_history and "board member" in english_history
