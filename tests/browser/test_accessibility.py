"""Accessibility in a real browser: axe-core on every public page type, in both languages,
at a phone and a desktop width, and the structure keyboard and screen reader users rely on."""

import pytest
from playwright.sync_api import expect

from .pages import (
    LANGUAGES,
    PAGE_TYPES,
    PHONE,
    WIDTHS,
    axe_violations,
    describe_violations,
    dump,
    page_structure,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_has_no_wcag_21_aa_violation_on_any_page_type(page, axe_source, live_casebook, language):
    found = {}
    counts = {}
    for width_name, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        for page_type, path in PAGE_TYPES.items():
            response = page.goto(f"{live_casebook.url}/{language}{path}")
            expected = 404 if "404" in page_type else 200
            assert response.status == expected, f"{page_type}: {response.status}"
            if "messages" in page_type:  # the messages themselves are checked too
                expect(page.get_by_role("status")).to_contain_text("no-such-theme")
            violations = axe_violations(page, axe_source)
            counts[(page_type, width_name)] = len(violations)
            if violations:
                found[(page_type, language, width_name)] = violations
    print(f"axe violations per page type [{language}]:")
    for (page_type, width_name), count in counts.items():
        print(f"  {page_type} [{width_name}]: {count}")
    assert not found, "axe-core found WCAG 2.1 A/AA violations:\n" + describe_violations(found)


EVIDENCE_PAGES = [
    "/initiatives/memphis-fast-forward/",
    "/initiatives/think-4-peace/",
    "/evidence/",
    "/data-quality/",
]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_evidence_cards_open_from_the_keyboard_fit_a_phone_and_pass_axe(
    page, axe_source, live_casebook, language
):
    found, problems = {}, []
    for width_name, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        for path in EVIDENCE_PAGES:
            assert page.goto(f"{live_casebook.url}/{language}{path}").status == 200
            cards = page.locator("details.evidence-card")
            if cards.count():
                cards.first.locator("summary").focus()
                page.keyboard.press("Enter")
                expect(cards.first.locator("dl")).to_be_visible()
                page.eval_on_selector_all(
                    "details.evidence-card", "all => all.forEach(d => d.open = true)"
                )
                # Every card, open, is read without scrolling sideways.
                widest = page.eval_on_selector_all(
                    "details.evidence-card",
                    "all => Math.max(...all.map(d => d.getBoundingClientRect().right))",
                )
                if widest > viewport["width"]:
                    problems.append(f"{path} [{width_name}]: a card reaches {widest}px")
            shape = page_structure(page)
            if shape["scrollWidth"] > shape["clientWidth"]:
                problems.append(f"{path} [{width_name}]: scrolls sideways")
            violations = axe_violations(page, axe_source)
            if violations:
                found[(path, language, width_name)] = violations
    assert not problems, "\n".join(problems)
    assert not found, describe_violations(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_type_has_one_h1_landmarks_a_skip_link_and_fits_360px(
    page, live_casebook, language
):
    page.set_viewport_size(PHONE)
    problems = []
    for page_type, path in PAGE_TYPES.items():
        page.goto(f"{live_casebook.url}/{language}{path}")
        shape = page_structure(page)
        if len(shape["h1"]) != 1:
            problems.append(f"{page_type}: {len(shape['h1'])} h1 elements {shape['h1']}")
        for landmark in ("main", "banner", "contentinfo"):
            if shape[landmark] != 1:
                problems.append(f"{page_type}: {shape[landmark]} {landmark} landmarks")
        if shape["navigation"] < 2:
            problems.append(f"{page_type}: the main and language navigation are not labelled")
        if shape["skipTarget"] != "#main":
            problems.append(f"{page_type}: no skip link to the main content")
        if shape["scrollWidth"] > shape["clientWidth"]:
            problems.append(
                f"{page_type}: scrolls sideways at 360px ({shape['scrollWidth']}px wide;"
                f" too wide: {dump(shape['wide'])})"
            )
    assert not problems, "\n".join(problems)


def test_the_skip_link_is_the_first_stop_and_moves_focus_to_the_content(page, live_casebook):
    page.goto(f"{live_casebook.url}/en/initiatives/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # The next Tab stop is inside the content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('main') !== null")


def test_focus_is_visible_on_links_buttons_and_filter_controls(page, live_casebook):
    page.goto(f"{live_casebook.url}/en/initiatives/")
    outlines = []
    for _ in range(25):
        page.keyboard.press("Tab")
        outlines.append(
            page.evaluate(
                """() => {
                    const el = document.activeElement;
                    const style = getComputedStyle(el);
                    return {
                        what: el.tagName.toLowerCase() + (el.id ? "#" + el.id : ""),
                        outline: style.outlineStyle !== "none"
                            && parseFloat(style.outlineWidth) >= 2,
                    };
                }"""
            )
        )
    invisible = [stop["what"] for stop in outlines if not stop["outline"]]
    assert not invisible, f"no visible focus outline on {invisible}"
    kinds = {stop["what"].split("#")[0] for stop in outlines}
    assert {"a", "input", "summary"} <= kinds, kinds


def test_every_filter_control_has_a_label(page, live_casebook):
    page.goto(f"{live_casebook.url}/es/initiatives/?theme=messaging")
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll("form.filters input, form.filters select")]
            .filter((el) => el.type !== "hidden")
            .filter((el) => !(el.labels && el.labels.length && el.labels[0].textContent.trim()))
            .map((el) => el.name + "=" + el.value)"""
    )
    assert unlabelled == []
    expect(page.get_by_label("Buscar", exact=True)).to_be_visible()
    expect(page.get_by_role("group", name="Tema de trabajo")).to_be_attached()


def test_the_filter_form_can_be_used_with_the_keyboard_only(page, live_casebook):
    page.goto(f"{live_casebook.url}/en/initiatives/")
    search = page.get_by_label("Search", exact=True)
    # Tab from the top of the page to the search box, as a keyboard user would.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "id_q":
            break
    expect(search).to_be_focused()
    page.keyboard.type("youth")
    page.keyboard.press("Tab")  # the first filter group's summary
    expect(page.locator(".facet > summary").first).to_be_focused()
    themes = page.locator("#f-theme-messaging")
    if not themes.is_visible():
        page.keyboard.press("Enter")  # open the group
    page.keyboard.press("Tab")
    # Tab on through the theme options to "messaging" and tick it with the space bar.
    for _ in range(10):
        if page.evaluate("() => document.activeElement.id") == "f-theme-messaging":
            break
        page.keyboard.press("Tab")
    expect(themes).to_be_focused()
    page.keyboard.press("Space")
    expect(themes).to_be_checked()
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_url("**/initiatives/?*")
    assert "q=youth" in page.url and "theme=messaging" in page.url
    expect(page.get_by_role("link", name="Search: youth (remove this filter)")).to_be_visible()


@pytest.mark.parametrize(
    ("language", "name"),
    [("es", "Declaración de accesibilidad"), ("en", "Accessibility statement")],
)
def test_the_accessibility_statement_is_linked_from_the_footer(page, live_casebook, language, name):
    page.goto(f"{live_casebook.url}/{language}/themes/")
    page.get_by_role("contentinfo").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator("main")).to_contain_text("WCAG 2.1")
