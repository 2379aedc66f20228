"""An initiative's partnerships as its pages group them: by their partner's sector, and each
partner once with all its partnerships. Both keep the order of the partnerships given (the
page's order, ``models.partnerships_in_order``)."""

from partners.models import Sector


def by_sector(partnerships):
    """``(sector, its partnerships)`` for each sector that has any, in the sectors' order."""
    found = {}
    for partnership in partnerships:
        found.setdefault(partnership.partner.sector, []).append(partnership)
    return [(sector, found[sector]) for sector in Sector if sector in found]


def by_partner(partnerships):
    """``(partner, its partnerships)`` for each partner, in the order of its first: a partner
    can lead an initiative and be its intermediary."""
    found = {}
    for partnership in partnerships:
        found.setdefault(partnership.partner_id, (partnership.partner, []))[1].append(partnership)
    return list(found.values())
