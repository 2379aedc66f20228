"""Every kind of page carries the full set of security headers, with the policy the Mozilla
HTTP Observatory grades A+; errors are friendly pages in both languages and never a traceback;
the production settings pass ``check --deploy``."""

import json
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from tests.factories import make_city, make_initiative, make_partner, make_theme

pytestmark = pytest.mark.django_db

ONE_YEAR = 31536000


@pytest.fixture
def site():
    theme = make_theme(slug="trust-building", order=1)
    city = make_city(slug="boston", country="US")
    partner = make_partner(slug="brand")
    make_initiative(slug="impact", themes=[theme], partners=[partner], city=city, country="US")
    make_initiative(slug="other", themes=[theme], partners=[partner], city=city, country="US")


# Every page type: (path, status). The portal's own pages in both languages, its exports,
# feeds, files at the root, its error pages, the admin and a static file.
PAGES = [
    ("/{lang}/", 200),
    ("/{lang}/initiatives/", 200),
    ("/{lang}/initiatives/?q=parque&theme=trust-building&sort=title", 200),
    ("/{lang}/initiatives/impact/", 200),
    ("/{lang}/initiatives/impact/cite.bib", 200),
    ("/{lang}/initiatives/impact/cite.ris", 200),
    ("/{lang}/initiatives/export.csv", 200),
    ("/{lang}/initiatives/export.json", 200),
    ("/{lang}/initiatives/export-figures.csv", 200),
    ("/{lang}/initiatives/export.xlsx", 200),
    ("/{lang}/initiatives/datapackage.json", 200),
    ("/{lang}/initiatives/export.json?country=zz-not-a-country", 400),
    ("/{lang}/partners/", 200),
    ("/{lang}/partners/brand/", 200),
    ("/{lang}/themes/", 200),
    ("/{lang}/themes/trust-building/", 200),
    ("/{lang}/cities/", 200),
    ("/{lang}/cities/boston/", 200),
    ("/{lang}/guide/", 200),
    ("/{lang}/network/", 200),
    ("/{lang}/compare/?i=impact&i=other", 200),
    ("/{lang}/accessibility/", 200),
    ("/{lang}/feed/", 200),
    ("/{lang}/no-such-page/", 404),
    ("/{lang}/initiatives/?q=" + "x" * 3000, 400),
    ("/", 302),
    ("/sitemap.xml", 200),
    ("/robots.txt", 200),
    ("/admin/login/", 200),
    ("/admin/", 302),
]
PAGE_IDS = [path.split("?")[0] + ("?…" if "?" in path else "") for path, _status in PAGES]


def directives(response):
    """The Content-Security-Policy as {directive: [sources]}."""
    policy = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        policy[name] = sources
    return policy


def get(client, path, lang="en"):
    return client.get(path.format(lang=lang), secure=True, headers={"accept-language": lang})


@pytest.fixture(params=PAGES, ids=PAGE_IDS)
def page(request, client, site):
    path, status = request.param
    response = get(client, path)
    assert response.status_code == status, path
    return response


def test_it_sends_hsts_for_a_year_with_subdomains(page):
    assert page["Strict-Transport-Security"] == f"max-age={ONE_YEAR}; includeSubDomains; preload"


def test_it_sends_a_strict_content_security_policy(page):
    policy = directives(page)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


def test_it_forbids_sniffing_framing_and_cross_origin_openers(page):
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["X-Frame-Options"] == "DENY"
    assert page["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert page["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in page["Permissions-Policy"]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_it_keeps_the_public_pages_free_of_inline_script_and_style(client, site, lang):
    for path, status in PAGES:
        if path.startswith(("/admin", "/sitemap", "/robots")) or status == 302:
            continue
        response = get(client, path, lang)
        if "html" not in response["Content-Type"]:
            continue
        body = response.content.decode()
        # A JSON-LD data block runs nothing; it is the only <script> a page may hold, and its
        # JSON cannot close the element early.
        blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)
        for block in blocks:
            json.loads(block)
            assert "<" not in block, path
        body = re.sub(r'<script type="application/ld\+json">.*?</script>', "", body, flags=re.S)
        assert "<style" not in body, path
        assert " style=" not in body, path
        # The only script elements are schema.org data (JSON-LD), which no browser runs.
        scripts = re.findall(r"<script\b[^>]*>", body)
        assert all(tag == '<script type="application/ld+json">' for tag in scripts), path
        assert " onclick=" not in body and " onload=" not in body, path


def test_it_marks_every_cookie_secure_httponly_and_samesite(client, site):
    staff = User.objects.create_user("ana", password="correct horse battery staple", is_staff=True)
    responses = [
        get(client, "/es/initiatives/impact/"),  # the correction form sets the CSRF cookie
        get(client, "/admin/login/"),
    ]
    responses.append(
        client.post(
            "/admin/login/",
            {"username": staff.username, "password": "correct horse battery staple"},
            secure=True,
        )
    )
    cookies = [morsel for response in responses for morsel in response.cookies.values()]

    assert {morsel.key for morsel in cookies} >= {"csrftoken", "sessionid"}
    for morsel in cookies:
        assert morsel["secure"] is True, morsel.key
        assert morsel["httponly"] is True, morsel.key
        assert morsel["samesite"] == "Lax", morsel.key


def test_it_sends_plain_http_to_https(client, site, settings):
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/es/initiatives/")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/es/initiatives/"


# Friendly error pages.


@pytest.mark.parametrize(
    "lang, heading, advice",
    [
        ("es", "Página no encontrada", "Ir a la página de inicio"),
        ("en", "Page not found", "Go to the home page"),
    ],
)
def test_it_answers_a_missing_page_with_a_friendly_page_in_its_language(
    client, db, lang, heading, advice
):
    response = get(client, "/{lang}/initiatives/no-such-initiative/", lang)

    body = response.content.decode()
    assert response.status_code == 404
    assert f"<h1>{heading}</h1>" in body
    assert advice in body
    assert "Traceback" not in body and "URLconf" not in body


@pytest.mark.urls("tests.error_urls")
def test_it_answers_a_server_error_in_both_languages_without_a_traceback(db):
    client = Client(raise_request_exception=False)

    response = client.get("/broken/", secure=True)

    body = response.content.decode()
    assert response.status_code == 500
    assert "Algo ha fallado en el servidor" in body
    assert "Something went wrong on the server" in body
    assert "Traceback" not in body
    assert "hunter2" not in body and "RuntimeError" not in body
    assert directives(response)["default-src"] == ["'self'"]


# Production settings.


def deploy_check(**environment):
    # A production environment: the database, and nothing left over from the test process
    # (the browser tests, for one, allow async-unsafe calls in it).
    env = {key: os.environ[key] for key in ("PATH", "HOME", "DATABASE_URL") if key in os.environ}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_the_deployment_checks_with_production_settings():
    result = deploy_check(
        SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="casebook.example.org"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_it_fails_the_deployment_checks_with_debug_on():
    result = deploy_check(DEBUG="1", SECRET_KEY=secrets.token_urlsafe(50))

    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG on in deployment


def test_it_serves_the_admin_pages_under_the_same_strict_policy(client, site):
    admin = User.objects.create_superuser("root", password="correct horse battery staple")
    client.force_login(admin)
    initiative = "/admin/casebook/initiative/"
    pk = client.get(initiative, secure=True).context["cl"].result_list[0].pk

    for path in [
        "/admin/",
        initiative,
        f"{initiative}add/",
        f"{initiative}{pk}/change/",
        f"{initiative}{pk}/history/",
        f"{initiative}recover/",
        "/admin/auth/user/add/",
    ]:
        response = client.get(path, secure=True)
        assert response.status_code == 200, path
        policy = directives(response)
        assert policy["script-src"] == ["'self'"], path
        assert policy["style-src"] == ["'self'"], path
        assert policy["frame-ancestors"] == ["'none'"], path
        assert response["Strict-Transport-Security"].startswith(f"max-age={ONE_YEAR}"), path
