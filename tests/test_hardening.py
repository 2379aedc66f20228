"""Holes an attacker or an operator finds: bad hosts, odd paths, formulas and line breaks in
data, rate limits behind a proxy, drafts named through filters, staff pages in shared caches,
a published key, malformed values, and a health check for load balancers."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, override_settings

from casebook.corrections import LIMIT_PER_HOUR
from casebook.models import Correction, Initiative
from tests.factories import make_city, make_initiative, make_partner

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("host", ["evil.example", "bad host!", "[::1", "a" * 300])
def test_it_answers_a_bad_host_with_400_in_the_visitor_language(host):
    response = Client(HTTP_HOST=host).get("/es/initiatives/")
    assert response.status_code == 400
    assert "No se pudo procesar esta solicitud" in response.content.decode()


def test_it_builds_language_links_from_the_route_never_from_the_raw_path(client):
    # As a server receives it: the path itself starts with two slashes.
    response = client.get("/", PATH_INFO="//evil.example/es/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "evil.example" not in html
    assert 'href="/en/"' in html


def test_it_keeps_the_language_link_of_a_filtered_list(client):
    html = client.get("/es/initiatives/?theme=education&q=joven").content.decode()
    assert 'href="/en/initiatives/?theme=education&amp;q=joven"' in html


def test_it_neutralises_a_formula_inside_a_cell_of_several_values(client):
    make_initiative(
        partners=[make_partner(name_es="Club"), make_partner(name_es="=1+2", name_en="=1+2")]
    )
    response = client.get("/en/initiatives/export.csv")
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    cell = rows[0]["Partners (roles)"]
    assert "'=1+2" in cell
    assert "; =" not in cell


def test_a_title_is_one_line(client):
    initiative = make_initiative(slug="one-line")
    initiative.title_en = "Title\r\nTY  - JOUR"
    with pytest.raises(ValidationError) as raised:
        initiative.full_clean()
    assert raised.value.error_dict["title_en"][0].code == "line_break"

    # Even a title that got past validation never breaks a citation's lines.
    Initiative.objects.filter(pk=initiative.pk).update(title_en="Title\r\nTY  - JOUR")
    ris = client.get("/en/initiatives/one-line/cite.ris").content.decode()
    assert [line for line in ris.splitlines() if line.startswith("TY  -")] == ["TY  - ELEC"]
    assert "TI  - Title TY - JOUR" in ris


CORRECTION = "/en/initiatives/case/correction/"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_the_correction_limit_counts_the_client_behind_the_proxy_and_only_accepted_posts():
    make_initiative(slug="case")
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    first = Client(HTTP_X_FORWARDED_FOR="203.0.113.1", **proxy)
    for _ in range(LIMIT_PER_HOUR):
        assert first.post(CORRECTION, {"what_is_wrong": ""}).status_code == 400
    for n in range(LIMIT_PER_HOUR):
        response = first.post(CORRECTION, {"what_is_wrong": f"Wrong year {n}."})
        assert response.status_code == 302
    assert first.post(CORRECTION, {"what_is_wrong": "One more."}).status_code == 429

    # Another visitor behind the same proxy is not held back.
    second = Client(HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    assert second.post(CORRECTION, {"what_is_wrong": "Wrong name."}).status_code == 302
    assert Correction.objects.count() == LIMIT_PER_HOUR + 1


def test_a_city_whose_only_case_is_a_draft_is_not_named_to_the_public(client):
    hidden = make_city(slug="ciudad-oculta", name_es="Ciudad Oculta", name_en="Hidden City")
    make_initiative(slug="secret", status="draft", city=hidden)
    make_initiative(slug="public")
    html = client.get("/en/initiatives/?city=ciudad-oculta").content.decode()
    assert "Hidden City" not in html
    assert "Ciudad Oculta" not in html
    assert "“ciudad-oculta” is not a known city" in html


def test_staff_pages_are_never_kept_by_a_shared_cache(client, editor):
    make_initiative(slug="seen")
    client.force_login(editor)
    response = client.get("/en/initiatives/seen/")
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_a_visitor_page_is_not_marked_private(client):
    make_initiative(slug="seen")
    assert "no-store" not in client.get("/en/initiatives/seen/").get("Cache-Control", "")


@pytest.mark.parametrize(
    "key, from_environment, error",
    [
        ("django-insecure-local-only-key-set-SECRET_KEY", True, "ppci.E001"),
        ("a-key-generated-on-this-machine-" + "x" * 40, False, "ppci.E002"),
    ],
)
def test_the_deploy_check_refuses_a_published_or_local_key(key, from_environment, error):
    with (
        override_settings(SECRET_KEY=key, SECRET_KEY_FROM_ENVIRONMENT=from_environment),
        pytest.raises(SystemCheckError) as raised,
    ):
        call_command("check", "--deploy", "--fail-level", "ERROR")
    assert error in str(raised.value)


def test_a_malformed_value_is_shown_back_escaped(client):
    make_initiative()
    html = client.get("/en/initiatives/?year_from=notayear&year_to=<b>1</b>").content.decode()
    assert "“notayear”" in html
    assert "<b>1</b>" not in html
    assert "&lt;b&gt;1&lt;/b&gt;" in html


def test_the_health_check_says_ok(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_the_health_check_says_degraded_when_only_the_cache_fails(client):
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=unreachable):
        response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "down"}
