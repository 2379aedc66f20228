"""A search refined by filters, another sort or the next page is not matched again: the list's
index keeps a search's matches (and scores) for the content it was built from. The answers
are those the database gives; a change of content is seen at once; the memo can be turned
off, and what it would keep is never larger than a page the cache would keep."""

import pytest
from django.test import Client

from casebook import listindex, search
from ppci.lib import pagecache
from tests.factories import make_initiative, make_theme

pytestmark = pytest.mark.django_db


@pytest.fixture
def searches(monkeypatch):
    """How many times the database matched a search over the whole case book."""
    asked = []
    match_scores = search.match_scores

    def counted(alias, text, scored=True, among=None):
        if among is None:
            asked.append((text, scored))
        return match_scores(alias, text, scored, among)

    monkeypatch.setattr(search, "match_scores", counted)
    # Every search over the whole case book, however few initiatives a filter leaves.
    monkeypatch.setattr(listindex, "_ASK_BY_KEY", 0)
    return asked


@pytest.fixture
def case_book():
    theme = make_theme(slug="engagement")
    for number in range(12):
        make_initiative(
            slug=f"youth-{number:02d}",
            title_en=f"Youth sport {number:02d}",
            summary_en="Young people play football together." * (1 + number % 3),
            themes=[theme] if number % 2 else [],
            year_founded=2000 + number,
        )
    make_initiative(slug="markets", title_en="Street markets", summary_en="Traders meet.")


def shown(address):
    response = Client().get(address)
    assert response.status_code == 200
    page = response.context["page"]
    return [i.slug for i in response.context["initiatives"]], page.paginator.count


REFINED = [
    "/en/initiatives/?q=football",
    "/en/initiatives/?q=football&theme=engagement",
    "/en/initiatives/?q=football&sort=year",
    "/en/initiatives/?q=football&page=2",
    "/en/initiatives/?q=football&theme=engagement&sort=relevance",
]


def test_a_refined_search_is_matched_once_and_answers_as_the_database(
    case_book, searches, settings
):
    settings.LIST_INDEX = False
    from_database = [shown(address) for address in REFINED]
    settings.LIST_INDEX = True
    assert [shown(address) for address in REFINED] == from_database
    # Once with scores (relevance, no filter), once without (the facets' counts).
    assert sorted(searches) == [("football", False), ("football", True)]
    assert from_database[0][1] == 12 and from_database[1][1] == 6


def test_each_request_matches_its_search_with_the_memo_off(case_book, searches, settings):
    settings.SEARCH_MEMO = False
    for address in REFINED:
        shown(address)
    assert len(searches) == len(REFINED)


def test_a_change_of_content_is_seen_by_the_next_search(case_book, searches):
    assert shown("/en/initiatives/?q=football&sort=title")[1] == 12
    make_initiative(slug="new", title_en="Football for all", summary_en="Football.")
    pagecache.invalidate()
    slugs, count = shown("/en/initiatives/?q=football&sort=title")
    assert count == 13 and "new" in slugs
    assert len(searches) == 2


def test_matches_larger_than_a_kept_page_are_not_kept(case_book, searches, settings):
    settings.PAGE_CACHE_MAX_BYTES = 0  # the matches take a byte
    shown("/en/initiatives/?q=football&sort=title")
    shown("/en/initiatives/?q=football&sort=year")
    assert len(searches) == 2


def test_a_kept_search_counts_as_kept_for_one_address(case_book, searches):
    shown("/en/initiatives/?q=football&sort=title")
    with pagecache.counting_per_address_hits() as counter:
        shown("/en/initiatives/?q=football&sort=year")
    assert counter.hits == 1
