"""Draw the world map's outline, static/img/world.svg, from Natural Earth's countries.

    npm ci --prefix bench/worldmap && .venv/bin/python bench/worldmap/build.py

Reads ``world-atlas`` (Natural Earth 1:110m, public domain, as TopoJSON; the version is
pinned in package.json beside this file), projects it with the portal's own projection
(``ppci.lib.worldmap``, so that the markers pages draw fall where the outline puts the cities)
and writes a small SVG: the sea, the land as one path, and each border between two countries
once. Antarctica and the far south are left out. The output is committed; run this again
only to change the drawing.
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from ppci.lib import worldmap  # noqa: E402

SOURCE = HERE / "node_modules" / "world-atlas" / "countries-110m.json"
OUTPUT = ROOT / "static" / "img" / "world.svg"
# Points closer than this (in view box units, the map being 1,000 wide) to the line through
# their neighbours are dropped: invisible at any size a page shows the map.
TOLERANCE = 0.35


def decode_arcs(topology):
    """Each arc as a list of (longitude, latitude): TopoJSON keeps them quantised, as
    differences from the previous point."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring_points(ring, arcs):
    points = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def unwrap(points):
    """The points with longitudes made continuous: a line crossing the antimeridian goes on
    past 180° (or below −180°) instead of jumping across the map."""
    unwrapped = [points[0]]
    for longitude, latitude in points[1:]:
        previous = unwrapped[-1][0]
        while longitude - previous > 180:
            longitude -= 360
        while longitude - previous < -180:
            longitude += 360
        unwrapped.append((longitude, latitude))
    return unwrapped


def clip(points, inside, cross):
    """One pass of Sutherland–Hodgman: the ring cut along a meridian."""
    clipped = []
    for index, current in enumerate(points):
        previous = points[index - 1]
        if inside(current):
            if not inside(previous):
                clipped.append(cross(previous, current))
            clipped.append(current)
        elif inside(previous):
            clipped.append(cross(previous, current))
    return clipped


def on_meridian(a, b, meridian):
    (x1, y1), (x2, y2) = a, b
    return meridian, y1 + (y2 - y1) * (meridian - x1) / (x2 - x1)


def densify_edge(points):
    """Along the map's edge a straight line between two latitudes is a curve: add a point
    every degree."""
    dense = []
    for index, (longitude, latitude) in enumerate(points):
        dense.append((longitude, latitude))
        following = points[(index + 1) % len(points)]
        if abs(longitude) == 180 and following[0] == longitude:
            step = 1 if following[1] > latitude else -1
            for between in range(int(latitude) + step, int(following[1]), step):
                dense.append((longitude, float(between)))
    return dense


def split_ring(points):
    """A ring that crosses the antimeridian, as the pieces on either side of it."""
    points = unwrap(points)
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    if west >= -180 and east <= 180:
        return [points]
    pieces = []
    for shift in (0, 360, -360):
        piece = [(longitude + shift, latitude) for longitude, latitude in points]
        piece = clip(piece, lambda p: p[0] <= 180, lambda a, b: on_meridian(a, b, 180))
        piece = clip(piece, lambda p: p[0] >= -180, lambda a, b: on_meridian(a, b, -180))
        if len(piece) >= 3:
            pieces.append(densify_edge(piece))
    return pieces


def split_line(points):
    """A line broken where it jumps across the antimeridian."""
    lines, current = [], [points[0]]
    for point in points[1:]:
        if abs(point[0] - current[-1][0]) > 180:
            lines.append(current)
            current = []
        current.append(point)
    return [*lines, current]


def polygons(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def simplify(points, closed):
    """Drop the points that bend the line by less than TOLERANCE (Douglas–Peucker)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        length = ((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5
        farthest, distance = None, TOLERANCE
        for index in range(first + 1, last):
            px, py = points[index]
            if length:
                d = abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length
            else:
                d = ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            if d > distance:
                farthest, distance = index, d
        if farthest is not None:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    kept = [point for point, wanted in zip(points, keep, strict=True) if wanted]
    if closed and len(kept) < 4:
        return []
    return kept


def number(value):
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def path(lines, closed):
    """An SVG path, in relative moves: shorter than absolute ones."""
    parts = []
    for line in lines:
        projected = []
        for longitude, latitude in line:
            x, y = worldmap.project(latitude, longitude)
            if not projected or projected[-1] != (x, y):
                projected.append((x, y))
        projected = simplify(projected, closed)
        if len(projected) < 2:
            continue
        (x0, y0), rest = projected[0], projected[1:]
        if closed and rest and rest[-1] == (x0, y0):
            rest = rest[:-1]
        steps, (px, py) = [], (x0, y0)
        for x, y in rest:
            steps.append(f"{number(x - px)} {number(y - py)}")
            px, py = x, y
        parts.append(f"M{number(x0)} {number(y0)}l" + " ".join(steps) + ("z" if closed else ""))
    # Every number starts with a digit or a minus: "l1 -2" can lose its space before a minus.
    return "".join(parts).replace(" -", "-")


def in_view(points):
    return max(latitude for _longitude, latitude in points) > worldmap.SOUTH


def sea():
    """The projection's edge: the meridians ±180° between the crop's latitudes."""
    west = [(-180, latitude) for latitude in range(int(worldmap.SOUTH), int(worldmap.NORTH) + 1)]
    east = [(180, latitude) for _longitude, latitude in reversed(west)]
    return path([west + east], closed=True)


def build():
    topology = json.loads(SOURCE.read_text())
    arcs = decode_arcs(topology)
    land_rings = []
    for geometry in topology["objects"]["land"]["geometries"]:
        for polygon in polygons(geometry):
            for ring in polygon:
                points = ring_points(ring, arcs)
                if in_view(points):
                    land_rings.extend(split_ring(points))
    # A border is an arc two countries share: drawn once, not once for each side.
    users = {}
    for number_, geometry in enumerate(topology["objects"]["countries"]["geometries"]):
        for polygon in polygons(geometry):
            for ring in polygon:
                for index in ring:
                    users.setdefault(index if index >= 0 else ~index, set()).add(number_)
    borders = [arcs[index] for index, owners in sorted(users.items()) if len(owners) > 1]
    borders = [line for arc in borders if in_view(arc) for line in split_line(arc)]
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="{worldmap.VIEW_BOX}" width="{worldmap.WIDTH}" height="{worldmap.HEIGHT}">\n'
        "<!-- Country outlines: Natural Earth 1:110m (public domain, naturalearthdata.com), "
        "through the npm package world-atlas 2.0.2 (ISC licence, Mike Bostock). Natural Earth I "
        "projection; drawn by bench/worldmap/build.py. -->\n"
        f'<path fill="#dbe9f2" d="{sea()}"/>\n'
        f'<path fill="#f4f1ea" stroke="#8f9aa5" stroke-width="0.6" d="{path(land_rings, True)}"/>\n'
        f'<path fill="none" stroke="#b3bcc5" stroke-width="0.5" d="{path(borders, False)}"/>\n'
        "</svg>\n"
    )
    OUTPUT.write_text(svg)
    return len(svg.encode())


if __name__ == "__main__":
    size = build()
    print(f"{OUTPUT.relative_to(ROOT)}: {size:,} bytes")
