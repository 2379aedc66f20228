from django.db import migrations

from casebook.search import drop_index, ensure_index


def forwards(apps, schema_editor):
    ensure_index(schema_editor.connection)


def backwards(apps, schema_editor):
    drop_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("casebook", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
