from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.utils.translation import gettext as _


def paginate(request, queryset, per_page):
    """The page the visitor asked for, or the nearest one with a word on why."""
    paginator = Paginator(queryset, per_page)
    raw = request.GET.get("page", "1")
    problems = []
    try:
        number = max(int(raw), 1)
    except ValueError:
        number = 1
        problems.append(
            _("“%(page)s” is not a page number; showing the first page.") % {"page": raw[:40]}
        )
    else:
        if number > paginator.num_pages and paginator.count:
            problems.append(
                _("There are only %(count)d pages; showing the last one.")
                % {"count": paginator.num_pages}
            )
    return paginator.get_page(number), problems


def query_without(query, name, value=None):
    """The query string with one parameter (or one of its values) and the page removed."""
    pairs = [
        (key, item)
        for key, items in query.lists()
        for item in items
        if key != "page" and not (key == name and (value is None or item == value))
    ]
    encoded = urlencode(pairs)
    return f"?{encoded}" if encoded else "?"
