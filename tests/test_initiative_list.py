import re

import pytest
from django.urls import reverse

from tests.factories import make_city, make_initiative, make_partner, make_theme

pytestmark = pytest.mark.django_db

LIST = "/es/initiatives/"


@pytest.fixture
def world():
    trust = make_theme(slug="trust-building", order=1, name_es="Confianza", name_en="Trust")
    messaging = make_theme(slug="messaging", order=5, name_es="Mensajería", name_en="Messaging")
    club = make_partner(slug="club", sector="private", kind="sports-team", name_es="Club")
    council = make_partner(slug="council", sector="public", kind="local-authority")
    ngo = make_partner(slug="ngo", sector="community", kind="ngo")
    bromley = make_city(slug="bromley", country="GB")
    medellin = make_city(slug="medellin", country="CO", name_es="Medellín")
    return {
        "football": make_initiative(
            slug="football",
            themes=[messaging, trust],
            partners=[club, council],
            city=bromley,
            country="GB",
            year_founded=2009,
            scale="local",
        ),
        "agency": make_initiative(
            slug="agency",
            themes=[trust],
            partners=[council],
            city=medellin,
            country="CO",
            year_founded=2012,
            programming="implicit",
            scale="city",
        ),
        "squares": make_initiative(
            slug="squares",
            themes=[trust],
            partners=[ngo, club],
            country="BR",
            year_founded=2007,
        ),
        "draft": make_initiative(
            slug="draft",
            themes=[messaging],
            partners=[club],
            status="draft",
            country="GB",
        ),
    }


def slugs(response):
    return [initiative.slug for initiative in response.context["initiatives"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"football", "agency", "squares"}),
        ("?theme=messaging", {"football"}),
        ("?theme=messaging&theme=trust-building", {"football", "agency", "squares"}),
        ("?sector=community", {"squares"}),
        ("?sector=community&sector=public", {"football", "agency", "squares"}),
        ("?kind=sports-team", {"football", "squares"}),
        ("?kind=sports-team&sector=public", {"football"}),
        ("?programming=implicit", {"agency"}),
        ("?scale=city", {"agency"}),
        ("?country=gb", {"football"}),
        ("?country=GB&country=co", {"football", "agency"}),
        ("?city=medellin", {"agency"}),
        ("?year_from=2008", {"football", "agency"}),
        ("?year_to=2009", {"football", "squares"}),
        ("?year_from=2008&year_to=2010", {"football"}),
    ],
)
def test_it_filters_with_and_across_parameters_and_or_within_one(client, world, query, expected):
    response = client.get(LIST + query)
    assert response.status_code == 200
    assert set(slugs(response)) == expected


def test_it_never_lists_a_draft(client, world):
    response = client.get(LIST + "?theme=messaging&sort=-updated")
    assert "draft" not in slugs(response)
    assert b"Iniciativa" in response.content
    assert world["draft"].title_es.encode() not in response.content


def test_it_gives_each_facet_option_the_count_of_what_it_would_show(client, world):
    response = client.get(LIST + "?sector=private")
    facets = {facet["name"]: facet for facet in response.context["facets"]}
    for facet_name in ("theme", "kind", "country", "programming"):
        for option in facets[facet_name]["options"]:
            shown = client.get(f"{LIST}?sector=private&{facet_name}={option['value']}")
            if facet_name in ("theme", "kind", "country"):
                # repeating the parameter ORs it; the count is for this option alone
                assert option["count"] == len(slugs(shown)), (facet_name, option)
    sector = {option["value"]: option["count"] for option in facets["sector"]["options"]}
    assert sector == {"public": 2, "private": 2, "community": 1}


def test_it_shows_unknown_and_malformed_values_as_messages(client, world):
    response = client.get(LIST + "?theme=nonsense&page=abc&year_from=xyz&programming=both")
    assert response.status_code == 200
    text = response.content.decode()
    assert "“nonsense” is not a known" in text or "«nonsense»" in text or "nonsense" in text
    assert len(response.context["problems"]) == 4
    assert set(slugs(response)) == {"football", "agency", "squares"}


def test_it_keeps_the_known_values_when_one_is_unknown(client, world):
    response = client.get(LIST + "?theme=messaging&theme=nonsense")
    assert set(slugs(response)) == {"football"}
    assert len(response.context["problems"]) == 1


def test_it_shows_the_last_page_for_a_page_past_the_end(client, world, settings):
    settings.INITIATIVES_PER_PAGE = 2
    response = client.get(LIST + "?page=99")
    assert response.status_code == 200
    assert response.context["page"].number == 2
    assert len(response.context["problems"]) == 1


def test_it_shows_a_clear_empty_state(client, world):
    response = client.get(LIST + "?theme=messaging&sector=community")
    assert response.status_code == 200
    assert slugs(response) == []
    assert "Ninguna iniciativa cumple" in response.content.decode() or (
        "No initiative matches" in response.content.decode()
    )
    # Nothing to download from an empty list (the whole case book stays in the footer).
    assert 'class="downloads"' not in response.content.decode()
    assert 'class="downloads"' in client.get(LIST + "?theme=messaging").content.decode()


def test_it_refuses_a_parameter_repeated_hundreds_of_times(client, world):
    response = client.get(LIST + "?" + "&".join(["theme=messaging"] * 300))
    assert response.status_code == 400
    assert "theme" in response.content.decode()


def test_it_refuses_a_query_of_thousands_of_characters(client, world):
    response = client.get(LIST, {"q": "x" * 5000})
    assert response.status_code == 400


def test_it_keeps_the_filters_in_pagination_and_chips(client, world, settings):
    settings.INITIATIVES_PER_PAGE = 1
    response = client.get(LIST + "?theme=trust-building&sort=year")
    text = response.content.decode()
    assert "?theme=trust-building&amp;sort=year&amp;page=2" in text
    chip_urls = [chip["url"] for chip in response.context["chips"]]
    assert chip_urls == ["?sort=year"]


def test_it_sorts(client, world):
    assert slugs(client.get(LIST + "?sort=year")) == ["squares", "football", "agency"]
    assert slugs(client.get(LIST + "?sort=-year")) == ["agency", "football", "squares"]


def test_it_links_to_the_exports_with_the_same_filters(client, world):
    response = client.get(LIST + "?theme=messaging")
    text = response.content.decode()
    assert reverse("casebook:export-csv") + "?theme=messaging" in text
    assert reverse("casebook:export-json") + "?theme=messaging" in text


@pytest.mark.parametrize(
    ("language", "summary"),
    [("es", "Filtrar y buscar (2 activos)"), ("en", "Filter and search (2 active)")],
)
def test_the_count_and_chips_come_first_and_the_filters_fold_behind_one_control(
    client, casebook, language, summary
):
    html = client.get(
        f"/{language}/initiatives/", {"theme": "messaging", "sector": "private"}
    ).content.decode()
    count = html.index('id="results-heading"')
    chips = html.index('class="chips"')
    panel = re.search(
        r'<details class="filter-panel">\s*<summary class="filter-toggle">(.*?)</summary>',
        html,
        re.S,
    )
    first_result = html.index('class="card"')
    assert count < chips < panel.start() < first_result
    assert panel.group(1).strip() == summary
    # The search box and every filter are inside the folded panel.
    folded = html[panel.start() : html.index('<section class="results"')]
    for name in ("q", "theme", "sector", "year_from", "sort"):
        assert f'name="{name}"' in folded


def test_with_no_filter_the_control_counts_nothing(client, casebook):
    html = client.get("/en/initiatives/").content.decode()
    assert re.search(r'<summary class="filter-toggle">Filter and search</summary>', html)
