"""Write the whole case book, as staff have left it, as fixtures that load_casebook restores."""

import datetime
import json
from pathlib import Path

from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, transaction

from casebook.models import (
    City,
    Correction,
    Figure,
    Funding,
    Initiative,
    Issue,
    Partnership,
    PendingChange,
    Proposal,
    Source,
    Theme,
)
from partners.models import Partner
from ppci.lib.history import stored_fields

# The files load_casebook reads, in the order it reads them (file-name order).
FILES = [
    ("01_vocabularies.json", [Funding, Issue]),
    ("02_cities.json", [City]),
    ("03_themes.json", [Theme]),
    ("04_partners.json", [Partner]),
    ("05_initiatives.json", [Initiative]),
    ("06_partnerships.json", [Partnership]),
    ("07_figures.json", [Figure]),
    ("08_sources.json", [Source]),
    ("09_corrections.json", [Correction]),
    ("10_proposals.json", [Proposal]),
]
# The models of the case book's apps that a backup leaves out, and why; a test checks that
# every model is in FILES (or linked through one that is) or here.
NOT_BACKED_UP = {
    PendingChange: "an edit waiting for review names rows by this database's keys: settle the "
    "waiting changes before a backup that is meant to be restored elsewhere",
}
# Personal data, blanked with --without-personal-data (a backup to publish or to share).
PERSONAL_FIELDS = {
    Proposal: {
        "proposer_name": "",
        "proposer_role": "",
        "proposer_organisation": "",
        "proposer_email": "",
        "consent": False,
        "client_key": "",
    },
    Correction: {"email": "", "client_key": ""},
}


class ExactEncoder(DjangoJSONEncoder):
    """Django's JSON encoder, but times keep their microseconds, so a restore is exact."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def records(model, using, personal_data=True):
    queryset = model._default_manager.db_manager(using).all()
    # Demo data (generate_demo_data) is not the case book: it is generated again, not kept.
    field_names = {field.name for field in model._meta.get_fields()}
    if "is_demo" in field_names:
        queryset = queryset.exclude(is_demo=True)
    elif "initiative" in field_names:
        queryset = queryset.exclude(initiative__is_demo=True)
    ordering = [*(model._meta.ordering or []), "pk"]
    if model is Initiative:
        ordering = ["slug"]
    written = serializers.serialize(
        "python",
        queryset.order_by(*ordering),
        fields=stored_fields(model),
        use_natural_foreign_keys=True,
        use_natural_primary_keys=True,
    )
    if not personal_data and model in PERSONAL_FIELDS:
        for record in written:
            record["fields"].update(PERSONAL_FIELDS[model])
    return written


class Command(BaseCommand):
    help = (
        "Write everything in the case book (initiatives published and draft, partners, "
        "partnerships, figures, sources, themes, cities, vocabularies, visitors' suggested "
        "corrections and cities' proposals; not demo data) as JSON fixtures in PATH, in the "
        "files and order load_casebook reads. "
        "`load_casebook --directory PATH` restores them into an empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Folder to write the fixtures to (created if missing).")
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Replace the fixtures already in PATH.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--without-personal-data",
            action="store_true",
            help="Blank the contact details of proposers and of those who suggested "
            "corrections (for a backup to publish or to share).",
        )

    def handle(self, *args, path, overwrite, database, without_personal_data, **options):
        directory = Path(path)
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"{directory} is not a folder.")
        existing = sorted(directory.glob("*.json")) if directory.exists() else []
        if existing and not overwrite:
            raise CommandError(
                f"{directory} already holds fixtures ({existing[0].name}…); "
                "choose an empty folder or pass --overwrite."
            )
        ours = {name for name, _models in FILES}
        strangers = [file.name for file in existing if file.name not in ours]
        if strangers:
            raise CommandError(
                f"{directory} holds other JSON files ({', '.join(strangers)}) that "
                "load_casebook would also read; choose an empty folder."
            )
        directory.mkdir(parents=True, exist_ok=True)

        # One consistent snapshot, even while editors keep working.
        with transaction.atomic(using=database):
            contents = {
                name: [
                    record
                    for model in models
                    for record in records(model, database, not without_personal_data)
                ]
                for name, models in FILES
            }
        total = 0
        for name, rows in contents.items():
            target = directory / name
            temporary = target.with_suffix(".json.tmp")
            temporary.write_text(
                json.dumps(rows, ensure_ascii=False, indent=2, cls=ExactEncoder) + "\n",
                encoding="utf-8",
            )
            temporary.replace(target)
            total += len(rows)
        self.stdout.write(
            f"Case book exported to {directory}: {total} records in {len(FILES)} files."
        )
