"""The published case book's list, held in memory as sets of bits: every first visit of a
filtered search answered without counting in the database.

Each published initiative has a position; each option of each facet (a theme, a sector, a
country, a city, …) is the set of the positions that have it, as one Python integer, one bit
per initiative. A filter is then an OR of its options' sets, a combination of filters an AND,
a count a population count, and the facet counts of a page (each option counted with every
other filter applied) a few hundred ANDs of integers of a few kilobytes: microseconds where
the database needs a pass over the matching rows per page. The orders of the list are kept
as the database sorts them, once per order, so that a page is the first matching positions
in that order; only a search still asks the database, once, for its matches and their scores,
and the page's twenty rows are read by key.

The index holds only what the whole published case book decides, never anything per
visitor or per address. It is built from the database on the first list request after any
change to the content (the page cache's generation: see ``ppci.lib.pagecache``), kept in the
process and in the shared cache for the other processes, and never while the cache cannot be
reached (no generation then tells a kept index is current): the list then counts in the
database as before (``InitiativeFilter``'s own counting), and so do staff, who also see
drafts. Both ways give the same answers; the tests hold them equal.
"""

import hashlib
import logging
import os
import threading
import uuid
from array import array
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.signals import request_started
from django.db import connections
from django.db.models import F
from django.dispatch import receiver
from django.utils.translation import get_language

from ppci.lib import pagecache

from . import search
from .models import FundingLink, Initiative, IssueLink, Partnership, ThemeLink

# The bits of each byte value, lowest first: reading the positions of a set a byte at a time.
_BITS_OF_BYTE = [tuple(bit for bit in range(8) if byte >> bit & 1) for byte in range(256)]

# Below this many matches a page is found by sorting the matches; above it, by walking the
# order until the page is full (which stops early when most initiatives match).
_SORT_BELOW = 2000

# A search needed for at most this many initiatives tests each of them by its key, rather
# than reading every match of its words.
_ASK_BY_KEY = 500


def _failing_at_most_one(masks):
    """The positions in every one of ``masks`` but at most one (all, with none)."""
    if not masks:
        return -1  # every bit
    passing = -1
    for bits in masks:
        passing &= bits
    result = passing
    for left_out in range(len(masks)):
        others = -1
        for number, bits in enumerate(masks):
            if number != left_out:
                others &= bits
        result |= others
    return result


logger = logging.getLogger("ppci.list")

_this_request = threading.local()


@receiver(request_started)
def _forget_searches(sender, **kwargs):
    _this_request.__dict__.clear()


def positions(bits):
    """The positions of the set ``bits``, in increasing order."""
    found = []
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    for number, byte in enumerate(data):
        if byte:
            base = number * 8
            found.extend(base + bit for bit in _BITS_OF_BYTE[byte])
    return found


def last_positions(bits, count):
    """The ``count`` highest positions of the set ``bits``, highest first."""
    found = []
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    for number in range(len(data) - 1, -1, -1):
        byte = data[number]
        if byte:
            base = number * 8
            for bit in reversed(_BITS_OF_BYTE[byte]):
                found.append(base + bit)
                if len(found) == count:
                    return found
    return found


def bits_of(position_list, size):
    """The set of the positions ``position_list`` as an integer."""
    data = bytearray((size + 7) // 8)
    for position in position_list:
        data[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(data, "little")


def _fetch(queryset, *fields):
    """The ``fields`` of the rows of ``queryset``, as the database gives them: tuples,
    without the per-row work of Django's iterators (a tenth of a second per 100,000 rows).
    The SQL names each column after its field; the columns may come in another order."""
    try:
        sql, params = queryset.values_list(*fields).query.sql_with_params()
    except EmptyResultSet:
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    if list(fields) == names:
        return rows
    places = [names.index(name) for name in fields]
    return [tuple(row[place] for place in places) for row in rows]


def reader_language():
    """The language the index's orders are kept in that is the reader's: "en" or "es"."""
    return "en" if get_language() == "en" else "es"


def keys_of(queryset, field):
    """The values of ``field`` (a key) of the rows of ``queryset``, as a list."""
    return [key for (key,) in _fetch(queryset, field)]


def orderings(language):
    """The list's orders by the name the ``sort`` parameter gives them, as ``order_by``
    arguments: the one place that says how each sorts, for the database's list and this
    index. The title is the reader's language's sort title."""
    title = "sort_title_en" if language == "en" else "sort_title_es"
    return {
        "title": (F(title), "slug"),
        "-year": (F("year_founded").desc(nulls_last=True), "slug"),
        "year": (F("year_founded").asc(nulls_last=True), "slug"),
        "-updated": ("-updated_at", "slug"),
    }


# The index's own name for each order (the title's differs by language).
ORDER_NAMES = {
    ("title", "es"): "title-es",
    ("title", "en"): "title-en",
    ("-year", "es"): "-year",
    ("-year", "en"): "-year",
    ("year", "es"): "year",
    ("year", "en"): "year",
    ("-updated", "es"): "-updated",
    ("-updated", "en"): "-updated",
}


@dataclass
class ListIndex:
    """The published initiatives' facets and orders, as sets of positions."""

    pks: list  # position → primary key
    everything: int  # every position
    options: dict  # facet → option → set
    sparse: dict  # facet of many options, one per initiative (cities) → Sparse
    years: dict  # founding year → set
    orders: dict  # order name → positions in that order
    ranks: dict  # order name → position → its place in that order
    slug_rank: list  # position → its place by slug (the tie-break of relevance)
    # partner kind → [the positions with at least one partnership of that kind, at least
    # two, …]: how many partners of a kind a case has, for the related cases' scores
    kind_counts: dict
    # This index's own name, new at each build: what is kept by its positions (a search's
    # matches) is kept under it, and read only by the same index, in any process.
    built_as: str = ""

    def __post_init__(self):
        self.built_as = self.built_as or uuid.uuid4().hex

    # Building ---------------------------------------------------------------------------

    @classmethod
    def current(cls):
        """The index of the current content, or None: with ``LIST_INDEX`` off, while no
        generation can tell that a kept one is current (the cache is down), and, unless it is
        built in the request (``LIST_INDEX_BUILD = "inline"``), until it is built for the
        current content."""
        if not settings.LIST_INDEX:
            return None
        generation = pagecache.generation()
        if generation is None:
            return None
        if settings.LIST_INDEX_BUILD == "inline":
            return pagecache.remember(KEPT_AS, cls.build)
        index = pagecache.recall(KEPT_AS, generation)
        if index is None:
            build_in_background(generation)
        return index

    @classmethod
    def build(cls):
        from .filters import InitiativeFilter

        published = Initiative.objects.published()
        rows = _fetch(
            published.order_by("pk"),
            *(
                "pk",
                "programming",
                "scale",
                "country",
                "city__slug",
                "partner_sectors",
                "partner_kinds",
                "evidence_levels",
                "figure_methods",
                "year_founded",
            ),
        )
        pks = [row[0] for row in rows]
        position = {pk: number for number, pk in enumerate(pks)}
        size = len(pks)
        found = {name: {} for name in InitiativeFilter.FACETS}
        years = {}
        columns = ("programming", "scale", "country", "city")
        masks = InitiativeFilter.MASK_FACETS
        mask_columns = ("sector", "kind", "evidence", "method")
        # The rows of each value of each column first (a few hundred values), then each
        # value's options: a set of bits holds several.
        by_value = {}
        for number, row in enumerate(rows):
            for column, value in enumerate(row[1:10], start=1):
                if value is not None:
                    by_value.setdefault((column, value), []).append(number)
        for (column, value), where in by_value.items():
            if column <= 4:
                found[columns[column - 1]].setdefault(str(value), []).extend(where)
            elif column <= 8:
                name = mask_columns[column - 5]
                for option, bit in masks[name].items():
                    if value & bit:
                        found[name].setdefault(option, []).extend(where)
            else:
                years[value] = where
        ids = published.values("pk")
        for name, link, lookup in (
            ("theme", ThemeLink, "theme__slug"),
            ("funding", FundingLink, "funding__slug"),
            ("issue", IssueLink, "issue__slug"),
        ):
            for initiative_id, slug in _fetch(
                link.objects.filter(initiative_id__in=ids).order_by("initiative_id"),
                "initiative_id",
                lookup,
            ):
                found[name].setdefault(slug, []).append(position[initiative_id])
        partner_kinds = {}
        for initiative_id, kind in _fetch(
            Partnership.objects.filter(initiative_id__in=ids).order_by(),
            "initiative_id",
            "partner__kind",
        ):
            key = (kind, position[initiative_id])
            partner_kinds[key] = partner_kinds.get(key, 0) + 1
        kind_levels = {}
        for (kind, number), count in partner_kinds.items():
            levels = kind_levels.setdefault(kind, [])
            while len(levels) < count:
                levels.append([])
            for level in range(count):
                levels[level].append(number)
        orders = {}
        for language in ("es", "en"):
            for sort, ordering in orderings(language).items():
                name = ORDER_NAMES[sort, language]
                if name not in orders:
                    orders[name] = [
                        position[pk] for (pk,) in _fetch(published.order_by(*ordering), "pk")
                    ]
        by_slug = [position[pk] for (pk,) in _fetch(published.order_by("slug"), "pk")]
        return cls(
            pks=pks,
            everything=(1 << size) - 1,
            options={
                name: {option: bits_of(where, size) for option, where in values.items()}
                for name, values in found.items()
                if not _is_sparse(name, values)
            },
            sparse={
                name: Sparse.of(values, size)
                for name, values in found.items()
                if _is_sparse(name, values)
            },
            years={year: bits_of(where, size) for year, where in years.items()},
            orders=orders,
            ranks={name: _places(order, size) for name, order in orders.items()},
            slug_rank=_places(by_slug, size),
            kind_counts={
                kind: [bits_of(where, size) for where in levels]
                for kind, levels in kind_levels.items()
            },
        )

    # Answering --------------------------------------------------------------------------

    def answer(self, filterset, language, count_only=False):
        """What the list of ``filterset`` (its filters, search and sort) shows: the count,
        the facet counts and the page's keys, or None for a filter the index cannot read.
        With ``count_only``, the count alone (what an empty list offers to drop asks)."""
        filterset.form.is_valid()
        cleaned = filterset.form.cleaned_data
        chosen, kept, text = {}, self.everything, None
        for name, value in cleaned.items():
            if name == filterset.SORT or value in (None, "", []):
                continue
            if name in self.options or name in self.sparse:
                chosen[name] = self._any_of(name, value)
            elif name == "year_from":
                kept &= self._years(lambda year, value=value: year >= value)
            elif name == "year_to":
                kept &= self._years(lambda year, value=value: year <= value)
            elif name == "q":
                text = value
            else:
                return None  # a filter this index does not know
        sort = filterset.sort_order
        scores = None
        if text is not None:
            # The facets count the rows that fail at most one chosen facet: the search must
            # say which of those match; only the page's order needs scores, and only for
            # the rows that pass everything.
            if count_only:
                matches = self._all_matches(text)
            else:
                counted = kept & _failing_at_most_one(list(chosen.values()))
                matches, scores = self._search(text, counted, sort == "relevance", chosen)
            kept &= matches
        matching = kept
        for bits in chosen.values():
            matching &= bits
        if count_only:
            return Answer(self, matching, {}, None)
        counts = {}
        for name in (*self.options, *self.sparse):
            base = kept
            for other, bits in chosen.items():
                if other != name:
                    base &= bits
            counts[name] = {}
            if not base:
                continue
            if name in self.sparse:
                counts[name] = self.sparse[name].counts(base, base == self.everything)
                continue
            for option, bits in self.options[name].items():
                count = (bits & base).bit_count()
                if count:
                    counts[name][option] = count
        if sort == "relevance":
            order = _Relevance(scores, self.slug_rank)
        else:
            name = ORDER_NAMES[sort, language]
            order = _Order(self.orders[name], self.ranks[name])
        return Answer(self, matching, counts, order)

    def _any_of(self, name, value):
        values = value if isinstance(value, list | tuple) else [value]
        if name in self.sparse:
            return self.sparse[name].any_of([str(option) for option in values], len(self.pks))
        options = self.options[name]
        bits = 0
        for option in values:
            bits |= options.get(str(option), 0)
        return bits

    def _years(self, test):
        bits = 0
        for year, where in self.years.items():
            if test(year):
                bits |= where
        return bits

    def _search(self, text, counted, scored, chosen):
        """Which of the positions ``counted`` match the search ``text``, and, if ``scored``,
        the scores of those that also pass every ``chosen`` facet."""
        alias = Initiative.objects.db
        size = len(self.pks)
        needed = counted.bit_count()
        if needed <= _ASK_BY_KEY:
            among = [self.pks[number] for number in positions(counted)]
            matches = search.match_scores(alias, text, scored, among=among)
            return self._bits_and_scores(matches, size)
        if not scored:
            return self._every_match(text, False)[0], None
        passing = counted
        for bits in chosen.values():
            passing &= bits
        if passing.bit_count() * 2 > size:
            return self._every_match(text, True)
        matches, _ = self._every_match(text, False)
        among = [self.pks[number] for number in positions(matches & passing)]
        _, scores = self._bits_and_scores(search.match_scores(alias, text, True, among), size)
        return matches, scores

    def _all_matches(self, text):
        """Every published match of ``text``, unscored: asked once per request and text,
        however many counts of one empty list need it."""
        asked = _this_request.__dict__.setdefault("matches", {})
        key = (id(self), text)
        if key not in asked:
            asked[key] = self._every_match(text, False)[0]
        return asked[key]

    def _every_match(self, text, scored):
        """``_bits_and_scores`` of every published match of ``text``, scored or not. With
        ``SEARCH_MEMO``, kept for the content's generation under the text and this index
        (``built_as``: positions are this index's), as long as a page would be kept
        (``PAGE_CACHE_MAX_BYTES``): refining a search (a filter, another sort,
        the next page) reads the matches of a common word again, which takes the database
        a pass over every initiative the word is in."""
        size = len(self.pks)

        def build():
            found = search.match_scores(Initiative.objects.db, text, scored)
            bits, scores = self._bits_and_scores(found, size)
            # The scores as doubles in the order of their positions: a tenth of a dictionary.
            return bits, array("d", map(scores.__getitem__, positions(bits))) if scored else None

        if not settings.SEARCH_MEMO:
            kept = build()
        else:
            digest = hashlib.sha256(text.encode()).hexdigest()[:32]
            kept = pagecache.remember(
                f"search:{self.built_as}:{int(scored)}:{digest}",
                build,
                in_process=False,
                keeps=lambda value: (
                    value[0].bit_length() // 8 + (len(value[1]) * 8 if scored else 0)
                    <= settings.PAGE_CACHE_MAX_BYTES
                ),
            )
        bits, scores = kept
        return bits, dict(zip(positions(bits), scores, strict=True)) if scored else {}

    def _bits_and_scores(self, matches, size):
        where, scores = [], {}
        position = self.pks_position
        for pk, score in matches:
            number = position.get(pk)
            if number is not None:
                where.append(number)
                scores[number] = score
        return bits_of(where, size), scores

    def totals(self, facet):
        """How many published initiatives have each option of the list's ``facet`` (a
        country's code, a city's slug, …), for the options some have."""
        if facet in self.sparse:
            return dict(self.sparse[facet].totals)
        return {option: bits.bit_count() for option, bits in self.options[facet].items() if bits}

    def in_title_order(self, keys, language):
        """The published initiatives among ``keys`` (initiative keys, each any number of
        times; drafts and unknown keys are left out) in the list's order by title in
        ``language``: an answer without facet counts, for a page that lists a few of the case
        book's initiatives (a partner's) and the count of them, without the database
        counting them or walking its title index to find a page of them."""
        position = self.pks_position
        matching = bits_of([position[key] for key in keys if key in position], len(self.pks))
        return self._by_title(matching, language)

    def with_option(self, facet, option, language):
        """The published initiatives with ``option`` of the list's ``facet`` (a theme's
        slug, …) in the list's order by title in ``language``, as ``in_title_order``."""
        return self._by_title(self._any_of(facet, option), language)

    def _by_title(self, matching, language):
        name = ORDER_NAMES["title", language]
        return Answer(self, matching, {}, _Order(self.orders[name], self.ranks[name]))

    @property
    def pks_position(self):
        try:
            return self._position
        except AttributeError:
            self._position = {pk: number for number, pk in enumerate(self.pks)}
            return self._position

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_position", None)  # rebuilt on first use, not carried in the cache
        return state


# A facet of one value per initiative with more options than this (the cities: 4,000 at
# 100,000 initiatives) keeps each initiative's option rather than a set per option, which
# would take a bit per initiative for each option (45 MB), and counts by reading the options
# of the initiatives it counts.
SPARSE_ABOVE = 256
SINGLE_VALUED = ("programming", "scale", "country", "city")


def _is_sparse(name, values):
    return name in SINGLE_VALUED and len(values) > SPARSE_ABOVE


@dataclass
class Sparse:
    """A facet of many options, one per initiative at most."""

    labels: list  # option number → option (0: none)
    option_of: array  # position → its option's number
    where: dict  # option → its positions
    totals: dict  # option → how many initiatives have it

    @classmethod
    def of(cls, values, size):
        labels = [None, *sorted(values)]
        option_of = array("I", bytes(4 * size))
        for number, label in enumerate(labels[1:], start=1):
            for position in values[label]:
                option_of[position] = number
        return cls(
            labels=labels,
            option_of=option_of,
            where={label: array("I", sorted(where)) for label, where in values.items()},
            totals={label: len(where) for label, where in values.items()},
        )

    def any_of(self, options, size):
        return bits_of([n for option in options for n in self.where.get(option, ())], size)

    def counts(self, base, everything):
        """How many of the positions ``base`` have each option."""
        if everything:
            return dict(self.totals)
        found = Counter(map(self.option_of.__getitem__, positions(base)))
        labels = self.labels
        return {labels[number]: count for number, count in found.items() if number}


KEPT_AS = "list-index:published"
_building = set()
_building_lock = threading.Lock()


def build_in_background(generation):
    """Build the index of the content of ``generation`` in a thread of this process, unless
    this or another process (the shared cache says) builds it already. Meanwhile the list
    is answered by the database: a visitor never waits for the whole case book to be read
    (five seconds at 100,000 initiatives), and never gets an answer from before a change."""
    with _building_lock:
        if generation in _building:
            return None
        _building.add(generation)
    if not cache.add(f"list-index-building:{generation}", os.getpid(), timeout=BUILD_SECONDS):
        return None  # another process builds it
    thread = threading.Thread(target=_build, args=(generation,), name="list-index", daemon=True)
    thread.start()
    return thread


# How long a build may take before another process may start one (the first process died).
BUILD_SECONDS = 120


def _build(generation):
    try:
        pagecache.keep(KEPT_AS, ListIndex.build(), generation)
    except Exception:
        logger.exception("The list's index could not be built; the database answers.")
        cache.delete(f"list-index-building:{generation}")
    finally:
        with _building_lock:
            _building.discard(generation)
        connections.close_all()  # this thread's own connections


def _places(order, size):
    places = [0] * size
    for place, number in enumerate(order):
        places[number] = place
    return places


class _Order:
    """A stored order: the matches' first ``count`` positions in it."""

    def __init__(self, order, ranks):
        self.order, self.ranks = order, ranks

    def first(self, matching, total, count):
        if total <= _SORT_BELOW:
            return sorted(positions(matching), key=self.ranks.__getitem__)[:count]
        data = matching.to_bytes((matching.bit_length() + 7) // 8, "little")
        size = len(data)
        found = []
        for number in self.order:
            byte = number >> 3
            if byte < size and data[byte] >> (number & 7) & 1:
                found.append(number)
                if len(found) == count:
                    break
        return found


class _Relevance:
    """By search score, best first, then by slug: the order of the database's list."""

    def __init__(self, scores, slug_rank):
        self.scores, self.slug_rank = scores, slug_rank

    def first(self, matching, total, count):
        scores, slug_rank = self.scores, self.slug_rank
        return sorted(positions(matching), key=lambda n: (-scores[n], slug_rank[n]))[:count]


class Answer:
    """One list request's answer: its count and facet counts, and its rows as a sequence the
    paginator slices (only the page asked for is read from the database)."""

    def __init__(self, index, matching, facet_counts, order):
        self.index, self.matching, self.facet_counts, self.order = (
            index,
            matching,
            facet_counts,
            order,
        )
        self.count = matching.bit_count()

    def page_keys(self, start, stop):
        if start >= self.count or stop <= start:
            return []
        found = self.order.first(self.matching, self.count, stop)
        return [self.index.pks[number] for number in found[start:stop]]

    def rows(self, read):
        """The rows as a sequence of ``count`` initiatives, a page read by ``read(keys)``
        (a queryset of those keys) when sliced."""
        return _Rows(self, read)


class _Rows:
    def __init__(self, answer, read):
        self.answer, self.read = answer, read

    def __len__(self):
        return self.answer.count

    def __getitem__(self, item):
        if not isinstance(item, slice):
            raise TypeError("the list is read a page at a time")
        start, stop, _step = item.indices(self.answer.count)
        keys = self.answer.page_keys(start, stop)
        if not keys:
            return []
        by_key = {initiative.pk: initiative for initiative in self.read(keys)}
        return [by_key[key] for key in keys if key in by_key]
