from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language


def site(request):
    """The other languages of the page being shown, with its path and query kept."""
    current = get_language()
    full_path = request.get_full_path()
    alternates = [
        {"code": code, "name": name, "url": translate_url(full_path, code)}
        for code, name in settings.LANGUAGES
    ]
    return {
        "language_alternates": alternates,
        "other_languages": [item for item in alternates if item["code"] != current],
    }
