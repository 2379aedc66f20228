"""Two to four initiatives side by side."""

import re

from django.utils.translation import gettext as _

from .models import Initiative
from .search import clean_query

MIN_CASES, MAX_CASES = 2, 4
# What a slug can be (Django's slug path converter); anything else names no initiative.
SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def chosen_initiatives(slugs):
    """The published initiatives named by ``slugs``, in that order, and what was wrong."""
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
    if len(initiatives) < MIN_CASES:
        problems.append(_("Choose at least two initiatives to compare."))
    return initiatives, problems
