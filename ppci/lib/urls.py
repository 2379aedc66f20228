"""Addresses reversed once per view and language rather than once per link.

A page links to dozens of partners, themes and cases, and to the same dozen pages of the
site; Django's ``reverse()`` walks the URL patterns for each (a millisecond or more on a
case's page). ``remembered_reverse(view, args, kwargs)`` reverses the view once with stand-ins
for its arguments, for the active language, script prefix, URL configuration and current
app, and puts each argument in its place: the same address ``reverse()`` gives, since a slug
or a whole number (letters, digits, hyphens and underscores) needs no quoting. Any other
argument, or a view whose patterns refuse the stand-ins (``<int:pk>``), goes to ``reverse()``
itself. ``slug_url(view, slug)`` is the common case; the ``{% url %}`` tag of every template
does the same (``ppci.lib.urltag``).
"""

import re

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

SLUG = re.compile(r"[-a-zA-Z0-9_]+\Z")
# Views, languages and arguments' names are few; a name that comes from elsewhere is not
# kept past this many.
MOST_KEPT = 2000

_patterns = {}
_REFUSED = object()


@receiver(setting_changed)
def _forget(sender, setting, **kwargs):
    if setting in ("ROOT_URLCONF", "LANGUAGES", "LANGUAGE_CODE", "FORCE_SCRIPT_NAME"):
        _patterns.clear()


def stand_in(number):
    return f"url-stand-in-{number}-"


STAND_IN = re.compile(r"url-stand-in-(\d+)-")


def remembered_reverse(view, args=(), kwargs=None, current_app=None):
    """``reverse(view, args=args, kwargs=kwargs, current_app=current_app)``, the patterns
    walked once per view, language and kind of arguments."""
    kwargs = kwargs or {}
    values = [*args, *kwargs.values()]
    if not all(
        (kind := value.__class__) is int or (kind is str and SLUG.match(value)) for value in values
    ):
        return reverse(view, args=args, kwargs=kwargs, current_app=current_app)
    key = (
        view,
        len(args),
        tuple(kwargs),
        current_app,
        get_language(),
        get_script_prefix(),
        get_urlconf(),
    )
    pattern = _patterns.get(key)
    if pattern is None:
        pattern = _pattern(view, len(args), tuple(kwargs), current_app)
        if len(_patterns) < MOST_KEPT:
            _patterns[key] = pattern
    if pattern is _REFUSED:
        return reverse(view, args=args, kwargs=kwargs, current_app=current_app)
    pieces, order = pattern
    if not order:
        return pieces[0]
    address = [pieces[0]]
    for number, piece in zip(order, pieces[1:], strict=True):
        address += (str(values[number]), piece)
    return "".join(address)


def _pattern(view, count, names, current_app):
    """The address of ``view`` as the texts around its arguments and the order in which
    they come, from its address with a stand-in for each argument (each found once); or
    ``_REFUSED``, also for a view that does not exist (``reverse()`` then says so)."""
    stand_ins = [stand_in(number) for number in range(count + len(names))]
    try:
        pattern = reverse(
            view,
            args=stand_ins[:count],
            kwargs=dict(zip(names, stand_ins[count:], strict=True)),
            current_app=current_app,
        )
    except NoReverseMatch:
        return _REFUSED
    if any(pattern.count(each) != 1 for each in stand_ins):
        return _REFUSED
    parts = STAND_IN.split(pattern)
    return parts[0::2], [int(number) for number in parts[1::2]]


def slug_url(view, slug):
    """``reverse(view, kwargs={"slug": slug})``, reversed once per view and language."""
    return remembered_reverse(view, kwargs={"slug": slug})
