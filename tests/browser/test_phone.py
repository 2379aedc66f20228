"""A city official on a 360 × 740 phone: nothing wider than the screen, the results before the
filters, tables read without sideways scrolling, and the filters usable without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from .pages import DESKTOP, LANGUAGES, PHONE, dump

pytestmark = pytest.mark.django_db(transaction=True)

COMPARE_TWO = "/compare/?i=ruta-n&i=one-service-peterborough"
COMPARE_FOUR = "/compare/?i=ruta-n&i=one-service-peterborough&i=peace-squares-sulamerica&i=gcerf"
PAGES = {
    "list": "/initiatives/",
    "filtered list": "/initiatives/?theme=messaging&sector=private",
    "Ruta N": "/initiatives/ruta-n/",
    "One Service": "/initiatives/one-service-peterborough/",
    "compare, two cases": COMPARE_TWO,
    "compare, four cases": COMPARE_FOUR,
    "compare, choosing": "/compare/",
    "correction form": "/initiatives/ruta-n/correction/",
}
TABLE_PAGES = ("Ruta N", "One Service", "compare, two cases", "compare, four cases")


def too_wide(page):
    """Every visible element that reaches past either edge of the window."""
    return page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter((el) => !el.closest(".visually-hidden, .skip-link, .honeypot"))
            .filter((el) => {
                const box = el.getBoundingClientRect();
                return box.width > 1 && (box.right > window.innerWidth + 1 || box.left < -1);
            })
            .slice(0, 5)
            .map((el) => `${el.tagName.toLowerCase()}.${el.className}: `
                + el.textContent.trim().slice(0, 40))"""
    )


def clipped_cells(page):
    """Table cells whose text does not fit them, or that lie outside the window."""
    return page.evaluate(
        """() => [...document.querySelectorAll("main th, main td")]
            .filter((cell) => {
                const box = cell.getBoundingClientRect();
                return box.width > 1 && box.height > 1;  // shown (a hidden header row is not)
            })
            .filter((cell) => {
                const box = cell.getBoundingClientRect();
                return cell.scrollWidth > cell.clientWidth || box.left < -1
                    || box.right > window.innerWidth + 1;
            })
            .map((cell) => `${cell.tagName.toLowerCase()}: ${cell.textContent.trim().slice(0, 40)}`
                + ` (${cell.scrollWidth} > ${cell.clientWidth})`)"""
    )


def first_result_top(page):
    return page.locator(".card-title").first.bounding_box()["y"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_nothing_is_wider_than_a_360px_phone(new_page, live_casebook, language):
    page = new_page(viewport=PHONE)
    problems = []
    for name, path in PAGES.items():
        response = page.goto(f"{live_casebook.url}/{language}{path}")
        assert response.status == 200, f"{name}: {response.status}"
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{name}: the page is {width}px wide")
        wide = too_wide(page)
        if wide:
            problems.append(f"{name}: wider than the screen: {dump(wide)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_tables_are_read_at_360px_without_sideways_scrolling(new_page, live_casebook, language):
    page = new_page(viewport=PHONE)
    problems = []
    for name in TABLE_PAGES:
        page.goto(f"{live_casebook.url}/{language}{PAGES[name]}")
        cells = clipped_cells(page)
        if cells:
            problems.append(f"{name}: cut off: {dump(cells)}")
        for region in page.locator(".table-scroll").all():
            scroll = region.evaluate("(el) => [el.scrollWidth, el.clientWidth]")
            if scroll[0] > scroll[1]:
                problems.append(f"{name}: the table scrolls sideways ({scroll[0]} > {scroll[1]})")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_compared_case_is_readable_on_a_phone(new_page, live_casebook, language):
    page = new_page(viewport=PHONE)
    page.goto(f"{live_casebook.url}/{language}{COMPARE_FOUR}")
    cells = page.locator("tbody tr").first.locator("td")  # the place of each case
    expect(cells).to_have_count(4)
    texts = cells.all_inner_texts()
    assert "Medellín" in texts[0] and "Peterborough" in texts[1] and "São Paulo" in texts[2]
    # Each value is shown above its case's name, and every one of them is on screen.
    labels = cells.evaluate_all(
        "(cells) => cells.map((cell) => getComputedStyle(cell, '::before').content)"
    )
    assert labels[:2] == ['"Ruta N"', '"One Service"'], labels
    assert all(label.startswith('"') and len(label) > 4 for label in labels), labels
    for cell in cells.all():
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], texts


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_first_result_is_above_the_fold(new_page, live_casebook, language):
    page = new_page(viewport=PHONE)
    for path in (PAGES["list"], PAGES["filtered list"]):
        page.goto(f"{live_casebook.url}/{language}{path}")
        top = first_result_top(page)
        assert top < PHONE["height"], f"{path}: the first result starts at {top}px"


def test_the_folded_filters_work_without_javascript(no_js_page, live_casebook):
    page = no_js_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_casebook.url}/en/initiatives/")
    toggle = page.locator("summary.filter-toggle")
    expect(toggle).to_have_text("Filter and search")
    apply = page.get_by_role("button", name="Apply filters")
    expect(apply).to_be_hidden()
    toggle.click()
    expect(apply).to_be_visible()
    page.get_by_role("group", name="Work theme").get_by_label(re.compile(r"^Messaging \(")).check()
    apply.click()
    expect(page).to_have_url(re.compile(r"/en/initiatives/\?.*theme=messaging"))
    expect(page.locator(".chips")).to_contain_text("Work theme: Messaging")
    expect(page.locator("summary.filter-toggle")).to_have_text("Filter and search (1 active)")
    # Back on the results, the filters folded again.
    expect(page.get_by_role("button", name="Apply filters")).to_be_hidden()
    assert first_result_top(page) < PHONE["height"]


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript on", "javascript off"])
def test_on_a_wide_screen_the_filters_are_a_sidebar_shown_open(new_page, live_casebook, javascript):
    page = new_page(viewport=DESKTOP, java_script_enabled=javascript)
    page.goto(f"{live_casebook.url}/es/initiatives/?theme=messaging")
    apply = page.get_by_role("button", name="Aplicar filtros")
    expect(apply).to_be_visible()
    expect(page.get_by_label("Buscar", exact=True)).to_be_visible()
    filters = page.locator(".filter-panel").bounding_box()
    results = page.locator(".results").bounding_box()
    assert filters["x"] + filters["width"] <= results["x"]  # beside the results
    # The keyboard reaches the count's chips, then the filters, then the results.
    order = page.evaluate(
        """() => [".chips a", "#id_q", ".card-title a"].map((s) =>
            [...document.querySelectorAll("a, input, select, button, summary")]
                .indexOf(document.querySelector(s)))"""
    )
    assert order == sorted(order) and -1 not in order, order


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_correction_form_has_labels_above_boxes_of_one_width(new_page, live_casebook, viewport):
    page = new_page(viewport=viewport)
    page.goto(f"{live_casebook.url}/es/initiatives/ruta-n/correction/")
    boxes = page.locator("form.correction .field").all()
    assert len(boxes) == 3
    widths = set()
    for field in boxes:
        label = field.locator("label").bounding_box()
        box = field.locator("textarea, input").bounding_box()
        assert label["y"] + label["height"] <= box["y"], field.inner_text()
        assert abs(label["x"] - box["x"]) <= 1, field.inner_text()
        widths.add(round(box["width"]))
    assert len(widths) == 1, widths


def test_on_a_phone_the_keyboard_opens_the_filters_after_the_chips(new_page, live_casebook):
    page = new_page(viewport=PHONE)
    page.goto(f"{live_casebook.url}/es/initiatives/?theme=messaging")
    reached = []
    for _ in range(30):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("() => document.activeElement.className"))
        if "filter-toggle" in reached[-1]:
            break
    assert "chip" in reached and reached[-1] == "filter-toggle", reached
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Buscar", exact=True)).to_be_focused()
    expect(page.get_by_role("button", name="Aplicar filtros")).to_be_visible()
