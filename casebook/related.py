"""Initiatives most like a given one, by what they share, with the reason in words."""

from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import IntegerField, Prefetch, Q, Value
from django.utils.translation import gettext as _

from partners.models import KIND_WITH_ARTICLE
from ppci.lib import pagecache
from ppci.lib.prepared import Prepared, read_together
from ppci.lib.text import natural_list
from ppci.lib.urls import slug_url

from .exports import in_language
from .listindex import ListIndex, bits_of, last_positions, positions
from .models import FundingLink, Initiative, IssueLink, Partnership, Status, ThemeLink

WEIGHTS = {"kind": 3, "theme": 2, "issue": 2, "funding": 1}


@dataclass(frozen=True)
class Own:
    """What an initiative has that others can share, read from it once: its key, themes,
    issues and ways of funding (in their order), and its partners' kinds in the order of
    its partnerships."""

    pk: int
    themes: list
    issues: list
    fundings: list
    kinds: list

    @classmethod
    def of(cls, initiative):
        return cls(
            pk=initiative.pk,
            themes=list(initiative.themes.all()),
            issues=list(initiative.issues.all()),
            fundings=list(initiative.fundings.all()),
            kinds=list(dict.fromkeys(p.partner.kind for p in initiative.partnerships.all())),
        )


# Candidates are the most recent published initiatives that share a theme, an issue or a
# way of funding, at most this many: the work stays the same whatever the size of the case
# book. (Partner kinds still score, but nearly every initiative shares one.)
POOL_SIZE = 300


def candidate_pool(initiative):
    links = {
        ThemeLink: ("theme_id", [t.pk for t in initiative.themes.all()]),
        IssueLink: ("issue_id", [i.pk for i in initiative.issues.all()]),
        FundingLink: ("funding_id", [f.pk for f in initiative.fundings.all()]),
    }
    shares = Q(pk__in=[])
    for link, (column, values) in links.items():
        if values:
            linked = link.objects.filter(**{f"{column}__in": values}).values("initiative_id")
            shares |= Q(pk__in=linked)
    return (
        Initiative.objects.published()
        .exclude(pk=initiative.pk)
        .filter(shares)
        .order_by("-pk")
        .values("pk")[:POOL_SIZE]
    )


def shared_links(initiative):
    """For each dimension: the rows of any initiative sharing a value with this one."""
    kinds = sorted({p.partner.kind for p in initiative.partnerships.all()})
    return {
        "theme": ThemeLink.objects.filter(theme_id__in=[t.pk for t in initiative.themes.all()]),
        "kind": Partnership.objects.filter(partner__kind__in=kinds),
        "issue": IssueLink.objects.filter(issue_id__in=[i.pk for i in initiative.issues.all()]),
        "funding": FundingLink.objects.filter(
            funding_id__in=[f.pk for f in initiative.fundings.all()]
        ),
    }


def best_scores(initiative, limit):
    """The ``limit`` best-scoring candidates' keys, scored in one query by the database.

    Every shared value is a row weighted by its dimension; the database sums the rows of each
    candidate in the pool and returns only the winners.
    """
    try:
        pool_sql, params = candidate_pool(initiative).query.sql_with_params()
    except EmptyResultSet:  # neither a theme nor an issue: nothing to compare with
        return []
    params = list(params)
    parts = []
    for dimension, rows in shared_links(initiative).items():
        try:
            sql, part_params = (
                rows.order_by()
                .annotate(weight=Value(WEIGHTS[dimension], output_field=IntegerField()))
                .values_list("initiative_id", "weight")
                .query.sql_with_params()
            )
        except EmptyResultSet:  # nothing of this dimension to share
            continue
        parts.append(
            f"SELECT initiative_id, weight FROM ({sql}) AS {dimension}_rows "
            "WHERE initiative_id IN (SELECT id FROM pool)"
        )
        params.extend(part_params)
    sql = (
        f"WITH pool (id) AS ({pool_sql}) "
        "SELECT shared.initiative_id, SUM(shared.weight) AS score FROM ("
        + " UNION ALL ".join(parts)
        + ") AS shared GROUP BY shared.initiative_id "
        "ORDER BY score DESC, shared.initiative_id LIMIT %s"
    )
    with connections[Initiative.objects.db].cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        return [initiative_id for initiative_id, _score in cursor.fetchall()]


@dataclass
class RelatedCase:
    """A related initiative as the page shows it: plain values in both languages, and what
    it has of each dimension (at least what it shares with the initiative it is related
    to), so that it can be kept in the cache and say why in any language."""

    slug: str
    title_es: str
    title_en: str
    city_es: str
    city_en: str
    country: str
    kinds: frozenset
    themes: frozenset
    issues: frozenset
    fundings: frozenset
    reasons: list = field(default_factory=list)

    @property
    def title(self):
        return in_language(self.title_es, self.title_en)

    @property
    def city(self):
        name = in_language(self.city_es, self.city_en)
        return {"name": name} if name else None

    def get_absolute_url(self):
        return slug_url("casebook:detail", self.slug)


def best_from_index(index, own, limit):
    """What ``best_scores`` finds, from the published case book's index in memory (see
    ``listindex``), for the initiative that has ``own``: the same pool (the ``POOL_SIZE``
    most recent sharing a theme, an issue or a way of funding), the same weights, the same
    order, and no query."""
    slugs_of = {
        "theme": [t.slug for t in own.themes],
        "issue": [i.slug for i in own.issues],
        "funding": [f.slug for f in own.fundings],
    }
    shares = 0
    for name, slugs in slugs_of.items():
        for slug in slugs:
            shares |= index.options[name].get(slug, 0)
    itself = index.pks_position.get(own.pk)
    if itself is not None:
        shares &= ~(1 << itself)
    pool = last_positions(shares, POOL_SIZE)  # positions go by key: the most recent first
    if not pool:
        return []
    # The pool lies in a window at the top of the positions: every set is read through it,
    # a few hundred bits instead of one per initiative.
    low = pool[-1]
    in_pool = bits_of([number - low for number in pool], pool[0] - low + 1)
    scores = dict.fromkeys(pool, 0)

    def add(bits, weight):
        for number in positions((bits >> low) & in_pool):
            scores[number + low] += weight

    for name, slugs in slugs_of.items():
        for slug in slugs:
            add(index.options[name].get(slug, 0), WEIGHTS[name])
    for kind in sorted(own.kinds):
        for bits in index.kind_counts.get(kind, ()):
            add(bits, WEIGHTS["kind"])
    pks = index.pks
    best = sorted(scores, key=lambda number: (-scores[number], pks[number]))[:limit]
    return [pks[number] for number in best]


# The names and places of related cases, this many at a time.
NAMES_AT_ONCE = 5
NAMES_READ = Prepared(
    # The texts of both languages by their own names: nothing for the translation layer to
    # rewrite (and so Django's own values_list).
    lambda pks: (
        Initiative.objects.rewrite(False)
        .filter(pk__in=pks)
        .order_by()
        .values_list(
            "pk",
            "slug",
            "title_es",
            "title_en",
            "city__name_es",
            "city__name_en",
            "country",
            "status",
        )
    ),
    pks=(int,) * NAMES_AT_ONCE,
)


def related_from_index(index, own, limit):
    """The related cases of the initiative that has ``own``, from the index: their scores
    and what they share from it, and their names and places in one query."""
    best = best_from_index(index, own, limit)
    if not best:
        return []
    # By key alone, the status checked here: asked for published ones, SQLite reads every
    # published case through the index of statuses (1.3 ms at 10,000 instead of 0.4); in no
    # order: the list's would cost SQLite a scan. They are put in order below. Compiled once
    # (a few keys at a time, the last repeated to fill a read).
    using = router.db_for_read(Initiative)
    reads = [
        (NAMES_READ, None, {"pks": (chunk + [chunk[-1]] * NAMES_AT_ONCE)[:NAMES_AT_ONCE]})
        for chunk in (best[at : at + NAMES_AT_ONCE] for at in range(0, len(best), NAMES_AT_ONCE))
    ]
    rows = {
        row[0]: row
        for found in read_together(using, reads)
        for row in found
        if row[-1] == Status.PUBLISHED
    }
    position = index.pks_position

    def has(bits, pk):
        return bool(bits >> position[pk] & 1)

    cases = []
    for pk in best:
        if pk not in rows:
            continue
        _pk, slug, title_es, title_en, city_es, city_en, country, _status = rows[pk]
        cases.append(
            RelatedCase(
                slug=slug,
                title_es=title_es or "",
                title_en=title_en or "",
                city_es=city_es or "",
                city_en=city_en or "",
                country=str(country or ""),
                # What it shares: all that the reasons ask of it.
                kinds=frozenset(
                    kind
                    for kind in own.kinds
                    if any(has(bits, pk) for bits in index.kind_counts.get(kind, ())[:1])
                ),
                themes=frozenset(
                    t.pk for t in own.themes if has(index.options["theme"].get(t.slug, 0), pk)
                ),
                issues=frozenset(
                    i.pk for i in own.issues if has(index.options["issue"].get(i.slug, 0), pk)
                ),
                fundings=frozenset(
                    f.pk for f in own.fundings if has(index.options["funding"].get(f.slug, 0), pk)
                ),
            )
        )
    return cases


def find_related(initiative, limit):
    best = best_scores(initiative, limit)
    if not best:
        return []
    candidates = (
        Initiative.objects.published()
        .filter(pk__in=best)
        .select_related("city")
        .prefetch_related(
            "themes",
            "issues",
            "fundings",
            Prefetch("partnerships", queryset=Partnership.objects.select_related("partner")),
        )
    )
    by_pk = {candidate.pk: candidate for candidate in candidates}
    return [
        RelatedCase(
            slug=candidate.slug,
            title_es=candidate.title_es or "",
            title_en=candidate.title_en or "",
            city_es=candidate.city.name_es if candidate.city else "",
            city_en=(candidate.city.name_en or "") if candidate.city else "",
            country=str(candidate.country or ""),
            kinds=frozenset(p.partner.kind for p in candidate.partnerships.all()),
            themes=frozenset(t.pk for t in candidate.themes.all()),
            issues=frozenset(i.pk for i in candidate.issues.all()),
            fundings=frozenset(f.pk for f in candidate.fundings.all()),
        )
        for candidate in (by_pk.get(pk) for pk in best)
        if candidate is not None
    ]


def related_initiatives(initiative, limit=5):
    """Up to ``limit`` published initiatives, most similar first, each with ``reasons``.

    A fixed number of queries and a bounded amount of work whatever the number of
    initiatives. From the published case book's index (``listindex``): the pool scored in
    memory, one query for the winners' names and places. Without it (the cache is down):
    one query scores the candidate pool in the database, a few fetch the winners, and the
    result is kept for the current content generation. The reasons are put in words for
    each request's language.
    """
    own = Own.of(initiative)
    index = ListIndex.current()
    if index is not None:
        cases = related_from_index(index, own, limit)
    else:
        cases = pagecache.remember(
            f"related:{initiative.pk}:{limit}",
            lambda: find_related(initiative, limit),
            in_process=False,
        )
    for case in cases:
        case.reasons = reasons(own, case)
    return cases


def reasons(own, candidate):
    """Why ``candidate`` is related to the initiative that has ``own``, in the reader's
    language, one clause per thing shared: “Also works with a national company and a
    national government; also works on education”."""
    kinds = [kind for kind in own.kinds if kind in candidate.kinds]
    clauses = []
    if kinds:
        clauses.append(
            _("also works with %(partners)s")
            % {"partners": natural_list(KIND_WITH_ARTICLE[kind] for kind in kinds[:3])}
        )
    themes = [str(t.name).lower() for t in own.themes if t.pk in candidate.themes]
    if themes:
        clauses.append(_("also works on %(themes)s") % {"themes": natural_list(themes)})
    issues = [str(i.name).lower() for i in own.issues if i.pk in candidate.issues]
    if issues:
        clauses.append(_("also addresses %(issues)s") % {"issues": natural_list(issues)})
    fundings = [str(f.name).lower() for f in own.fundings if f.pk in candidate.fundings]
    if fundings:
        clauses.append(_("also funded through %(funding)s") % {"funding": natural_list(fundings)})
    clauses = clauses[:3]
    if clauses:
        clauses[0] = clauses[0][:1].upper() + clauses[0][1:]
    return clauses
