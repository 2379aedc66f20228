"""At network scale: no public page grows its queries with the data, whatever the page size."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from casebook.models import Initiative, Partnership
from ppci.lib.facets import MAX_OPTIONS

pytestmark = pytest.mark.django_db

LIST_WITH_FILTERS_AND_SEARCH = (
    "/es/initiatives/?theme=engagement&sector=private&programming=implicit&q=jovenes"
)


def demo_data(initiatives):
    call_command("generate_demo_data", initiatives=initiatives, verbosity=0)


def page_urls():
    detail = Initiative.objects.published().filter(is_demo=True).order_by("pk").first()
    hub = (
        Partnership.objects.filter(partner__is_demo=True)
        .values("partner__slug")
        .annotate(count=Count("pk"))
        .order_by("-count")
        .first()["partner__slug"]
    )
    return {
        "home": "/es/",
        "list": "/es/initiatives/",
        "list with three filters and a search": LIST_WITH_FILTERS_AND_SEARCH,
        "deep page": "/es/initiatives/?page=4",
        "detail": detail.get_absolute_url(),
        "partner": f"/es/partners/{hub}/",
        "partner list": "/es/partners/?sector=private&q=club",
        "city list": "/es/cities/",
        "theme": "/es/themes/engagement/",
    }


def query_counts():
    # What is kept for the whole case book until it changes (the vocabularies, the list's
    # index) is read once after each change, by whichever page comes first: here, an address
    # none of the pages asks for.
    assert Client().get("/es/initiatives/?sort=-updated").status_code == 200
    counts = {}
    for name, url in page_urls().items():
        with CaptureQueriesContext(connection) as queries:
            response = Client().get(url)
        assert response.status_code == 200, url
        counts[name] = len(queries)
    return counts


@pytest.mark.parametrize("page_size", [5, 50])
def test_no_page_grows_its_queries_with_the_data_or_the_page_size(casebook, settings, page_size):
    settings.INITIATIVES_PER_PAGE = page_size
    demo_data(60)
    small = query_counts()
    demo_data(180)
    large = query_counts()
    assert large == small
    assert small["list with three filters and a search"] <= 12
    assert all(count <= 16 for count in small.values()), small


def test_the_list_with_filters_and_a_search_finds_demo_cases_with_facet_counts(casebook, client):
    demo_data(120)
    response = client.get(LIST_WITH_FILTERS_AND_SEARCH)
    found = response.context["page"].paginator.count
    assert found > 0
    sector = next(f for f in response.context["facets"] if f["name"] == "sector")
    private = next(o for o in sector["options"] if o["value"] == "private")
    assert private["count"] == found


def test_a_partner_with_many_initiatives_lists_them_a_page_at_a_time(casebook, client, settings):
    settings.INITIATIVES_PER_PAGE = 3
    demo_data(100)
    hub = Partnership.objects.filter(partner__slug="demo-partner-1").values("initiative")
    published = Initiative.objects.published().filter(pk__in=hub).count()
    assert published > 6
    first = client.get("/en/partners/demo-partner-1/")
    entries = first.context["initiatives"]
    assert len(entries) == 6
    assert all(entry["roles"] for entry in entries)
    assert f"{published} initiatives." in first.content.decode()
    last = client.get("/en/partners/demo-partner-1/", {"page": 999})
    assert last.status_code == 200
    assert "showing the last one" in last.content.decode()
    pages = first.context["page"].paginator.num_pages
    seen = set()
    for number in range(1, pages + 1):
        page = client.get("/en/partners/demo-partner-1/", {"page": number})
        seen |= {entry["initiative"].slug for entry in page.context["initiatives"]}
    assert len(seen) == published


def test_a_long_facet_shows_its_most_common_options_and_any_chosen(client):
    from tests.factories import make_city, make_initiative

    cities = [make_city(slug=f"city-{n:02d}", name_en=f"City {n:02d}") for n in range(25)]
    for number, city in enumerate(cities):
        for _ in range(1 if number else 3):
            make_initiative(city=city, country=city.country)
    response = client.get("/en/initiatives/")
    city_facet = next(f for f in response.context["facets"] if f["name"] == "city")
    shown = [option["value"] for option in city_facet["options"]]
    assert len(shown) == MAX_OPTIONS
    assert "city-00" in shown  # the most common
    assert city_facet["hidden"] == 25 - MAX_OPTIONS
    assert f"{25 - MAX_OPTIONS} more with fewer initiatives can be found by searching" in (
        response.content.decode()
    )

    response = client.get("/en/initiatives/", {"city": "city-24"})
    city_facet = next(f for f in response.context["facets"] if f["name"] == "city")
    shown = [option["value"] for option in city_facet["options"]]
    assert "city-24" in shown and len(shown) == MAX_OPTIONS + 1
    assert [i.city.slug for i in response.context["initiatives"]] == ["city-24"]
