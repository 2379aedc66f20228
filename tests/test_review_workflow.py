"""Review before anything goes public: draft → in review → published, returned with a comment,
unpublished; each move one method, allowed per role on the server and kept in the history."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation
from reversion.models import Version

from casebook.models import TRANSITIONS, Initiative, Status, TransitionRefused
from ppci.lib.history import describe_change
from tests.factories import make_initiative, make_theme
from tests.support import form_on, log_in

pytestmark = pytest.mark.django_db

EVERY_STATE = [status.value for status in Status]

# Who may run each transition: editors only send to review; reviewers may do everything.
EDITOR_MAY = {"send_to_review"}
REVIEWER_MAY = set(TRANSITIONS)
# From which states each transition leads somewhere.
SOURCES = {
    "send_to_review": {"draft", "returned", "unpublished"},
    "publish": {"draft", "review", "returned", "unpublished"},
    "return_to_editor": {"review"},
    "unpublish": {"published"},
}
TARGETS = {
    "send_to_review": "review",
    "publish": "published",
    "return_to_editor": "returned",
    "unpublish": "unpublished",
}


def case_in(status):
    return make_initiative(status=status, themes=[make_theme()])


@pytest.mark.parametrize("name", sorted(TRANSITIONS))
@pytest.mark.parametrize("status", EVERY_STATE)
@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_each_transition_is_allowed_or_refused_by_role_and_state(request, role, status, name):
    user = request.getfixturevalue(role)
    case = case_in(status)
    may = name in (EDITOR_MAY if role == "editor" else REVIEWER_MAY)
    if not may:
        with pytest.raises(PermissionDenied):
            case.move(name, user, "A comment.")
    elif status == TARGETS[name]:
        assert case.move(name, user, "A comment.") is False
    elif status in SOURCES[name]:
        assert case.move(name, user, "A comment.") is True
    else:
        with pytest.raises(TransitionRefused):
            case.move(name, user, "A comment.")
    stored = Initiative.objects.get(pk=case.pk)
    moved = may and status in SOURCES[name]
    assert stored.status == (TARGETS[name] if moved else status)
    assert (stored in Initiative.objects.published()) == (stored.status == "published")


@pytest.mark.parametrize("name", sorted(TRANSITIONS))
@pytest.mark.parametrize("status", EVERY_STATE)
@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_each_transition_through_the_admin_as_a_browser_posts(request, role, status, name):
    """The list's actions (the form's status for a return, with its comment), posted with the
    CSRF token: what the role and the state allow happens, nothing else."""
    user = request.getfixturevalue(role)
    case = case_in(status)
    browser = log_in(user)
    if name == "return_to_editor":
        url = change_url(case)
        data = form_on(browser.get(url), "initiative_form")
        # An editor's form has no status: the post carries one anyway, as a forged one would.
        data["status"] = "returned"
        data["review_comment"] = "Name the partners."
        assert browser.post(url, data).status_code in (200, 302)
    else:
        listing = reverse("admin:casebook_initiative_changelist")
        data = form_on(browser.get(listing), "changelist-form")
        data.update(action=name, _selected_action=[str(case.pk)], index="0")
        assert browser.post(listing, data).status_code == 302
    may = name in (EDITOR_MAY if role == "editor" else REVIEWER_MAY)
    moved = may and status in SOURCES[name]
    stored = Initiative.objects.get(pk=case.pk)
    assert stored.status == (TARGETS[name] if moved else status)
    assert (stored in Initiative.objects.published()) == (stored.status == "published")


def test_a_return_needs_a_comment_and_the_history_keeps_who_and_why(editor, reviewer):
    with translation.override("en"):
        case = case_in("draft")
        assert case.send_to_review(by=editor)
        with pytest.raises(TransitionRefused):
            case.return_to_editor(by=reviewer, comment="  ")
        assert Initiative.objects.get(pk=case.pk).status == "review"
        assert case.return_to_editor(by=reviewer, comment="Add the year it started.")
    case.refresh_from_db()
    assert (case.status, case.review_comment) == ("returned", "Add the year it started.")
    with translation.override("en"):
        revisions = [
            (version.revision.user.username, describe_change(version.revision.comment))
            for version in Version.objects.get_for_object(case).order_by("pk")
        ]
    assert revisions == [
        ("eva", "Sent to review."),
        ("rafa", "Returned to the editor. Add the year it started."),
    ]


def change_url(case):
    return reverse("admin:casebook_initiative_change", args=[case.pk])


def test_an_editor_and_a_reviewer_take_a_case_through_review_in_the_admin(editor, reviewer, client):
    """As a browser posts, with the CSRF token: the editor sends a draft to review, the
    reviewer returns it with a comment, the editor sees it, fixes and sends it again, the
    reviewer publishes. The public sees it only then."""
    case = case_in("draft")
    public = f"/en/initiatives/{case.slug}/"
    as_editor, as_reviewer = log_in(editor), log_in(reviewer)

    page = as_editor.get(change_url(case)).content.decode()
    assert 'name="_send_to_review"' in page
    data = form_on(as_editor.get(change_url(case)), "initiative_form")
    data["_send_to_review"] = "Save and send to review"
    assert as_editor.post(change_url(case), data).status_code == 302
    assert Initiative.objects.get(pk=case.pk).status == "review"
    assert client.get(public).status_code == 404

    # The reviewer finds it in the queue on the admin's index.
    index = as_reviewer.get(reverse("admin:index")).content.decode()
    assert "1 initiative waits for review" in index
    queue = as_reviewer.get(reverse("admin:casebook_initiative_changelist") + "?review=waiting")
    assert case.title in queue.content.decode()

    data = form_on(as_reviewer.get(change_url(case)), "initiative_form")
    data["status"] = "returned"
    refused = as_reviewer.post(change_url(case), data)
    assert refused.status_code == 200
    assert "Say what the editor should change." in refused.content.decode()
    data["review_comment"] = "Name the partners' roles."
    assert as_reviewer.post(change_url(case), data).status_code == 302
    assert Initiative.objects.get(pk=case.pk).status == "returned"

    page = as_editor.get(change_url(case)).content.decode()
    assert "Returned by a reviewer" in page
    assert "Name the partners&#x27; roles." in page
    data = form_on(as_editor.get(change_url(case)), "initiative_form")
    assert "review_comment" not in data  # the editor reads it, and cannot change it
    data["title_en"] = "Roles named"
    data["_send_to_review"] = "Save and send to review"
    assert as_editor.post(change_url(case), data).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.title_en) == ("review", "Roles named")

    data = form_on(as_reviewer.get(change_url(case)), "initiative_form")
    data["status"] = "published"
    assert as_reviewer.post(change_url(case), data).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.review_comment) == ("published", "")
    assert client.get(public).status_code == 200
    assert (
        "0 initiatives wait for review" in as_reviewer.get(reverse("admin:index")).content.decode()
    )


def test_an_editor_sees_no_queue_and_cannot_publish_through_the_form(editor):
    case = case_in("review")
    as_editor = log_in(editor)
    assert "wait for review" not in as_editor.get(reverse("admin:index")).content.decode()
    data = form_on(as_editor.get(change_url(case)), "initiative_form")
    data["status"] = "published"
    assert as_editor.post(change_url(case), data).status_code == 302
    assert Initiative.objects.get(pk=case.pk).status == "review"


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_published_cases_published_and_drafts_drafts():
    """From before the workflow to now: every status a case had is the same after."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("casebook", "0011_initiative_partner_masks")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("casebook")
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        Initiative_then = old.get_model("casebook", "Initiative")
        common = {"summary_es": "Un resumen.", "country": "ES", "programming": "explicit"}
        Initiative_then.objects.create(slug="was-public", title_es="Pública", status="published",
                                       published_at="2020-01-01T00:00:00Z", **common)  # fmt: skip
        Initiative_then.objects.create(slug="was-draft", title_es="Borrador", status="draft",
                                       **common)  # fmt: skip
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
    statuses = dict(Initiative.objects.values_list("slug", "status"))
    assert statuses == {"was-public": "published", "was-draft": "draft"}
    assert list(Initiative.objects.published().values_list("slug", flat=True)) == ["was-public"]
