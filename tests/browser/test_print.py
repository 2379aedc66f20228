"""An initiative printed on A4 for a meeting: the case, not the site around it."""

import os
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

# A4 is 210 mm wide; the print stylesheet leaves 18 mm margins: 174 mm at 96 px to the inch.
A4_TEXT_WIDTH = round(174 / 25.4 * 96)


def link_written_out(page, locator):
    """What the print stylesheet adds after a link."""
    return locator.evaluate("(a) => getComputedStyle(a, '::after').content")


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_initiative_page_prints_cleanly_on_a4(page, live_casebook, language):
    page.set_viewport_size({"width": A4_TEXT_WIDTH, "height": 1000})
    page.goto(f"{live_casebook.url}/{language}/initiatives/ruta-n/")
    page.emulate_media(media="print")

    for hidden in ("nav", ".skip-link", ".site-footer", "#correction", ".compare-link", "form"):
        for element in page.locator(hidden).all():
            expect(element).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ruta N")
    expect(page.get_by_role("table")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("380")
    # The page's own address is printed, so the paper leads back to it.
    expect(page.locator(".print-only")).to_have_text(page.url)

    # Links are written out after their text.
    city = page.locator("main").get_by_role("link", name="Medellín").first
    assert link_written_out(page, city) == f'" (/{language}/cities/medellin/)"'
    partner = page.locator("ul.partners a").first
    href = partner.get_attribute("href")
    assert link_written_out(page, partner) == f'" ({href})"'
    # ...but not twice where the text already is the address.
    for source in page.locator("ul.sources a.url").all():
        assert link_written_out(page, source) == "none"

    # Nothing is cut off at the side of the sheet.
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= A4_TEXT_WIDTH

    if os.environ.get("PRINT_SCREENSHOT"):
        page.screenshot(path=os.environ["PRINT_SCREENSHOT"], full_page=True)
    pdf = page.pdf(format="A4", print_background=False)
    assert pdf.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes, "no page in the PDF"
    for width_pt, height_pt in boxes:  # A4: 595 x 842 points
        assert abs(float(width_pt) - 595) < 2 and abs(float(height_pt) - 842) < 2
