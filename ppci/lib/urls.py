"""Addresses of objects by slug, reversed once per view and language rather than per object.

A page links to dozens of partners, themes and cases; Django's ``reverse()`` walks the URL
patterns for each (a millisecond or more on a case's page). ``slug_url(view, slug)`` reverses
the view once with a stand-in slug, for the active language, script prefix and URL
configuration, and puts each slug in its place: the same address ``reverse()`` gives, since a
slug (letters, digits, hyphens and underscores) needs no quoting.
"""

import re

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

STAND_IN = "slug-stand-in-0"
SLUG = re.compile(r"[-a-zA-Z0-9_]+\Z")

_patterns = {}


@receiver(setting_changed)
def _forget(sender, setting, **kwargs):
    if setting in ("ROOT_URLCONF", "LANGUAGES", "LANGUAGE_CODE", "FORCE_SCRIPT_NAME"):
        _patterns.clear()


def slug_url(view, slug):
    """``reverse(view, kwargs={"slug": slug})``, reversed once per view and language."""
    if not SLUG.match(slug or ""):
        return reverse(view, kwargs={"slug": slug})  # Django's own checks and quoting
    key = (view, get_language(), get_script_prefix(), get_urlconf())
    pattern = _patterns.get(key)
    if pattern is None:
        pattern = _patterns[key] = reverse(view, kwargs={"slug": STAND_IN})
    return pattern.replace(STAND_IN, slug)
