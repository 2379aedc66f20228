"""A theme's page lists its published initiatives a page at a time, by title in the reader's
language, with their count and a way to search and filter them in the list: the same from the
list's index in memory as from the database. Its JSON-LD lists the page's initiatives, at their
places in the whole list."""

import json
import re

import pytest
from django.core.management import call_command
from django.test import Client

from casebook.models import Initiative

pytestmark = pytest.mark.django_db


def theme_page(language, page=None):
    response = Client().get(f"/{language}/themes/engagement/", {"page": page} if page else {})
    assert response.status_code == 200
    return response


def json_ld(response):
    found = re.search(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    return json.loads(found.group(1))


def every_page(language):
    first = theme_page(language)
    paginator = first.context["page"].paginator
    slugs = []
    for number in range(1, paginator.num_pages + 1):
        response = theme_page(language, number)
        slugs += [initiative.slug for initiative in response.context["initiatives"]]
    return slugs, paginator.count


def test_a_theme_lists_its_initiatives_a_page_at_a_time_alike_from_index_and_database(
    casebook, settings
):
    settings.INITIATIVES_PER_PAGE = 10
    call_command("generate_demo_data", initiatives=200, seed=3, verbosity=0)
    published = Initiative.objects.published().filter(themes__slug="engagement")
    for language in ("es", "en"):
        settings.LIST_INDEX = True
        from_index = every_page(language)
        settings.LIST_INDEX = False
        assert every_page(language) == from_index, language
        slugs, count = from_index
        assert count == published.count() == len(slugs) == len(set(slugs)) > 20
        assert set(slugs) == set(published.values_list("slug", flat=True))
    settings.LIST_INDEX = True
    second = theme_page("en", 2)
    text = second.content.decode()
    assert f"{count} initiatives with this theme" in text
    assert '<a href="/en/initiatives/?theme=engagement">Search and filter them in the list</a>' in (
        text
    )
    items = json_ld(second)["mainEntity"]
    assert items["numberOfItems"] == count
    assert [item["position"] for item in items["itemListElement"]] == list(range(11, 21))
    names = [item["item"]["name"] for item in items["itemListElement"]]
    assert names == [initiative.title for initiative in second.context["initiatives"]]
    beyond = theme_page("es", 999).content.decode()
    assert "se muestra la última" in beyond
