"""The organisations map: the search's filters, counted per country or per NUTS-2 region.

The page binds the same ``OrganisationFilterSet`` as the search page, so every filter (and
every error message about a filter) is the same. Drawing costs no query: the country view
counts with one GROUP BY; the region view adds a GROUP BY per NUTS-2 code and one query for
the region names. Filter values are validated as on the search page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django_countries import countries

from . import facets, maps, selectors
from .filters import OrganisationFilterSet
from .models import Region

VIEWS = {"countries": "Countries", "regions": "NUTS-2 regions"}
NOT_FILTERS = ("page", "view")  # parameters of this page, not of the search


def _with_view(querystring: str, view: str) -> str:
    """A link to this page: the filters in ``querystring``, shown as ``view``."""
    parts = [querystring] if querystring else []
    if view != "countries":
        parts.append(f"view={view}")
    return "?" + "&".join(parts)


def _link(query: QueryDict, param: str, values: list[str]) -> str:
    """The search list with the current filters, ``param`` replaced by ``values``."""
    new = query.copy()
    new.setlist(param, values)
    return f"{reverse('clusters:organisation-list')}?{new.urlencode()}"


def _country_entries(
    counts: dict[str, int], query: QueryDict
) -> tuple[dict[str, maps.Entry], list]:
    names = dict(countries)
    shapes = maps.layer("countries").shapes
    entries: dict[str, maps.Entry] = {}
    for code in maps.programme_countries() | set(counts):
        count = counts.get(code, 0)
        entries[code] = maps.Entry(
            names.get(code, code), count, _link(query, "country", [code]) if count else None
        )
    drawn = {code: e for code, e in entries.items() if code in shapes}
    rows = [
        {"code": code, "entry": e, "on_map": code in shapes}
        for code, e in maps.sorted_rows(entries.items())
        if e.count
    ]
    return drawn, rows


def _region_entries(counts: dict[str, int], query: QueryDict) -> tuple[dict[str, maps.Entry], list]:
    shapes = maps.layer("regions").shapes
    names = dict(Region.objects.filter(level=2).values_list("code", "name"))
    country_names = dict(countries)
    drawn: dict[str, maps.Entry] = {}
    for shape_id, shape in shapes.items():
        codes = list(shape.codes)
        count = sum(counts.get(code, 0) for code in codes)
        label = " + ".join(f"{names.get(code, code)} ({code})" for code in codes)
        drawn[shape_id] = maps.Entry(label, count, _link(query, "region", codes) if count else None)
    placed = {code for shape in shapes.values() for code in shape.codes}
    rows = [
        {
            "code": code,
            "entry": maps.Entry(
                f"{names.get(code, code)} ({country_names.get(code[:2], code[:2])})",
                count,
                _link(query, "region", [code]),
            ),
            "on_map": code in placed,
        }
        for code, count in counts.items()
        if count
    ]
    rows.sort(key=lambda row: (-row["entry"].count, row["entry"].label))
    return drawn, rows


def organisation_map(request: HttpRequest) -> HttpResponse:
    views = VIEWS if maps.regions_available() else {"countries": VIEWS["countries"]}
    view = request.GET.get("view")
    view = view if view in views else "countries"
    query = request.GET.copy()
    for name in NOT_FILTERS:
        query.pop(name, None)
    visible = selectors.organisation_list(request.user)
    filterset = OrganisationFilterSet(request.GET or None, queryset=visible)
    valid = not filterset.is_bound or filterset.is_valid()
    result = filterset.qs if valid else visible.none()

    by_country = maps.country_counts(result)
    total = sum(by_country.values())
    if view == "regions":
        by_region = maps.region_counts(result)
        entries, rows = _region_entries(by_region, query)
        placed = sum(row["entry"].count for row in rows if row["on_map"])
        title = "Organisations per NUTS-2 region"
    else:
        entries, rows = _country_entries(by_country, query)
        placed = sum(row["entry"].count for row in rows if row["on_map"])
        title = "Organisations per country"
    layer = maps.layer(view)
    description = (
        f"{title}, in five bins: " + ", ".join(label for _lo, _hi, label in maps.BINS) + "."
    )
    querystring = query.urlencode()
    chips = facets.active_filters(filterset, query) if valid else []
    context = {
        "filter": filterset,
        "view": view,
        "views": [
            {"label": label, "url": _with_view(querystring, value), "current": value == view}
            for value, label in views.items()
        ]
        if len(views) > 1
        else [],
        "querystring": querystring,
        "chips": [{"chip": chip, "url": _with_view(chip.remove_url, view)} for chip in chips],
        "total": total,
        "placed": placed,
        "unplaced": total - placed,
        "areas_with_organisations": len(rows),
        "rows": rows,
        "title": title,
        "legend": maps.legend(),
        # Safe: render_svg escapes every name, label and link it writes.
        "svg": mark_safe(maps.render_svg(layer, entries, title, description)),
    }
    return render(request, "clusters/organisation_map.html", context)
