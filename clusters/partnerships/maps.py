"""Member maps of partnerships: distinct member organisations per country, drawn with the
programme maps' bins (0, 1-3, 4-6, 7-9, 10+) by ``clusters/maps.py``.

An organisation in three of the filtered partnerships counts once for its country. The list's
map costs one GROUP BY query; a partnership's own map reads its prefetched members (no query).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.safestring import mark_safe
from django_countries import countries

from .. import maps
from ..models import Partnership, PartnershipMember

TITLE = "Member organisations per country"


def member_country_counts(partnerships: QuerySet[Partnership]) -> dict[str, int]:
    """Distinct member organisations per country code over ``partnerships``, in one query.

    Counting over ``partnership IN (their ids)`` ignores the list's ordering and prefetches.
    """
    ids = partnerships.order_by().values("pk")
    rows = (
        PartnershipMember.objects.filter(partnership_id__in=ids)
        .order_by()
        .values_list("organisation__country")
        .annotate(n=Count("organisation_id", distinct=True))
    )
    return {str(country): n for country, n in rows if country}


def counts_from_members(memberships: Iterable[PartnershipMember]) -> dict[str, int]:
    """The same counts from already loaded members (each with its organisation)."""
    seen: dict[str, set[int]] = {}
    for member in memberships:
        country = str(member.organisation.country or "")
        if country:
            seen.setdefault(country, set()).add(member.organisation_id)
    return {country: len(orgs) for country, orgs in seen.items()}


def member_map(
    counts: dict[str, int],
    *,
    link: Callable[[str], str] | None = None,
    title: str = TITLE,
) -> dict[str, Any]:
    """What a template needs to draw the map and its table fallback.

    Programme countries are drawn in their bin even with no member (bin 0), as on the
    programme maps; a country outside them is drawn when it has members. ``link(code)``, when
    given, is where a country with members links to.
    """
    names = dict(countries)
    layer = maps.layer("countries")
    entries: dict[str, maps.Entry] = {}
    for code in maps.programme_countries() | set(counts):
        count = counts.get(code, 0)
        href = link(code) if link and count else None
        entries[code] = maps.Entry(names.get(code, code), count, href)
    rows = [
        {"code": code, "entry": entry, "on_map": code in layer.shapes}
        for code, entry in maps.sorted_rows(entries.items())
        if entry.count
    ]
    drawn = {code: entry for code, entry in entries.items() if code in layer.shapes}
    description = (
        f"{title}, in five bins: " + ", ".join(label for _lo, _hi, label in maps.BINS) + "."
    )
    return {
        "title": title,
        "total": sum(counts.values()),
        "countries": len(rows),
        "rows": rows,
        "legend": maps.legend(),
        # Safe: render_svg escapes every name, label and link it writes.
        "svg": mark_safe(maps.render_svg(layer, drawn, title, description)),
    }
