"""What visitors do on the portal, in the browser, with JavaScript on and off.

Every public page promises to work without JavaScript, so each visitor journey runs twice.
"""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from casebook.models import Initiative

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["javascript on", "javascript off"])
def visitor(request, new_page):
    return new_page(java_script_enabled=request.param == "javascript on")


def results_count(page):
    """The number in the results heading: “3 initiatives”, “3 iniciativas”."""
    text = page.locator(".results-line").inner_text()
    return int(re.match(r"\s*(\d+)", text).group(1))


def filter_option(page, facet, option):
    """A filter checkbox, found as a visitor finds it: by its group and its label."""
    return page.get_by_role("group", name=facet).get_by_label(re.compile(rf"^{option} \("))


def test_it_finds_ruta_n_by_searching_medellin_without_accent(visitor, live_casebook):
    page = visitor
    page.goto(f"{live_casebook.url}/es/")
    page.get_by_label("Buscar en las iniciativas").fill("medellin")
    page.get_by_role("button", name="Buscar").click()
    expect(page).to_have_url(re.compile(r"/es/initiatives/\?q=medellin"))
    expect(page.locator(".results-line")).to_contain_text("1 iniciativa coincide con “medellin”")
    page.get_by_role("link", name="Ruta N").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ruta N")
    figures = page.get_by_role("table")
    expect(figures).to_contain_text("380")
    expect(figures).to_contain_text("1991")


def test_it_filters_by_theme_and_sector_and_removes_a_filter_chip(visitor, live_casebook):
    page = visitor
    published = Initiative.objects.published()
    messaging = published.filter(themes__slug="messaging")
    both = messaging.filter(partners__sector="private").distinct()
    private = published.filter(partners__sector="private").distinct()
    assert both.count() < private.count()  # removing the theme chip must show more

    page.goto(f"{live_casebook.url}/en/initiatives/")
    filter_option(page, "Work theme", "Messaging").check()
    filter_option(page, "Partner sector", "Private").check()
    page.get_by_role("button", name="Apply filters").click()

    expect(page.get_by_role("link", name="Red Card to Crime")).to_be_visible()
    expect(page.locator(".card")).to_have_count(both.count())
    assert results_count(page) == both.count()
    community_with_messaging = messaging.filter(partners__sector="community").distinct()
    expect(page.locator("label[for=f-sector-community] .count")).to_have_text(
        f"({community_with_messaging.count()})"
    )

    page.get_by_role("link", name=re.compile(r"Work theme: Messaging")).click()
    expect(page.locator(".card")).to_have_count(private.count())
    assert results_count(page) == private.count()
    expect(page.get_by_role("link", name=re.compile(r"Partner sector: Private"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"Work theme: Messaging"))).to_have_count(0)
    expect(filter_option(page, "Work theme", "Messaging")).not_to_be_checked()
    expect(filter_option(page, "Partner sector", "Private")).to_be_checked()
    # The counts beside the options now count without the theme.
    community = published.filter(partners__sector="community").distinct()
    expect(page.locator("label[for=f-sector-community] .count")).to_have_text(
        f"({community.count()})"
    )
    expect(page.locator("label[for=f-theme-messaging] .count")).to_have_text(f"({both.count()})")


def test_it_keeps_the_filters_when_switching_language(visitor, live_casebook):
    page = visitor
    page.goto(f"{live_casebook.url}/es/initiatives/?theme=messaging&sector=private")
    count = results_count(page)
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/en/initiatives/\?theme=messaging&sector=private$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Initiatives")
    expect(page.locator("#f-theme-messaging")).to_be_checked()
    expect(page.locator("#f-sector-private")).to_be_checked()
    assert results_count(page) == count
    page.get_by_role("link", name="Español").click()
    expect(page).to_have_url(re.compile(r"/es/initiatives/\?theme=messaging&sector=private$"))
    expect(page.get_by_role("link", name="Sácale tarjeta roja al delito")).to_be_visible()


def test_it_compares_two_cases_and_downloads_the_filtered_list_as_csv(visitor, live_casebook):
    page = visitor
    page.goto(f"{live_casebook.url}/en/initiatives/")
    page.get_by_label("Compare Ruta N").check()
    page.get_by_label("Compare Red Card to Crime").check()
    page.get_by_role("button", name="Compare the selected initiatives").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare initiatives")
    expect(page.locator("table thead th")).to_have_count(2)
    assert sorted(page.locator("table thead th").all_inner_texts()) == [
        "Red Card to Crime",
        "Ruta N",
    ]
    expect(page.get_by_role("row", name=re.compile(r"^Place"))).to_contain_text("Medellín")
    expect(page.get_by_role("row", name=re.compile(r"^Place"))).to_contain_text("Bromley")

    page.goto(f"{live_casebook.url}/en/initiatives/?theme=messaging")
    titles = page.locator(".card-title").all_inner_texts()
    with page.expect_download() as download_info:
        page.locator(".downloads").get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    assert sorted(row["Title"] for row in rows) == sorted(titles)
    assert all("messaging" in row["Work theme codes"] for row in rows)
