"""The review workflow tells people by e-mail: reviewers when a case enters review, the editor
when it is published or returned. Each message is kept in the outbox with the change, sent
after it commits, and kept and sent again when the mail server fails; links use SITE_URL."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from ppci.lib.models import OutgoingMail
from tests.factories import make_initiative, make_staff, make_theme

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(settings):
    settings.SITE_URL = "https://casebook.example.org"
    editor = make_staff("eva", "Editors")
    editor.email = "eva@example.org"
    editor.save()
    reviewers = []
    for name in ("rafa", "rosa"):
        reviewer = make_staff(name, "Reviewers")
        reviewer.email = f"{name}@example.org"
        reviewer.save()
        reviewers.append(reviewer)
    return editor, reviewers


def case():
    return make_initiative(
        slug="parques", title_es="Parques del Río", title_en="River Parks", status="draft",
        themes=[make_theme()],
    )  # fmt: skip


def test_reviewers_are_told_when_a_case_enters_review(staff, django_capture_on_commit_callbacks):
    editor, _reviewers = staff
    initiative = case()
    with django_capture_on_commit_callbacks(execute=True):
        initiative.send_to_review(by=editor, comment="Ready, I think.")
    (message,) = mail.outbox
    assert sorted(message.to) == ["rafa@example.org", "rosa@example.org"]
    assert message.subject == "En revisión: Parques del Río / In review: River Parks"
    link = f"https://casebook.example.org/admin/casebook/initiative/{initiative.pk}/change/"
    assert link in message.body
    assert "eva sent “River Parks” to review." in message.body
    assert "Ready, I think." in message.body
    assert OutgoingMail.objects.get().sent_at is not None


def test_the_editor_is_told_of_a_return_with_the_comment_and_of_the_publication(
    staff, django_capture_on_commit_callbacks
):
    editor, (reviewer, _other) = staff
    initiative = case()
    initiative.send_to_review(by=editor)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        initiative.return_to_editor(by=reviewer, comment="Name the year it began.")
    (returned,) = mail.outbox
    assert returned.to == ["eva@example.org"]
    assert "Name the year it began." in returned.body
    assert f"/admin/casebook/initiative/{initiative.pk}/change/" in returned.body

    initiative.send_to_review(by=editor)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        initiative.publish(by=reviewer)
    (published,) = mail.outbox
    assert published.to == ["eva@example.org"]
    assert "https://casebook.example.org/es/initiatives/parques/" in published.body
    assert "https://casebook.example.org/en/initiatives/parques/" in published.body


def test_links_come_from_the_site_address_not_the_request_host(
    staff, django_capture_on_commit_callbacks
):
    from tests.support import form_on, log_in

    editor, _reviewers = staff
    initiative = case()
    browser = log_in(editor)  # its requests come to "testserver"
    url = f"/admin/casebook/initiative/{initiative.pk}/change/"
    data = form_on(browser.get(url), "initiative_form")
    data["_send_to_review"] = "Save and send to review"
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post(url, data).status_code == 302
    (message,) = mail.outbox
    assert f"https://casebook.example.org{url}" in message.body
    assert "testserver" not in message.body


def test_a_message_is_stored_before_it_is_sent_and_not_sent_if_the_change_rolls_back(staff):
    editor, _reviewers = staff
    initiative = case()
    with pytest.raises(RuntimeError), transaction.atomic():
        initiative.send_to_review(by=editor)
        assert OutgoingMail.objects.filter(sent_at__isnull=True).count() == 1
        assert mail.outbox == []
        raise RuntimeError("the change fails after the transition")
    assert OutgoingMail.objects.count() == 0
    assert mail.outbox == []


def test_a_failed_send_is_kept_and_sent_again_by_the_command(
    staff, settings, django_capture_on_commit_callbacks, caplog
):
    editor, _reviewers = staff
    settings.EMAIL_BACKEND = "tests.test_notifications.FailingBackend"
    initiative = case()
    with django_capture_on_commit_callbacks(execute=True):
        initiative.send_to_review(by=editor)
    kept = OutgoingMail.objects.get()
    assert kept.sent_at is None
    assert kept.attempts == 1
    assert "ConnectionRefusedError" in kept.last_error
    assert "Could not send e-mail" in caplog.text

    with pytest.raises(SystemExit):
        call_command("send_queued_mail")  # still failing: exits 1 for cron to report
    assert OutgoingMail.objects.get().attempts == 2

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_queued_mail")
    kept.refresh_from_db()
    assert kept.sent_at is not None
    assert len(mail.outbox) == 1
    call_command("send_queued_mail")  # nothing sent twice
    assert len(mail.outbox) == 1


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server refused the connection")
