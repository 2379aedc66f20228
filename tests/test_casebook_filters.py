"""Every filter of the list, on the real case book: the right initiatives and none other."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

CONVERSE = "converse-community-impact-program"
DIALOGUE = "extreme-dialogue"
RED_CARD = "red-card-to-crime"
THINK = "think-4-peace"
RUTA_N = "ruta-n"
MEMPHIS = "memphis-fast-forward"
ONE_SERVICE = "one-service-peterborough"
SQUARES = "peace-squares-sulamerica"
GCERF = "gcerf"
ALL = {CONVERSE, DIALOGUE, RED_CARD, THINK, RUTA_N, MEMPHIS, ONE_SERVICE, SQUARES, GCERF}

CASES = [
    ("", ALL),
    ("theme=trust-building", {CONVERSE, RED_CARD}),
    ("theme=engagement", {CONVERSE, SQUARES, GCERF}),
    ("theme=capacity-building", {RUTA_N, MEMPHIS, ONE_SERVICE, SQUARES, GCERF}),
    ("theme=education", {DIALOGUE, THINK, GCERF}),
    ("theme=messaging", {DIALOGUE, RED_CARD, THINK, GCERF}),
    ("theme=trust-building&theme=education", {CONVERSE, RED_CARD, DIALOGUE, THINK, GCERF}),
    ("sector=public", {MEMPHIS, RED_CARD, RUTA_N, DIALOGUE, ONE_SERVICE, SQUARES}),
    ("sector=community", {CONVERSE, DIALOGUE, ONE_SERVICE, THINK, SQUARES}),
    ("sector=private", ALL - {RUTA_N}),
    ("kind=sports-team", {RED_CARD}),
    ("kind=police", {RED_CARD}),
    ("kind=national-government&kind=police", {DIALOGUE, ONE_SERVICE, SQUARES, RED_CARD}),
    ("programming=explicit", {DIALOGUE, RED_CARD, THINK, ONE_SERVICE}),
    ("programming=implicit", {CONVERSE, RUTA_N, MEMPHIS, SQUARES, GCERF}),
    ("funding=social-impact-bond", {ONE_SERVICE}),
    ("funding=in-kind-support", {SQUARES, GCERF}),
    ("issue=violent-extremism", {DIALOGUE, THINK, GCERF}),
    ("issue=reoffending", {ONE_SERVICE}),
    ("issue=gang-violence", {RED_CARD, RUTA_N, MEMPHIS, SQUARES}),
    ("scale=national", {DIALOGUE}),
    ("scale=global", {GCERF}),
    ("scale=city", {RUTA_N, MEMPHIS}),
    ("scale=national&scale=global", {DIALOGUE, GCERF}),
    ("country=gb", {RED_CARD, THINK, ONE_SERVICE}),
    ("country=US&country=co", {CONVERSE, MEMPHIS, RUTA_N}),
    ("city=medellin", {RUTA_N}),
    ("city=bromley&city=sao-paulo", {RED_CARD, SQUARES}),
    ("year_from=2009", {RED_CARD, ONE_SERVICE, GCERF}),
    ("year_to=2007", {MEMPHIS, SQUARES}),
    ("year_from=2007&year_to=2010", {SQUARES, RED_CARD, ONE_SERVICE}),
    ("q=medellin", {RUTA_N}),
    ("q=sao+paulo", {SQUARES}),
    ("q=crystal+palace", {RED_CARD}),
    ("theme=messaging&sector=private", {DIALOGUE, RED_CARD, THINK, GCERF}),
    ("theme=capacity-building&programming=explicit", {ONE_SERVICE}),
    ("theme=messaging&kind=sports-team&country=GB", {RED_CARD}),
]


@pytest.fixture
def listed(client, casebook, settings):
    settings.INITIATIVES_PER_PAGE = 50

    def get(query):
        response = client.get(f"/en/initiatives/?{query}")
        assert response.status_code == 200
        assert response.context["problems"] == []
        return response

    return get


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_every_filter_gives_the_right_initiatives_and_none_other(listed, query, expected):
    response = listed(query)
    assert {i.slug for i in response.context["initiatives"]} == expected
    assert response.context["page"].paginator.count == len(expected)


@pytest.mark.parametrize("query", ["", "theme=messaging", "sector=public&programming=implicit"])
def test_each_facet_count_is_what_the_option_would_show(listed, query):
    response = listed(query)
    for facet in response.context["facets"]:
        for option in facet["options"]:
            others = "&".join(
                part
                for part in query.split("&")
                if part and not part.startswith(f"{facet['name']}=")
            )
            shown = listed(f"{others}&{facet['name']}={option['value']}")
            assert option["count"] == shown.context["page"].paginator.count, (facet["name"], option)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stemming is PostgreSQL's")
def test_spanish_word_forms_find_the_cases_on_postgresql(listed):
    assert RUTA_N in {i.slug for i in listed("q=jóvenes").context["initiatives"]}
    assert SQUARES in {i.slug for i in listed("q=pandilla").context["initiatives"]}
