from django.conf import settings
from django.urls import reverse, translate_url
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext_lazy as _

MAIN_NAVIGATION = [
    ("casebook:list", _("Initiatives")),
    ("casebook:themes", _("Themes")),
    ("partners:list", _("Partners")),
    ("casebook:cities", _("Cities")),
    ("casebook:guide", _("Planning guide")),
    ("casebook:network", _("The network")),
]


def site(request):
    """The page in every language, with its path and query kept, for the language switch."""
    current = get_language()
    full_path = request.get_full_path()
    alternates = [
        {
            "code": code,
            "name": get_language_info(code)["name_local"].capitalize(),
            "url": translate_url(full_path, code),
        }
        for code, _name in settings.LANGUAGES
    ]
    navigation = []
    for name, label in MAIN_NAVIGATION:
        url = reverse(name)
        navigation.append({"url": url, "label": label, "current": request.path == url})
    return {
        "main_navigation": navigation,
        "language_alternates": alternates,
        "other_languages": [item for item in alternates if item["code"] != current],
    }
