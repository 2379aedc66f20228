"""The admin helps an editor: a figure in three fields, countries in the two-list widget,
partner kinds grouped by sector, which languages each case is complete in, a warning when a
case goes to review with one incomplete, and public pages that say which text fell back."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import translation

from casebook.models import Initiative, Status
from tests.factories import make_initiative, make_theme
from tests.support import change_url, form_on, log_in

pytestmark = pytest.mark.django_db


def test_40_people_trained_in_2012_takes_three_fields(editor):
    theme = make_theme()
    browser = log_in(editor)
    add_url = reverse("admin:casebook_initiative_add")
    data = form_on(browser.get(add_url), "initiative_form")
    data.update(
        {
            "title_es": "Escuelas abiertas",
            "slug": "escuelas-abiertas",
            "summary_es": "Los patios de las escuelas abren los fines de semana.",
            "country": "ES",
            "programming": "implicit",
            "scale": "local",
            "themes": [theme.pk],
            "figures-TOTAL_FORMS": "2",
            # the three fields; everything else is as the form offers it
            "figures-0-label_es": "Personas formadas",
            "figures-0-value": "40",
            "figures-0-period_start": "2012",
            "figures-1-label_es": "Personas formadas",
            "figures-1-value": "12",
            "figures-1-period_start": "2013",
        }
    )
    # Everything else as the form offers it for a new figure.
    template = form_on(browser.get(add_url), "initiative_form")
    for name, value in template.items():
        if name.startswith("figures-__prefix__-"):
            for number in (0, 1):
                data.setdefault(name.replace("__prefix__", str(number)), value)

    response = browser.post(add_url, data)

    assert response.status_code == 302, re.findall(
        r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S
    )
    figures = Initiative.objects.get(slug="escuelas-abiertas").figures.order_by("period_start")
    assert [(f.key, f.kind, f.unit, f.period) for f in figures] == [
        ("personas-formadas", "output", "people", "2012"),
        ("personas-formadas-2", "output", "people", "2013"),
    ]
    with translation.override("en"):
        assert figures[0].display_value == "40 people"


def test_every_figure_field_is_explained_with_an_example(editor):
    page = html.unescape(
        log_in(editor).get(reverse("admin:casebook_initiative_add")).content.decode()
    )
    for example in (
        "people-trained",
        "homicides −40 %",
        "more than 7,000",
        "40 for “−40 %”",
        "2012 in “trained in 2012”",
        "2010 in “2006–2010”",
    ):
        assert example in page, example


def test_countries_reached_use_the_two_list_widget(editor):
    page = log_in(editor).get(reverse("admin:casebook_initiative_add")).content.decode()
    select = re.search(r'<select[^>]*name="reach_countries"[^>]*>', page).group(0)
    assert "selectfilter" in select
    assert "admin/js/SelectFilter2" in page


def test_partner_kinds_are_grouped_and_marked_with_their_sector(editor):
    page = log_in(editor).get(reverse("admin:partners_partner_add")).content.decode()
    kind = re.search(r'<select name="kind".*?</select>', page, re.S).group(0)
    groups = re.findall(r'<optgroup label="([^"]+)">', kind)
    assert groups == ["public", "private", "community"]
    assert re.search(r'value="sports-team" data-sector="private"', kind)
    assert re.search(r'value="police" data-sector="public"', kind)
    assert "js/admin-partner-kind.js" in page


def test_a_kind_from_another_sector_is_refused_with_the_kinds_allowed(editor):
    browser = log_in(editor)
    url = reverse("admin:partners_partner_add")
    data = form_on(browser.get(url), "partner_form")
    data.update(name_es="Club Atlético", slug="club-atletico", sector="public", kind="sports-team")
    response = browser.post(url, data)
    assert response.status_code == 200
    assert "A public partner is one of: local authority" in html.unescape(response.content.decode())


def test_the_change_list_shows_and_filters_the_languages_each_case_is_complete_in(editor):
    make_initiative(
        slug="both", title_es="Ambos", title_en="Both", summary_es="Resumen.", summary_en="Summary."
    )
    make_initiative(
        slug="spanish-only",
        title_es="Solo español",
        summary_es="Resumen.",
        title_en="",
        summary_en="",
    )
    make_initiative(
        slug="lessons-missing",
        title_es="Sin lecciones",
        title_en="No lessons",
        summary_es="Resumen.",
        summary_en="Summary.",
        lessons_learned_es="Escuchar primero.",
        lessons_learned_en="",
    )
    browser = log_in(editor)
    url = reverse("admin:casebook_initiative_changelist")

    listing = html.unescape(browser.get(url).content.decode())
    missing_english = browser.get(url, {"missing": "en"}).context["cl"].result_list
    missing_spanish = browser.get(url, {"missing": "es"}).context["cl"].result_list

    assert re.search(
        r"Both</a></th>.*?<td class=\"field-languages\">Spanish, English</td>", listing, re.S
    )
    assert re.search(
        r"Solo español</a></th>.*?<td class=\"field-languages\">Spanish</td>", listing, re.S
    )
    assert sorted(i.slug for i in missing_english) == ["lessons-missing", "spanish-only"]
    assert list(missing_spanish) == []


def test_sending_a_case_to_review_warns_when_a_language_is_incomplete(editor):
    case = make_initiative(
        themes=[make_theme()],
        slug="solo",
        title_es="Solo español",
        summary_es="Resumen.",
        title_en="",
        summary_en="",
        status=Status.DRAFT,
    )
    browser = log_in(editor)
    data = form_on(browser.get(change_url(case)), "initiative_form")
    data["_send_to_review"] = "Save and send to review"

    response = browser.post(change_url(case), data, follow=True)

    case.refresh_from_db()
    assert case.status == Status.REVIEW
    page = html.unescape(response.content.decode())
    assert re.search(
        r'<li class="warning">“Solo español” went to review with its english text incomplete', page
    ), page[:0]


def test_a_public_page_marks_text_shown_in_the_other_language(client):
    make_initiative(
        slug="solo",
        title_es="Plazas Seguras",
        title_en="",
        summary_es="Vecinos y comercios cuidan las plazas.",
        summary_en="",
        description_es="Empezó en 2019.",
        description_en="",
        status=Status.PUBLISHED,
    )
    english = client.get("/en/initiatives/solo/").content.decode()
    spanish = client.get("/es/initiatives/solo/").content.decode()

    assert (
        '<h1><span lang="es">Plazas Seguras</span> '
        '<span class="fallback-note">(Only available in Spanish)</span></h1>' in english
    )
    assert (
        '<p class="fallback-note">Only available in Spanish</p>'
        '<div lang="es"><p>Empezó en 2019.</p></div>' in english
    )
    assert "fallback-note" not in spanish
    listing = client.get("/en/initiatives/").content.decode()
    assert '<span lang="es">Plazas Seguras</span>' in listing
