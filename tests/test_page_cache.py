"""The page cache: public pages come from the cache until anything they show changes."""

import os

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casebook.models import Initiative, Status
from ppci.lib import pagecache
from tests import support
from tests.factories import make_initiative, make_partner, make_theme
from tests.support import change_url, form_on, log_in, redis_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 3600


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


def test_it_serves_a_second_visit_from_the_cache_without_the_database(client):
    make_initiative(slug="kept", title_en="Kept case")
    first, first_queries = queries_for(client, "/en/initiatives/")
    second, second_queries = queries_for(client, "/en/initiatives/")
    assert first_queries > 0
    assert second_queries == 0
    assert "Kept case" in second.content.decode()
    assert second.content == first.content


def test_it_keys_pages_by_language_and_full_query_string(client):
    trust = make_theme(slug="trust", name_en="Trust", name_es="Confianza")
    reach = make_theme(slug="reach", name_en="Reach", name_es="Alcance")
    make_initiative(
        slug="one", title_en="Trusted case", title_es="Caso de confianza", themes=[trust]
    )
    make_initiative(
        slug="two", title_en="Reaching case", title_es="Caso de alcance", themes=[reach]
    )
    pages = {
        url: client.get(url).content.decode()
        for url in (
            "/en/initiatives/?theme=trust",
            "/en/initiatives/?theme=reach",
            "/es/initiatives/?theme=trust",
        )
    }
    assert "Trusted case" in pages["/en/initiatives/?theme=trust"]
    assert "Reaching case" not in pages["/en/initiatives/?theme=trust"]
    assert "Reaching case" in pages["/en/initiatives/?theme=reach"]
    assert "Caso de confianza" in pages["/es/initiatives/?theme=trust"]
    # Served again from the cache, each stays itself.
    assert "Reaching case" in client.get("/en/initiatives/?theme=reach").content.decode()


def test_a_publish_in_the_admin_shows_on_the_next_request(client, reviewer):
    initiative = support.make_initiative(slug="new-case", title="Brand new case")
    assert "Brand new case" not in client.get("/en/initiatives/").content.decode()
    assert client.get("/en/").status_code == 200
    assert client.get("/en/initiatives/new-case/").status_code == 404

    staff = log_in(reviewer)
    data = form_on(staff.get(change_url(initiative)), "initiative_form")
    data["status"] = "published"
    assert staff.post(change_url(initiative), data).status_code == 302

    assert "Brand new case" in client.get("/en/initiatives/").content.decode()
    assert "Brand new case" in client.get("/en/").content.decode()
    assert client.get("/en/initiatives/new-case/").status_code == 200


def test_a_publish_with_the_admin_action_shows_on_the_next_request(client, reviewer):
    initiative = support.make_initiative(slug="new-case", title="Brand new case")
    assert "Brand new case" not in client.get("/en/initiatives/").content.decode()
    staff = log_in(reviewer)
    listing_url = reverse("admin:casebook_initiative_changelist")
    data = form_on(staff.get(listing_url), "changelist-form")
    data.update(action="publish", _selected_action=[initiative.pk], index="0")
    staff.post(listing_url, data)
    assert Initiative.objects.published().filter(pk=initiative.pk).exists()
    assert "Brand new case" in client.get("/en/initiatives/").content.decode()


def test_an_edit_of_a_partner_name_shows_at_once_on_every_page_that_names_it(client):
    partner = make_partner(slug="club", name_en="Old Club Name", name_es="Club Viejo")
    make_initiative(slug="case", title_en="Harbour league", partners=[partner])
    urls = ["/en/initiatives/", "/en/initiatives/case/", "/en/partners/", "/en/partners/club/"]
    for url in urls:
        client.get(url)
    client.get("/en/initiatives/?q=new+club")
    assert "Old Club Name" in client.get("/en/initiatives/case/").content.decode()

    partner.name_en = "New Club Name"
    partner.save()

    for url in ("/en/initiatives/case/", "/en/partners/", "/en/partners/club/"):
        text = client.get(url).content.decode()
        assert "New Club Name" in text, url
        assert "Old Club Name" not in text, url
    # Search reads partner names too: the case is found by the new one.
    assert "Harbour league" in client.get("/en/initiatives/?q=new+club").content.decode()


def test_a_delete_shows_at_once(client):
    make_initiative(slug="gone", title_en="Case to delete")
    assert "Case to delete" in client.get("/en/initiatives/").content.decode()
    assert client.get("/en/initiatives/gone/").status_code == 200

    Initiative.objects.get(slug="gone").delete()

    assert "Case to delete" not in client.get("/en/initiatives/").content.decode()
    assert client.get("/en/initiatives/gone/").status_code == 404


def test_a_change_of_themes_shows_at_once(client):
    trust = make_theme(slug="trust", name_en="Trust")
    initiative = make_initiative(slug="case", title_en="Riverside mentors")
    assert "Riverside mentors" not in client.get("/en/themes/trust/").content.decode()
    initiative.themes.add(trust)
    assert "Riverside mentors" in client.get("/en/themes/trust/").content.decode()


def test_a_change_in_a_transaction_is_not_kept_stale_by_a_read_before_the_commit(
    client, django_capture_on_commit_callbacks
):
    make_initiative(slug="case", title_en="Old title")
    with django_capture_on_commit_callbacks(execute=True):
        Initiative.objects.filter(slug="case").update(title_en="Old title")
        initiative = Initiative.objects.get(slug="case")
        initiative.title_en = "New title"
        initiative.save()
        # A visitor reads the page after the save but before the commit: with the test's
        # single connection they already see the new row, so the point is the generation.
        before_commit = pagecache.generation()
    assert pagecache.generation() != before_commit
    assert "New title" in client.get("/en/initiatives/case/").content.decode()


def test_it_never_serves_or_keeps_pages_for_logged_in_staff(client, admin_client):
    make_initiative(slug="public", title_en="Public case")
    make_initiative(slug="draft", title_en="Draft case", status=Status.DRAFT)
    public_view = client.get("/en/initiatives/").content.decode()
    assert "Draft case" not in public_view

    staff_view, staff_queries = queries_for(admin_client, "/en/initiatives/")
    assert "Draft case" in staff_view.content.decode()
    assert staff_queries > 0
    _again, again_queries = queries_for(admin_client, "/en/initiatives/")
    assert again_queries > 0

    assert "Draft case" not in client.get("/en/initiatives/").content.decode()


def test_it_keeps_no_page_that_carries_a_csrf_token_or_an_error(client):
    make_initiative(slug="case", title_en="Riverside mentors")
    _first, _ = queries_for(client, "/en/initiatives/case/correction/")
    _second, queries = queries_for(client, "/en/initiatives/case/correction/")
    assert queries > 0
    client.get("/en/initiatives/missing/")
    _missing, queries = queries_for(client, "/en/initiatives/missing/")
    assert queries > 0


def test_it_can_be_turned_off(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    make_initiative(slug="case", title_en="Riverside mentors")
    client.get("/en/initiatives/")
    _response, queries = queries_for(client, "/en/initiatives/")
    assert queries > 0


@pytest.fixture
def redis_cache(settings):
    """Django's own Redis backend, as production runs it with REDIS_URL."""
    url = redis_url()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"ppci-test-{os.getpid()}",
        }
    }
    try:
        cache.set("ping", "pong")
    except Exception as error:  # redis-py's ConnectionError, or refused sockets
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"Redis is not reachable at {url}: {error}")
        pytest.skip(f"Redis is not reachable at {url}")
    yield cache
    cache.clear()


def test_it_shows_a_publish_at_once_with_redis_too(client, redis_cache):
    initiative = make_initiative(slug="case", title_en="Redis case", status="draft")
    assert "Redis case" not in client.get("/en/initiatives/").content.decode()
    _page, queries = queries_for(client, "/en/initiatives/")
    assert queries == 1  # whether a change is owed to the cache; the page comes from it
    initiative.status = Status.PUBLISHED
    initiative.save()
    assert "Redis case" in client.get("/en/initiatives/").content.decode()


def test_a_page_asks_the_shared_cache_for_the_generation_once(
    client, redis_cache, settings, monkeypatch
):
    settings.PAGE_CACHE_SECONDS = 0  # each visit a first one: every kept value is asked for
    make_initiative(slug="case", title_en="A case", themes=[make_theme(slug="trust")])
    assert client.get("/en/initiatives/case/").status_code == 200
    asked = []
    backend = caches["default"]
    get = backend.get

    def counting_get(key, *args, **kwargs):
        asked.append(key)
        return get(key, *args, **kwargs)

    monkeypatch.setattr(backend, "get", counting_get)
    assert "A case" in client.get("/en/initiatives/case/").content.decode()
    # The list's index, the terms and the page cache each need it; one round trip serves all.
    assert asked.count(pagecache.GENERATION_KEY) == 1, asked


def test_a_request_that_changes_content_asks_for_the_generation_again(redis_cache):
    pagecache._new_request(sender=None)  # what Django's request_started signal runs
    try:
        before = pagecache.generation()
        assert pagecache.generation() == before
        pagecache.invalidate()
        assert pagecache.generation() != before
    finally:
        pagecache._request_done(sender=None)


def test_with_local_memory_every_process_reads_the_generation_from_one_file(client):
    make_initiative(slug="case", title_en="Before the change")
    assert "Before the change" in client.get("/en/initiatives/case/").content.decode()
    # Another worker process saves a change: this process gets no signal, only the file.
    Initiative.objects.filter(slug="case").update(title_en="Changed by another worker")
    pagecache.generation_file().write_text("moved-on-by-another-process")
    assert "Changed by another worker" in client.get("/en/initiatives/case/").content.decode()


def test_whole_case_book_counts_are_kept_until_something_changes(
    client, django_assert_max_num_queries
):
    from tests.factories import make_theme as theme_factory

    trust = theme_factory(slug="trust", name_en="Trust")
    make_initiative(slug="one", title_en="First case", themes=[trust])
    first = client.get("/en/")  # the page cache is on, so read the counts from the context
    assert first.context["initiative_count"] == 1
    make_initiative(slug="two", title_en="Second case", themes=[trust])
    home = client.get("/en/")
    assert home.context["initiative_count"] == 2
    assert [t.initiative_count for t in home.context["themes"] if t.slug == "trust"] == [2]
    listing = client.get("/en/initiatives/")
    theme_facet = next(f for f in listing.context["facets"] if f["name"] == "theme")
    assert [o["count"] for o in theme_facet["options"] if o["value"] == "trust"] == [2]
    filtered = client.get("/en/initiatives/?theme=trust")
    kept, _ = queries_for(client, "/en/initiatives/?theme=trust&sort=-year")
    assert kept.context["facets"] == filtered.context["facets"]  # counted once, then kept
    Initiative.objects.get(slug="two").delete()
    listing = client.get("/en/initiatives/?sort=-year")
    theme_facet = next(f for f in listing.context["facets"] if f["name"] == "theme")
    assert [o["count"] for o in theme_facet["options"] if o["value"] == "trust"] == [1]
    after = client.get("/en/initiatives/?theme=trust&sort=title")
    theme_facet = next(f for f in after.context["facets"] if f["name"] == "theme")
    assert [o["count"] for o in theme_facet["options"] if o["value"] == "trust"] == [1]


def test_staff_get_counts_with_drafts_never_the_public_ones(client, admin_client):
    make_initiative(slug="public", title_en="Public case")
    make_initiative(slug="draft", title_en="Draft case", status=Status.DRAFT)
    public = client.get("/en/initiatives/?sort=title")
    staff = admin_client.get("/en/initiatives/?sort=-year")
    assert public.context["page"].paginator.count == 1
    assert staff.context["page"].paginator.count == 2
    programming = next(f for f in staff.context["facets"] if f["name"] == "programming")
    assert sum(o["count"] for o in programming["options"]) == 2
    again = client.get("/en/initiatives/?sort=-year")
    programming = next(f for f in again.context["facets"] if f["name"] == "programming")
    assert sum(o["count"] for o in programming["options"]) == 1
