# Joins the evidence, the place names' sort order, the cities' coordinates and the word forms.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("casebook", "0018_evidence_levels_and_activity"),
        ("casebook", "0018_facts_initiative_sort_titles"),
        ("casebook", "0018_map_city_coordinates"),
        ("casebook", "0018_search_word_forms"),
    ]

    operations = [
    ]
