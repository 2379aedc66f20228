"""Initiatives most like a given one, by what they share, with the reason in words."""

from django.db.models import Count
from django.utils.translation import gettext as _

from .models import Initiative, Partnership

WEIGHTS = {"kind": 3, "theme": 2, "issue": 2, "funding": 1}
ThemeLink = Initiative.themes.through
IssueLink = Initiative.issues.through
FundingLink = Initiative.fundings.through


def shared_links(initiative):
    """For each dimension: the rows of other published initiatives sharing a value with it."""
    published = Initiative.objects.published().exclude(pk=initiative.pk).values("pk")
    kinds = {p.partner.kind for p in initiative.partnerships.all()}
    return {
        "theme": ThemeLink.objects.filter(
            theme_id__in=[t.pk for t in initiative.themes.all()], initiative_id__in=published
        ).values_list("initiative_id", "theme_id"),
        "kind": Partnership.objects.filter(
            partner__kind__in=kinds, initiative_id__in=published
        ).values_list("initiative_id", "partner__kind"),
        "issue": IssueLink.objects.filter(
            issue_id__in=[i.pk for i in initiative.issues.all()], initiative_id__in=published
        ).values_list("initiative_id", "issue_id"),
        "funding": FundingLink.objects.filter(
            funding_id__in=[f.pk for f in initiative.fundings.all()], initiative_id__in=published
        ).values_list("initiative_id", "funding_id"),
    }


def related_initiatives(initiative, limit=5):
    """Up to ``limit`` published initiatives, most similar first, each with ``reasons``.

    A fixed number of queries whatever the number of candidates: one grouped count per
    dimension scores every candidate in the database, one fetches the winners (with their
    links prefetched); the reasons come from what both sides already have in memory.
    """
    totals = {}
    for dimension, rows in shared_links(initiative).items():
        scores = (
            rows.order_by().values_list("initiative_id").annotate(shared=Count("initiative_id"))
        )
        for initiative_id, shared in scores:
            totals[initiative_id] = totals.get(initiative_id, 0) + shared * WEIGHTS[dimension]
    best = sorted(totals, key=lambda pk: (-totals[pk], pk))[:limit]
    if not best:
        return []
    candidates = Initiative.objects.published().filter(pk__in=best).for_export()
    by_pk = {candidate.pk: candidate for candidate in candidates}
    related = []
    for pk in best:
        candidate = by_pk.get(pk)
        if candidate is None:
            continue
        candidate.reasons = reasons(initiative, candidate)
        related.append(candidate)
    return related


def reasons(initiative, candidate):
    mine_kinds = {
        p.partner.kind: p.partner.get_kind_display() for p in initiative.partnerships.all()
    }
    their_kinds = {p.partner.kind for p in candidate.partnerships.all()}
    found = [
        _("also works with a %(kind)s") % {"kind": label}
        for kind, label in mine_kinds.items()
        if kind in their_kinds
    ]
    themes = {t.pk for t in candidate.themes.all()}
    found += [
        _("also works on %(theme)s") % {"theme": str(t.name).lower()}
        for t in initiative.themes.all()
        if t.pk in themes
    ]
    issues = {i.pk for i in candidate.issues.all()}
    found += [
        _("also addresses %(issue)s") % {"issue": str(i.name).lower()}
        for i in initiative.issues.all()
        if i.pk in issues
    ]
    fundings = {f.pk for f in candidate.fundings.all()}
    found += [
        _("also funded through %(funding)s") % {"funding": str(f.name).lower()}
        for f in initiative.fundings.all()
        if f.pk in fundings
    ]
    return found[:3]
