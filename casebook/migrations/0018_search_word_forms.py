"""Search finds partners by their kind (“equipo deportivo”, “football”) and, on SQLite, by
word forms: every initiative's search document is written again, and SQLite's index is made
anew with its column of stems."""

from django.db import migrations

from casebook.search import document, drop_index, ensure_index


def write_documents_again(apps, schema_editor):
    Initiative = apps.get_model("casebook", "Initiative")
    Partnership = apps.get_model("casebook", "Partnership")
    partners = {}
    rows = Partnership.objects.select_related("partner").order_by("initiative_id", "order", "pk")
    for partnership in rows.iterator(chunk_size=2000):
        partners.setdefault(partnership.initiative_id, []).append(partnership.partner)
    changed = []
    for initiative in Initiative.objects.select_related("city").iterator(chunk_size=2000):
        text = document.build(initiative, partners.get(initiative.pk, []))
        if text != initiative.search_document:
            initiative.search_document = text
            changed.append(initiative)
    Initiative.objects.bulk_update(changed, ["search_document"], batch_size=500)


def index_again(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        drop_index(connection)  # the old index had no column of stems
    ensure_index(connection)


class Migration(migrations.Migration):
    dependencies = [("casebook", "0017_figure_help_and_defaults")]

    operations = [
        migrations.RunPython(index_again, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(write_documents_again, migrations.RunPython.noop, elidable=True),
    ]
