"""What the case book does not know yet: the gaps in a case's record, each one condition on
the initiative, so that a case's page (one case's flags, in its own query) and the
data-quality page (one count per gap over the published case book) read the same rules."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import (
    CHECK_EVERY_DAYS,
    Activity,
    EvidenceLevel,
    Figure,
    FigureKind,
    FundingLink,
)


def _has_figure(**conditions):
    return Exists(Figure.objects.filter(initiative=OuterRef("pk"), **conditions))


@dataclass(frozen=True)
class Gap:
    slug: str
    label: str  # what is missing, as a list item
    build: object  # () -> the condition on an initiative that it is missing
    # The same rule read from an initiative already in memory, with its figures and fundings
    # prefetched (a case's page): (initiative) -> whether it is missing.
    missing_from: object

    @property
    def condition(self):
        return self.build()

    @property
    def annotation(self):
        return f"gap_{self.slug.replace('-', '_')}"


def not_checked_lately():
    since = timezone.localdate() - timedelta(days=CHECK_EVERY_DAYS)
    return Q(last_checked__isnull=True) | Q(last_checked__lt=since)


def checked_too_long_ago(initiative):
    since = timezone.localdate() - timedelta(days=CHECK_EVERY_DAYS)
    return initiative.last_checked is None or initiative.last_checked < since


def no_figure(initiative, **conditions):
    return not any(
        all(getattr(figure, name) == value for name, value in conditions.items())
        for figure in initiative.figures.all()
    )


GAPS = [
    Gap(
        "year-founded",
        _("the year it was founded"),
        lambda: Q(year_founded__isnull=True),
        lambda i: i.year_founded is None,
    ),
    Gap(
        "city",
        _("the city where it is based"),
        lambda: Q(city__isnull=True),
        lambda i: i.city_id is None,
    ),
    Gap(
        "activity",
        _("whether it is still running"),
        lambda: Q(activity=Activity.UNKNOWN),
        lambda i: i.activity == Activity.UNKNOWN,
    ),
    Gap(
        "end-date",
        _("the year it ended"),
        lambda: Q(activity=Activity.ENDED, year_ended__isnull=True),
        lambda i: i.activity == Activity.ENDED and i.year_ended is None,
    ),
    Gap(
        "outcomes",
        _("figures of what changed (outcomes)"),
        lambda: ~_has_figure(kind=FigureKind.OUTCOME),
        lambda i: no_figure(i, kind=FigureKind.OUTCOME),
    ),
    Gap(
        "evaluation",
        _("an independent evaluation or study"),
        lambda: ~_has_figure(evidence_level=EvidenceLevel.EVALUATED),
        lambda i: no_figure(i, evidence_level=EvidenceLevel.EVALUATED),
    ),
    Gap(
        "budget",
        _("its budget or the money it raised"),
        lambda: ~_has_figure(kind=FigureKind.FUNDING),
        lambda i: no_figure(i, kind=FigureKind.FUNDING),
    ),
    Gap(
        "funding",
        _("how it is funded"),
        lambda: ~Exists(FundingLink.objects.filter(initiative=OuterRef("pk"))),
        lambda i: not i.fundings.all(),
    ),
    Gap(
        "checked",
        _("a check of its record in the last two years"),
        not_checked_lately,
        checked_too_long_ago,
    ),
]
GAPS_BY_SLUG = {gap.slug: gap for gap in GAPS}


def with_gaps(queryset):
    """Each initiative with a flag per gap (``gap_year_founded``, …), in the same query."""
    return queryset.annotate(
        **{
            gap.annotation: ExpressionWrapper(gap.condition, output_field=BooleanField())
            for gap in GAPS
        }
    )


def gaps_of(initiative):
    """The gaps of an initiative in memory, read with its figures and fundings prefetched
    (``Initiative.objects.for_detail()``): the same rules as ``with_gaps``, with no query."""
    return [gap for gap in GAPS if gap.missing_from(initiative)]


def count_gaps(queryset):
    """How many of the initiatives have each gap, in one query: {slug: count}, and the total
    under ``None``."""
    counts = queryset.aggregate(
        total=Count("pk"),
        **{gap.annotation: Count("pk", filter=gap.condition) for gap in GAPS},
    )
    result = {gap.slug: counts[gap.annotation] for gap in GAPS}
    result[None] = counts["total"]
    return result
