"""The case book on a world map: the cities with published initiatives and the network's
member cities, and on the list the cities of its current results.

Each page gets its markers from one aggregate it already has or makes once: the home page
and the cities page from the count of published initiatives per city, the list from the
facet counts of its filters (the count per city with every other filter applied: with no
city chosen, exactly the results per city). The list's cities and their places come with its
vocabulary (``filters.Vocabulary``), read once per change of content. The markers' markup is
written in Python (``ppci.lib.worldmap``), not by a template per marker.
"""

import functools
import itertools
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.formats import number_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django_countries import countries

from ppci.lib import worldmap
from ppci.lib.urls import slug_url

from .models import City, Status

# A map shows at most this many cities (those with the most initiatives first): at network
# scale the others stay in the filters and on the cities page, and the page stays small.
MAX_MARKERS = 250

_ids = itertools.count(1)

FACT_FIELDS = ("slug", "name_es", "name_en", "country", "latitude", "longitude")


@dataclass(frozen=True, slots=True)
class CityFacts:
    """What a map needs of a city, light enough to keep in memory for all of them."""

    slug: str
    name_es: str
    name_en: str
    country: str
    latitude: object
    longitude: object
    member: bool

    @classmethod
    def all_of(cls, queryset):
        """The facts of the cities of ``queryset``, in one query."""
        return [cls(*row) for row in queryset.values_list(*FACT_FIELDS, "is_network_member")]

    @classmethod
    def of(cls, city):
        return cls(
            city.slug,
            city.name_es,
            city.name_en,
            city.country.code,
            city.latitude,
            city.longitude,
            city.is_network_member,
        )

    @property
    def name(self):
        if get_language() == "en":
            return self.name_en or self.name_es
        return self.name_es or self.name_en

    @property
    def placed(self):
        return self.latitude is not None and self.longitude is not None


def published_per_city():
    """The cities with published initiatives, or that belong to the network: one aggregate
    query, as (facts, count of published initiatives)."""
    rows = (
        City.objects.annotate(
            published=Count("initiatives", filter=Q(initiatives__status=Status.PUBLISHED))
        )
        .filter(Q(published__gt=0) | Q(is_network_member=True))
        .values_list(*FACT_FIELDS, "is_network_member", "published")
    )
    return [(CityFacts(*row[:-1]), row[-1]) for row in rows]


@functools.lru_cache(maxsize=1024)
def country_name(language, code):
    """A country's name in a language: the same for as long as the portal runs."""
    return countries.name(code)


def describer():
    """A function that words a marker and its list item: “Boston, United States: 1
    initiative”. Made once per map, so that each phrase and country name is looked up once,
    not once per city."""
    language = get_language()
    english = language == "en"
    pattern = _("%(city)s, %(country)s: %(facts)s")
    member_words = _("Strong Cities Network member")
    country_names = {}
    count_words = {}

    def describe(city, count, member):
        parts = []
        if count:
            if count not in count_words:
                count_words[count] = ngettext(
                    "%(count)s initiative", "%(count)s initiatives", count
                ) % {"count": number_format(count, force_grouping=True)}
            parts.append(count_words[count])
        if member:
            parts.append(member_words)
        if city.country not in country_names:
            country_names[city.country] = country_name(language, city.country)
        name = (city.name_en or city.name_es) if english else (city.name_es or city.name_en)
        return pattern % {
            "city": name,
            "country": country_names[city.country],
            "facts": "; ".join(parts),
        }

    return describe


def world_map(entries, *, total=None, url=None, members=True, caption=""):
    """The map's parts for ``includes/world_map.html``.

    ``entries``: (city facts, count) pairs; ``total``: how many initiatives the map stands
    for, when some may have no city; ``url``: a city's link (default: its page);
    ``members``: whether network membership is shown."""
    describe = describer()
    found, unplaced = [], 0
    for city, count in entries:
        member = members and city.member
        if not count and not member:
            continue
        if not city.placed:
            unplaced += count
            continue
        found.append((-count, describe(city, count, member), city, member))
    found.sort(key=lambda place: place[:2])
    hidden = max(0, len(found) - MAX_MARKERS)
    # The links of the markers shown only: a map of every city of a large case book would
    # work out thousands it does not show.
    places = [
        worldmap.Place(
            name=name,
            url=slug_url("casebook:city", city.slug) if url is None else url(city),
            latitude=city.latitude,
            longitude=city.longitude,
            count=-negative_count,
            member=member,
        )
        for negative_count, name, city, member in found[:MAX_MARKERS]
    ]
    in_a_city = sum(count for _city, count in entries)
    without_city = max(0, total - in_a_city) if total is not None else 0
    return {
        "id": f"map-{next(_ids)}",
        "view_box": worldmap.VIEW_BOX,
        "width": worldmap.WIDTH,
        "height": worldmap.HEIGHT,
        "markers": worldmap.markers(places),
        "items": worldmap.as_list(sorted(places, key=lambda place: place.name)),
        "places": len(places),
        # A short list is shown open under the map; a long one waits to be opened.
        "list_open": len(places) <= 12,
        "hidden_places": hidden,
        "without_city": without_city,
        "unplaced": unplaced,
        "shows_members": members and any(place.member for place in places),
        "caption": caption,
    }
