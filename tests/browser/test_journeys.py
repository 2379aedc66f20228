import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_finds_ruta_n_by_searching_medellin_without_accent(page, live_casebook):
    page.goto(f"{live_casebook.url}/es/")
    page.get_by_label("Buscar en las iniciativas").fill("medellin")
    page.get_by_role("button", name="Buscar").click()
    expect(page).to_have_url(re.compile(r"/es/initiatives/\?q=medellin"))
    page.get_by_role("link", name="Ruta N").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ruta N")
    figures = page.get_by_role("table")
    expect(figures).to_contain_text("380")
    expect(figures).to_contain_text("1991")


def test_it_keeps_the_filters_when_switching_language(page, live_casebook):
    page.goto(f"{live_casebook.url}/es/initiatives/?theme=messaging&sector=private")
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/en/initiatives/\?theme=messaging&sector=private$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Initiatives")
    expect(page.locator("#f-theme-messaging")).to_be_checked()


def test_it_filters_with_the_form_with_javascript_off(no_js_page, live_casebook):
    page = no_js_page
    page.goto(f"{live_casebook.url}/en/initiatives/")
    page.locator("#f-theme-messaging").check()
    page.locator("#f-sector-private").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("link", name="Red Card to Crime")).to_be_visible()
    filtered = page.locator(".card").count()
    expect(page.locator(".results-line")).to_contain_text(f"{filtered} initiative")
    community_before = page.locator("label[for=f-sector-community] .count").inner_text()
    page.get_by_role("link", name=re.compile(r"Partner sector: Private")).click()
    expect(page.locator("#f-sector-private")).not_to_be_checked()
    expect(page.locator("#f-theme-messaging")).to_be_checked()
    assert page.locator(".card").count() >= filtered
    # the community count no longer requires a private partner too
    community_after = page.locator("label[for=f-sector-community] .count").inner_text()
    assert int(community_after.strip("()")) >= int(community_before.strip("()"))
