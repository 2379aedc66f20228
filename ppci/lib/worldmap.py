"""A world map drawn on the server, with no tiles, no requests to anyone else and no script.

The outline (land and country borders from Natural Earth) is a static file,
``static/img/world.svg``, made once by ``bench/worldmap/build.py`` with the projection below.
A page draws only its markers: an inline ``<svg>`` with the same view box, laid over that
image, each marker a link with a text name. This module projects a place and writes the
markers' markup in one pass, without a template per marker.

The projection is Natural Earth I (Šavrič, Jenny, Patterson and Jenny, 2011; the polynomial
d3-geo uses), cropped to the latitudes where people live: Antarctica is left out.
"""

import functools
import math
from dataclasses import dataclass
from html import escape

from django.utils.safestring import mark_safe

WIDTH = 1000
NORTH = 84.0
SOUTH = -57.0


def natural_earth(longitude, latitude):
    """Natural Earth I, in radians of the unit sphere: (x east, y north)."""
    lam, phi = math.radians(longitude), math.radians(latitude)
    phi2 = phi * phi
    phi4 = phi2 * phi2
    x = lam * (
        0.8707 - 0.131979 * phi2 + phi4 * (-0.013791 + phi4 * (0.003971 * phi2 - 0.001529 * phi4))
    )
    y = phi * (
        1.007226 + phi2 * (0.015085 + phi4 * (-0.044475 + 0.028874 * phi2 - 0.005916 * phi4))
    )
    return x, y


_EAST = natural_earth(180, 0)[0]
_TOP = natural_earth(0, NORTH)[1]
SCALE = WIDTH / (2 * _EAST)
HEIGHT = round(SCALE * (_TOP - natural_earth(0, SOUTH)[1]))
VIEW_BOX = f"0 0 {WIDTH} {HEIGHT}"


@functools.lru_cache(maxsize=8192)
def project(latitude, longitude):
    """A place's position on the map, in the units of its view box (x right, y down). Kept
    for the places already seen: cities do not move."""
    latitude = max(SOUTH, min(NORTH, float(latitude)))
    x, y = natural_earth(float(longitude), latitude)
    return round(SCALE * (x + _EAST), 1), round(SCALE * (_TOP - y), 1)


@dataclass(frozen=True, slots=True)
class Place:
    """One marker: where, what its link says and where it leads.

    ``count``: how many cases it stands for (its size grows with it); ``member``: a city of
    the network, drawn as a diamond (with a dot inside when it also has cases)."""

    name: str
    url: str
    latitude: object
    longitude: object
    count: int = 0
    member: bool = False

    @property
    def position(self):
        return project(self.latitude, self.longitude)


def radius(count, largest):
    """A dot's radius: 6 for one case, up to 12 for the place with the most."""
    if count <= 1 or largest <= 1:
        return 6
    return round(6 + 6 * math.sqrt((count - 1) / (largest - 1)), 1)


def diamond(x, y, size):
    return f"M{x} {round(y - size, 1)}l{size} {size}l-{size} {size}l-{size}-{size}z"


def marker(place, largest):
    x, y = place.position
    r = radius(place.count, largest)
    shapes = []
    if place.member:
        size = round(r + 5, 1) if place.count else 8
        shapes.append(f'<path class="member" d="{diamond(x, y, size)}"/>')
    if place.count:
        shapes.append(f'<circle class="dot" cx="{x}" cy="{y}" r="{r}"/>')
    hit = max(r + 6, 14)
    return (
        f'<a href="{escape(place.url)}"><title>{escape(place.name)}</title>'
        f'<circle class="hit" cx="{x}" cy="{y}" r="{hit}"/>{"".join(shapes)}</a>'
    )


def markers(places):
    """The markers' markup, larger places first so that a small one near a large one stays
    on top and can be reached with the pointer."""
    places = sorted(places, key=lambda place: (-place.count, place.name))
    largest = max((place.count for place in places), default=0)
    return mark_safe("".join(marker(place, largest) for place in places))  # noqa: S308 (escaped above)


def as_list(places):
    """The same places as list items: each a link with its own words."""
    return mark_safe(  # noqa: S308 (escaped)
        "".join(
            f'<li><a href="{escape(place.url)}">{escape(place.name)}</a></li>' for place in places
        )
    )
