"""An editor's change to a published case waits for a reviewer: every public surface keeps the
published version until the reviewer, who sees the difference field by field, accepts it."""

import json
import re

import pytest
from django.core import mail
from django.urls import reverse

from casebook.models import Figure, Initiative, Partnership, PendingChange
from partners.models import Partner
from tests.factories import make_initiative, make_partner, make_theme
from tests.support import form_on, log_in, sitemap_text

pytestmark = pytest.mark.django_db

OLD, NEW = "Riverside mentors", "Riverside mentors and coaches"


@pytest.fixture
def published(db):
    police = make_partner(slug="city-police", name_en="City Police", sector="public", kind="police")
    return make_initiative(
        slug="riverside",
        title_en=OLD,
        title_es="Mentores de la ribera",
        themes=[make_theme(slug="messaging", order=5)],
        partners=[police],
        figures=1,
    )


def public_surfaces(client):
    """What a visitor and a researcher get, as text, from every public surface."""
    pages = {
        "page": client.get("/en/initiatives/riverside/").content.decode(),
        "list": client.get("/en/initiatives/").content.decode(),
        "search": client.get("/en/initiatives/?q=coaches").content.decode(),
        "facets": client.get("/en/initiatives/?sector=community").content.decode(),
        "csv": b"".join(client.get("/en/initiatives/export.csv").streaming_content).decode(),
        "json": b"".join(client.get("/en/initiatives/export.json").streaming_content).decode(),
        "feed": client.get("/en/feed/").content.decode(),
        "sitemap": sitemap_text(client),
        "compare": client.get("/en/compare/?i=riverside&i=neighbour").content.decode(),
        "related": client.get("/en/initiatives/neighbour/").content.decode(),
    }
    data = json.loads(pages["json"])["results"]
    return pages, data


def edit_as_editor(editor, initiative, club):
    """Title, a partner swapped for another, and a figure's value, through the admin form."""
    browser = log_in(editor)
    url = reverse("admin:casebook_initiative_change", args=[initiative.pk])
    page = browser.get(url).content.decode()
    assert "what you save waits for a reviewer" in page
    data = form_on(browser.get(url), "initiative_form")
    data["title_en"] = NEW
    (partner_field,) = [name for name in data if name.endswith("-0-partner")]
    data[partner_field] = [str(club.pk)]
    (value_field,) = [name for name in data if re.fullmatch(r"figures-0-value", name)]
    data[value_field] = ["4321"]
    response = browser.post(url, data, follow=True)
    assert response.status_code == 200
    assert "is kept for review" in response.content.decode()
    return browser


def test_the_public_keeps_the_published_version_until_a_reviewer_accepts(
    client, editor, reviewer, published, django_capture_on_commit_callbacks
):
    club = make_partner(
        slug="youth-club", name_en="Youth Club", sector="community", kind="youth-group"
    )
    make_initiative(slug="neighbour", title_en="Neighbour", themes=list(published.themes.all()))
    reviewer.email = "rafa@example.org"
    reviewer.save()
    with django_capture_on_commit_callbacks(execute=True):
        edit_as_editor(editor, published, club)

    published.refresh_from_db()
    assert published.title_en == OLD
    assert list(published.partnerships.values_list("partner__slug", flat=True)) == ["city-police"]
    assert Figure.objects.get(initiative=published).value == 10
    pages, data = public_surfaces(client)
    assert OLD in pages["page"] and NEW not in pages["page"]
    assert "City Police" in pages["page"] and "Youth Club" not in pages["page"]
    assert "4,321" not in pages["page"]
    assert "Riverside mentors" in pages["list"] and NEW not in pages["list"]
    assert "riverside" not in pages["search"]
    assert "/en/initiatives/riverside/" not in pages["facets"]
    assert OLD in pages["csv"] and NEW not in pages["csv"] and "Youth Club" not in pages["csv"]
    assert sorted(row["title"] for row in data) == ["Neighbour", OLD]
    assert NEW not in pages["feed"]
    assert "/en/partners/youth-club/" not in pages["sitemap"]
    assert OLD in pages["compare"] and NEW not in pages["compare"]
    assert "City Police" in pages["compare"] and "Youth Club" not in pages["compare"]
    assert OLD in pages["related"] and NEW not in pages["related"]
    # The reviewers are told.
    (told,) = mail.outbox
    assert told.to == ["rafa@example.org"]
    assert f"/admin/casebook/initiative/{published.pk}/pending/" in told.body

    # The reviewer finds it in the queue and sees the difference, field by field.
    as_reviewer = log_in(reviewer)
    assert "1 initiative waits for review" in as_reviewer.get("/admin/").content.decode()
    queue = as_reviewer.get(reverse("admin:casebook_initiative_changelist") + "?review=waiting")
    assert OLD in queue.content.decode()
    review_url = reverse("admin:casebook_initiative_pending", args=[published.pk])
    review = as_reviewer.get(review_url).content.decode()
    assert OLD in review and NEW in review
    assert "City Police" in review and "Youth Club" in review
    assert "10.00 → 4321.00" in review

    form = form_on(as_reviewer.get(review_url), "pending-accept-form")
    form["accept"] = "Accept and publish the change"
    assert as_reviewer.post(review_url, form).status_code == 302

    published.refresh_from_db()
    assert published.title_en == NEW
    assert list(published.partnerships.values_list("partner__slug", flat=True)) == ["youth-club"]
    assert Figure.objects.get(initiative=published).value == 4321
    assert not PendingChange.objects.exists()
    pages, data = public_surfaces(client)
    assert NEW in pages["page"] and "Youth Club" in pages["page"]
    assert "4,321" in pages["page"]
    assert "riverside" in pages["search"]
    assert "/en/initiatives/riverside/" in pages["facets"]
    assert NEW in pages["csv"] and "Youth Club" in pages["csv"]
    assert sorted(row["title"] for row in data) == ["Neighbour", NEW]
    assert NEW in pages["feed"]
    assert "/en/partners/youth-club/" in pages["sitemap"]
    assert NEW in pages["compare"] and "Youth Club" in pages["compare"]
    assert NEW in pages["related"]
    assert Initiative.objects.get(pk=published.pk).partner_sectors != 0


def test_a_returned_change_carries_the_comment_to_its_editor(
    client, editor, reviewer, published, django_capture_on_commit_callbacks
):
    club = make_partner(
        slug="youth-club", name_en="Youth Club", sector="community", kind="youth-group"
    )
    editor.email = "eva@example.org"
    editor.save()
    as_editor = edit_as_editor(editor, published, club)
    as_reviewer = log_in(reviewer)
    review_url = reverse("admin:casebook_initiative_pending", args=[published.pk])

    form = form_on(as_reviewer.get(review_url), "pending-return-form")
    form["return"] = "Return to the editor"
    refused = as_reviewer.post(review_url, form)
    assert refused.status_code == 200
    assert "Say what the editor should change." in refused.content.decode()

    form["comment"] = "Keep the police: they still take part."
    with django_capture_on_commit_callbacks(execute=True):
        assert as_reviewer.post(review_url, form).status_code == 302
    (told,) = mail.outbox
    assert told.to == ["eva@example.org"]
    assert "Keep the police: they still take part." in told.body
    url = reverse("admin:casebook_initiative_change", args=[published.pk])
    page = as_editor.get(url).content.decode()
    assert "Your change was returned by a reviewer" in page
    assert "Keep the police: they still take part." in page
    # Nothing of it reached the public, and the queue no longer lists it.
    assert OLD in client.get("/en/initiatives/riverside/").content.decode()
    assert "0 initiatives wait for review" in as_reviewer.get("/admin/").content.decode()
    assert Partnership.objects.filter(initiative=published, partner__slug="city-police").exists()


def test_a_reviewers_own_edit_goes_live_at_once(client, reviewer, published):
    browser = log_in(reviewer)
    url = reverse("admin:casebook_initiative_change", args=[published.pk])
    data = form_on(browser.get(url), "initiative_form")
    data["title_en"] = NEW
    assert browser.post(url, data).status_code == 302
    assert NEW in client.get("/en/initiatives/riverside/").content.decode()
    assert not PendingChange.objects.exists()
    assert Partner.objects.count() == 1


def test_an_editor_cannot_accept_or_return_a_change(editor, published):
    club = make_partner(
        slug="youth-club", name_en="Youth Club", sector="community", kind="youth-group"
    )
    edit_as_editor(editor, published, club)
    browser = log_in(editor)
    review_url = reverse("admin:casebook_initiative_pending", args=[published.pk])
    assert browser.get(review_url).status_code == 403
    token = browser.get(reverse("admin:index")).context["csrf_token"]
    response = browser.post(review_url, {"csrfmiddlewaretoken": str(token), "accept": "yes"})
    assert response.status_code == 403
    published.refresh_from_db()
    assert published.title_en == OLD
