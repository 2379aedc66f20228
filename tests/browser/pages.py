"""Every public page type, and the helpers that check a page in the browser."""

import json

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

LANGUAGES = ["es", "en"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}

# One address per public page type, after the language prefix.
PAGE_TYPES = {
    "home": "/",
    "initiative list": "/initiatives/",
    "filtered list with messages": (
        "/initiatives/?theme=messaging&sector=private&theme=no-such-theme&year_from=soon"
    ),
    "list with a search": "/initiatives/?q=medellin",
    "list with no result": "/initiatives/?q=medelin&sector=public",
    "initiative detail": "/initiatives/ruta-n/",
    "initiative with evidence cards": "/initiatives/memphis-fast-forward/",
    "list by evidence level and method": "/initiatives/?evidence=reported&method=not-stated",
    "how we weigh evidence": "/evidence/",
    "data quality": "/data-quality/",
    "compare": "/compare/?i=ruta-n&i=red-card-to-crime",
    "compare, choosing": "/compare/",
    "partners list": "/partners/?sector=private",
    "partner detail": "/partners/converse/",
    "themes list": "/themes/",
    "theme detail": "/themes/messaging/",
    "cities list": "/cities/",
    "city detail": "/cities/medellin/",
    "guide": "/guide/",
    "network": "/network/",
    "accessibility statement": "/accessibility/",
    "correction form": "/initiatives/ruta-n/correction/",
    "correction thanks": "/initiatives/ruta-n/correction/thanks/",
    "proposal form": "/propose/",
    "proposal thanks": "/propose/thanks/",
    "privacy notice": "/privacy/",
    "not found (404)": "/initiatives/no-such-initiative/",
}


def axe_violations(page, axe_source):
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now."""
    # Evaluated through the DevTools protocol, so a strict Content-Security-Policy on the
    # page does not stop it.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return results.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.map((n) => ({
                    target: n.target.join(" "),
                    summary: n.failureSummary,
                })),
            }));
        }""",
        WCAG_21_AA,
    )


def describe_violations(found):
    """found: {(page type, language, width): [violation, ...]} -> readable text."""
    lines = []
    for (page_type, language, width), violations in found.items():
        for violation in violations:
            lines.append(
                f"{page_type} [{language}, {width}]: {violation['id']} ({violation['impact']})"
                f" - {violation['help']}"
            )
            for node in violation["nodes"][:5]:
                summary = " ".join(node["summary"].split())
                lines.append(f"    {node['target']}: {summary}")
            if len(violation["nodes"]) > 5:
                lines.append(f"    ... and {len(violation['nodes']) - 5} more elements")
    return "\n".join(lines)


def page_structure(page):
    """What a screen reader user navigates by, and whether the page fits its width."""
    return page.evaluate(
        """() => ({
            h1: [...document.querySelectorAll("h1")].map((h) => h.textContent.trim()),
            main: document.querySelectorAll("main").length,
            banner: document.querySelectorAll("body > header").length,
            contentinfo: document.querySelectorAll("body > footer").length,
            navigation: document.querySelectorAll("nav[aria-label]").length,
            skipTarget: document.querySelector("a.skip-link")?.getAttribute("href"),
            scrollWidth: document.documentElement.scrollWidth,
            clientWidth: document.documentElement.clientWidth,
            wide: [...document.querySelectorAll("body *")]
                .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
                .filter((el) => !el.closest(".table-scroll, .visually-hidden, .skip-link"))
                .slice(0, 5)
                .map((el) => el.tagName.toLowerCase() + (el.className ? "." + el.className : "")),
        })"""
    )


def dump(value):
    return json.dumps(value, ensure_ascii=False, indent=1)
