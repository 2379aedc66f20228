"""After a change of content, the list is answered by the database while a thread builds
the new index of the published case book; once built, the index answers. No visitor waits
for it, and no visitor is answered from before the change."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casebook import listindex
from ppci.lib import pagecache
from tests.factories import make_initiative, make_theme

# The thread reads the database through its own connection: the data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


def slugs(response):
    return [initiative.slug for initiative in response.context["initiatives"]]


def test_the_database_answers_until_the_index_is_built(client, settings, monkeypatch):
    settings.LIST_INDEX_BUILD = "background"
    started = []
    build_in_background = listindex.build_in_background

    def watched(generation):
        thread = build_in_background(generation)
        if thread is not None:
            started.append(thread)
        return thread

    monkeypatch.setattr(listindex, "build_in_background", watched)
    theme = make_theme(slug="education", order=4)
    # Titles of their own: the list is in title order, and the factory's numbered titles sort
    # "Initiative 10" before "Initiative 9".
    make_initiative(slug="first", title_es="Primera", title_en="First", themes=[theme])
    address = "/en/initiatives/?theme=education"

    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert slugs(response) == ["first"]
    assert any("ppci_facet_rows" in query["sql"] for query in queries), "not the database"
    assert len(started) == 1
    started[0].join(timeout=30)
    assert listindex.ListIndex.current() is not None

    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert slugs(response) == ["first"]
    assert not any("ppci_facet_rows" in query["sql"] for query in queries)
    assert len(started) == 1, "built again"

    # A change: the old index no longer answers, the database does, and a new one is built.
    make_initiative(slug="second", title_es="Segunda", title_en="Second", themes=[theme])
    response = client.get(address)
    assert slugs(response) == ["first", "second"]
    assert len(started) == 2
    started[1].join(timeout=30)
    response = client.get(address + "&sort=-updated")
    assert slugs(response) == ["second", "first"]
    assert pagecache.recall(listindex.KEPT_AS, pagecache.generation()) is not None
