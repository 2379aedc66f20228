import pytest
from django.core.cache import cache
from django.test import Client

from casebook.corrections import LIMIT_PER_HOUR
from casebook.models import Correction
from tests.factories import make_initiative

pytestmark = pytest.mark.django_db

URL = "/en/initiatives/case/correction/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def initiative():
    return make_initiative(slug="case", title_en="The case")


def csrf_client():
    """A client that, like a browser, must send the token it was given."""
    client = Client(enforce_csrf_checks=True)
    page = client.get(URL)
    token = page.context["csrf_token"]
    return client, str(token)


def test_it_stores_a_suggestion_and_thanks_the_visitor(initiative):
    client, token = csrf_client()
    response = client.post(
        URL,
        {
            "what_is_wrong": "The year is 2008.",
            "source": "Annual report",
            "email": "",
            "website": "",
            "csrfmiddlewaretoken": token,
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    correction = Correction.objects.get()
    assert correction.initiative == initiative
    assert correction.what_is_wrong == "The year is 2008."
    assert correction.language == "en"


def test_it_never_shows_a_suggestion_to_the_public(initiative, client):
    Correction.objects.create(initiative=initiative, what_is_wrong="<b>SECRET NOTE</b>")
    for url in ("/en/initiatives/case/", "/es/initiatives/case/", "/en/initiatives/"):
        assert "SECRET NOTE" not in client.get(url).content.decode()


def test_it_refuses_a_post_without_the_csrf_token(initiative):
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, {"what_is_wrong": "x"})
    assert response.status_code == 403
    assert not Correction.objects.exists()


def test_it_explains_what_is_missing(initiative, client):
    response = client.post(URL, {"what_is_wrong": "", "email": "not-an-address"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "This field is required." in text
    assert "Enter a valid email address." in text
    assert not Correction.objects.exists()


def test_it_drops_what_a_bot_sends_through_the_honeypot(initiative, client):
    response = client.post(URL, {"what_is_wrong": "Buy now", "website": "http://spam"})
    assert response.status_code == 302
    assert not Correction.objects.exists()


def test_it_limits_suggestions_per_client(initiative, client):
    for n in range(LIMIT_PER_HOUR):
        assert client.post(URL, {"what_is_wrong": f"Note {n}"}).status_code == 302
    response = client.post(URL, {"what_is_wrong": "One too many"})
    assert response.status_code == 429
    assert "Too many suggestions" in response.content.decode()
    assert Correction.objects.count() == LIMIT_PER_HOUR
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(URL, {"what_is_wrong": "From elsewhere"}).status_code == 302


def test_it_takes_no_suggestion_for_a_draft(client):
    make_initiative(slug="case", status="draft")
    assert client.post(URL, {"what_is_wrong": "x"}).status_code == 404


def test_it_shows_the_form_on_its_own_page_linked_from_the_case(initiative, client):
    case = client.get("/en/initiatives/case/").content.decode()
    assert f'href="{URL}"' in case
    assert "csrfmiddlewaretoken" not in case
    page = client.get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    assert "About “The case”." in text
    assert 'name="what_is_wrong"' in text
    assert "csrfmiddlewaretoken" in text


def test_it_answers_405_to_other_methods(initiative, client):
    assert client.put(URL).status_code == 405
    assert client.delete(URL).status_code == 405


def test_staff_see_suggestions_in_the_admin(initiative, admin_client):
    Correction.objects.create(initiative=initiative, what_is_wrong="The year is 2008.")
    response = admin_client.get("/admin/casebook/correction/")
    assert response.status_code == 200
    assert "The year is 2008." in response.content.decode()
