"""Terms to search for instead, when a search finds nothing: the words of the published case
book closest in spelling to the visitor's (“medelin” → “Medellín”).

The words come from short texts, never from every document: the titles of the published
initiatives, their cities and partners, the names of the vocabularies and of the partner
kinds. They are read once per change of content (``pagecache.remember``) and per language.
"""

import difflib
from collections import Counter

from django.utils import translation

from partners.models import Kind
from ppci.lib import pagecache
from ppci.lib.text import fold

from .document import KIND_WORDS
from .syntax import WORD, parse

MIN_LENGTH = 4
CLOSENESS = 0.75
PER_WORD = 4


def _names(queryset, language):
    fields = (f"name_{language}", "name_es") if language != "es" else ("name_es",)
    for values in queryset.values_list(*fields).iterator(chunk_size=5000):
        yield next((value for value in values if value), "")


def read_terms(language):
    """Each word of the published case book's short texts, folded, with the form it is
    written in most often: ``{"medellin": "Medellín", …}``, the most common first."""
    from casebook.models import City, Funding, Initiative, Issue, Partnership, Theme
    from partners.models import Partner

    published = Initiative.objects.published()
    texts = []
    titles = (f"title_{language}", "title_es") if language != "es" else ("title_es",)
    for values in published.values_list(*titles).iterator(chunk_size=5000):
        texts.append(next((value for value in values if value), ""))
    texts.extend(_names(City.objects.filter(pk__in=published.values("city_id")), language))
    partners = Partner.objects.filter(pk__in=Partnership.objects.published().values("partner_id"))
    texts.extend(_names(partners, language))
    for model in (Theme, Funding, Issue):
        texts.extend(_names(model.objects.all(), language))
    with translation.override(language):
        kinds = set(partners.values_list("kind", flat=True).distinct())
        for kind in kinds & set(Kind.values):
            texts.append(str(Kind(kind).label))
            texts.append(KIND_WORDS.get(kind, {}).get(language, ""))
    counts, forms = Counter(), {}
    for text in texts:
        for word in WORD.findall(text):
            if len(word) < MIN_LENGTH or word.isdigit():
                continue
            folded = fold(word)
            counts[folded] += 1
            forms.setdefault(folded, Counter())[word] += 1
    return {folded: forms[folded].most_common(1)[0][0] for folded, _ in counts.most_common()}


def terms(language):
    return pagecache.remember(f"search-terms:{language}", lambda: read_terms(language))


def closest(word, language, limit=PER_WORD):
    """The terms written most like ``word``, the closest first (none for a word the list
    already holds: it is not misspelt)."""
    folded = fold(word)
    known = terms(language)
    if len(folded) < 3 or folded in known:
        return []
    near = [term for term in known if abs(len(term) - len(folded)) <= 2]
    return [known[term] for term in difflib.get_close_matches(folded, near, limit, CLOSENESS)]


def other_queries(text, language):
    """Searches to try instead of ``text``, best first: every misspelt word replaced by its
    closest term, then one word replaced at a time, then, for a search of several words, each
    word or close term alone."""
    clauses = [clause for clause in parse(text) if clause != "or" and not clause[2]]
    words = [clause[1][0] for clause in clauses if clause[0] == "term"]
    near = [closest(word, language) for word in words]
    candidates = [
        " ".join(terms[0] if terms else word for word, terms in zip(words, near, strict=True))
    ]
    for position, terms in enumerate(near):
        for term in terms:
            candidates.append(" ".join(words[:position] + [term] + words[position + 1 :]))
    if len(words) > 1:
        for word, terms in zip(words, near, strict=True):
            candidates.extend(terms or [word])
    seen, unique = {fold(text)}, []
    for candidate in candidates:
        if fold(candidate) not in seen:
            seen.add(fold(candidate))
            unique.append(candidate)
    return unique
