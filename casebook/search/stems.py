"""Word forms for SQLite's index: each word's Spanish and English Snowball stems, so that
singular and plural, accents and other forms of a word meet (“bonos” and “bono”, “jóvenes”
and “joven”, “communities” and “community”), as PostgreSQL's own configurations do.

The words are folded first (lower case, no accents), as PostgreSQL's ``unaccent`` does before
its stemmers, and as SQLite's tokenizer reads the document.
"""

import functools
import threading

import snowballstemmer

from ppci.lib.text import fold

from .syntax import WORD

LANGUAGES = ("spanish", "english")

# A stemmer keeps the word it is working on: one set per thread.
_local = threading.local()


def _stemmers():
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = [snowballstemmer.stemmer(name) for name in LANGUAGES]
    return stemmers


@functools.lru_cache(maxsize=100_000)
def _stems_of_folded(folded):
    return tuple(dict.fromkeys(stemmer.stemWord(folded) for stemmer in _stemmers()))


def stems(word):
    """The word's distinct Spanish and English stems, folded: ``bonos`` → ``("bon",
    "bono")``."""
    return _stems_of_folded(fold(word))


def stems_of_text(text):
    """The stems of every word of ``text`` that differ from the folded word itself (the word
    is indexed as it is): what SQLite indexes beside the document."""
    found = []
    for word in WORD.findall(text or ""):
        folded = fold(word)
        found.extend(stem for stem in _stems_of_folded(folded) if stem != folded)
    return " ".join(found)
