import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.db import connection

from casebook.models import Initiative
from tests.factories import make_initiative, make_partner, make_theme
from tests.support import sitemap_pages

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
# The queries a case's page saves on PostgreSQL, which takes the case and its partnerships,
# figures and sources in one round trip.
TOGETHER = 3 if connection.vendor == "postgresql" else 0


def links_in_main(html):
    main = html[html.index("<main") : html.index("</main>")]
    return [href.replace("&amp;", "&") for href in re.findall(r'href="([^"#]+)"', main)]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_link_in_the_guide_leads_to_cases(client, casebook, lang):
    html = client.get(f"/{lang}/guide/").content.decode()
    links = links_in_main(html)
    assert len(links) >= 20
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
        context = response.context
        if "initiatives" in context and hasattr(context["initiatives"], "__len__"):
            assert len(context["initiatives"]) >= 1, link
        elif "partners" in context:
            assert len(context["partners"]) >= 1, link
            assert all(p.initiative_count >= 1 for p in context["partners"]), link
        elif "initiative" in context:
            assert context["initiative"].is_published, link
        else:
            assert context["theme"].initiatives.filter(status="published").exists(), link


def test_the_guide_gives_the_theme_model_in_order_with_live_counts(client, casebook):
    response = client.get("/en/guide/")
    themes = list(response.context["themes"])
    assert [t.slug for t in themes] == [
        "trust-building",
        "engagement",
        "capacity-building",
        "education",
        "messaging",
    ]
    for theme in themes:
        assert theme.initiative_count == theme.initiatives.filter(status="published").count()
    html = response.content.decode()
    assert "?funding=social-impact-bond" in html
    assert "/en/initiatives/one-service-peterborough/" in html


def test_the_network_page_lists_member_cities(client, casebook):
    html = client.get("/es/network/").content.decode()
    assert 'href="/es/cities/murcia/"' in html
    assert "220" in html


def test_the_comparison_shows_both_cases_figures(client, casebook):
    response = client.get("/en/compare/", {"i": ["memphis-fast-forward", "ruta-n"]})
    assert response.status_code == 200
    html = response.content.decode()
    assert [i.slug for i in response.context["initiatives"]] == ["memphis-fast-forward", "ruta-n"]
    assert "−40%" in html and "−23.6%" in html  # Memphis, in English conventions
    assert "380 per 100,000 people" in html  # Medellín
    assert response.context["problems"] == []


@pytest.mark.parametrize(
    ("slugs", "message"),
    [
        (
            ["ruta-n", "gcerf", "think-4-peace", "extreme-dialogue", "ruta-n", "red-card-to-crime"],
            "At most 4",
        ),
        (["ruta-n", "no-such-case"], "no published initiative “no-such-case”"),
        (["ruta-n", "ruta-n"], "chosen twice"),
    ],
)
def test_bad_comparisons_get_a_message(client, casebook, slugs, message):
    response = client.get("/en/compare/", {"i": slugs})
    assert response.status_code == 200
    assert message in response.content.decode()


def test_related_cases_exclude_drafts_and_the_case_itself(client, casebook):
    Initiative.objects.filter(slug="think-4-peace").update(status="draft")
    response = client.get("/en/initiatives/extreme-dialogue/")
    related = [i.slug for i in response.context["related"]]
    assert 3 <= len(related) <= 5
    assert "extreme-dialogue" not in related and "think-4-peace" not in related
    assert all(i.reasons for i in response.context["related"])


def test_related_cases_say_why(client, casebook):
    response = client.get("/en/initiatives/red-card-to-crime/")
    reasons = {i.slug: i.reasons for i in response.context["related"]}
    assert any(reason.startswith("Also works on") for items in reasons.values() for reason in items)


def test_the_initiative_page_takes_the_same_queries_with_one_or_three_related(
    client, db, django_assert_num_queries
):
    theme = make_theme(slug="messaging", order=5)
    club = make_partner(kind="sports-team")
    make_initiative(slug="case", themes=[theme], partners=[club], figures=2)
    make_initiative(themes=[theme], partners=[club])
    # The case book's index, which scores the related cases, built once per change.
    client.get("/en/initiatives/")
    # The case with the keys of its themes, issues and ways of funding (1), those terms,
    # read once per change of content (3), its partnerships, figures and sources (3), the
    # related cases' names and places (1). PostgreSQL reads the case and its three relations
    # in one round trip.
    with django_assert_num_queries(8 - TOGETHER):
        response = client.get("/en/initiatives/case/")
    assert len(response.context["related"]) == 1
    make_initiative(themes=[theme], partners=[club], figures=3)
    make_initiative(themes=[theme], partners=[make_partner(kind="sports-team")])
    client.get("/en/initiatives/")
    with django_assert_num_queries(8 - TOGETHER):
        response = client.get("/en/initiatives/case/")
    assert len(response.context["related"]) == 3
    assert response.context["related"][0].reasons[0] == "Also works with a sports team"


def test_related_cases_follow_the_case_book_as_it_changes(client, db, django_assert_num_queries):
    theme = make_theme(slug="messaging", order=5)
    club = make_partner(kind="sports-team")
    make_initiative(slug="case", themes=[theme], partners=[club])
    make_initiative(slug="first", title_en="First neighbour", themes=[theme], partners=[club])
    client.get("/en/initiatives/case/")
    # The case with the keys of its terms (1), its partnerships, figures and sources (3), and
    # its related cases' names (1): they are scored from the case book's index, built for the
    # first request after a change. PostgreSQL reads the first four in one round trip.
    with django_assert_num_queries(5 - TOGETHER):
        response = client.get("/en/initiatives/case/")
    assert [case.slug for case in response.context["related"]] == ["first"]
    make_initiative(slug="second", title_en="Second neighbour", themes=[theme], partners=[club])
    response = client.get("/en/initiatives/case/")
    assert {case.slug for case in response.context["related"]} == {"first", "second"}
    assert "Second neighbour" in response.content.decode()
    Initiative.objects.filter(slug="first").update(status="draft")
    make_initiative(slug="third", themes=[theme])  # a save: the generation moves on
    response = client.get("/en/initiatives/case/")
    assert "first" not in {case.slug for case in response.context["related"]}
    assert "First neighbour" not in response.content.decode()


def test_the_feed_is_atom_in_the_page_language_without_drafts(client, casebook):
    Initiative.objects.filter(slug="gcerf").update(status="draft")
    for lang, title in (("es", "Ruta N"), ("en", "Ruta N")):
        response = client.get(f"/{lang}/feed/")
        assert response["Content-Type"].startswith("application/atom+xml")
        root = ET.fromstring(response.content)
        assert root.tag == f"{ATOM}feed"
        entries = root.findall(f"{ATOM}entry")
        titles = [entry.find(f"{ATOM}title").text for entry in entries]
        assert len(entries) == 8
        assert title in titles
        assert all("gcerf" not in entry.find(f"{ATOM}link").get("href") for entry in entries)
    english = ET.fromstring(client.get("/en/feed/").content)
    assert "Peace Squares" in " ".join(
        e.find(f"{ATOM}title").text for e in english.iter(f"{ATOM}entry")
    )


def test_the_sitemap_lists_every_public_page_in_both_languages(client, casebook):
    Initiative.objects.filter(slug="gcerf").update(status="draft")
    roots = [ET.fromstring(page.content) for page in sitemap_pages(client)]
    locations = [urlsplit(url.find(f"{SITEMAP}loc").text).path for root in roots for url in root]
    for path in (
        "/es/",
        "/en/",
        "/es/initiatives/ruta-n/",
        "/en/initiatives/ruta-n/",
        "/es/themes/messaging/",
        "/en/cities/murcia/",
        "/es/guide/",
        "/en/network/",
    ):
        assert path in locations
    assert not any("gcerf" in path for path in locations)
    first = roots[0].find(f"{SITEMAP}url")
    alternates = {link.get("hreflang") for link in first.findall(f"{XHTML}link")}
    assert {"es", "en"} <= alternates


def test_robots_points_to_the_sitemap_and_keeps_out_of_the_admin(client, db):
    text = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in text
    assert re.search(r"^Sitemap: http://testserver/sitemap.xml$", text, re.M)


def test_citations_download_as_bibtex_and_ris(client, casebook):
    bib = client.get("/en/initiatives/ruta-n/cite.bib")
    assert "attachment" in bib["Content-Disposition"]
    text = bib.content.decode()
    assert text.startswith("@misc{ruta_n,")
    fields = dict(re.findall(r"^\s+(\w+) = \{(.*)\},$", text, re.M))
    assert fields["title"] == "Ruta N"
    assert fields["url"] == "http://testserver/en/initiatives/ruta-n/"
    assert re.fullmatch(r"\d{4}", fields["year"])
    assert "Strong Cities Network" in fields["note"]
    ris = client.get("/en/initiatives/ruta-n/cite.ris").content.decode()
    tags = dict(line.split("  - ", 1) for line in ris.strip().splitlines() if "  - " in line)
    assert tags["TY"] == "ELEC" and tags["TI"] == "Ruta N"
    assert tags["UR"] == "http://testserver/en/initiatives/ruta-n/"
    assert re.fullmatch(r"\d{4}", tags["PY"])
    assert ris.rstrip().endswith("ER  -")
    page = client.get("/en/initiatives/ruta-n/").content.decode()
    assert "/en/initiatives/ruta-n/cite.bib" in page


def test_citations_of_a_draft_are_not_found(client, casebook):
    Initiative.objects.filter(slug="ruta-n").update(status="draft")
    assert client.get("/en/initiatives/ruta-n/cite.bib").status_code == 404


def test_cases_are_added_to_a_comparison_from_the_list_and_the_page(client, casebook):
    listing = client.get("/en/initiatives/").content.decode()
    assert '<form id="compare-form"' in listing and 'action="/en/compare/"' in listing
    assert 'name="i" value="ruta-n" id="compare-ruta-n" form="compare-form"' in listing
    page = client.get("/en/initiatives/ruta-n/").content.decode()
    assert 'href="/en/compare/?i=ruta-n"' in page
    started = client.get("/en/compare/", {"i": "ruta-n"})
    html = started.content.decode()
    assert '<input type="hidden" name="i" value="ruta-n">' in html
    assert 'value="memphis-fast-forward"' in html


def test_the_sitemap_is_an_index_of_sections_each_a_page_of_at_most_its_limit(
    client, casebook, monkeypatch
):
    from casebook import sitemaps

    monkeypatch.setattr(sitemaps.BilingualSitemap, "limit", 3)  # pages end mid-item
    index = ET.fromstring(client.get("/sitemap.xml").content)
    assert index.tag == f"{SITEMAP}sitemapindex"
    sections = [urlsplit(entry.text) for entry in index.iter(f"{SITEMAP}loc")]
    initiatives = [s for s in sections if s.path == "/sitemap-initiatives.xml"]
    published = Initiative.objects.published().count()
    assert len(initiatives) == -(-published * 2 // 3) >= 3  # both languages, three a page
    assert initiatives[1].query == "p=2"
    seen = []
    for page in sitemap_pages(client):
        urls = list(ET.fromstring(page.content))
        assert len(urls) <= 3
        seen += [url.find(f"{SITEMAP}loc").text for url in urls]
    assert len(seen) == len(set(seen))
    for address in (
        "/sitemap-initiatives.xml?p=999",
        "/sitemap-initiatives.xml?p=x",
        "/sitemap-x.xml",
    ):
        assert client.get(address).status_code == 404, address
    for slug in Initiative.objects.published().values_list("slug", flat=True):
        for language in ("es", "en"):
            assert f"http://testserver/{language}/initiatives/{slug}/" in seen


def test_a_section_pairs_each_item_with_each_language_a_page_at_a_time(casebook):
    from casebook.models import Theme
    from casebook.sitemaps import InEachLanguage

    themes = Theme.objects.order_by("order")
    pairs = [(theme, language) for theme in themes for language in ("es", "en", "fr")]
    sequence = InEachLanguage(themes, ["es", "en", "fr"])
    assert len(sequence) == len(pairs) == 15
    for start in range(17):
        for stop in range(start, 17):
            assert sequence[start:stop] == pairs[start:stop], (start, stop)
