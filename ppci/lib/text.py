import unicodedata


def fold(text):
    """Lower case without accents, for matching: “Medellín” → “medellin”."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
