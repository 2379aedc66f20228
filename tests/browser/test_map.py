"""The world map in a real browser: markers are links a keyboard reaches and a screen reader
names, it fits a 360-pixel phone, it asks nothing of any other site and needs no JavaScript,
and axe finds no WCAG 2.1 AA violation on the pages that show it."""

from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from casebook.models import Initiative

from .pages import DESKTOP, PHONE, axe_violations, describe_violations, dump, page_structure

pytestmark = pytest.mark.django_db(transaction=True)

MAP_PAGES = {
    "home": "/{lang}/",
    "cities": "/{lang}/cities/",
    "list, map opened": "/{lang}/initiatives/?theme=engagement",
}


def open_results_maps(page):
    """The list keeps its map folded under the results line; open it as a reader would."""
    for summary in page.locator("details.results-map > summary").all():
        summary.click()
    page.wait_for_load_state("load")


def test_the_pages_with_the_map_fit_a_phone_and_pass_axe_in_both_languages(
    page, axe_source, live_casebook
):
    call_command("generate_demo_data", initiatives=150, verbosity=0)
    found, problems = {}, []
    for viewport_name, viewport in {"phone": PHONE, "desktop": DESKTOP}.items():
        page.set_viewport_size(viewport)
        for lang in ("es", "en"):
            for name, path in MAP_PAGES.items():
                page.goto(live_casebook.url + path.format(lang=lang))
                open_results_maps(page)
                expect(page.locator(".world-map-markers a").first).to_be_visible()
                violations = axe_violations(page, axe_source)
                if violations:
                    found[(name, lang, viewport_name)] = violations
                shape = page_structure(page)
                if shape["scrollWidth"] > shape["clientWidth"]:
                    problems.append(f"{name} [{lang}, {viewport_name}]: {dump(shape['wide'])}")
                # The markers lie over the outline, which has loaded.
                frame = page.locator(".world-map-frame").first.bounding_box()
                outline = page.locator(".world-map-outline").first
                assert outline.evaluate("(img) => img.complete && img.naturalWidth > 0")
                assert abs(outline.bounding_box()["height"] - frame["height"]) < 2
                assert frame["width"] <= viewport["width"]
    assert not found, "axe-core found violations:\n" + describe_violations(found)
    assert not problems, "scrolls sideways:\n" + "\n".join(problems)


def test_a_marker_is_a_named_link_the_keyboard_reaches_with_a_visible_focus(page, live_casebook):
    page.goto(f"{live_casebook.url}/en/cities/")
    marker = page.get_by_role("link", name="Medellín, Colombia: 1 initiative")
    expect(marker).to_have_count(1)
    assert marker.evaluate("(a) => a.closest('svg') !== null")
    ring = marker.locator(".hit")
    before = ring.evaluate("(c) => getComputedStyle(c).stroke")
    for _ in range(60):
        page.keyboard.press("Tab")
        if marker.evaluate("(a) => a === document.activeElement"):
            break
    expect(marker).to_be_focused()
    assert ring.evaluate("(c) => getComputedStyle(c).stroke") != before
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_casebook.url}/en/cities/medellin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Medellín")


def test_the_map_asks_no_other_site_and_works_without_javascript(new_page, live_casebook):
    page = new_page(java_script_enabled=False)
    page.set_viewport_size(PHONE)
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto(f"{live_casebook.url}/es/initiatives/?sector=private")
    page.locator("details.results-map > summary").click()
    expect(page.locator(".world-map-outline")).to_be_visible()
    cities = (
        Initiative.objects.published()
        .filter(partnerships__partner__sector="private", city__isnull=False)
        .values("city")
        .distinct()
        .count()
    )
    expect(page.locator(".world-map-markers a")).to_have_count(cities)
    assert hosts == {urlsplit(live_casebook.url).netloc}
    page.get_by_role("link", name="São Paulo, Brasil: 1 iniciativa").first.click()
    expect(page).to_have_url(f"{live_casebook.url}/es/initiatives/?sector=private&city=sao-paulo")
    expect(page.locator(".results-line")).to_contain_text("1 iniciativa")
