from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.urls import NoReverseMatch
from django.utils.translation import get_language, get_language_info, override
from django.utils.translation import gettext_lazy as _

from ppci.lib.urls import remembered_reverse

MAIN_NAVIGATION = [
    ("casebook:list", _("Initiatives")),
    ("casebook:themes", _("Themes")),
    ("partners:list", _("Partners")),
    ("casebook:cities", _("Cities")),
    ("casebook:guide", _("Planning guide")),
    ("casebook:network", _("The network")),
]


def page_in_language(request, code):
    """This page in another language, built from the route the request resolved to and its
    query, never from the raw path (which may say ``//another.host/…``); a page that resolved
    to nothing (a 404) is that language's home page."""
    match = request.resolver_match
    with override(code):
        try:
            if match is None or not match.view_name:
                raise NoReverseMatch
            path = remembered_reverse(match.view_name, match.args, match.kwargs)
        except NoReverseMatch:
            return remembered_reverse("casebook:home")
    query = request.GET.urlencode()
    return f"{path}?{query}" if query else path


def absolute(request, url):
    """The address with scheme and host, or None when the request's host is not one of ours
    (the 400 page for a bad Host header renders without them)."""
    try:
        return request.build_absolute_uri(url)
    except DisallowedHost:
        return None


def site(request):
    """The page in every language, with its route and query kept, for the language switch."""
    current = get_language()
    alternates = []
    for code, _name in settings.LANGUAGES:
        url = page_in_language(request, code)
        alternates.append(
            {
                "code": code,
                "name": get_language_info(code)["name_local"].capitalize(),
                "url": url,
                "absolute_url": absolute(request, url),
            }
        )
    navigation = []
    for name, label in MAIN_NAVIGATION:
        url = remembered_reverse(name)
        navigation.append({"url": url, "label": label, "current": request.path == url})
    return {
        "main_navigation": navigation,
        "language_alternates": alternates,
        "other_languages": [item for item in alternates if item["code"] != current],
    }
