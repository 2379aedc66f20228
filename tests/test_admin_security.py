"""The admin is locked: brute force stopped and logged, strong passwords, staff only, editors
kept from publishing, deleting and users, every change a POST with its CSRF token."""

import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from tests.support import form_on, log_in, make_initiative

LOGIN = "/admin/login/"


def attempt(browser, username, password):
    data = form_on(browser.get(LOGIN), "login-form")
    data.update(username=username, password=password)
    return browser.post(LOGIN, data)


def test_it_locks_the_login_after_five_failures_and_logs_it(editor, caplog):
    browser = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    caplog.set_level(logging.INFO, logger="ppci.security")

    for _ in range(4):
        response = attempt(browser, "eva", "guess")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()
    assert not any("locked" in r.getMessage() for r in caplog.records)

    fifth = attempt(browser, "eva", "guess")
    with_the_right_password = attempt(browser, "eva", PASSWORD)

    for response in (fifth, with_the_right_password):
        assert response.status_code == 429
        body = response.content.decode()
        assert "Login locked" in body
        assert "after 5 failures, logging in is locked" in body
        assert "Try again in 30 minutes" in body
    assert "_auth_user_id" not in browser.session
    assert browser.get("/admin/").status_code == 302  # still not logged in
    lockouts = [r for r in caplog.records if r.name == "ppci.security"]
    assert len(lockouts) >= 1
    message = lockouts[0].getMessage()
    assert lockouts[0].levelname == "WARNING"
    assert "locked after 5 failed attempts" in message
    assert "'eva'" in message and "127.0.0.1" in message


def test_it_shows_the_lockout_in_spanish(editor):
    browser = Client(headers={"accept-language": "es"})
    for _ in range(5):
        response = browser.post(LOGIN, {"username": "eva", "password": "guess"})

    assert response.status_code == 429
    assert "Acceso bloqueado" in response.content.decode()


def test_it_locks_an_address_trying_many_user_names(editor):
    browser = Client()
    for number in range(5):
        browser.post(LOGIN, {"username": f"user{number}", "password": "guess"})

    response = browser.post(LOGIN, {"username": "eva", "password": PASSWORD})

    assert response.status_code == 429


def test_it_lets_the_user_in_again_after_the_cool_off(editor):
    browser = Client()
    for _ in range(5):
        browser.post(LOGIN, {"username": "eva", "password": "guess"})
    assert browser.post(LOGIN, {"username": "eva", "password": PASSWORD}).status_code == 429

    # Half an hour later.
    for record in AccessAttempt.objects.all():
        record.attempt_time -= timedelta(minutes=31)
        record.save()
    response = browser.post(LOGIN, {"username": "eva", "password": PASSWORD})

    assert response.status_code == 302
    assert browser.get("/admin/").status_code == 200


def test_it_refuses_a_weak_password_for_a_new_account(db):
    root = User.objects.create_superuser("root", password=PASSWORD)
    browser = log_in(root)
    add_user = reverse("admin:auth_user_add")
    data = form_on(browser.get(add_user), "user_form")
    data.update(username="nuevo", password1="12345678", password2="12345678")

    response = browser.post(add_user, data)

    body = response.content.decode()
    assert response.status_code == 200
    assert "This password is too short. It must contain at least 12 characters." in body
    assert "This password is too common." in body
    assert "This password is entirely numeric." in body
    assert not User.objects.filter(username="nuevo").exists()


def test_it_keeps_a_logged_in_visitor_who_is_not_staff_out_of_the_admin(db):
    visitor = User.objects.create_user("visitor", password=PASSWORD)
    browser = Client()
    browser.force_login(visitor)

    response = browser.get("/admin/casebook/initiative/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        "/admin/auth/group/",
    ],
)
def test_it_keeps_an_editor_away_from_the_accounts(editor, url):
    browser = log_in(editor)

    response = browser.get(url)

    assert response.status_code == 403


def test_it_keeps_an_editor_from_changing_their_own_account(editor):
    browser = log_in(editor)

    response = browser.post(
        reverse("admin:auth_user_change", args=[editor.pk]),
        {"username": "eva", "is_superuser": "on", "is_staff": "on"},
    )

    editor.refresh_from_db()
    assert response.status_code == 403
    assert not editor.is_superuser


def test_it_keeps_an_editor_from_deleting_with_a_post(editor):
    initiative = make_initiative()
    browser = log_in(editor)
    data = form_on(browser.get(reverse("admin:casebook_initiative_changelist")), "changelist-form")
    data.update(action="delete_selected", _selected_action=[str(initiative.pk)], post="yes")

    browser.post(reverse("admin:casebook_initiative_changelist"), data)

    assert type(initiative).objects.filter(pk=initiative.pk).exists()


def test_it_refuses_a_change_posted_without_its_csrf_token(editor):
    initiative = make_initiative(title="Parques del Río")
    browser = log_in(editor)
    change = reverse("admin:casebook_initiative_change", args=[initiative.pk])
    data = form_on(browser.get(change), "initiative_form")
    data["title_es"] = "Cambiado sin token"
    del data["csrfmiddlewaretoken"]

    response = browser.post(change, data)

    initiative.refresh_from_db()
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()
    assert initiative.title_es == "Parques del Río"


def test_it_changes_nothing_on_a_get_to_the_delete_page(db):
    root = User.objects.create_superuser("root", password=PASSWORD)
    initiative = make_initiative()
    browser = log_in(root)

    response = browser.get(reverse("admin:casebook_initiative_delete", args=[initiative.pk]))

    assert response.status_code == 200
    assert "Are you sure" in response.content.decode()
    assert type(initiative).objects.filter(pk=initiative.pk).exists()


def test_it_locks_the_client_not_the_proxy_behind_a_trusted_proxy(editor, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = Client(HTTP_X_FORWARDED_FOR="203.0.113.9")
    colleague = Client(HTTP_X_FORWARDED_FOR="198.51.100.7")
    for number in range(5):
        attacker.post(LOGIN, {"username": f"user{number}", "password": "guess"})

    assert attacker.post(LOGIN, {"username": "root", "password": "guess"}).status_code == 429
    assert colleague.post(LOGIN, {"username": "eva", "password": PASSWORD}).status_code == 302
