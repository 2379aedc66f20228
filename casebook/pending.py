"""Changes to published initiatives wait for review.

An editor's save of a published initiative runs as any save does, inside a savepoint; the
initiative and its own rows are then serialised as they would be (as the history stores a
version: ``capture``), the savepoint is rolled back, and what was captured is kept as the
initiative's ``PendingChange``. Every public surface reads the published rows, so it keeps
showing the published version until a reviewer accepts the change (``accept``), after seeing
it field by field (``differences``), or returns it with a comment (``send_back``).
"""

import reversion
from django.core import serializers
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ppci.lib.history import message_comment, own_rows_of, stored_fields

from .models import Initiative, PendingChange, TransitionRefused
from .notifications import notify_pending

# What the workflow owns on the initiative: a change waiting for review never moves these.
WORKFLOW_FIELDS = {"status", "published_at", "review_comment", "submitted_by", "version"}
# Not worth a reviewer's reading: they move on every save.
NOT_SHOWN = WORKFLOW_FIELDS | {"created_at", "updated_at"}


def is_pending_edit(user, initiative):
    """An edit that waits for review: by someone who may not publish, of a published case."""
    return (
        initiative is not None
        and initiative.status == "published"
        and not Initiative.may_publish(user)
    )


def serialise(instance):
    model = type(instance)
    data = serializers.serialize("json", [instance], fields=stored_fields(model))
    return {"model": model._meta.label_lower, "pk": instance.pk, "data": data}


def capture(initiative):
    """The initiative and its own rows as they are now in the database (inside the editor's
    savepoint: as the editor saved them)."""
    initiative = Initiative.objects.get(pk=initiative.pk)
    captured = [serialise(initiative)]
    for model, link in own_rows_of(Initiative).items():
        for row in model._default_manager.filter(**{link: initiative.pk}).order_by("pk"):
            captured.append(serialise(row))
    return captured


def keep(initiative, author, captured):
    pending, _created = PendingChange.objects.update_or_create(
        initiative=initiative,
        defaults={"author": author, "objects_data": captured, "returned_comment": ""},
    )
    return pending


def pending_objects(pending):
    """The captured objects, deserialised (unsaved): (the initiative with its m2m data,
    [own rows])."""
    initiative, rows = None, []
    for item in pending.objects_data:
        (deserialised,) = serializers.deserialize("json", item["data"], ignorenonexistent=True)
        if isinstance(deserialised.object, Initiative):
            initiative = deserialised
        else:
            rows.append(deserialised)
    return initiative, rows


def _shown(instance, field):
    """A field's value as the reviewer reads it: the label of a choice, the name of a linked
    record, a list joined."""
    value = getattr(instance, field.attname)
    if value is None:
        return ""
    if field.is_relation:
        return str(getattr(instance, field.name))
    if isinstance(value, list | tuple):
        return ", ".join(str(getattr(item, "name", item)) for item in value)
    if field.choices:
        try:
            return str(dict(field.flatchoices or ()).get(value, value))
        except TypeError:  # a value that is not a plain key (a country, say)
            pass
    return str(getattr(value, "name", value))


def differences(pending):
    """What the change would change, for the reviewer: [(what, published, proposed)] for the
    initiative's fields and its links, then each own row added, removed or changed."""
    live = pending.initiative
    proposed, rows = pending_objects(pending)
    changes = []
    for name in stored_fields(Initiative):
        field = Initiative._meta.get_field(name)
        if name in NOT_SHOWN:
            continue
        if field.many_to_many and not field.remote_field.through._meta.auto_created:
            continue  # partners: through the partnerships, compared as rows below
        if field.many_to_many:
            before = sorted(str(item) for item in getattr(live, name).all())
            wanted = proposed.m2m_data.get(name, [])
            after = sorted(
                str(item) for item in field.related_model._default_manager.filter(pk__in=wanted)
            )
            if before != after:
                changes.append((field.verbose_name, ", ".join(before), ", ".join(after)))
        elif _shown(live, field) != _shown(proposed.object, field):
            changes.append(
                (field.verbose_name, _shown(live, field), _shown(proposed.object, field))
            )
    for model, link in own_rows_of(Initiative).items():
        current = {row.pk: row for row in model._default_manager.filter(**{link: live.pk})}
        wanted = {row.object.pk: row.object for row in rows if isinstance(row.object, model)}
        label = model._meta.verbose_name
        for pk, row in wanted.items():
            if pk not in current:
                changes.append((label, "", str(row)))
                continue
            fields = [model._meta.get_field(name) for name in stored_fields(model)]
            changed = [
                f"{field.verbose_name}: {_shown(current[pk], field)} → {_shown(row, field)}"
                for field in fields
                if not field.many_to_many and _shown(current[pk], field) != _shown(row, field)
            ]
            if changed:
                changes.append((label, str(current[pk]), f"{row} ({'; '.join(changed)})"))
        for pk, row in current.items():
            if pk not in wanted:
                changes.append((label, str(row), ""))
    return changes


@transaction.atomic
def accept(pending, by):
    """Make the change public: the initiative's fields and links as the editor saved them (its
    workflow fields as they are now), its own rows added, changed and removed to match; one
    revision of the history, by the reviewer."""
    if not Initiative.may_publish(by):
        raise PermissionDenied
    live = Initiative.objects.select_for_update().get(pk=pending.initiative_id)
    proposed, rows = pending_objects(pending)
    with reversion.create_revision():
        for name in stored_fields(Initiative):
            field = Initiative._meta.get_field(name)
            if name in WORKFLOW_FIELDS or field.many_to_many:
                continue
            setattr(live, field.attname, getattr(proposed.object, field.attname))
        live.save()
        for name, keys in proposed.m2m_data.items():
            getattr(live, name).set(keys)
        for model, link in own_rows_of(Initiative).items():
            current = set(
                model._default_manager.filter(**{link: live.pk}).values_list("pk", flat=True)
            )
            wanted = [row.object for row in rows if isinstance(row.object, model)]
            for row in wanted:
                if row.pk not in current:
                    row.pk = None  # a row the editor added: a new one now
                    row._state.adding = True
                setattr(row, link, live.pk)
                row.save()
            kept = {row.pk for row in wanted}
            model._default_manager.filter(pk__in=current - kept).delete()
        reversion.add_to_revision(live)
        reversion.set_user(by)
        author = pending.author.get_username() if pending.author else "—"
        reversion.set_comment(
            message_comment(gettext_noop("Accepted the change by %(author)s."), {"author": author})
        )
    editor = pending.author
    pending.delete()
    notify_pending(live, "accepted", by, editor)
    return live


def send_back(pending, by, comment):
    """Return the change to its editor with what to change; the public version stays."""
    if not Initiative.may_publish(by):
        raise PermissionDenied
    comment = (comment or "").strip()
    if not comment:
        raise TransitionRefused(_("Say what the editor should change."), code="comment_required")
    pending.returned_comment = comment
    pending.save(update_fields=["returned_comment", "saved_at"])
    notify_pending(pending.initiative, "returned", by, pending.author, comment)
