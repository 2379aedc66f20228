"""The list page's open data: the ``Dataset`` markup of the exports, for search engines."""

import json

from django import template
from django.utils.safestring import mark_safe

from casebook import exports

register = template.Library()

# What keeps a JSON text from closing its <script> element or opening another one.
SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def dataset_jsonld(context, keywords=()):
    """The schema.org ``Dataset`` as JSON, safe inside ``<script type="application/ld+json">``.

    A data block runs no code, so the Content-Security-Policy needs no nonce or hash for it."""
    data = exports.dataset_jsonld(
        context["request"], [str(getattr(word, "name", word)) for word in keywords]
    )
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(SCRIPT_ESCAPES))
