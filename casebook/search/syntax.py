"""The web-search syntax visitors type, read the same way on every database:
words, ``"a phrase"``, ``-word`` to leave out, ``or`` between alternatives."""

import re
import unicodedata

MAX_TERMS = 32
WORD = re.compile(r"\w+", re.UNICODE)
TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def clean_query(text):
    """Drop control characters (NUL among them) and collapse spaces."""
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    return " ".join(text.split())


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


def has_searchable_word(text):
    """Whether the query holds a word of two letters or more: a query of single letters (or
    none) would match nearly everything, and is refused with a message instead."""
    return any(len(word) >= 2 for clause in parse(text) if clause != "or" for word in clause[1])


def has_terms(text):
    return any(clause != "or" for clause in parse(text))


def positive_words(text):
    clauses = [clause for clause in parse(text) if clause != "or" and not clause[2]]
    return [word for clause in clauses for word in clause[1]]


def fts5_expression(text, column, stems=None):
    """Web-search syntax as an FTS5 query in which every word is quoted: the expression, or
    None and the negative items when the query only leaves things out.

    A phrase and the start of a word are looked for in ``column`` (the document as it is); a
    word also matches by any of its ``stems(word)`` (its word forms), in any column."""
    positive, negative = [], []
    pending_or = False
    for clause in parse(text):
        if clause == "or":
            pending_or = bool(positive)
            continue
        kind, words, negated = clause
        quoted = " ".join(words).replace('"', "")
        if kind == "phrase":
            item = f'{column} : "{quoted}"'
        else:
            forms = [f'{column} : "{quoted}"*']
            forms.extend(f'"{stem}"' for stem in (stems(quoted) if stems else ()))
            item = f"({' OR '.join(forms)})"
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
