"""The compiled Spanish catalogue is what the portal reads on a machine without gettext."""

import ast
from pathlib import Path

from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"


def entries():
    """(msgctxt, msgid, msgstr) of each translated singular entry of the .po file."""
    found, current, field = [], {}, None
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#"):
            continue
        if not line.strip():
            if current.get("msgid") and current.get("msgstr"):
                found.append((current.get("msgctxt"), current["msgid"], current["msgstr"]))
            current, field = {}, None
            continue
        if line.startswith('"') and field:
            current[field] += ast.literal_eval(line)
            continue
        keyword, _, value = line.partition(" ")
        field = keyword if keyword in {"msgctxt", "msgid", "msgstr"} else None
        if field:
            current[field] = ast.literal_eval(value)
    return found


def test_every_translation_in_the_catalogue_is_compiled():
    translated = entries()
    assert len(translated) > 300
    with translation.override("es"):
        for context, msgid, msgstr in translated:
            if context:
                assert translation.pgettext(context, msgid) == msgstr, msgid
            else:
                assert translation.gettext(msgid) == msgstr, msgid


def test_the_interface_speaks_spanish_on_es_pages(client, db):
    html = client.get("/es/initiatives/").content.decode()
    for spanish in ("Iniciativas", "Filtrar y buscar", "Aplicar filtros", "Saltar al contenido"):
        assert spanish in html
    english = client.get("/en/initiatives/").content.decode()
    assert "Apply filters" in english and "Aplicar filtros" not in english
