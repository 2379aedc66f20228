import pytest
from django.db import connection

from tests.factories import make_city, make_initiative, make_partner, make_theme

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    trust = make_theme(
        slug="trust-building",
        order=1,
        name_es="Fortalecimiento de la confianza",
        name_en="Trust building",
    )
    boston = make_city(slug="boston", name_es="Boston", name_en="Boston", country="US")
    murcia = make_city(
        slug="murcia", name_es="Murcia", name_en="Murcia", country="ES", is_network_member=True
    )
    brand = make_partner(
        slug="brand",
        name_es="Marca",
        name_en="Brand",
        sector="private",
        kind="multinational-corporation",
        country="US",
    )
    hidden = make_partner(slug="hidden-partner", name_es="Socio oculto", name_en="Hidden partner")
    published = make_initiative(
        slug="impact",
        title_es="Programa de impacto",
        title_en="Impact programme",
        themes=[trust],
        partners=[(brand, "funder")],
        city=boston,
        country="US",
        figures=2,
    )
    draft = make_initiative(
        slug="secret",
        title_es="Borrador secreto",
        title_en="Secret draft",
        themes=[trust],
        partners=[hidden],
        city=make_city(slug="draftville", country="FR"),
        country="FR",
        status="draft",
    )
    return {
        "trust": trust,
        "boston": boston,
        "murcia": murcia,
        "brand": brand,
        "published": published,
        "draft": draft,
    }


PUBLIC_PAGES = [
    "/{lang}/",
    "/{lang}/initiatives/",
    "/{lang}/initiatives/?q=secret",
    "/{lang}/initiatives/impact/",
    "/{lang}/themes/",
    "/{lang}/themes/trust-building/",
    "/{lang}/cities/",
    "/{lang}/cities/boston/",
    "/{lang}/cities/murcia/",
    "/{lang}/partners/",
    "/{lang}/partners/brand/",
]


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_it_never_shows_a_draft_or_its_partners(client, site, path, lang):
    response = client.get(path.format(lang=lang))
    assert response.status_code == 200
    text = response.content.decode()
    for secret in (
        "Borrador secreto",
        "Secret draft",
        "Socio oculto",
        "Hidden partner",
        "draftville",
    ):
        assert secret not in text


@pytest.mark.parametrize(
    "path",
    [
        "/es/initiatives/secret/",
        "/es/partners/hidden-partner/",
        "/es/cities/draftville/",
        "/en/initiatives/secret/",
    ],
)
def test_it_answers_404_for_a_draft_and_what_only_a_draft_uses(client, site, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Secret draft" not in response.content.decode()


def test_it_counts_only_published_initiatives_on_the_home_page(client, site):
    response = client.get("/en/")
    themes = {theme.slug: theme.initiative_count for theme in response.context["themes"]}
    assert themes == {"trust-building": 1}
    assert response.context["initiative_count"] == 1


def test_it_shows_drafts_to_staff_marked_as_drafts(client, site, django_user_model):
    staff = django_user_model.objects.create_user("editor", password="x", is_staff=True)
    client.force_login(staff)
    response = client.get("/en/initiatives/secret/")
    assert response.status_code == 200
    assert "Draft: only staff can see this page." in response.content.decode()


def test_it_redirects_the_root_by_accept_language(client, db):
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")["Location"] == "/en/"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR")["Location"] == "/es/"
    assert client.get("/")["Location"] == "/es/"


def test_it_speaks_each_language_on_its_own_prefix(client, site):
    spanish = client.get("/es/initiatives/impact/").content.decode()
    english = client.get("/en/initiatives/impact/").content.decode()
    assert '<html lang="es">' in spanish and '<html lang="en">' in english
    assert "<h1>Programa de impacto</h1>" in spanish
    assert "<h1>Impact programme</h1>" in english
    assert "Socios privados" in spanish and "Private partners" in english
    assert "Estados Unidos" in spanish and "United States" in english


def test_it_falls_back_to_spanish_where_english_is_missing(client, db):
    make_initiative(slug="only-spanish", title_es="Solo en español", title_en="", summary_en="")
    english = client.get("/en/initiatives/only-spanish/").content.decode()
    assert '<h1><span lang="es">Solo en español</span> ' in english


def test_it_offers_the_other_language_with_the_same_query(client, site):
    response = client.get("/es/initiatives/?theme=trust-building&sector=private")
    assert 'href="/en/initiatives/?theme=trust-building&amp;sector=private"' in (
        response.content.decode()
    )


def test_it_shows_an_initiative_in_full(client, site):
    text = client.get("/en/initiatives/impact/").content.decode()
    for expected in (
        "Boston",
        "Trust building",
        "Brand",
        "Multinational corporation".lower(),
        "Funder",
        "Figure 0",
        "10 people",
        "Last updated",
    ):
        assert expected in text
    assert "Edit in the admin" not in text


def test_it_lists_a_partners_initiatives_with_roles(client, site):
    text = client.get("/en/partners/brand/").content.decode()
    assert "Impact programme" in text and "Funder" in text


def test_it_shows_a_network_city_with_no_case_yet(client, site):
    text = client.get("/en/cities/murcia/").content.decode()
    assert "Member" in text
    assert "no initiative from Murcia yet" in text
    assert "Does your city run an initiative of this kind?" in text
    assert "initiative like these" not in text


def test_it_lists_themes_in_their_order(client, db):
    for order, slug in [(3, "capacity-building"), (1, "trust-building"), (2, "engagement")]:
        make_theme(slug=slug, order=order)
    response = client.get("/en/themes/")
    assert [theme.slug for theme in response.context["themes"]] == [
        "trust-building",
        "engagement",
        "capacity-building",
    ]


def test_it_filters_partners_with_counts(client, site):
    make_partner(
        slug="council",
        name_es="Ayuntamiento",
        name_en="Council",
        sector="public",
        kind="local-authority",
        country="US",
    )
    response = client.get("/en/partners/", {"sector": "private"})
    assert [partner.slug for partner in response.context["partners"]] == ["brand"]
    sector = {o["value"]: o["count"] for o in response.context["facets"][0]["options"]}
    assert sector == {"public": 0, "private": 1, "community": 0}  # council has no initiative
    assert client.get("/en/partners/", {"q": "MARCA"}).context["partners"][0].slug == "brand"


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/en/", 7),  # counts of the whole case book and of its cities: 4, kept per generation
        # the facets count over one pass of the filter into a temporary table: made,
        # (on PostgreSQL) analysed, read, dropped
        ("/en/partners/?sector=private", {"sqlite": 5, "postgresql": 6}),
        ("/en/themes/", 1),
        # the theme, its neighbours, a page of its initiatives and their themes (4); the
        # list's index, built once per generation by whichever page needs it first (11)
        ("/en/themes/trust-building/", 15),
        # the cities (1); the counts by city and country from the list's index, built once
        # per generation by whichever page needs it first (11)
        ("/en/cities/", 12),
        ("/en/cities/boston/", 3),
    ],
)
def test_it_runs_the_same_number_of_queries_at_one_and_three_rows(
    client, db, django_assert_num_queries, url, queries
):
    theme = make_theme(slug="trust-building", order=1)
    boston = make_city(slug="boston", country="US")

    def add():
        partner = make_partner(sector="private", kind="foundation", country="US")
        make_initiative(themes=[theme], partners=[partner], city=boston, country="US")

    if isinstance(queries, dict):
        queries = queries[connection.vendor]
    add()
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    add()
    add()
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
