"""E-mails of the review workflow: reviewers are told when a case enters review; the editor
who sent it, when it is published or returned (with the comment). Each is kept in the outbox
with the change and sent after it commits (``ppci.lib.outbox``); links are built from
``SITE_URL``, never from a request's Host. Staff read both languages, Spanish first."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ppci.lib.outbox import queue_mail

LANGUAGES = ("es", "en")


def reviewers():
    """Active staff who may publish: by a group, by their own permission, or as superusers."""
    permission = Permission.objects.filter(
        codename="publish_initiative", content_type__app_label="casebook"
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__in=permission)
            | Q(user_permissions__in=permission)
        )
        .distinct()
    )


def admin_link(initiative):
    return settings.SITE_URL + reverse("admin:casebook_initiative_change", args=[initiative.pk])


def public_link(initiative, language):
    with translation.override(language):
        return settings.SITE_URL + initiative.get_absolute_url()


def who(user):
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


# Each message: who gets it ("reviewers", or "editor": who made the case or the change), its
# subject, its opening sentence, whether the comment follows, and where its link leads.
MESSAGES = {
    "send_to_review": (
        "reviewers",
        _("In review: %(title)s"),
        _("%(who)s sent “%(title)s” to review."),
        _("Review it here: %(link)s"),
        "admin",
    ),
    "publish": (
        "editor",
        _("Published: %(title)s"),
        _("“%(title)s” is public now."),
        None,
        "public",
    ),
    "return_to_editor": (
        "editor",
        _("Returned: %(title)s"),
        _("%(who)s returned “%(title)s” with this comment:"),
        _("Change it here, then send it to review again: %(link)s"),
        "admin",
    ),
    "change_waiting": (
        "reviewers",
        _("Change to review: %(title)s"),
        _(
            "%(who)s changed the published “%(title)s”; the public sees the published "
            "version until a reviewer accepts the change."
        ),
        _("Review it here: %(link)s"),
        "pending",
    ),
    "change_accepted": (
        "editor",
        _("Change published: %(title)s"),
        _("Your change to “%(title)s” is public now."),
        None,
        "public",
    ),
    "change_returned": (
        "editor",
        _("Change returned: %(title)s"),
        _("%(who)s returned your change to “%(title)s” with this comment:"),
        _("Change it here, then save it again: %(link)s"),
        "admin",
    ),
}


def tell(kind, initiative, by, editor=None, comment=""):
    """Keep the message ``kind`` (see MESSAGES) about ``initiative`` in the outbox, in Spanish
    then English; nobody is told of their own move."""
    audience, subject, opening, closing, link = MESSAGES[kind]
    if audience == "reviewers":
        to = [user.email for user in reviewers() if user != by]
    elif editor is None or editor == by:
        return None
    else:
        to = [editor.email]

    def render(language):
        title = getattr(initiative, f"title_{language}", "") or initiative.title_es
        place = {
            "admin": admin_link(initiative),
            "pending": pending_link(initiative),
        }.get(link) or public_link(initiative, language)
        lines = [opening % {"who": who(by), "title": title}]
        if comment:
            lines.append(comment)
        lines.append(closing % {"link": place} if closing else place)
        return str(subject) % {"title": title}, "\n\n".join(lines)

    return mail_in_both(to, render)


def mail_in_both(to, render):
    """Keep one message in the outbox, in Spanish then English: ``render(language)`` gives
    that language's (subject, body), called with the language active."""
    parts = []
    for language in LANGUAGES:
        with translation.override(language):
            parts.append(render(language))
    subject = " / ".join(dict.fromkeys(subject for subject, _body in parts))
    body = "\n\n— — —\n\n".join(body for _subject, body in parts)
    return queue_mail(to, subject, body)


def notify(initiative, transition, by, comment=""):
    """A transition of ``initiative`` (see ``Initiative.move``)."""
    if transition in MESSAGES:
        return tell(transition, initiative, by, initiative.submitted_by, comment)
    return None


def notify_pending(initiative, kind, by, editor=None, comment=""):
    """A change to a published case: ``waiting``, ``accepted`` or ``returned``."""
    return tell(f"change_{kind}", initiative, by, editor, comment)


def pending_link(initiative):
    return settings.SITE_URL + reverse("admin:casebook_initiative_pending", args=[initiative.pk])
