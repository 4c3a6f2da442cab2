"""Programme totals for the officer dashboard: partnerships, reach and results, grouped.

Each figure is one aggregation over the whole set, whatever its size: four queries per call
(partnerships and budget, distinct cluster members, distinct member countries, sums over
approved impact reports) plus one for the group labels. Only APPROVED reports count: a
draft or a report waiting for an officer is not yet a result of the programme.

Distinct counts are distinct within the group: a cluster in two partnerships of one call
counts once for that call, and once for each call it took part in.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractYear

from ..models import (
    FIGURES,
    Call,
    ImpactReport,
    OrganisationKind,
    Partnership,
    PartnershipMember,
    PartnershipType,
    Programme,
)

GroupBy = Literal["programme", "call", "type", "year"]
GROUPS: tuple[str, ...] = ("programme", "call", "type", "year")
COUNTS = ("partnerships", "cluster_organisations", "countries")
# Every key of a totals row, in the order a table or an export shows them.
COLUMNS = (*COUNTS, *FIGURES, "eu_budget")
LABELS = {
    "partnerships": "Partnerships",
    "cluster_organisations": "Cluster organisations",
    "countries": "Countries",
    "smes_reached": "SMEs reached",
    "smes_supported": "SMEs supported",
    "b2b_meetings": "B2B meetings",
    "c2c_events": "Cluster-to-cluster events",
    "mous": "MoUs",
    "collaboration_projects": "Collaboration projects",
    "cooperation_cases": "Business cooperation cases",
    "eu_budget": "EU budget (EUR)",
}


def _key(group_by: str | None, prefix: str = ""):
    """The grouping expression, seen from Partnership (prefix "") or from a related model."""
    if group_by is None:
        return None
    if group_by == "year":
        return ExtractYear(f"{prefix}starts_on")
    if group_by not in GROUPS:
        raise ValueError(f"Cannot group by {group_by!r}: choose one of {', '.join(GROUPS)}.")
    return F(f"{prefix}{group_by}")


def _grouped(qs: QuerySet, key, **aggregates) -> dict[Any, dict[str, Any]]:
    """{group key: {name: value}} in one query; the whole set under None when key is None."""
    if key is None:
        return {None: qs.order_by().aggregate(**aggregates)}
    rows = qs.order_by().annotate(_group=key).values("_group").annotate(**aggregates)
    return {row.pop("_group"): row for row in rows}


def _collect(partnerships: QuerySet, group_by: str | None) -> dict[Any, dict[str, Any]]:
    ids = partnerships.order_by().values("pk")
    base = _grouped(
        partnerships,
        _key(group_by),
        partnerships=Count("pk"),
        eu_budget=Coalesce(Sum("eu_budget"), Decimal("0")),
    )
    members = PartnershipMember.objects.filter(partnership__in=ids)
    clusters = _grouped(
        members.filter(organisation__kind=OrganisationKind.CLUSTER),
        _key(group_by, "partnership__"),
        cluster_organisations=Count("organisation", distinct=True),
    )
    countries = _grouped(
        members,
        _key(group_by, "partnership__"),
        countries=Count("organisation__country", distinct=True),
    )
    reports = _grouped(
        ImpactReport.objects.filter(partnership__in=ids, status=ImpactReport.Status.APPROVED),
        _key(group_by, "partnership__"),
        **{name: Coalesce(Sum(name), 0) for name in FIGURES},
    )
    totals: dict[Any, dict[str, Any]] = {}
    for key, row in base.items():
        totals[key] = _empty() | {k: 0 if v is None else v for k, v in row.items()}
    for source in (clusters, countries, reports):
        for key, row in source.items():
            if key in totals:
                totals[key].update({k: 0 if v is None else v for k, v in row.items()})
    return totals


def _empty() -> dict[str, Any]:
    return {**dict.fromkeys(COLUMNS, 0), "eu_budget": Decimal("0")}


def totals(qs: QuerySet[Partnership] | None = None) -> dict[str, Any]:
    """The overall totals of ``qs`` (all partnerships by default), zeros for an empty set."""
    qs = Partnership.objects.all() if qs is None else qs
    return _collect(qs, None)[None]


def programme_totals(
    partnerships_qs: QuerySet[Partnership] | None = None, group_by: GroupBy = "programme"
) -> list[dict[str, Any]]:
    """One totals row per programme (or call, type, year of start), ordered by label.

    Each row holds ``key`` (the programme or call id, type value or year; None for
    partnerships without one), ``label``, and the numbers named in ``COLUMNS``.
    """
    qs = Partnership.objects.all() if partnerships_qs is None else partnerships_qs
    grouped = _collect(qs, group_by)
    labels = _labels(group_by, [k for k in grouped if k is not None])
    rows = [{"key": key, "label": labels.get(key, "None"), **row} for key, row in grouped.items()]
    return sorted(rows, key=lambda r: (r["key"] is None, _sort_key(group_by, r)))


def by_call(qs: QuerySet[Partnership] | None = None) -> list[dict[str, Any]]:
    return programme_totals(qs, "call")


def by_type(qs: QuerySet[Partnership] | None = None) -> list[dict[str, Any]]:
    return programme_totals(qs, "type")


def by_year(qs: QuerySet[Partnership] | None = None) -> list[dict[str, Any]]:
    return programme_totals(qs, "year")


def _labels(group_by: str, keys: Iterable[Any]) -> dict[Any, str]:
    """Readable names of the groups: one query for programmes or calls, none otherwise."""
    keys = list(keys)
    if group_by == "programme":
        return {p.pk: p.name for p in Programme.objects.filter(pk__in=keys)}
    if group_by == "call":
        calls = Call.objects.filter(pk__in=keys).select_related("programme")
        return {c.pk: f"{c.programme.name}: {c.name} ({c.year})" for c in calls}
    if group_by == "type":
        names = dict(PartnershipType.choices)
        return {k: str(names.get(k, k)) for k in keys}
    return {k: str(k) for k in keys}


def _sort_key(group_by: str, row: dict[str, Any]) -> tuple:
    if group_by == "year":
        return (row["key"] or 0, "")
    return (0, row["label"].casefold())


def find(rows: list[dict[str, Any]], label: str) -> dict[str, Any] | None:
    """The row whose label is ``label`` (a convenience for dashboards and tests)."""
    return next((r for r in rows if r["label"] == label), None)


__all__ = [
    "COLUMNS",
    "GROUPS",
    "LABELS",
    "by_call",
    "by_type",
    "by_year",
    "find",
    "programme_totals",
    "totals",
]
