"""schema.org JSON-LD on the initiative, partner, city and theme pages: the facts a search
engine reads, in the page's language, from published data only."""

import json
import re

import pytest
from django.utils import translation

from casebook.models import Initiative, Partnership
from tests.factories import make_city, make_initiative, make_partner, make_staff, make_theme

pytestmark = pytest.mark.django_db

SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def json_ld(response):
    """The page's one JSON-LD block, parsed."""
    assert response.status_code == 200
    blocks = SCRIPT.findall(response.content.decode())
    assert len(blocks) == 1, f"{len(blocks)} JSON-LD blocks"
    data = json.loads(blocks[0])
    assert data["@context"] == "https://schema.org"
    return data


def members(project):
    return {(role["member"]["name"], role["roleName"]) for role in project["member"]}


def test_an_initiative_is_a_project_with_its_place_years_partners_roles_and_themes(
    client, casebook
):
    page = json_ld(client.get("/en/initiatives/memphis-fast-forward/"))
    assert page["@type"] == "WebPage" and page["inLanguage"] == "en"
    project = page["mainEntity"]
    assert project["@type"] == "Project"
    assert project["name"] == "Memphis Fast Forward"
    assert project["url"] == "http://testserver/en/initiatives/memphis-fast-forward/"
    assert "2006" in project["description"]
    assert project["foundingDate"] == "2006"
    place = project["location"]
    assert place["@type"] == "City" and place["name"] == "Memphis"
    assert place["geo"] == {"@type": "GeoCoordinates", "latitude": 35.1495, "longitude": -90.049}
    assert place["address"]["addressCountry"] == "US"
    assert place["containedInPlace"]["identifier"] == "US"
    assert members(project) == {
        ("City of Memphis (Mayor’s Office)", "lead partner"),
        ("Memphis Chamber of Commerce", "lead partner"),
    }
    assert all(role["@type"] == "OrganizationRole" for role in project["member"])
    partner_ids = {role["member"]["@id"] for role in project["member"]}
    assert "http://testserver/en/partners/city-of-memphis/" in partner_ids
    themes = {term["name"] for term in page["about"]}
    expected = set(
        Initiative.objects.get(slug="memphis-fast-forward").themes.values_list("name_en", flat=True)
    )
    assert themes == expected and all(term["@type"] == "DefinedTerm" for term in page["about"])


def test_those_who_pay_are_its_funders_and_the_words_are_the_readers_language(client, casebook):
    page = json_ld(client.get("/es/initiatives/one-service-peterborough/"))
    assert page["inLanguage"] == "es"
    project = page["mainEntity"]
    partnerships = Partnership.objects.filter(
        initiative__slug="one-service-peterborough"
    ).select_related("partner")
    with translation.override("es"):
        expected = {(p.partner.name_es, str(p.get_role_display())) for p in partnerships}
    assert members(project) == expected
    assert ("Social Finance UK", "intermediario") in expected  # roles in Spanish
    payers = {p.partner.name_es for p in partnerships if p.role == "outcome-payer"}
    assert payers and {funder["name"] for funder in project["funder"]} == payers


def test_a_case_without_a_city_is_placed_in_its_country(client, casebook):
    project = json_ld(client.get("/en/initiatives/extreme-dialogue/"))["mainEntity"]
    assert project["location"]["@type"] == "Place"
    assert project["location"]["address"]["addressCountry"] == "CA"
    assert "geo" not in project["location"]


def test_a_partner_is_an_organisation_member_of_its_published_initiatives_only(client):
    theme = make_theme(slug="trust-building", order=1)
    club = make_partner(slug="club", name_en="Club", website="https://club.example/")
    make_initiative(slug="open", title_en="Open", themes=[theme], partners=[(club, "funder")])
    make_initiative(
        slug="secret", title_en="Secret", themes=[theme], partners=[club], status="draft"
    )
    organisation = json_ld(client.get("/en/partners/club/"))["mainEntity"]
    assert organisation["@type"] == "Organization"
    assert organisation["name"] == "Club"
    assert organisation["sameAs"] == "https://club.example/"
    assert [(m["memberOf"]["name"], m["roleName"]) for m in organisation["memberOf"]] == [
        ("Open", "funder")
    ]
    assert "Secret" not in client.get("/en/partners/club/").content.decode()


def test_a_city_is_a_place_with_its_position_and_country(client, casebook):
    page = json_ld(client.get("/es/cities/sao-paulo/"))
    city = page["mainEntity"]
    assert city["@type"] == "City" and city["name"] == "São Paulo"
    assert city["geo"]["latitude"] == -23.5475 and city["geo"]["longitude"] == -46.6361
    assert city["containedInPlace"] == {"@type": "Country", "name": "Brasil", "identifier": "BR"}
    assert [project["name"] for project in page["about"]] == [
        Initiative.objects.get(slug="peace-squares-sulamerica").title_es
    ]
    member = json_ld(client.get("/en/cities/murcia/"))["mainEntity"]
    assert member["additionalProperty"]["value"] is True


def test_a_theme_lists_its_published_initiatives(client):
    theme = make_theme(slug="messaging", order=5, name_en="Messaging")
    make_initiative(slug="one", title_en="One", themes=[theme])
    make_initiative(slug="two", title_en="Two", themes=[theme])
    make_initiative(slug="draft", title_en="Draft", themes=[theme], status="draft")
    page = json_ld(client.get("/en/themes/messaging/"))
    assert page["@type"] == "CollectionPage"
    assert page["about"]["@type"] == "DefinedTerm" and page["about"]["name"] == "Messaging"
    items = page["mainEntity"]
    assert items["@type"] == "ItemList" and items["numberOfItems"] == 2
    assert [item["item"]["name"] for item in items["itemListElement"]] == ["One", "Two"]
    assert [item["position"] for item in items["itemListElement"]] == [1, 2]


def test_a_draft_seen_by_staff_says_nothing_to_search_engines(client):
    theme = make_theme(slug="trust-building", order=1)
    make_initiative(slug="draft", themes=[theme], status="draft")
    client.force_login(make_staff("editor", "Editors"))
    response = client.get("/en/initiatives/draft/")
    assert response.status_code == 200
    assert "application/ld+json" not in response.content.decode()


def test_a_name_cannot_close_the_script_element(client):
    theme = make_theme(slug="trust-building", order=1)
    city = make_city(slug="odd", name_en="</script><script>alert(1)</script> & <b>")
    make_initiative(slug="odd-case", themes=[theme], city=city)
    response = client.get("/en/cities/odd/")
    text = response.content.decode()
    block = SCRIPT.search(text).group(1)
    assert "<" not in block and ">" not in block and "&" not in block
    assert json_ld(response)["mainEntity"]["name"] == "</script><script>alert(1)</script> & <b>"
