"""The world map: every published city is a marker link with its name, no draft shows, the
list's map follows its filters, and the outline is a small static file."""

import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import translation

from casebook.demo import ANCHORS, JITTER
from casebook.models import City, Initiative
from ppci.lib import worldmap
from tests.factories import make_city, make_initiative, make_theme

pytestmark = pytest.mark.django_db

OUTLINE = Path(settings.BASE_DIR) / "static" / "img" / "world.svg"


class MarkerParser(HTMLParser):
    """The links of a page's map markers, as {address: name}, and the svg's view box."""

    def __init__(self):
        super().__init__()
        self.markers, self.view_boxes = {}, []
        self.in_map = self.in_title = False
        self.href = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg" and "world-map-markers" in attrs.get("class", ""):
            self.in_map = True
            self.view_boxes.append(attrs.get("viewbox"))
        elif self.in_map and tag == "a":
            self.href = attrs["href"]
        elif self.in_map and tag == "title":
            self.in_title = True

    def handle_endtag(self, tag):
        if tag == "svg":
            self.in_map = False
        elif tag == "title":
            self.in_title = False

    def handle_data(self, data):
        if self.in_title and self.href:
            self.markers[self.href] = self.markers.get(self.href, "") + data


def markers(response):
    parser = MarkerParser()
    parser.feed(response.content.decode())
    return parser.markers


def count_in(name):
    """The number of initiatives a marker's name gives (“Boston, …: 3 initiatives”)."""
    found = re.search(r": ([\d,]+) initiatives?\b", name)
    return int(found.group(1).replace(",", "")) if found else 0


def city_slug(href):
    return parse_qs(urlsplit(href).query)["city"][0]


# The case book's cities ----------------------------------------------------------------


@pytest.mark.parametrize("language", ["es", "en"])
def test_every_published_city_and_member_has_its_marker_link_on_the_cities_page_and_home(
    client, casebook, language
):
    published = Initiative.objects.published()
    with translation.override(language):
        expected = {
            city.get_absolute_url(): city
            for city in City.objects.filter(
                Q(pk__in=published.values("city_id")) | Q(is_network_member=True)
            )
        }
    assert len(expected) >= 8
    for path in (f"/{language}/", f"/{language}/cities/"):
        response = client.get(path)
        found = markers(response)
        assert set(found) == set(expected), path
        for href, city in expected.items():
            name = city.name_en if language == "en" else city.name_es
            assert found[href].startswith(name), (path, found[href])
            count = published.filter(city=city).count()
            if language == "en":
                assert count_in(found[href]) == count, found[href]
    murcia = f"/{language}/cities/murcia/"
    member = {"es": "Miembro de la Red de Ciudades Fuertes", "en": "Strong Cities Network member"}
    assert member[language] in found[murcia]


def test_the_home_page_lists_the_same_cities_under_the_map_and_says_which_cases_are_not_on_it(
    client, casebook
):
    response = client.get("/en/")
    text = response.content.decode()
    the_list = text[text.index('<details class="world-map-list"') :]
    the_list = the_list[: the_list.index("</details>")]
    for href, name in markers(response).items():
        assert f'<a href="{href}">{name}</a>' in the_list
    without_city = Initiative.objects.published().filter(city__isnull=True).count()
    assert without_city >= 1  # Extreme Dialogue works across Canada
    assert f"{without_city} initiative{'s' if without_city > 1 else ''} without a city" in text


def test_a_city_with_only_drafts_has_no_marker_and_counts_are_of_published_cases_only(client):
    theme = make_theme(slug="trust-building", order=1)
    hidden = make_city(slug="hidden", name_en="Hidden", latitude=10, longitude=10)
    member = make_city(
        slug="member", name_en="Member", latitude=20, longitude=20, is_network_member=True
    )
    shown = make_city(slug="shown", name_en="Shown", latitude=30, longitude=30)
    make_initiative(themes=[theme], city=hidden, status="draft")
    make_initiative(themes=[theme], city=member, status="draft")
    make_initiative(themes=[theme], city=shown)
    make_initiative(themes=[theme], city=shown, status="review")
    for path in ("/en/", "/en/cities/", "/en/initiatives/"):
        found = markers(client.get(path))
        assert not any("hidden" in href for href in found), path
        shown_marker = next(name for href, name in found.items() if "shown" in href)
        assert count_in(shown_marker) == 1, path
    home = markers(client.get("/en/"))
    assert home["/en/cities/member/"] == "Member, Spain: Strong Cities Network member"
    # The list shows results, not members.
    assert not any("member" in href for href in markers(client.get("/en/initiatives/")))


def test_a_city_without_coordinates_is_listed_but_not_drawn(client):
    theme = make_theme(slug="trust-building", order=1)
    make_initiative(themes=[theme], city=make_city(slug="unplaced", name_en="Unplaced"))
    make_initiative(themes=[theme], city=make_city(slug="placed", latitude=40, longitude=-3))
    response = client.get("/en/cities/")
    assert list(markers(response)) == ["/en/cities/placed/"]
    assert "Unplaced" in response.content.decode()
    listing = client.get("/en/initiatives/").content.decode()
    assert "1 initiative is in a city whose position is not recorded yet" in listing


def test_at_network_scale_the_map_draws_the_cities_with_most_cases_and_says_so(client, settings):
    import casebook.maps

    theme = make_theme(slug="trust-building", order=1)
    for number in range(4):
        city = make_city(slug=f"c{number}", latitude=number, longitude=number)
        for _ in range(number + 1):
            make_initiative(themes=[theme], city=city)
    casebook.maps.MAX_MARKERS, kept = 2, casebook.maps.MAX_MARKERS
    try:
        response = client.get("/en/cities/")
    finally:
        casebook.maps.MAX_MARKERS = kept
    assert sorted(markers(response)) == ["/en/cities/c2/", "/en/cities/c3/"]
    assert "The map shows the 2 cities with the most initiatives; 2 more cities are not drawn." in (
        response.content.decode()
    )


def test_an_empty_case_book_shows_no_map(client, db):
    for path in ("/en/", "/en/cities/", "/en/initiatives/"):
        assert "world-map" not in client.get(path).content.decode(), path


# The list's map -------------------------------------------------------------------------


def independent_counts(**filters):
    """The published initiatives per city, counted with the ORM alone."""
    queryset = Initiative.objects.published()
    if "theme" in filters:
        queryset = queryset.filter(themes__slug=filters["theme"])
    if "sector" in filters:
        queryset = queryset.filter(partnerships__partner__sector=filters["sector"])
    if "country" in filters:
        queryset = queryset.filter(country__in=filters["country"])
    if "city" in filters:
        queryset = queryset.filter(city__slug=filters["city"])
    ids = queryset.values("pk")
    rows = (
        Initiative.objects.filter(pk__in=ids)
        .values_list("city__slug")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return dict(rows)


@pytest.fixture
def demo(casebook):
    call_command("generate_demo_data", initiatives=300, verbosity=0)


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"theme": "engagement"},
        {"theme": "engagement", "sector": "private"},
        {"sector": "community", "country": ["GB", "ES", "US", "FR", "CO"]},
    ],
    ids=["everything", "one theme", "theme and sector", "sector and countries"],
)
def test_the_lists_map_shows_every_matching_case_by_city_following_the_filters(
    client, demo, settings, filters
):
    settings.INITIATIVES_PER_PAGE = 5  # the map shows all the results, not the page
    response = client.get("/en/initiatives/", filters)
    expected = independent_counts(**filters)
    without_city = expected.pop(None, 0)
    found = {city_slug(href): count_in(name) for href, name in markers(response).items()}
    assert found == expected
    total = response.context["page"].paginator.count
    assert total == sum(expected.values()) + without_city
    text = response.content.decode()
    assert f"See these {total} initiatives on a map" in text
    if without_city:
        assert f"{without_city} initiative" in text and "without a city" in text
    for href in markers(response):
        query = parse_qs(urlsplit(href).query)
        assert "page" not in query
        for name, value in filters.items():
            assert query[name] == (value if isinstance(value, list) else [value])


def test_a_marker_narrows_the_list_to_its_city_and_a_chosen_city_is_the_only_marker(client, demo):
    filters = {"theme": "engagement", "sector": "private"}
    found = markers(client.get("/en/initiatives/", filters))
    href, name = max(found.items(), key=lambda item: count_in(item[1]))
    narrowed = client.get("/en/initiatives/" + href)
    assert narrowed.context["page"].paginator.count == count_in(name)
    only = markers(narrowed)
    assert list(only) == [href] and count_in(only[href]) == count_in(name)


def test_a_list_with_no_result_or_only_cityless_results_shows_no_map(client, casebook):
    assert "world-map" not in client.get("/en/initiatives/?q=zzzzqqq").content.decode()
    national = client.get("/en/initiatives/?scale=national")
    assert national.context["page"].paginator.count >= 1
    assert "world-map-markers" not in national.content.decode()


# Coordinates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"), [("latitude", Decimal("90.5")), ("longitude", Decimal("-180.01"))]
)
def test_a_coordinate_out_of_range_is_refused_by_the_form_and_the_database(field, value):
    city = make_city(latitude=0, longitude=0)
    setattr(city, field, value)
    with pytest.raises(ValidationError) as error:
        city.full_clean()
    assert field in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        City.objects.filter(pk=city.pk).update(**{field: value})


def test_a_city_has_both_coordinates_or_neither():
    city = make_city()
    city.latitude = Decimal("10")
    with pytest.raises(ValidationError):
        city.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        City.objects.filter(pk=city.pk).update(latitude=10)


def test_staff_enter_a_citys_coordinates_in_the_admin(admin_client):
    form = admin_client.get("/admin/casebook/city/add/").content.decode()
    assert 'name="latitude"' in form and 'name="longitude"' in form


def test_demo_cities_lie_near_a_real_city_of_their_country_and_are_the_same_each_time(casebook):
    call_command("generate_demo_data", initiatives=100, verbosity=0)
    first = dict(City.objects.filter(is_demo=True).values_list("slug", "latitude"))
    for city in City.objects.filter(is_demo=True):
        assert city.latitude is not None and city.longitude is not None
        assert any(
            abs(float(city.latitude) - latitude) <= JITTER
            and abs(float(city.longitude) - longitude) <= JITTER
            for latitude, longitude in ANCHORS[city.country.code]
        ), city
    call_command("generate_demo_data", initiatives=100, verbosity=0)
    assert dict(City.objects.filter(is_demo=True).values_list("slug", "latitude")) == first


# The outline -------------------------------------------------------------------------------


def test_the_outline_is_a_small_static_file_with_its_licence_and_the_markers_view_box(client):
    outline = OUTLINE.read_text(encoding="utf-8")
    assert len(outline.encode()) < 150_000
    assert "Natural Earth" in outline and "public domain" in outline
    assert f'viewBox="{worldmap.VIEW_BOX}"' in outline
    make_city(slug="x", latitude=0, longitude=0, is_network_member=True)
    parser = MarkerParser()
    parser.feed(client.get("/en/cities/").content.decode())
    assert parser.view_boxes == [worldmap.VIEW_BOX]


def test_the_projection_puts_places_where_they_are():
    west, _ = worldmap.project(0, -180)
    centre_x, equator = worldmap.project(0, 0)
    east, _ = worldmap.project(0, 180)
    assert (west, centre_x, east) == (0, worldmap.WIDTH / 2, worldmap.WIDTH)
    _, north = worldmap.project(60, 0)
    _, south = worldmap.project(-40, 0)
    assert 0 < north < equator < south < worldmap.HEIGHT
    boston_x, _ = worldmap.project(42.36, -71.06)
    london_x, _ = worldmap.project(51.51, -0.13)
    assert boston_x < london_x < centre_x + 1


def test_cities_tied_at_the_last_marker_are_drawn_by_name_each_with_its_own_link(
    client, monkeypatch
):
    import casebook.maps

    theme = make_theme(slug="trust-building", order=1)
    # Made in another order than their names'.
    cities = (("z", "Zeta", 1), ("m", "Mara", 1), ("big", "Grande", 2), ("a", "Alfa", 1))
    for slug, name, cases in cities:
        city = make_city(slug=slug, name_en=name, latitude=len(name), longitude=cases)
        for _ in range(cases):
            make_initiative(themes=[theme], city=city)
    monkeypatch.setattr(casebook.maps, "MAX_MARKERS", 3)
    response = client.get("/en/")
    assert markers(response) == {
        "/en/cities/big/": "Grande, Spain: 2 initiatives",
        "/en/cities/a/": "Alfa, Spain: 1 initiative",
        "/en/cities/m/": "Mara, Spain: 1 initiative",
    }
    assert "1 more city is not drawn" in response.content.decode()


def test_the_cities_page_lists_its_cities_a_page_at_a_time_under_a_map_of_all(client, settings):
    settings.CITIES_PER_PAGE = 2
    theme = make_theme(slug="trust-building", order=1)
    names = ["Ávila", "Bilbao", "Cádiz", "Dénia", "Elche"]
    for number, name in enumerate(names):
        city = make_city(slug=f"city-{number}", name_es=name, latitude=40, longitude=number)
        make_initiative(themes=[theme], city=city)
    listed = []
    for number in (1, 2, 3):
        response = client.get("/es/cities/", {"page": number})
        text = response.content.decode()
        the_list = text[text.index('<ul class="city-list">') :]
        listed += re.findall(
            r'<a href="/es/cities/city-\d/">([^<]+)</a>', the_list[: the_list.index("</ul>")]
        )
        assert len(markers(response)) == 5  # the map: every city, on every page
        assert "5 ciudades." in text and f"Página {number} de 3" in text
    assert listed == names
    last = client.get("/es/cities/", {"page": 9}).content.decode()
    assert "Elche" in last and "Solo hay 3 páginas; se muestra la última." in last


def test_the_cities_page_counts_alike_from_the_lists_index_and_from_the_database(
    client, casebook, settings
):
    call_command("generate_demo_data", initiatives=150, seed=5, verbosity=0)
    settings.CITIES_PER_PAGE = 40

    def page(language, number):
        response = client.get(f"/{language}/cities/", {"page": number})
        text = response.content.decode()
        lists = text[text.index('<ul class="city-list">') : text.index("</main>")]
        return markers(response), lists

    for language in ("es", "en"):
        for number in (1, 2):
            settings.LIST_INDEX = True
            from_index = page(language, number)
            settings.LIST_INDEX = False
            assert page(language, number) == from_index, (language, number)
    # Murcia, a member with no initiative yet, and Colombia's count with its demo cases.
    settings.LIST_INDEX = True
    text = client.get("/en/cities/").content.decode()
    colombia = Initiative.objects.published().filter(country="CO").count()
    assert f'?country=CO">Colombia</a> — {colombia} initiatives' in text
