"""schema.org data for search engines, as one ``<script type="application/ld+json">`` a page.

A JSON-LD block is data, not a script the browser runs: the Content-Security-Policy's
``script-src`` does not govern it, so it needs no nonce (and the page cache can keep the page
whole). Its text cannot end the element early: ``<``, ``>`` and ``&`` are written as JSON
escapes, so a name such as ``</script>`` stays a name.
"""

import json

from django.utils.safestring import mark_safe

CONTEXT = "https://schema.org"
ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def compact(value):
    """The value without the properties that say nothing (None, "", [] or {})."""
    if isinstance(value, dict):
        pairs = ((key, compact(item)) for key, item in value.items())
        return {key: item for key, item in pairs if item not in (None, "", [], {})}
    if isinstance(value, list | tuple):
        items = (compact(item) for item in value)
        return [item for item in items if item not in (None, "", [], {})]
    return value


def script(data):
    """``data`` (a dict, without its ``@context``) as the page's JSON-LD element."""
    body = json.dumps(
        {"@context": CONTEXT, **compact(data)},
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return mark_safe(  # noqa: S308 (escaped: no character of the text can close the element)
        f'<script type="application/ld+json">{body.translate(ESCAPES)}</script>'
    )
