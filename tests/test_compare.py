"""The comparison page: choosing cases, removing them, and what each compared case shows."""

import re
from html import unescape

import pytest

from casebook.models import Initiative

pytestmark = pytest.mark.django_db


def notice(html):
    """The orange box of things that could not be used, if the page has one."""
    match = re.search(r'<div class="notice" role="status">(.*?)</div>', html, re.S)
    return match.group(1) if match else None


REMOVE_LINK = re.compile(
    r'<a class="chip remove" href="([^"]*)">([^<]*) <span aria-hidden="true">×</span>'
    r'<span class="visually-hidden"> \((?:remove from the comparison|quitar de la comparación)\)'
)


def removal_links(html):
    """{initiative title: the address that removes it from the comparison}."""
    return {unescape(title): unescape(href) for href, title in REMOVE_LINK.findall(html)}


@pytest.mark.parametrize(
    ("language", "explanation"),
    [
        ("es", "Elija de dos a cuatro iniciativas para verlas una al lado de otra"),
        ("en", "Choose two to four initiatives to see them side by side"),
    ],
)
def test_it_explains_how_to_choose_without_an_error_before_anything_is_chosen(
    client, casebook, language, explanation
):
    html = client.get(f"/{language}/compare/").content.decode()
    assert notice(html) is None
    assert explanation in html
    published = Initiative.objects.published().count()
    assert len(re.findall(r'<input type="checkbox" name="i"', html)) == published
    assert "<table" not in html


def test_one_chosen_case_is_shown_with_the_chooser_and_no_error(client, casebook):
    html = client.get("/en/compare/", {"i": "ruta-n"}).content.decode()
    assert notice(html) is None
    assert "Choose two to four initiatives" in html
    assert removal_links(html) == {"Ruta N": "/en/compare/"}
    assert '<input type="hidden" name="i" value="ruta-n">' in html
    assert 'id="c-ruta-n"' not in html  # not offered a second time
    assert "<table" not in html


def test_each_compared_case_has_a_link_that_removes_it(client, casebook):
    slugs = ["ruta-n", "gcerf", "think-4-peace"]
    html = client.get("/es/compare/", {"i": slugs}).content.decode()
    links = removal_links(html)
    assert links == {
        "Ruta N": "/es/compare/?i=gcerf&i=think-4-peace",
        "Fondo mundial de participación comunitaria y resistencia (GCERF)": (
            "/es/compare/?i=ruta-n&i=think-4-peace"
        ),
        "Think 4 Peace": "/es/compare/?i=ruta-n&i=gcerf",
    }

    after = client.get(links["Ruta N"])
    assert [i.slug for i in after.context["initiatives"]] == ["gcerf", "think-4-peace"]
    assert notice(after.content.decode()) is None
    assert "Medellín" not in re.search(r"<table.*</table>", after.content.decode(), re.S).group()


def test_removing_one_of_two_leaves_one_chosen_and_no_error(client, casebook):
    html = client.get("/en/compare/", {"i": ["ruta-n", "gcerf"]}).content.decode()
    after = client.get(removal_links(html)["Ruta N"])
    assert [i.slug for i in after.context["initiatives"]] == ["gcerf"]
    assert notice(after.content.decode()) is None


@pytest.mark.parametrize(
    ("slugs", "message"),
    [
        (
            ["ruta-n", "gcerf", "think-4-peace", "extreme-dialogue", "red-card-to-crime"],
            "At most 4 initiatives can be compared",
        ),
        (["ruta-n", "no-such-case"], "There is no published initiative “no-such-case”"),
        (["ruta-n", "ruta-n", "gcerf"], "“ruta-n” was chosen twice"),
    ],
)
def test_what_cannot_be_used_is_still_said(client, casebook, slugs, message):
    html = client.get("/en/compare/", {"i": slugs}).content.decode()
    assert message in notice(html)


@pytest.mark.parametrize(
    ("language", "together"),
    [
        ("es", "SulAmérica (financiador, colaborador en especie)"),
        ("en", "SulAmérica (funder, in-kind supporter)"),
    ],
)
def test_a_partner_with_two_roles_is_named_once_with_both(client, casebook, language, together):
    html = client.get(
        f"/{language}/compare/", {"i": ["peace-squares-sulamerica", "one-service-peterborough"]}
    ).content.decode()
    assert together in html
    assert html.count("SulAmérica (") == 1
    assert html.count("Social Finance UK (") == 1


def test_every_value_is_labelled_with_its_case_for_narrow_screens(client, casebook):
    html = client.get("/en/compare/", {"i": ["ruta-n", "gcerf"]}).content.decode()
    table = re.search(r"<tbody>.*</tbody>", html, re.S).group()
    labels = re.findall(r'<td data-label="([^"]*)">', table)
    rows = table.count("<tr>")
    assert labels == ["Ruta N", "Global Community Engagement and Resilience Fund (GCERF)"] * rows


def test_the_list_offers_comparing_only_when_two_results_can_be_ticked(client, casebook):
    several = client.get("/en/initiatives/").content.decode()
    assert 'id="compare-form"' in several
    assert several.count('form="compare-form"') == Initiative.objects.published().count()

    one = client.get("/en/initiatives/", {"city": "medellin"})
    assert one.context["page"].paginator.count == 1
    html = one.content.decode()
    assert "Compare the selected initiatives" not in html
    assert 'form="compare-form"' not in html


def offered(html):
    """The slugs offered to tick, in their order."""
    return re.findall(r'<input type="checkbox" name="i" value="([^"]+)"', html)


def test_a_large_case_book_is_searched_for_what_to_compare_not_listed_whole(
    client, casebook, monkeypatch
):
    from casebook import compare

    monkeypatch.setattr(compare, "MAX_CHOICES", 3)
    html = client.get("/en/compare/", {"i": "ruta-n"}).content.decode()
    assert offered(html) == []  # nine are too many to tick through
    assert '<input type="search" name="q" id="compare-q" value=""' in html
    search_form = html[html.index('class="compare-search"') :]
    assert (
        '<input type="hidden" name="i" value="ruta-n">'
        in search_form[: search_form.index("</form>")]
    )
    # A search offers what it finds, by title; the chosen case is not offered again.
    found = client.get("/en/compare/", {"i": "ruta-n", "q": "football"}).content.decode()
    assert offered(found) and "ruta-n" not in offered(found)
    assert len(offered(found)) <= 3
    everything = client.get("/en/compare/", {"q": "community"}).content.decode()
    titles = dict(Initiative.objects.values_list("slug", "title_en"))
    shown = offered(everything)
    assert len(shown) == 3 and shown == sorted(shown, key=lambda slug: titles[slug].lower())
    assert "The first 3 found, by title: a more precise search finds the others." in everything
    none = client.get("/es/compare/", {"q": "zzzxxq"}).content.decode()
    assert offered(none) == [] and "Ninguna otra iniciativa coincide con «zzzxxq»." in none


def test_four_chosen_cases_offer_nothing_more_to_add(client, casebook):
    slugs = ["ruta-n", "gcerf", "think-4-peace", "red-card-to-crime"]
    html = client.get("/en/compare/", {"i": slugs, "q": "football"}).content.decode()
    assert offered(html) == [] and 'name="q"' not in html and "<table" in html
