import json
import re
import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction

from tests import support

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


def counts():
    return {
        model._meta.label: model.objects.count()
        for app in ("casebook", "partners")
        for model in apps.get_app_config(app).get_models()
    }


def test_it_loads_the_whole_case_book(casebook):
    loaded = counts()
    assert loaded["casebook.Initiative"] == 9
    assert loaded["casebook.Theme"] == 5
    assert loaded["partners.Partner"] >= 20
    assert loaded["casebook.Figure"] >= 15


def test_loading_twice_changes_nothing(casebook, capsys):
    before = counts()
    call_command("load_casebook")
    assert counts() == before
    assert "0 created, 0 updated" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ('[{"model": "casebook.city", "fields": {"slug": "x"', "not a readable JSON fixture"),
        ('{"model": "casebook.city"}', "a JSON list of records"),
        (
            '[{"model": "partners.partner", "fields": {"slug": "bad-kind", "name_es": "Mal",'
            ' "sector": "public", "kind": "sports-team"}}]',
            "record 1 (partners.partner bad-kind): kind:",
        ),
        (
            '[{"model": "casebook.partnership", "fields": {"initiative": ["ruta-n"],'
            ' "partner": ["nobody"], "role": "lead"}}]',
            "record 1 (casebook.partnership): Error deserializing object: Partnership has no"
            " partner",
        ),
        ('[{"model": "casebook.nothing", "fields": {}}]', "record 1 (casebook.nothing)"),
    ],
)
def test_a_broken_fixture_names_the_file_and_record_and_changes_nothing(
    tmp_path, db, broken, message
):
    for path in FIXTURES.glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "99_broken.json").write_text(broken, encoding="utf-8")
    before = counts()
    with pytest.raises(CommandError) as error:
        call_command("load_casebook", directory=str(tmp_path))
    assert "99_broken.json" in str(error.value)
    assert message in str(error.value)
    assert counts() == before


def test_a_changed_fixture_updates_only_what_changed(casebook, tmp_path):
    for path in FIXTURES.glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    initiatives = tmp_path / "05_initiatives.json"
    records = json.loads(initiatives.read_text(encoding="utf-8"))
    for record in records:
        if record["fields"]["slug"] == "ruta-n":
            record["fields"]["title_en"] = "Ruta N (Medellín)"
    initiatives.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    Initiative = apps.get_model("casebook", "Initiative")
    untouched = Initiative.objects.get(slug="gcerf").updated_at
    call_command("load_casebook", directory=str(tmp_path))
    assert Initiative.objects.get(slug="ruta-n").title_en == "Ruta N (Medellín)"
    assert Initiative.objects.get(slug="gcerf").updated_at == untouched


# The city centres the map draws, as GeoNames gives them (geonames.org, its feature id):
# true, checkable positions, to four decimals.
CITY_CENTRES = {
    "boston": ("42.3584", "-71.0598"),  # 4930956
    "bromley": ("51.4061", "0.0152"),  # 2654588
    "leicester": ("52.6386", "-1.1317"),  # 2644668
    "medellin": ("6.2450", "-75.5715"),  # 3674962
    "memphis": ("35.1495", "-90.0490"),  # 4641239
    "peterborough": ("52.5736", "-0.2478"),  # 2640354
    "sao-paulo": ("-23.5475", "-46.6361"),  # 3448439
    "murcia": ("37.9870", "-1.1300"),  # 2513416
}


def test_every_city_of_the_case_book_has_its_centre_and_loading_again_keeps_it(casebook):
    City = apps.get_model("casebook", "City")
    cities = {city.slug: city for city in City.objects.all()}
    for slug, city in cities.items():
        assert city.latitude is not None and city.longitude is not None, slug
    for slug, (latitude, longitude) in CITY_CENTRES.items():
        assert (str(cities[slug].latitude), str(cities[slug].longitude)) == (latitude, longitude)
    call_command("load_casebook", verbosity=0)
    again = dict(City.objects.values_list("slug", "latitude"))
    assert again == {slug: city.latitude for slug, city in cities.items()}


def test_the_case_book_written_back_for_a_test_is_what_loading_writes(
    django_assert_max_num_queries, capsys
):
    """Tests get the case book from `tests.support.load_casebook`, which loads it for real once
    and from then on writes back the rows that load wrote. Written back, it must be exactly
    what loading writes: loading for real on top of it finds every record as it would write it."""
    with transaction.atomic():
        support.load_casebook()  # for real, unless an earlier test loaded from the same rows
        loaded = counts()
        transaction.set_rollback(True)
    with django_assert_max_num_queries(100):  # written back, not some 2,000 queries
        support.load_casebook()
    assert counts() == loaded
    call_command("load_casebook")
    assert counts() == loaded
    assert re.search(r" 0 created, 0 updated, [1-9]\d* unchanged", capsys.readouterr().out)
