"""The history of every change (django-reversion): what is stored of a record, the rows that
belong to it, and the admin that shows the history and goes back in it.

A record's stored fields are every field, with each language in its own column (``title_es``,
``title_en``) rather than modeltranslation's language-less original, and without the fields
rebuilt on every save; the backup (export_casebook) stores the same.
"""

import json
import re

import reversion
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext
from modeltranslation.admin import TranslationAdmin
from modeltranslation.translator import NotRegistered, translator
from reversion.admin import VersionAdmin
from reversion.models import Version

# Rebuilt from the other fields on every save.
DERIVED_FIELDS = {
    "search_document",
    "search_name",
    "sort_name_es",
    "sort_name_en",
    "sort_title_es",
    "sort_title_en",
    "partner_sectors",
    "partner_kinds",
    "evidence_levels",
    "figure_methods",
}


def stored_fields(model):
    try:
        translated = set(translator.get_options_for_model(model).fields)
    except NotRegistered:
        translated = set()
    opts = model._meta
    return [
        field.name
        for field in [*opts.local_fields, *opts.local_many_to_many]
        if not field.primary_key
        and field.name not in translated
        and field.name not in DERIVED_FIELDS
    ]


# Model → {model of its own rows: the field of those rows that links them to it}.
_own_rows = {}


def keep_history(model, follow=()):
    """Record every save of ``model`` made in a revision (each admin save is one), with the
    rows named in ``follow`` (reverse relations: an initiative's partnerships, say), which
    belong to it: a deleted record comes back with them, and reverting it reverts them."""
    reversion.register(model, fields=stored_fields(model), follow=follow)
    relations = [model._meta.get_field(name) for name in follow]
    _own_rows[model] = {relation.related_model: relation.field.attname for relation in relations}


def own_rows_of(model):
    return _own_rows.get(model, {})


def record_revision(instance, comment, user=None, using=None):
    """One revision holding ``instance`` and its own rows, as they are now (``comment``: best
    a ``message_comment``, shown in the reader's language)."""
    with reversion.create_revision(using=using):
        reversion.add_to_revision(instance, model_db=using)
        reversion.set_comment(comment)
        if user is not None:
            reversion.set_user(user)


def translate_label(label):
    """A field's label as Django stores it in a change message (in English, "Description
    [en]" for a field's English column), in the reader's language."""
    match = re.fullmatch(r"(.*?)( \[[a-z]{2}\])?", label)
    base, suffix = match.group(1), match.group(2) or ""
    for msgid in (base, base[:1].lower() + base[1:]):
        translated = gettext(msgid)
        if translated != msgid:
            return capfirst(translated) + suffix
    return label


def message_comment(msgid, values=None, extra=""):
    """A revision comment kept as its message in English (``msgid``, marked for translation
    where it is written) with its values and any text a person added, to be shown in the
    language of whoever reads the history (``describe_change``)."""
    return json.dumps({"message": str(msgid), "values": values or {}, "extra": extra})


def describe_change(comment):
    """A revision's comment (Django's change message) in the reader's language: the field
    names translated, and each row named as it is named in that language where the message
    kept it (``HistoryAdmin.construct_change_message``)."""
    try:
        message = json.loads(comment)
    except (TypeError, ValueError):
        return comment
    if isinstance(message, dict) and isinstance(message.get("message"), str):
        text = gettext(message["message"])
        if message.get("values"):
            text = text % message["values"]
        return f"{text} {message['extra']}" if message.get("extra") else text
    if not isinstance(message, list):
        return comment
    reader = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    for entry in message:
        for part in entry.values() if isinstance(entry, dict) else ():
            if not isinstance(part, dict):
                continue
            names = part.get("objects")
            if isinstance(names, dict) and names.get(reader):
                part["object"] = names[reader]
            if isinstance(part.get("fields"), list):
                part["fields"] = [translate_label(str(field)) for field in part["fields"]]
    return LogEntry(change_message=json.dumps(message)).get_change_message()


class HistoryAdmin(VersionAdmin, TranslationAdmin):
    """Every save is a revision (who, when, the change message); History lists them, and a
    deleted record can be recovered with what it contained.

    Going back is held to the same rules as going forward: reverting is for those who may
    make every change it implies (``may_revert``), recovering a deleted record is un-deleting
    it (``may_recover``), and either applies only to a revision that holds this record and its
    own rows, nothing else.
    """

    history_latest_first = True
    # "Recover deleted …" is offered only to those who may recover.
    change_list_template = "admin/history_change_list.html"

    def may_revert(self, request):
        return self.has_change_permission(request)

    def may_recover(self, request):
        return self.has_delete_permission(request) and self.has_add_permission(request)

    def recoverlist_view(self, request, extra_context=None):
        if not self.may_recover(request):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not self.may_recover(request):
            raise PermissionDenied
        self._check_revision_scope(version_id)
        return super().recover_view(request, version_id, extra_context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        if not self.may_revert(request):
            raise PermissionDenied
        self._check_revision_scope(version_id)
        return super().revision_view(request, object_id, version_id, extra_context)

    def _check_revision_scope(self, version_id):
        """Refuse a version of another model, or one whose revision holds other records: going
        back to it would change (or delete) them too."""
        version = Version.objects.filter(pk=version_id).select_related("revision").first()
        if version is None:
            raise Http404
        if version.content_type.model_class() is not self.model:
            raise PermissionDenied
        own = own_rows_of(self.model)
        for other in version.revision.version_set.exclude(pk=version.pk):
            model = other.content_type.model_class()
            if model not in own or str(other.field_dict.get(own[model])) != version.object_id:
                raise PermissionDenied

    def construct_change_message(self, request, form, formsets, add=False):
        """Django's message (written in English), with each added, changed or deleted row
        also named in every language, for the history to show in the reader's."""
        message = super().construct_change_message(request, form, formsets, add)
        rows = [
            row
            for formset in formsets or []
            for row in [
                *formset.new_objects,
                *(changed for changed, _fields in formset.changed_objects),
                *formset.deleted_objects,
            ]
        ]
        parts = [part for entry in message for part in entry.values() if "object" in part]
        for part, row in zip(parts, rows, strict=False):
            names = {}
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    names[code] = str(row)
            part["objects"] = names
        return message

    # django-reversion keeps the message as text, in the language of whoever saved; keep
    # Django's structured message instead, to show in the reader's language.

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        if reversion.is_active() and entry.change_message.startswith("["):
            reversion.set_comment(entry.change_message)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if reversion.is_active() and entry.change_message.startswith("["):
            reversion.set_comment(entry.change_message)
        return entry

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        for action in getattr(response, "context_data", {}).get("action_list", []):
            action["comment"] = describe_change(action["revision"].comment)
        return response

    def changelist_view(self, request, extra_context=None):
        # Not one revision for the whole list: each action records its own, object by object.
        extra_context = {**(extra_context or {}), "may_recover": self.may_recover(request)}
        return super(VersionAdmin, self).changelist_view(request, extra_context)
