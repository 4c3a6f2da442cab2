"""Storing the demo partnership plan (``partnerships.build_partnerships``) by natural key:
programmes by code, calls by programme and code, partnerships by slug, members by partnership
and organisation, reports by partnership and period start, with bulk inserts, so a second run
creates nothing and rows that exist are left as they are."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, time, timedelta

from django.db import transaction

from ..completeness import profile_completeness
from ..models import (
    Call,
    ImpactReport,
    Organisation,
    Partnership,
    PartnershipMember,
    PartnershipStatus,
    Programme,
    Sector,
)
from ..search import refresh_search_vectors
from .generate import DemoData, Reference
from .partnerships import PROGRAMMES, TARGETS, Plan, build_partnerships


def load_demo_partnerships(data: DemoData, seed: int) -> Counter:
    """Store the plan for ``seed`` by natural key, in one transaction; returns what was
    created, by model (empty on a second run)."""
    plan = build_partnerships(data, seed, Reference.from_database())
    created: Counter = Counter()
    with transaction.atomic():
        org_ids = _store_clusters(plan, data, created)
        programmes = _store_programmes(created)
        calls = _store_calls(programmes, created)
        _store_partnerships(plan, programmes, calls, org_ids, created)
    return created


def _store_clusters(plan: Plan, data: DemoData, created: Counter) -> dict[str, int]:
    slugs = [c["slug"] for c in plan.clusters]
    have = set(Organisation.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    new = [Organisation(**c) for c in plan.clusters if c["slug"] not in have]
    Organisation.objects.bulk_create(new, batch_size=200)
    created["organisation"] += len(new)
    if new:
        _complete(plan, [o.slug for o in new])
    wanted = {s for p in plan.partnerships for s in p["members"]}
    return dict(Organisation.objects.filter(slug__in=wanted).values_list("slug", "pk"))


def _complete(plan: Plan, slugs: list[str]) -> None:
    """Sectors, completeness and search documents of new extra clusters (bulk_create sends
    no signal)."""
    orgs = list(Organisation.objects.filter(slug__in=slugs))
    sector_ids = dict(Sector.objects.values_list("code", "pk"))
    through = Organisation.sectors.through
    through.objects.bulk_create(
        [
            through(organisation_id=org.pk, sector_id=sector_ids[code])
            for org in orgs
            for code in plan.sectors[org.slug]
            if code in sector_ids
        ],
        batch_size=500,
    )
    for org in orgs:
        org.completeness = profile_completeness(org)
    Organisation.objects.bulk_update(orgs, ["completeness"], batch_size=200)
    refresh_search_vectors([org.pk for org in orgs])


def _store_programmes(created: Counter) -> dict[str, int]:
    have = set(Programme.objects.filter(code__in=PROGRAMMES).values_list("code", flat=True))
    new = [
        Programme(code=code, name=name, description=text)
        for code, (name, text) in PROGRAMMES.items()
        if code not in have
    ]
    Programme.objects.bulk_create(new)
    created["programme"] += len(new)
    return dict(Programme.objects.filter(code__in=PROGRAMMES).values_list("code", "pk"))


def _store_calls(programmes: dict[str, int], created: Counter) -> dict[str, int]:
    wanted = {(programmes[t.programme], c[0]): c for t in TARGETS for c in t.calls}
    rows = Call.objects.filter(programme_id__in=programmes.values())
    have = {(c.programme_id, c.code): c.pk for c in rows}
    new = [
        Call(programme_id=p, code=code, name=name, year=year)
        for (p, code), (_, name, year, _n) in wanted.items()
        if (p, code) not in have
    ]
    Call.objects.bulk_create(new)
    created["call"] += len(new)
    rows = Call.objects.filter(programme_id__in=programmes.values())
    return {c.code: c.pk for c in rows if (c.programme_id, c.code) in wanted}


def _store_partnerships(plan, programmes, calls, org_ids, created: Counter) -> None:
    slugs = [p["slug"] for p in plan.partnerships]
    planned = {
        p["slug"]: (p["starts_on"], p["ends_on"], calls[p["call"]]) for p in plan.partnerships
    }
    have = set(Partnership.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    skip = {"members", "reports", "programme", "call"}
    new = [
        Partnership(
            **{k: v for k, v in p.items() if k not in skip},
            programme_id=programmes[p["programme"]],
            call_id=calls[p["call"]],
            coordinator_id=org_ids[p["members"][0]],
            status=PartnershipStatus.PUBLISHED,
        )
        for p in plan.partnerships
        if p["slug"] not in have
    ]
    Partnership.objects.bulk_create(new, batch_size=200)
    created["partnership"] += len(new)
    # Members and reports go only to the planned partnerships: a row with the same slug but
    # other dates, call or members (another seed's, or edited) is left alone.
    ids = {
        slug: pk
        for slug, pk, starts, ends, call in Partnership.objects.filter(slug__in=slugs).values_list(
            "slug", "pk", "starts_on", "ends_on", "call_id"
        )
        if (starts, ends, call) == planned[slug]
    }
    members = set(
        PartnershipMember.objects.filter(partnership_id__in=ids.values()).values_list(
            "partnership_id", "organisation_id"
        )
    )
    mine = [
        p
        for p in plan.partnerships
        if p["slug"] in ids
        and {o for pk, o in members if pk == ids[p["slug"]]} <= {org_ids[m] for m in p["members"]}
    ]

    new_members, Role = [], PartnershipMember.Role
    for p in mine:
        for position, slug in enumerate(p["members"]):
            pair = (ids[p["slug"]], org_ids[slug])
            if pair not in members:
                role = Role.COORDINATOR if position == 0 else Role.PARTNER
                new_members.append(
                    PartnershipMember(
                        partnership_id=pair[0],
                        organisation_id=pair[1],
                        role=role,
                        joined_on=p["starts_on"],
                    )
                )
    PartnershipMember.objects.bulk_create(new_members, batch_size=500)
    created["partnership member"] += len(new_members)

    periods = defaultdict(list)  # partnership -> stored periods (they may never overlap)
    for pk, start, end in ImpactReport.objects.filter(partnership_id__in=ids.values()).values_list(
        "partnership_id", "period_start", "period_end"
    ):
        periods[pk].append((start, end))
    new_reports = []
    for p in mine:
        for start, end, figures in p["reports"]:
            if any(s <= end and start <= e for s, e in periods[ids[p["slug"]]]):
                continue
            moment = datetime.combine(end + timedelta(days=30), time(10), UTC)
            new_reports.append(
                ImpactReport(
                    partnership_id=ids[p["slug"]],
                    period_start=start,
                    period_end=end,
                    status=ImpactReport.Status.APPROVED,
                    submitted_at=moment,
                    decided_at=moment + timedelta(days=14),
                    **figures,
                )
            )
    ImpactReport.objects.bulk_create(new_reports, batch_size=500)
    created["impact report"] += len(new_reports)


def describe(created: Counter) -> str:
    """One line for the command: what the database now holds, and what this run added."""
    added = ", ".join(f"{n} {what}" for what, n in sorted(created.items()) if n)
    return (
        f"{Programme.objects.count()} programmes, {Call.objects.count()} calls, "
        f"{Partnership.objects.count()} partnerships, "
        f"{ImpactReport.objects.filter(status=ImpactReport.Status.APPROVED).count()} approved "
        f"impact reports (created: {added or 'nothing'})"
    )
