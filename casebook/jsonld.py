"""What the public pages say to search engines, in schema.org terms: only what the page itself
shows, so only published initiatives.

Every page is a ``WebPage`` in the reader's language (``inLanguage`` is a property of pages,
not of organisations or places) whose ``mainEntity`` is what it describes:

- an initiative is a ``Project``: schema.org's “enterprise planned to achieve a particular
  aim”, a kind of ``Organization``, which is what a partnership of organisations is (an
  ``Event`` has no partners and a ``CreativeWork`` no members). So it has ``foundingDate``
  and ``dissolutionDate`` (its years), a ``location``, and its partners as ``member``, each
  wrapped in an ``OrganizationRole`` that names its role, as schema.org's Role pattern does;
  those who pay are also its ``funder`` and those who give in kind its ``sponsor``. The
  page is ``about`` the initiative's work themes, each a ``DefinedTerm`` of the five;
- a partner is an ``Organization``, ``memberOf`` its initiatives with its roles;
- a city is a ``City`` with its ``geo`` position, ``containedInPlace`` its country;
- a theme's page is a ``CollectionPage`` ``about`` the theme (a ``DefinedTerm``) whose
  ``mainEntity`` is the ``ItemList`` of its initiatives.

Things are named by their page's address (``@id``), so that an initiative's partner and
that partner's own page are recognisably the same organisation.
"""

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_countries import countries

from ppci.lib.jsonld import script
from ppci.lib.urls import remembered_reverse

from .models import Role

# The roles of partners who pay, and of those who give in kind.
FUNDING_ROLES = frozenset({Role.FUNDER, Role.INVESTOR, Role.OUTCOME_PAYER, Role.COMMISSIONER})
SPONSOR_ROLES = frozenset({Role.IN_KIND})


def absolute(request, path):
    return request.build_absolute_uri(path)


def page(request, main, name, kind="WebPage", **extra):
    return {
        "@type": kind,
        "@id": absolute(request, request.path),
        "url": absolute(request, request.path),
        "name": name,
        "inLanguage": get_language(),
        "isPartOf": {
            "@type": "WebSite",
            "name": _("PPCI Case Book"),
            "url": absolute(request, remembered_reverse("casebook:home")),
        },
        "mainEntity": main,
        **extra,
    }


def country(code):
    return {"@type": "Country", "name": countries.name(code), "identifier": str(code)}


def geo(city):
    if city.latitude is None or city.longitude is None:
        return None
    return {
        "@type": "GeoCoordinates",
        "latitude": float(city.latitude),
        "longitude": float(city.longitude),
    }


def city_place(request, city):
    url = absolute(request, city.get_absolute_url())
    return {
        "@type": "City",
        "@id": url,
        "name": city.name,
        "url": url,
        "geo": geo(city),
        "address": {
            "@type": "PostalAddress",
            "addressLocality": city.name,
            "addressCountry": str(city.country),
        },
        "containedInPlace": country(city.country),
    }


def theme_term(request, theme):
    url = absolute(request, theme.get_absolute_url())
    return {
        "@type": "DefinedTerm",
        "@id": url,
        "name": theme.name,
        "termCode": theme.slug,
        "url": url,
        "inDefinedTermSet": {
            "@type": "DefinedTermSet",
            "name": _("Five work themes"),
            "url": absolute(request, remembered_reverse("casebook:themes")),
        },
    }


def organization(request, partner):
    url = absolute(request, partner.get_absolute_url())
    return {
        "@type": "Organization",
        "@id": url,
        "name": partner.name,
        "url": url,
        "sameAs": partner.website,
    }


def project_reference(request, initiative):
    url = absolute(request, initiative.get_absolute_url())
    return {
        "@type": "Project",
        "@id": url + "#initiative",
        "name": initiative.title,
        "url": url,
    }


def year(value):
    return str(value) if value else None


def initiative(request, initiative):
    """An initiative's page: None for a draft (staff see it, search engines never do)."""
    if not initiative.is_published:
        return None
    partnerships = list(initiative.partnerships.all())
    funders, sponsors = {}, {}
    for partnership in partnerships:
        if partnership.role in FUNDING_ROLES:
            funders.setdefault(partnership.partner_id, partnership.partner)
        if partnership.role in SPONSOR_ROLES:
            sponsors.setdefault(partnership.partner_id, partnership.partner)
    location = (
        city_place(request, initiative.city)
        if initiative.city
        else {"@type": "Place", "address": {"@type": "PostalAddress"}}
    )
    location.setdefault("address", {})["addressCountry"] = str(initiative.country)
    if initiative.place:
        location = {**location, "description": initiative.place}
    url = absolute(request, initiative.get_absolute_url())
    # Each partner once, however many roles it plays.
    organizations = {
        partnership.partner_id: organization(request, partnership.partner)
        for partnership in partnerships
    }
    project = {
        "@type": "Project",
        "@id": url + "#initiative",
        "name": initiative.title,
        "description": initiative.summary,
        "url": url,
        "foundingDate": year(initiative.year_founded),
        "dissolutionDate": year(initiative.year_ended),
        "location": location,
        "areaServed": [country(code) for code in initiative.reach_countries],
        "member": [
            {
                "@type": "OrganizationRole",
                "roleName": partnership.get_role_display(),
                "member": organizations[partnership.partner_id],
            }
            for partnership in partnerships
        ],
        "funder": [organizations[key] for key in funders],
        "sponsor": [organizations[key] for key in sponsors],
    }
    themes = [theme_term(request, theme) for theme in initiative.themes.all()]
    return script(page(request, project, initiative.title, about=themes))


def partner(request, partner, entries):
    """A partner's page: the organisation and the published initiatives this page lists,
    with its roles in each."""
    organisation = {
        **organization(request, partner),
        "description": partner.description,
        "address": {"@type": "PostalAddress", "addressCountry": str(partner.country)}
        if partner.country
        else None,
        "memberOf": [
            {
                "@type": "OrganizationRole",
                "roleName": role.get_role_display(),
                "memberOf": project_reference(request, entry["initiative"]),
            }
            for entry in entries
            for role in entry["roles"]
        ],
    }
    return script(page(request, organisation, partner.name))


def city(request, city, initiatives):
    """A city's page: the city, where it is and in which country, and whether it belongs to
    the Strong Cities Network."""
    place = {
        **city_place(request, city),
        "description": city.description,
        "additionalProperty": {
            "@type": "PropertyValue",
            "name": _("Strong Cities Network member"),
            "value": city.is_network_member,
        },
    }
    about = [project_reference(request, initiative) for initiative in initiatives]
    return script(page(request, place, city.name, about=about))


def theme(request, theme, initiatives, total=None, first=1):
    """A theme's page: the theme, and its published initiatives as a list: ``initiatives``,
    the page's, from the ``first`` of ``total``."""
    term = {**theme_term(request, theme), "description": theme.description}
    items = {
        "@type": "ItemList",
        "numberOfItems": len(initiatives) if total is None else total,
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": position,
                "item": project_reference(request, initiative),
            }
            for position, initiative in enumerate(initiatives, start=first)
        ],
    }
    return script(page(request, items, theme.name, kind="CollectionPage", about=term))
