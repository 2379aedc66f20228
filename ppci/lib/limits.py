"""Refuse input too large to be a real query, before any work is done on it."""

from functools import wraps

from django.shortcuts import render
from django.utils.translation import gettext as _

MAX_VALUE_LENGTH = 2000
MAX_VALUES_PER_PARAMETER = 50
MAX_PARAMETERS = 200


def oversized(query):
    values = [(name, items) for name, items in query.lists()]
    # The most specific reason first: one parameter repeated or too long, then the total.
    for name, items in values:
        if len(items) > MAX_VALUES_PER_PARAMETER:
            return _("“%(name)s” is repeated too many times to be a search.") % {"name": name[:40]}
        if any(len(item) > MAX_VALUE_LENGTH for item in items) or len(name) > MAX_VALUE_LENGTH:
            return _("“%(name)s” is too long to be a search.") % {"name": name[:40]}
    if sum(len(items) for _name, items in values) > MAX_PARAMETERS:
        return _("This address has too many parameters to be a search.")
    return None


def refuse_oversized_query(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        problem = oversized(request.GET)
        if problem:
            return render(request, "400.html", {"message": problem}, status=400)
        return view(request, *args, **kwargs)

    return wrapper
