"""The one column definition of each export: CSV, XLSX, the API and the imports all use it.

A column's ``key`` is its CSV/XLSX header and its API field name, so a file exported here
imports back unchanged (the import reads the same keys). Values are plain: text, numbers,
dates or None; lists are joined with ``;`` (a comma would clash with CSV in spreadsheets).
Contact persons (personal data) are never exported.

Each ``value`` reads only what ``partnership_list`` / ``organisation_export_list`` already
joined or prefetched (or ``sources.iterate`` attached), so an export runs a constant number of
queries per chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

SEPARATOR = ";"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable[[Any], Any]


def joined(values: Iterable[Any]) -> str:
    return SEPARATOR.join(str(v) for v in values if v not in (None, ""))


def _codes(obj: Any, name: str) -> str:
    """The codes of a tag list, sorted for a stable, diff-friendly file: from
    ``obj.export_codes`` where the export attached them (sources.iterate: plain tuples, far
    cheaper than model objects at 100,000 rows), else from the prefetched ``.all()``."""
    attached = getattr(obj, "export_codes", None)
    if attached is not None:
        return joined(sorted(attached.get(name, ())))
    return joined(sorted(term.code for term in getattr(obj, name).all()))


def _member_countries(partnership) -> str:
    return joined(sorted({str(m.organisation.country) for m in partnership.memberships.all()}))


PARTNERSHIP_COLUMNS: tuple[Column, ...] = (
    Column("slug", "Identifier", lambda p: p.slug),
    Column("name", "Name", lambda p: p.name),
    Column("acronym", "Acronym", lambda p: p.acronym),
    Column("type", "Type", lambda p: p.type),
    Column("programme", "Programme", lambda p: p.programme.code if p.programme else ""),
    Column("call", "Call", lambda p: p.call.code if p.call else ""),
    Column("call_year", "Call year", lambda p: p.call.year if p.call else None),
    Column("phase", "Phase", lambda p: p.phase),
    Column("status", "Status", lambda p: p.status),
    Column("starts_on", "Starts", lambda p: p.starts_on),
    Column("ends_on", "Ends", lambda p: p.ends_on),
    Column("eu_budget", "EU budget (EUR)", lambda p: p.eu_budget),
    Column("coordinator", "Coordinator", lambda p: p.coordinator.slug if p.coordinator else ""),
    Column("member_count", "Members", lambda p: len(p.memberships.all())),
    Column("member_countries", "Member countries", _member_countries),
    Column(
        "target_countries",
        "Target countries",
        lambda p: joined(c.strip() for c in p.target_countries.split(",")),
    ),
    Column("thematic_areas", "Thematic areas", lambda p: _codes(p, "thematic_areas")),
    Column("sectors", "Sectors", lambda p: _codes(p, "sectors")),
    Column("website", "Website", lambda p: p.website),
)

# One row per membership; read from PartnershipMember with partnership and organisation joined.
MEMBER_COLUMNS: tuple[Column, ...] = (
    Column("partnership", "Partnership", lambda m: m.partnership.slug),
    Column("partnership_name", "Partnership name", lambda m: m.partnership.name),
    Column("organisation", "Organisation", lambda m: m.organisation.slug),
    Column("organisation_name", "Organisation name", lambda m: m.organisation.name),
    Column("country", "Country", lambda m: str(m.organisation.country)),
    Column("kind", "Kind", lambda m: m.organisation.kind),
    Column("role", "Role", lambda m: m.role),
    Column("joined_on", "Joined", lambda m: m.joined_on),
)

ORGANISATION_COLUMNS: tuple[Column, ...] = (
    Column("slug", "Identifier", lambda o: o.slug),
    Column("name", "Name", lambda o: o.name),
    Column("acronym", "Acronym", lambda o: o.acronym),
    Column("kind", "Kind", lambda o: o.kind),
    Column("country", "Country", lambda o: str(o.country)),
    Column("region", "Region (NUTS)", lambda o: o.region.code if o.region else ""),
    Column("city", "City", lambda o: o.city),
    Column("website", "Website", lambda o: o.website),
    Column("founded_year", "Founded", lambda o: o.founded_year),
    Column("member_count", "Members (declared)", lambda o: o.member_count),
    Column("label", "Cluster label", lambda o: o.label),
    Column("label_valid_until", "Label valid until", lambda o: o.label_valid_until),
    Column("sectors", "Sectors", lambda o: _codes(o, "sectors")),
    Column("ecosystems", "Industrial ecosystems", lambda o: _codes(o, "ecosystems")),
    Column("technologies", "Technologies", lambda o: _codes(o, "technologies")),
    Column("thematic_areas", "Thematic areas", lambda o: _codes(o, "thematic_areas")),
    Column("target_countries", "Target countries", lambda o: joined(o.target_countries)),
    Column("offers", "Offers", lambda o: o.offers),
    Column("looks_for", "Looks for", lambda o: o.looks_for),
)

COLUMNS = {
    "partnerships": PARTNERSHIP_COLUMNS,
    "members": MEMBER_COLUMNS,
    "organisations": ORGANISATION_COLUMNS,
}


def headers(kind: str) -> list[str]:
    return [column.key for column in COLUMNS[kind]]


def row(columns: Iterable[Column], obj: Any) -> list[Any]:
    return [column.value(obj) for column in columns]
