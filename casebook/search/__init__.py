"""Full-text search over initiatives: one interface, a backend module per database.

``matching(queryset, text)`` keeps the initiatives that match ``text``; ``ranked()``
annotates each with ``search_rank`` (higher is better); ``with_snippets()`` and
``snippet(initiative, text)`` give the summary with the matching words marked;
``ensure_index(connection)`` creates (or makes whole) the database's index.

PostgreSQL (``postgresql.py``): real full-text search with Spanish and English stemming.
SQLite (``sqlite.py``): FTS5 with diacritics removed, prefix matching and the same
languages' word forms (Snowball stems, ``stems.py``). Both read the same
web-search syntax (``syntax.py``): ``"a phrase"``, ``-word``, ``or``.
"""

from django.db import connections
from django.utils.html import escape
from django.utils.safestring import mark_safe

from ppci.lib.text import fold

from . import postgresql, sqlite
from .stems import stems
from .syntax import WORD, clean_query, has_searchable_word, has_terms, parse, positive_words

__all__ = [
    "clean_query",
    "ensure_index",
    "has_searchable_word",
    "match_scores",
    "matching",
    "parse",
    "positive_words",
    "ranked",
    "snippet",
    "with_snippets",
]

BACKENDS = {"postgresql": postgresql, "sqlite": sqlite}
MARK_START, MARK_END = postgresql.MARK_START, postgresql.MARK_END


class SearchIndexMissing(RuntimeError):
    pass


def backend(connection):
    try:
        return BACKENDS[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"No search backend for {connection.vendor}") from None


def _backend_of(queryset):
    return backend(connections[queryset.db])


def matching(queryset, text):
    """The initiatives of ``queryset`` that match ``text`` (none for a query without a word of
    two letters or more)."""
    if not has_terms(text) or not has_searchable_word(text):
        return queryset.none()
    return _backend_of(queryset).matching(queryset, text)


def match_scores(alias, text, scored=True, among=None):
    """Every initiative (drafts too) of the database ``alias`` that matches ``text``, with
    its score, as ``(pk, score)`` pairs: the same matches and scores as ``matching`` and
    ``ranked``, in one query, for the list's index (``casebook.listindex``). Unless
    ``scored``, the scores may all be 0: where only the matches count, the database may
    spare itself the ranking. With ``among`` (keys), only the matches among those are
    needed, though more may come."""
    if not has_terms(text) or not has_searchable_word(text):
        return []
    connection = connections[alias]
    return backend(connection).match_scores(connection, text, scored, among)


def ranked(queryset, text):
    """Annotate ``search_rank``: how well each initiative matches (higher is better)."""
    return _backend_of(queryset).ranked(queryset, text)


def with_snippets(queryset, text):
    """Where the database can, mark the matches in the summary (``search_headline``)."""
    return _backend_of(queryset).with_snippets(queryset, text)


def _mark_in_python(summary, text):
    starts = [fold(word) for word in positive_words(text) if len(word) > 1]
    if not starts:
        return summary
    forms = {stem for start in starts for stem in stems(start)}

    def mark(match):
        word = match.group(0)
        if any(fold(word).startswith(start) for start in starts) or forms & set(stems(word)):
            return f"{MARK_START}{word}{MARK_END}"
        return word

    return WORD.sub(mark, summary)


def snippet(initiative, text):
    """The initiative's summary as safe HTML with the matching words in <mark>."""
    marked = getattr(initiative, "search_headline", None)
    if marked is None:
        marked = _mark_in_python(initiative.summary or "", text)
    html = escape(marked).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(html)


# The index -------------------------------------------------------------------------------


def ensure_index(connection):
    """Create the search index, or make it whole, then check it: an index that is still not
    whole is an error, never a search that silently finds nothing new."""
    if connection.vendor not in BACKENDS:
        return
    index = backend(connection)
    if hasattr(index, "add_functions"):
        connection.ensure_connection()
        index.add_functions(connection)
    with connection.cursor() as cursor:
        for statement in index.setup_statements():
            cursor.execute(statement)
    missing = index.missing_parts(connection)
    if missing:
        raise SearchIndexMissing(
            f"The search index is not whole after setting it up: {', '.join(missing)} missing."
        )


def drop_index(connection):
    if connection.vendor not in BACKENDS:
        return
    with connection.cursor() as cursor:
        for statement in backend(connection).teardown_statements():
            cursor.execute(statement)
