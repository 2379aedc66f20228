"""What a reader learns from the pages is true and reads as a person would write it: counts
that match what their links find, names in the reader's order, one row per partner, numbers in
the reader's conventions, periods that say "since", every case reachable by its place."""

import os
import re
import subprocess
import sys
from html import unescape

import pytest
from django.conf import settings
from django.core.management import call_command

from casebook.models import City, Initiative
from partners.models import Partner
from tests.factories import make_initiative, make_partner, make_theme

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


def text_of(response):
    """The page as a reader sees it: tags removed, entities decoded, spaces collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return plain(html)


INLINE = r"</?(a|strong|span|em|cite|time|abbr)\b[^>]*>"


def plain(html):
    text = unescape(re.sub(r"<[^>]+>", " ", re.sub(INLINE, "", html)))
    return re.sub(r"[ \t\r\n]+", " ", text)


def section_text(response, heading_id):
    """The text of the section a heading opens."""
    html = response.content.decode().split(f'id="{heading_id}')[1].split("</section>")[0]
    return plain("<" + html)


# The planning guide's partner kinds.


def test_it_counts_on_the_guide_the_partners_each_kind_link_finds(client, casebook):
    guide = client.get("/es/guide/").content.decode()
    links = re.findall(
        r'href="(/es/partners/\?sector=[a-z]+&amp;kind=([a-z-]+))">[^<]*</a> '
        r'<span class="count">\((\d+)\)</span>',
        guide,
    )
    assert len(links) >= 8
    assert any(int(count) > 1 for _url, _kind, count in links)
    for url, kind, count in links:
        found = client.get(unescape(url)).context["page"].paginator.count
        assert int(count) == found, kind


# Partners in the reader's order.


@pytest.fixture
def named_partners():
    theme = make_theme()
    names = [
        ("sova", "SOVA", "SOVA"),
        ("seguridad", "Seguridad Ciudadana", "Citizen Safety"),
        ("camara", "Cámara de Comercio", "Chamber of Commerce"),
        ("crystal", "Crystal Palace FC", "Crystal Palace FC"),
        ("aguila", "águila joven", "Young Eagle"),
    ]
    partners = [make_partner(slug=slug, name_es=es, name_en=en) for slug, es, en in names]
    make_initiative(slug="with-all", themes=[theme], partners=partners)
    return partners


def partner_names(client, path):
    return [partner.name for partner in client.get(path).context["partners"]]


def test_it_lists_partners_by_their_spanish_names_without_case_or_accents(client, named_partners):
    assert partner_names(client, "/es/partners/") == [
        "águila joven",
        "Cámara de Comercio",
        "Crystal Palace FC",
        "Seguridad Ciudadana",
        "SOVA",
    ]


def test_it_lists_partners_by_their_english_names_in_english(client, named_partners):
    assert partner_names(client, "/en/partners/") == [
        "Chamber of Commerce",
        "Citizen Safety",
        "Crystal Palace FC",
        "SOVA",
        "Young Eagle",
    ]


def test_a_renamed_partner_moves_to_its_new_place(client, named_partners):
    sova = Partner.objects.get(slug="sova")
    sova.name_es = "Asociación SOVA"
    sova.save()

    assert partner_names(client, "/es/partners/")[:2] == ["águila joven", "Asociación SOVA"]


@pytest.fixture
def titled_cases():
    theme = make_theme(slug="trust-building")
    titles = [
        ("sacale", "Sácale tarjeta roja", "Red card"),
        ("seguridad", "seguridad en el barrio", "Neighbourhood safety"),
        ("arbol", "Árbol de la paz", "Tree of peace"),
        ("bono", "Bono de impacto", "Impact bond"),
    ]
    for slug, es, en in titles:
        make_initiative(slug=slug, title_es=es, title_en=en, themes=[theme])


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", ["arbol", "bono", "sacale", "seguridad"]),
        ("en", ["bono", "seguridad", "sacale", "arbol"]),
    ],
)
@pytest.mark.parametrize("path", ["/initiatives/?sort=title", "/themes/trust-building/"])
def test_cases_are_listed_by_title_in_the_readers_language_without_accents(
    client, titled_cases, language, expected, path
):
    initiatives = client.get(f"/{language}{path}").context["initiatives"]

    assert [initiative.slug for initiative in initiatives] == expected


# One partner, its roles together; one delivery sentence.


def test_a_partner_with_two_roles_is_listed_once_with_both(client, casebook):
    page = client.get("/en/initiatives/one-service-peterborough/")
    partners = page.content.decode().split('id="partners-heading"')[1].split("</section>")[0]

    assert partners.count(">Social Finance UK</a>") == 1
    text = section_text(page, "partners-heading")
    assert "Lead partner: Launched the social impact bond" in text
    assert "Intermediary: Raised 5 million euros" in text


def test_partners_that_did_the_same_are_one_row_with_the_sentence_once(client, casebook):
    text = section_text(client.get("/en/initiatives/one-service-peterborough/"), "partners")

    assert text.count("Contracted to provide tailored services") == 1
    assert re.search(r"St Giles Trust .*YMCA .* and SOVA .*— Delivery partners:", text)


def test_spanish_lists_partners_with_y(client, casebook):
    text = section_text(client.get("/es/initiatives/one-service-peterborough/"), "partners")

    assert re.search(r"YMCA \([^)]*\) y SOVA", text)


# Numbers in the reader's conventions.


@pytest.mark.parametrize(
    ("language", "amount", "people", "percent"),
    [
        ("es", f"5.000.000{NBSP}€", "3.000 personas", f"más de 60{NBSP}%"),
        ("en", "€5,000,000", "3,000 people", "more than 60%"),
    ],
)
def test_figures_follow_the_readers_conventions(
    client, casebook, language, amount, people, percent
):
    page = client.get(f"/{language}/initiatives/one-service-peterborough/")
    text = section_text(page, "figures-heading")

    assert amount in text
    assert people in text
    assert percent in text


@pytest.mark.parametrize(("language", "fall"), [("es", f"−40{NBSP}%"), ("en", "−40%")])
def test_a_percentage_follows_the_readers_conventions(client, casebook, language, fall):
    page = client.get(f"/{language}/initiatives/memphis-fast-forward/")

    assert fall in section_text(page, "figures-heading")


@pytest.mark.parametrize(
    ("language", "expected", "other"),
    [("es", "100.000", "100 000"), ("en", "100,000", "100 000")],
)
def test_the_table_and_the_text_of_a_page_group_thousands_alike(
    client, casebook, language, expected, other
):
    text = text_of(client.get(f"/{language}/initiatives/ruta-n/")).replace(NBSP, " ")

    assert expected in text  # the text ("380 per 100,000 people") and the table's unit
    assert other not in text


@pytest.mark.parametrize(
    ("language", "grants"), [("es", f"10.000–50.000{NBSP}US$"), ("en", "US$10,000–50,000")]
)
def test_a_range_of_dollars_reads_in_the_readers_order(client, casebook, language, grants):
    assert grants in text_of(client.get(f"/{language}/initiatives/gcerf/"))


@pytest.mark.parametrize(("language", "since"), [("es", "desde 1991"), ("en", "since 1991")])
def test_a_change_with_only_its_first_year_reads_since(client, casebook, language, since):
    page = client.get(f"/{language}/initiatives/ruta-n/").content.decode()
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")
    row = next(row for row in rows if "1991" in row and "90" in row)

    assert re.search(rf"<td[^>]*>{since}</td>", row)


# Cities, the network and places.


def test_murcia_says_once_that_it_has_no_case_and_not_once_it_has_one(client, casebook):
    text = text_of(client.get("/es/cities/murcia/"))
    assert text.count("ninguna iniciativa") + text.count("no recoge") == 1

    make_initiative(
        slug="murcia-case",
        title_es="Caso de Murcia",
        themes=[make_theme(slug="t-murcia")],
        city=City.objects.get(slug="murcia"),
        country="ES",
    )
    text = text_of(client.get("/es/cities/murcia/"))

    assert "Caso de Murcia" in text
    assert "ninguna iniciativa" not in text
    assert "no recoge" not in text


def test_the_network_page_says_what_the_sources_say_and_how_to_contact_it(client, casebook):
    text = text_of(client.get("/es/network/"))

    assert "más de 220" in text
    assert "Murcia" in text
    assert "info@strongcitiesnetwork.org" in text
    members = client.get("/es/network/").context["members"]
    assert [city.slug for city in members] == ["murcia"]


def test_every_published_case_is_reachable_from_the_cities_page(client, casebook):
    page = client.get("/en/cities/").content.decode()
    reached = set()
    for url in re.findall(r'href="(/en/cities/[a-z0-9-]+/)"', page):
        reached |= {i.slug for i in client.get(url).context["initiatives"]}
    for url in re.findall(r'href="(/en/initiatives/\?country=[A-Z]{2})"', page):
        reached |= {i.slug for i in client.get(url).context["initiatives"]}

    published = set(Initiative.objects.published().values_list("slug", flat=True))
    assert len(published) == 9
    assert reached == published


def test_no_place_nests_brackets(client, casebook):
    for path in [
        "/en/cities/",
        "/es/cities/",
        "/en/initiatives/think-4-peace/",
        "/en/initiatives/converse-community-impact-program/",
        "/en/partners/crystal-palace-fc/",
    ]:
        text = text_of(client.get(path))
        assert not re.search(r"\([^()]*\([^()]*\)[^()]*\)", text), path
        assert "))" not in text, path


# Related cases read as a person writes.


def test_related_cases_say_why_in_plain_words(client, casebook):
    english = text_of(client.get("/en/initiatives/think-4-peace/"))
    spanish = text_of(client.get("/es/initiatives/think-4-peace/"))

    assert "of kind" not in english
    assert "de tipo" not in spanish
    assert re.search(r"Also works with (a|an|the) [a-z ]+", english)
    assert re.search(r"También trabaja con (un|una|la|el|los|las) [a-zá-ú ]+", spanish)


# Sources.


def test_a_case_with_no_sources_has_no_sources_heading_and_no_claim_about_a_source(client):
    make_initiative(slug="staff-case", title_es="Caso del equipo", year_founded=None)
    text = text_of(client.get("/es/initiatives/staff-case/"))

    assert "Fuentes" not in text.split("Citar")[0]
    assert "en la fuente" not in text


def test_a_case_book_case_names_its_source(client, casebook):
    text = text_of(client.get("/en/initiatives/ruta-n/"))

    assert "Sources" in text


# The first run shows the real pages.


def run_with_local_settings(code, tmp_path):
    env = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    env.update(
        PPCI_LOCAL="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'local.sqlite3'}",
        DJANGO_SETTINGS_MODULE="ppci.settings",
        XDG_CONFIG_HOME=str(tmp_path),
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_run_command_serves_the_friendly_404_and_the_static_files(tmp_path):
    code = """
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
client = Client(HTTP_HOST="127.0.0.1:8000")
missing = client.get("/es/no-such-page/")
print("DEBUG", settings.DEBUG)
page = missing.content.decode()
print("404", missing.status_code, "Página no encontrada" in page, "URLconf" in page)
style = client.get("/static/css/site.css")
print("STATIC", style.status_code)
print("ELSEWHERE", Client(HTTP_HOST="casebook.example.org").get("/es/").status_code)
"""
    result = run_with_local_settings(code, tmp_path)

    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert lines["DEBUG"] == "False"
    assert lines["404"] == "404 True False"  # the portal's page, not Django's URL list
    assert lines["STATIC"] == "200"  # over plain HTTP, no redirect, no collectstatic
    assert lines["ELSEWHERE"] == "400"  # loopback names only


def test_the_local_setting_never_passes_the_deployment_check(tmp_path):
    code = """
import django
django.setup()
from django.core.management import call_command
call_command("check", "--deploy", "--fail-level", "ERROR")
"""
    result = run_with_local_settings(code, tmp_path)

    assert result.returncode != 0
    assert "ppci.E003" in result.stderr


def test_loading_the_case_book_twice_keeps_the_sort_names(casebook):
    call_command("load_casebook", verbosity=0)
    camara = Partner.objects.exclude(sort_name_es="").count()

    assert camara == Partner.objects.count()


@pytest.mark.parametrize(
    ("language", "count", "pages"),
    [
        ("es", "12.345 iniciativas", "Página 1 de 1.029"),
        ("en", "12,345 initiatives", "Page 1 of 1,029"),
    ],
)
def test_counts_group_thousands_in_the_readers_language(language, count, pages):
    from django.core.paginator import Paginator
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from django.utils import translation

    page = Paginator(range(12345), 12).page(1)
    request = RequestFactory().get(f"/{language}/initiatives/")
    with translation.override(language):
        results = render_to_string(
            "casebook/initiative_list.html",
            {"page": page, "initiatives": [], "facets": [], "chips": [], "sorts": []},
            request=request,
        )
        pagination = render_to_string("includes/pagination.html", {"page": page}, request=request)

    assert count in plain(results)
    assert pages in plain(pagination)
