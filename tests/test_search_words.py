"""Search that does not give up: word forms find the same cases on both databases, the home
page suggests only searches that find something, a sport finds the cases a football club
leads, and a search that finds nothing offers a way on."""

import re
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest

from casebook.models import Initiative
from casebook.search import matching
from tests.factories import make_initiative

pytestmark = pytest.mark.django_db

WORD_PAIRS = [
    # Spanish
    ("bono", "bonos"),
    ("joven", "jóvenes"),
    ("escuela", "escuelas"),
    ("comunidad", "comunidades"),
    ("policía", "policias"),
    ("cárcel", "cárceles"),
    ("pandilla", "pandillas"),
    ("homicidio", "homicidios"),
    ("delito", "delitos"),
    # English
    ("school", "schools"),
    ("community", "communities"),
    ("gang", "gangs"),
    ("bond", "bonds"),
    ("prison", "prisons"),
    ("homicide", "homicides"),
    ("crime", "crimes"),
]


def found(text):
    return set(matching(Initiative.objects.published(), text).values_list("slug", flat=True))


def listed(client, language, query, **filters):
    response = client.get(f"/{language}/initiatives/", {"q": query, **filters})
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(("one", "other"), WORD_PAIRS)
def test_it_finds_the_same_cases_for_each_form_of_a_word(casebook, one, other):
    assert found(one), f"“{one}” finds no case"
    assert found(one) == found(other)


def test_it_finds_the_social_impact_bond_in_the_plural(casebook, client):
    for language, word in (("es", "bonos"), ("en", "bonds")):
        response = listed(client, language, word)
        assert "one-service-peterborough" in [i.slug for i in response.context["initiatives"]]


@pytest.mark.parametrize("word", ["fútbol", "futbol", "football", "deporte", "sport", "club"])
def test_a_search_for_a_sport_finds_the_case_led_by_a_football_club(casebook, client, word):
    for language in ("es", "en"):
        slugs = [i.slug for i in listed(client, language, word).context["initiatives"]]
        assert "red-card-to-crime" in slugs


@pytest.mark.parametrize(("language", "prefix"), [("es", "p. ej., "), ("en", "e.g. ")])
def test_every_search_the_home_page_suggests_finds_a_case(casebook, client, language, prefix):
    html = client.get(f"/{language}/").content.decode()
    placeholder = unescape(re.search(r'id="home-q"[^>]*placeholder="([^"]+)"', html).group(1))
    assert placeholder.startswith(prefix)
    suggestions = placeholder.removeprefix(prefix).split(", ")
    assert len(suggestions) >= 2
    for suggestion in suggestions:
        response = listed(client, language, suggestion)
        assert response.context["page"].paginator.count >= 1, f"“{suggestion}” finds nothing"


def way_on(response):
    html = response.content.decode()
    start = html.index('class="empty no-results"')
    return html[start : html.index("</div>", start)]


def links(block):
    return {
        unescape(re.sub(r"<[^>]+>", "", text)).strip(): unescape(href)
        for href, text in re.findall(r'<a href="([^"]*)">(.*?)</a>', block)
    }


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_misspelt_search_offers_the_close_term_that_finds_the_case(casebook, client, language):
    response = listed(client, language, "medelin")
    assert response.context["page"].paginator.count == 0
    block = way_on(response)
    offered = links(block)
    assert "Medellín" in offered
    assert "(1 iniciativa)" in block if language == "es" else "(1 initiative)" in block
    followed = client.get(f"/{language}/initiatives/{offered['Medellín']}")
    assert [i.slug for i in followed.context["initiatives"]] == ["ruta-n"]


def test_a_search_of_two_words_offers_each_that_finds_something(casebook, client):
    block = way_on(listed(client, "en", "peterborugh zzzqqq"))
    assert "Peterborough" in links(block)


@pytest.mark.parametrize(
    ("language", "without_country", "without_search", "all_cases"),
    [
        ("es", "Sin «País: Reino Unido»", "Sin «Buscar: medellin»", "Ver las 9 iniciativas"),
        (
            "en",
            "Without “Country: United Kingdom”",
            "Without “Search: medellin”",
            "See all 9 initiatives",
        ),
    ],
)
def test_an_empty_list_offers_each_filter_to_drop_with_its_count_and_all_cases(
    casebook, client, language, without_country, without_search, all_cases
):
    response = listed(client, language, "medellin", country="GB")
    assert response.context["page"].paginator.count == 0
    block = way_on(response)
    offered = links(block)
    # Without the country, the search finds Ruta N; without the search, the British cases.
    assert parse_qs(urlparse(offered[without_country]).query) == {"q": ["medellin"]}
    assert parse_qs(urlparse(offered[without_search]).query) == {"country": ["GB"]}
    british = Initiative.objects.published().filter(country="GB").count()
    counts = re.findall(r"</a> \((\d+) [^)]*\)", block)
    assert counts == ["1", str(british)]
    assert offered[all_cases] == f"/{language}/initiatives/"
    for url in (offered[without_country], offered[without_search]):
        assert client.get(f"/{language}/initiatives/{url}").context["page"].paginator.count


@pytest.mark.parametrize("language", ["es", "en"])
def test_an_empty_list_offers_no_filter_whose_dropping_still_finds_nothing(
    casebook, client, language
):
    # Without the country the search still finds nothing; without the search, the British
    # cases.
    response = listed(client, language, "zzyzx", country="GB")
    assert response.context["page"].paginator.count == 0
    offered = links(way_on(response))
    without = "Sin «" if language == "es" else "Without “"
    dropped = [label for label in offered if label.startswith(without)]
    assert len(dropped) == 1, dropped
    assert parse_qs(urlparse(offered[dropped[0]]).query) == {"country": ["GB"]}


@pytest.mark.parametrize(
    ("language", "none_shown", "some_shown"),
    [
        ("es", "¿Su ciudad tiene una iniciativa de este tipo?", "una iniciativa como estas"),
        ("en", "Does your city run an initiative of this kind?", "an initiative like these"),
    ],
)
def test_an_empty_list_asks_for_a_city_initiative_without_pointing_at_none(
    casebook, client, language, none_shown, some_shown
):
    empty = unescape(listed(client, language, "zzyzx").content.decode())
    assert none_shown in empty
    assert some_shown not in empty
    found = unescape(listed(client, language, "agencia").content.decode())
    assert some_shown in found
    assert none_shown not in found


def test_a_draft_is_never_offered_as_a_search(casebook, client):
    make_initiative(slug="draft", title_es="Zanahorias urbanas", status="draft")
    block = way_on(listed(client, "es", "zanahoriaz"))
    assert "anahoria" not in block.lower()
