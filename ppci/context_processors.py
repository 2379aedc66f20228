from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info


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
    return {
        "language_alternates": alternates,
        "other_languages": [item for item in alternates if item["code"] != current],
    }
