"""Full-text search over initiatives: one interface, a backend per database.

``matching(queryset, text)`` keeps the initiatives that match ``text``; ``ranked()``
annotates each with ``search_rank`` (higher is better); ``snippet(initiative, text)`` gives
the summary with the matching words marked.

PostgreSQL: real full-text search with Spanish and English stemming and web-search syntax
(``"a phrase"``, ``-word``, ``or``). SQLite: FTS5 with diacritics removed and prefix
matching, reading the same syntax.
"""

import re
import unicodedata

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connections
from django.db.models import F, FloatField, Func, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, NullIf
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from ppci.lib.text import fold

from .search_index import SQLITE_TABLE

MARK_START, MARK_END = "\ue000", "\ue001"
MAX_TERMS = 32


def clean_query(text):
    """Drop control characters (NUL among them) and collapse spaces."""
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    return " ".join(text.split())


WORD = re.compile(r"\w+", re.UNICODE)
TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def parse(text):
    """Web-search syntax as a list of clauses: ("term"|"phrase", words, negated) or "or"."""
    clauses = []
    for match in TOKEN.finditer(clean_query(text)):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None:
            if bare.lower() == "or":
                clauses.append("or")
                continue
            negated = bare.startswith("-")
            words = WORD.findall(bare)
            kind = "term" if len(words) == 1 else "phrase"
        else:
            words = WORD.findall(phrase)
            kind = "phrase"
            negated = bool(negated)
        if words:
            clauses.append((kind, words, negated))
    return clauses[: MAX_TERMS * 2]


def positive_words(text):
    clauses = [clause for clause in parse(text) if clause != "or" and not clause[2]]
    return [word for clause in clauses for word in clause[1]]


def _fts5_expression(text):
    """Turn web-search syntax into an FTS5 query in which every word is quoted."""
    positive, negative = [], []
    pending_or = False
    for clause in parse(text):
        if clause == "or":
            pending_or = bool(positive)
            continue
        kind, words, negated = clause
        quoted = " ".join(words).replace('"', "")
        item = f'"{quoted}"' if kind == "phrase" else f'"{quoted}"*'
        if negated:
            negative.append(item)
        elif pending_or:
            positive[-1] = f"({positive[-1]} OR {item})"
            pending_or = False
        else:
            positive.append(item)
    if not positive:
        return None, negative
    expression = " AND ".join(positive)
    if negative:
        expression = f"({expression}) NOT ({' OR '.join(negative)})"
    return expression, []


class DocumentVector(Func):
    """The stored ``search_vector`` column (see search_index), which the GIN index is on.

    It is not a model field, so it is reached through ``search_document``'s column, under
    whatever alias the query gives the table.
    """

    output_field = SearchVectorField()

    def __init__(self):
        super().__init__(F("search_document"))

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        return column.replace('"search_document"', '"search_vector"'), params


def _postgresql_query(text):
    text = clean_query(text)
    return SearchQuery(text, search_type="websearch", config="ppci_es") | SearchQuery(
        text, search_type="websearch", config="ppci_en"
    )


def _has_terms(text):
    return any(clause != "or" for clause in parse(text))


def _fts5_match(expression):
    return RawSQL(f"SELECT rowid FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH %s", [expression])


def matching(queryset, text):
    """The initiatives of ``queryset`` that match ``text``."""
    if not _has_terms(text):
        return queryset.none()
    if connections[queryset.db].vendor == "postgresql":
        return queryset.alias(search_vector=DocumentVector()).filter(
            search_vector=_postgresql_query(text)
        )
    expression, only_negative = _fts5_expression(text)
    if expression is None:
        return queryset.exclude(pk__in=_fts5_match(" OR ".join(only_negative)))
    return queryset.filter(pk__in=_fts5_match(expression))


def ranked(queryset, text):
    """Annotate ``search_rank``: how well each initiative matches (higher is better)."""
    if connections[queryset.db].vendor == "postgresql":
        return queryset.annotate(search_rank=SearchRank(DocumentVector(), _postgresql_query(text)))
    expression, _ = _fts5_expression(text)
    if expression is None:
        return queryset.annotate(search_rank=Value(0.0, output_field=FloatField()))
    return queryset.annotate(
        search_rank=RawSQL(
            f"SELECT -bm25({SQLITE_TABLE}) FROM {SQLITE_TABLE} "
            f"WHERE {SQLITE_TABLE} MATCH %s AND rowid = casebook_initiative.id",
            [expression],
            output_field=FloatField(),
        )
    )


def with_snippets(queryset, text):
    """On PostgreSQL, mark the matches in the summary with ts_headline (stems included)."""
    if connections[queryset.db].vendor != "postgresql" or not positive_words(text):
        return queryset
    language = "en" if get_language() == "en" else "es"
    summary = Coalesce(NullIf(F(f"summary_{language}"), Value("")), F("summary_es"))
    return queryset.annotate(
        search_headline=SearchHeadline(
            summary,
            _postgresql_query(text),
            config=f"ppci_{language}",
            start_sel=MARK_START,
            stop_sel=MARK_END,
            max_words=45,
            min_words=20,
            max_fragments=2,
        )
    )


def _mark_in_python(summary, text):
    stems = [fold(word) for word in positive_words(text) if len(word) > 1]
    if not stems:
        return summary

    def mark(match):
        word = match.group(0)
        if any(fold(word).startswith(stem) for stem in stems):
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
