"""Load the case book from ``fixtures/``: atomically, idempotently, by natural keys."""

import json
from pathlib import Path

import reversion
from django.conf import settings
from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, transaction
from django.utils.translation import gettext_noop

from ppci.lib.history import message_comment, own_rows_of, record_revision


class FixtureRecordError(Exception):
    def __init__(self, path, index, record, error):
        model = record.get("model", "?") if isinstance(record, dict) else "?"
        key = ""
        if isinstance(record, dict):
            fields = record.get("fields") or {}
            key = fields.get("slug") or fields.get("key") or record.get("pk") or ""
        where = f"{path.name}, record {index + 1} ({model}{' ' + str(key) if key else ''})"
        super().__init__(f"{where}: {error}")


def fixture_files(directory):
    return sorted(Path(directory).glob("*.json"))


def load_records(path):
    try:
        with open(path, encoding="utf-8") as handle:
            records = json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CommandError(f"{path.name}: not a readable JSON fixture: {error}") from error
    if not isinstance(records, list):
        raise CommandError(f"{path.name}: a fixture is a JSON list of records")
    return records


def same_values(existing, incoming, field_names):
    for name in field_names:
        field = existing._meta.get_field(name)
        if field.value_from_object(existing) != field.value_from_object(incoming):
            return False
    return True


def stated_timestamps(instance, named):
    """The record's own creation and update times, which saving would replace with now."""
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.name in named
        and (getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))
    }


def keep_timestamps(instance, stamps, using):
    if stamps:
        type(instance)._default_manager.db_manager(using).filter(pk=instance.pk).update(**stamps)
        for attname, value in stamps.items():
            setattr(instance, attname, value)


def save_record(path, index, record, using):
    """Create or update one record; return "created", "updated" or "unchanged"."""
    if not isinstance(record, dict) or "model" not in record:
        raise FixtureRecordError(path, index, record, "a record needs a “model”")
    try:
        (deserialized,) = serializers.deserialize(
            "json",
            json.dumps([record]),
            using=using,
            handle_forward_references=True,
        )
    except (serializers.base.DeserializationError, LookupError, ValueError) as error:
        raise FixtureRecordError(path, index, record, error) from error

    incoming = deserialized.object
    model = type(incoming)
    opts = model._meta
    deferred = {field.name for field in (deserialized.deferred_fields or {})}
    named = [
        name
        for name in record.get("fields", {})
        if not opts.get_field(name).many_to_many and name not in deferred
    ]
    existing = model._default_manager.db_manager(using).filter(pk=incoming.pk).first()
    # A backup made by export_casebook states when each row was created and last updated.
    stamps = stated_timestamps(incoming, named)

    try:
        if existing is None:
            incoming.full_clean(exclude=deferred or None, validate_unique=False)
            incoming.save(using=using)
            keep_timestamps(incoming, stamps, using)
            instance, outcome = incoming, "created"
        else:
            m2m_same = all(
                set(values) == set(getattr(existing, name).values_list("pk", flat=True))
                for name, values in deserialized.m2m_data.items()
            )
            if same_values(existing, incoming, named) and m2m_same:
                return existing, deserialized, "unchanged"
            for name in named:
                field = opts.get_field(name)
                setattr(existing, field.attname, getattr(incoming, field.attname))
            existing.full_clean(exclude=deferred or None, validate_unique=False)
            existing.save(using=using)
            keep_timestamps(existing, stamps, using)
            instance, outcome = existing, "updated"
        for name, values in deserialized.m2m_data.items():
            getattr(instance, name).set(values)
    except (ValidationError, DatabaseError, ValueError, TypeError) as error:
        message = "; ".join(
            f"{field}: {' '.join(messages)}"
            for field, messages in getattr(error, "message_dict", {"": [str(error)]}).items()
        )
        raise FixtureRecordError(path, index, record, message) from error
    return instance, deserialized, outcome


def resolve_forward_references(path, index, record, deserialized, instance, using):
    """Set the links that pointed at records later in the load (a theme's example case)."""
    changed = False
    for field, value in deserialized.deferred_fields.items():
        manager = field.remote_field.model._default_manager.db_manager(using)
        keys = value if field.many_to_many else [value]
        try:
            targets = [manager.get_by_natural_key(*key) for key in keys]
        except ObjectDoesNotExist as error:
            raise FixtureRecordError(
                path, index, record, f"{field.name} refers to {value!r}, which does not exist"
            ) from error
        if field.many_to_many:
            getattr(instance, field.name).add(*targets)
            continue
        target = targets[0]
        if getattr(instance, field.attname) != target.pk:
            setattr(instance, field.attname, target.pk)
            changed = True
    if changed:
        instance.save(using=using)
    return changed


def record_history(instances, comment, using):
    """One revision in the history of each record loaded or changed, holding that record and
    its own rows (an initiative's partnerships, figures and sources), nothing else: going back
    to it changes no other record."""
    owners = {}
    for instance in instances:
        owner = instance
        for model, link in own_rows_by_model().items():
            if isinstance(instance, model):
                owner = getattr(instance, link.removesuffix("_id"))
        if reversion.is_registered(type(owner)):
            owners[(type(owner), owner.pk)] = owner
    for owner in owners.values():
        record_revision(owner, comment, using=using)


def own_rows_by_model():
    """Row model → the link to the record it belongs to, over every model with history."""
    return {
        row_model: link
        for model in reversion.get_registered_models()
        for row_model, link in own_rows_of(model).items()
    }


class Command(BaseCommand):
    help = (
        "Load the case book (themes, cities, partners, initiatives, figures, sources) from "
        "every fixture under fixtures/, in file-name order. Records are matched by natural "
        "key, so loading twice changes nothing; a broken file changes nothing at all."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory",
            default=str(settings.BASE_DIR / "fixtures"),
            help="Folder of JSON fixtures (default: the project's fixtures/).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, directory, database, **options):
        files = fixture_files(directory)
        if not files:
            raise CommandError(f"No fixtures found in {directory}")
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        try:
            with transaction.atomic(using=database):
                pending, touched = [], []
                for path in files:
                    for index, record in enumerate(load_records(path)):
                        instance, deserialized, outcome = save_record(path, index, record, database)
                        counts[outcome] += 1
                        if outcome != "unchanged":
                            touched.append(instance)
                        if deserialized.deferred_fields:
                            pending.append((path, index, record, deserialized, instance))
                for path, index, record, deserialized, instance in pending:
                    if resolve_forward_references(
                        path, index, record, deserialized, instance, database
                    ):
                        touched.append(instance)
                loaded = message_comment(
                    gettext_noop("Loaded by load_casebook from %(folder)s/"),
                    {"folder": Path(directory).name},
                )
                record_history(touched, loaded, database)
        except FixtureRecordError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            "Case book loaded from {files} files: {created} created, {updated} updated, "
            "{unchanged} unchanged.".format(files=len(files), **counts)
        )
