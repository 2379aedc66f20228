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
from django.utils.translation import gettext as _

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


def in_both(render):
    """``render(language)`` → (subject, body), in Spanish then English."""
    parts = []
    for language in LANGUAGES:
        with translation.override(language):
            parts.append(render(language))
    subject = " / ".join(dict.fromkeys(subject for subject, _body in parts))
    body = "\n\n— — —\n\n".join(body for _subject, body in parts)
    return subject, body


def notify(initiative, transition, by, comment=""):
    def title(language):
        return getattr(initiative, f"title_{language}", "") or initiative.title_es

    if transition == "send_to_review":
        to = [user.email for user in reviewers() if user != by]

        def render(language):
            return (
                _("In review: %(title)s") % {"title": title(language)},
                _("%(who)s sent “%(title)s” to review.")
                % {"who": who(by), "title": title(language)}
                + "\n\n"
                + (f"{comment}\n\n" if comment else "")
                + _("Review it here: %(link)s") % {"link": admin_link(initiative)},
            )

    elif transition in ("publish", "return_to_editor"):
        editor = initiative.submitted_by
        if editor is None or editor == by:
            return None
        to = [editor.email]
        if transition == "publish":

            def render(language):
                return (
                    _("Published: %(title)s") % {"title": title(language)},
                    _("“%(title)s” is public now.") % {"title": title(language)}
                    + "\n\n"
                    + public_link(initiative, language),
                )

        else:

            def render(language):
                return (
                    _("Returned: %(title)s") % {"title": title(language)},
                    _("%(who)s returned “%(title)s” with this comment:")
                    % {"who": who(by), "title": title(language)}
                    + f"\n\n{comment}\n\n"
                    + _("Change it here, then send it to review again: %(link)s")
                    % {"link": admin_link(initiative)},
                )

    else:
        return None
    subject, body = in_both(render)
    return queue_mail(to, subject, body)


def notify_pending(initiative, kind, by, editor=None, comment=""):
    """A change to a published case: ``waiting`` (to reviewers), ``accepted`` or ``returned``
    (to the editor who made it)."""

    def title(language):
        return getattr(initiative, f"title_{language}", "") or initiative.title_es

    if kind == "waiting":
        to = [user.email for user in reviewers() if user != by]

        def render(language):
            return (
                _("Change to review: %(title)s") % {"title": title(language)},
                _(
                    "%(who)s changed the published “%(title)s”; the public sees the published "
                    "version until a reviewer accepts the change."
                )
                % {"who": who(by), "title": title(language)}
                + "\n\n"
                + _("Review it here: %(link)s") % {"link": pending_link(initiative)},
            )

    else:
        if editor is None or editor == by:
            return None
        to = [editor.email]
        if kind == "accepted":

            def render(language):
                return (
                    _("Change published: %(title)s") % {"title": title(language)},
                    _("Your change to “%(title)s” is public now.") % {"title": title(language)}
                    + "\n\n"
                    + public_link(initiative, language),
                )

        else:

            def render(language):
                return (
                    _("Change returned: %(title)s") % {"title": title(language)},
                    _("%(who)s returned your change to “%(title)s” with this comment:")
                    % {"who": who(by), "title": title(language)}
                    + f"\n\n{comment}\n\n"
                    + _("Change it here, then save it again: %(link)s")
                    % {"link": admin_link(initiative)},
                )

    subject, body = in_both(render)
    return queue_mail(to, subject, body)


def pending_link(initiative):
    return settings.SITE_URL + reverse("admin:casebook_initiative_pending", args=[initiative.pk])
