"""Two to four initiatives side by side."""

import re

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import partner_groups, search
from .filters import title_in_language
from .models import Initiative
from .search import clean_query

MIN_CASES, MAX_CASES = 2, 4
# The most initiatives the comparison offers to tick at once: all of a small case book, else
# those a search finds, by title.
MAX_CHOICES = 40
# What a slug can be (Django's slug path converter); anything else names no initiative.
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def chosen_initiatives(slugs):
    """The published initiatives named by ``slugs``, in that order, and what was wrong with
    the choice. Fewer than two is not wrong: the visitor is still choosing."""
    problems, unique = [], []
    for slug in slugs:
        slug = slug.strip()
        if not slug:
            continue
        if slug in unique:
            problems.append(
                _("“%(slug)s” was chosen twice; it is shown once.") % {"slug": slug[:80]}
            )
            continue
        unique.append(slug)
    if len(unique) > MAX_CASES:
        problems.append(
            _("At most %(max)d initiatives can be compared; the first %(max)d are shown.")
            % {"max": MAX_CASES}
        )
        unique = unique[:MAX_CASES]
    valid = [slug for slug in unique if SLUG.fullmatch(slug)]
    found = {i.slug: i for i in Initiative.objects.published().filter(slug__in=valid).for_detail()}
    for slug in unique:
        if slug not in found:
            problems.append(
                _("There is no published initiative “%(slug)s”.") % {"slug": clean_query(slug)[:80]}
            )
    initiatives = [found[slug] for slug in unique if slug in found]
    return initiatives, problems


def removal_urls(initiatives):
    """For each initiative, the address of the same comparison without it."""
    slugs = [initiative.slug for initiative in initiatives]
    url = reverse("casebook:compare")
    for initiative in initiatives:
        rest = [("i", slug) for slug in slugs if slug != initiative.slug]
        initiative.remove_url = f"{url}?{urlencode(rest)}" if rest else url


def partners_by_sector(initiative):
    """The initiative's partners by sector, each partner once with all its roles, in the
    order of its partnerships."""
    return [
        {
            "sector": sector,
            "partners": [
                {"partner": partner, "roles": [p.get_role_display() for p in own]}
                for partner, own in partner_groups.by_partner(partnerships)
            ],
        }
        for sector, partnerships in partner_groups.by_sector(initiative.partnerships.all())
    ]


def choices(chosen, query):
    """The published initiatives offered to add to the comparison (not ``chosen``) by title,
    at most ``MAX_CHOICES``, and whether there are more: all of them while they are few,
    else those whose texts match ``query`` (none without one: a case book of thousands is
    searched, not scrolled)."""
    offered = Initiative.objects.published().exclude(slug__in=chosen).select_related("city")
    if query:
        offered = search.matching(offered, query)
    found = list(offered.order_by(title_in_language(), "slug")[: MAX_CHOICES + 1])
    if len(found) > MAX_CHOICES and not query:
        return [], True
    return found[:MAX_CHOICES], len(found) > MAX_CHOICES
