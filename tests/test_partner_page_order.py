"""A partner's page lists its published initiatives by title in the reader's language (without
case or accents), each once, with their count, a page at a time: the same from the list's
index in memory as from the database (staff, and a visitor while the cache is down)."""

import pytest
from django.core.management import call_command
from django.test import Client

from casebook.listindex import ListIndex
from tests.factories import make_initiative, make_partner

pytestmark = pytest.mark.django_db


def listed(partner_slug, language, page=None):
    """The slugs a partner's page lists, the count it gives and its number of pages."""
    response = Client().get(f"/{language}/partners/{partner_slug}/", {"page": page} if page else {})
    assert response.status_code == 200
    paginator = response.context["page"].paginator
    slugs = [entry["initiative"].slug for entry in response.context["initiatives"]]
    return slugs, paginator.count, paginator.num_pages


def every_page(partner_slug, language):
    first, count, pages = listed(partner_slug, language)
    slugs = first + [
        slug for page in range(2, pages + 1) for slug in listed(partner_slug, language, page)[0]
    ]
    return slugs, count


def test_a_partners_initiatives_by_title_each_once_drafts_left_out(settings):
    partner = make_partner(slug="hub")
    other = make_partner(slug="other")
    titles = [
        ("zeta", "Zeta final", "Zeta last"),
        ("agora", "Ágora vecinal", "Neighbourhood agora"),
        ("agua", "agua limpia", "Clean water"),
        ("barrio", "Barrio seguro", "A safe block"),
    ]
    for slug, title_es, title_en in titles:
        # The hub twice in "agua" (two roles): listed once.
        roles = [(partner, "lead"), (partner, "funder")] if slug == "agua" else [partner]
        make_initiative(slug=slug, title_es=title_es, title_en=title_en, partners=roles)
    make_initiative(slug="borrador", title_es="Borrador", status="draft", partners=[partner])
    make_initiative(slug="ajena", title_es="Ajena", partners=[other])
    expected = {
        "es": ["agora", "agua", "barrio", "zeta"],
        "en": ["barrio", "agua", "agora", "zeta"],
    }
    for use_index in (True, False):
        settings.LIST_INDEX = use_index
        assert (ListIndex.current() is not None) is use_index
        for language, slugs in expected.items():
            assert listed("hub", language)[:2] == (slugs, 4), (use_index, language)


def test_the_index_and_the_database_list_a_partner_alike_page_by_page(casebook, settings):
    settings.INITIATIVES_PER_PAGE = 4  # eight a page on a partner's page
    call_command("generate_demo_data", initiatives=300, seed=11, verbosity=0)
    # The first demo partner takes part in a tenth of the initiatives, the second in a
    # hundredth: several pages, and one.
    for slug, at_least in (("demo-partner-1", 9), ("demo-partner-2", 1)):
        for language in ("es", "en"):
            settings.LIST_INDEX = True
            from_index = every_page(slug, language)
            settings.LIST_INDEX = False
            from_database = every_page(slug, language)
            assert from_index == from_database, (slug, language)
            slugs, count = from_index
            assert count == len(slugs) == len(set(slugs)) >= at_least, (slug, language)
