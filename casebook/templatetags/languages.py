"""A text shown in the other language, because the reader's is missing, says so: it carries
its real ``lang`` (screen readers switch voice) and a short visible note."""

from django import template
from django.conf import settings
from django.utils.html import conditional_escape, format_html, linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, gettext_noop

register = template.Library()

ONLY_IN = {
    "es": gettext_noop("Only available in Spanish"),
    "en": gettext_noop("Only available in English"),
}


def in_reader_language(obj, field):
    """(text, language) of ``obj``'s ``field``: the reader's language, or else the first
    other language that has it (language None when it is the reader's own)."""
    reader = (get_language() or settings.LANGUAGE_CODE)[:2]
    text = getattr(obj, f"{field}_{reader}", None)
    if text is None:  # not a translated field
        return getattr(obj, field, ""), None
    if text:
        return text, None
    for code, _name in settings.LANGUAGES:
        other = getattr(obj, f"{field}_{code}", "")
        if code != reader and other:
            return other, code
    return "", None


def note(language):
    return format_html(' <span class="fallback-note">({})</span>', gettext(ONLY_IN[language]))


@register.filter
def translated(obj, field):
    """The field's text inline; fallen back, in a span with its language and the note."""
    text, language = in_reader_language(obj, field)
    if language is None:
        # Escaped here, so that an HTML-aware filter after this one (truncatewords_html)
        # does not escape it once more ("&#x27;" on the page for an apostrophe).
        return conditional_escape(text)
    return format_html('<span lang="{}">{}</span>{}', language, text, note(language))


@register.filter
def translated_paragraphs(obj, field):
    """The field's text as paragraphs; fallen back, in a block with its language, the note
    first."""
    text, language = in_reader_language(obj, field)
    paragraphs = mark_safe(linebreaks(text, autoescape=True))  # noqa: S308 (escaped)
    if language is None:
        return paragraphs
    return format_html(
        '<p class="fallback-note">{}</p><div lang="{}">{}</div>',
        gettext(ONLY_IN[language]),
        language,
        paragraphs,
    )
