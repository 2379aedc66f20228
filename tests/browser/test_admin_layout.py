"""The admin fits the editor's screen, in both admin languages: at 1,280 and 1,024 px no
page scrolls sideways and every control lies wholly inside the window (not clipped by an
inner scroller); the slug is typed for the editor; a partner's kinds follow its sector."""

import pytest
from django.contrib.auth.models import User
from django.db.models import Count

from casebook.models import Initiative
from partners.models import KINDS_BY_SECTOR

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long enough passphrase for staff"

# Every visible control, and whether it lies inside the window and inside every ancestor
# that clips or scrolls its content.
OUTSIDE = r"""() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  const controls = [
    'input:not([type=hidden])', 'select', 'textarea', 'button', '.select2-container', '.selector',
  ].join(', ');
  for (const element of document.querySelectorAll(controls)) {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    if ((box.width === 0 && box.height === 0) || style.visibility === 'hidden') continue;
    let problem = box.left < -0.5 || box.right > width + 0.5 ? 'outside the window' : null;
    let parent = element.parentElement;
    for (; parent && !problem && parent !== document.body; parent = parent.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(parent).overflowX)) {
        const outer = parent.getBoundingClientRect();
        if (box.left < outer.left - 0.5 || box.right > outer.right + 0.5) {
          problem = 'clipped by ' + (parent.id || parent.className);
        }
      }
    }
    if (problem) found.push(`${element.name || element.id || element.className}: ${problem}`);
  }
  // A table in a box that scrolls on its own hides its right-hand columns.
  for (const box of document.querySelectorAll('.results, .module, .inline-group, .tabular')) {
    const clips = ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(box).overflowX);
    if (clips && box.scrollWidth > box.clientWidth + 1) {
      found.push(`${box.className}: scrolls sideways (${box.scrollWidth} > ${box.clientWidth})`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, found};
}"""


def log_in(page, base, language):
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", PASSWORD)
    page.locator("#login-form [type=submit]").click()
    page.wait_for_url(f"{base}/admin/")


def assert_fits(page, where):
    result = page.evaluate(OUTSIDE)
    assert result["scrollWidth"] <= result["width"], f"{where} scrolls sideways: {result}"
    assert result["found"] == [], f"{where}: {result['found']}"


@pytest.mark.parametrize("width", [1280, 1024])
@pytest.mark.parametrize("language", ["es", "en"])
def test_every_admin_page_fits_the_window(new_page, live_casebook, width, language):
    User.objects.create_superuser("ada", "ada@example.org", PASSWORD)
    crowded = (
        Initiative.objects.annotate(
            partners_count=Count("partnerships", distinct=True),
            figures_count=Count("figures", distinct=True),
        )
        .filter(partners_count__gte=3, figures_count__gte=2)
        .order_by("-partners_count")
        .first()
    )
    assert crowded is not None
    base = live_casebook.url
    page = new_page(viewport={"width": width, "height": 900})
    log_in(page, base, language)

    page.goto(f"{base}/admin/casebook/initiative/add/")
    for _ in range(2):
        page.locator("#partnerships-group .add-row a").click()
    for _ in range(2):
        page.locator("#figures-group .add-row a").click()
    assert page.locator("#partnerships-group .inline-related:not(.empty-form)").count() == 3
    assert page.locator("#figures-group .inline-related:not(.empty-form)").count() == 2
    assert_fits(page, "the initiative add page")

    for path in [
        f"/admin/casebook/initiative/{crowded.pk}/change/",
        "/admin/casebook/initiative/",
        "/admin/partners/partner/add/",
        "/admin/partners/partner/1/change/",
        "/admin/partners/partner/",
        "/admin/casebook/city/add/",
        "/admin/casebook/city/1/change/",
        "/admin/casebook/theme/1/change/",
        "/admin/casebook/theme/",
        "/admin/",
    ]:
        page.goto(base + path)
        assert page.locator("html").get_attribute("lang") == language
        assert_fits(page, path)


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_slug_is_typed_for_the_editor_and_stays_editable(new_page, live_casebook, language):
    User.objects.create_superuser("ada", "ada@example.org", PASSWORD)
    base = live_casebook.url
    page = new_page()
    log_in(page, base, language)
    page.goto(f"{base}/admin/casebook/initiative/add/")

    page.locator("#id_title_es").press_sequentially("Escuelas Seguras de Murcia")
    assert page.locator("#id_slug").input_value() == "escuelas-seguras-de-murcia"

    page.locator("#id_slug").fill("escuelas-seguras")
    page.locator("#id_title_es").press_sequentially(" 2026")
    assert page.locator("#id_slug").input_value() == "escuelas-seguras"


def test_a_partners_kinds_follow_its_sector(new_page, live_casebook):
    User.objects.create_superuser("ada", "ada@example.org", PASSWORD)
    base = live_casebook.url
    page = new_page()
    log_in(page, base, "es")
    page.goto(f"{base}/admin/partners/partner/add/")
    offered = (
        "Array.from(document.querySelectorAll('#id_kind option[data-sector]'))"
        ".filter(o => !o.hidden && !o.disabled).map(o => o.value)"
    )

    page.select_option("#id_sector", "private")
    assert page.evaluate(offered) == list(KINDS_BY_SECTOR["private"])
    page.select_option("#id_kind", "sports-team")

    page.select_option("#id_sector", "public")
    assert page.evaluate(offered) == list(KINDS_BY_SECTOR["public"])
    assert page.locator("#id_kind").input_value() == ""
