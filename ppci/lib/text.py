import unicodedata

from django.utils.translation import get_language
from django.utils.translation import gettext as _


def fold(text):
    """Lower case without accents, for matching: “Medellín” → “medellin”."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def sort_name(text):
    """A name as it sorts: without case or accents, so that a database orders it as a reader
    does whatever its collation (stored beside the name it stands for)."""
    return fold(text).strip()


def sort_key(text):
    """The key that puts names in the order a reader expects, in any language and on any
    database: without case or accents (“Cámara…” before “Crystal…”, “Seguridad…” before
    “SOVA”), then as written, so that the order is stable."""
    return (sort_name(text), text or "")


def natural_list(items):
    """Items as a sentence lists them in the reader's language: “a, b and c”, “a, b y c”
    (“e” before a word that sounds “i”: “Bromley e Irlanda”)."""
    items = [str(item) for item in items if item]
    if len(items) < 2:
        return "".join(items)
    conjunction = _("and")
    last = items[-1]
    if (get_language() or "").startswith("es") and conjunction == "y":
        sound = fold(last)
        if sound.startswith(("i", "hi")) and not sound.startswith(("hia", "hie", "hio", "hiu")):
            conjunction = "e"
    return f"{', '.join(items[:-1])} {conjunction} {last}"
