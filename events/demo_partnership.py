"""A running demo partnership fed by the finished demo event: its draft impact report for the
current period carries the meetings held there and the cooperation agreements and MoUs its
participants rated, so ``make run`` shows figures that need no retyping.

It belongs to a programme of its own (a Joint Cluster Initiative of the Single Market
Programme, call code styled on the real ones, not confirmed), so the published programme
figures of ``clusters/demo/partnerships.py`` stay exactly as published. Stored by natural key
(programme code, call code, partnership slug, one report per period): a second run creates
nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from clusters.demo.vocabulary import MANAGER
from clusters.models import (
    Call,
    ImpactReport,
    Organisation,
    OrganisationKind,
    OrganisationRole,
    Partnership,
    PartnershipMember,
    Programme,
)
from clusters.partnerships import impact_reports

from .models import Event, Registration

EVENT_SLUG = "demo-advanced-manufacturing-b2b-days"
PROGRAMME = (
    "smp-cosme",
    "Single Market Programme (COSME strand)",
    "Joint Cluster Initiatives and cluster partnerships funded after COSME.",
)
CALL_CODE, CALL_NAME = "SMP-COSME-CLUSTER-JCI", "Joint Cluster Initiatives"
SLUG = "demo-advanced-manufacturing-alliance"
NAME, ACRONYM = "Advanced Manufacturing Cluster Alliance", "AMCA"
PARTNERS = 4
# What the coordinator typed; the event figures (B2B meetings, cooperation cases, MoUs) are
# the platform's own.
TYPED = {"smes_reached": 180, "smes_supported": 64, "c2c_events": 3, "collaboration_projects": 2}


def load_demo_partnership(events: list[Event]) -> Counter:
    """Link the finished demo event to a running partnership coordinated by the demo
    manager's cluster, with a draft report of the period the event falls in."""
    created: Counter = Counter()
    event = next((e for e in events if e.slug == EVENT_SLUG), None)
    manager = get_user_model().objects.filter(email=MANAGER.email).first()
    coordinator = _managed_cluster(manager)
    if event is None or coordinator is None:
        return created
    with transaction.atomic():
        start = _first_of_month(event.local(event.starts_at).date() - timedelta(days=180))
        partnership = _partnership(event, coordinator, start, created)
        if event.partnership_id != partnership.pk:
            Event.objects.filter(pk=event.pk).update(partnership=partnership)
            created["event linked"] += 1
        period_end = _first_of_month(start + timedelta(days=366)) - timedelta(days=1)
        if not ImpactReport.objects.filter(partnership=partnership).exists():
            impact_reports.create_report(
                user=manager,
                partnership=partnership,
                period_start=start,
                period_end=period_end,
                figures=TYPED,
                notes="First year. Meetings, agreements and MoUs come from our B2B days.",
            )
            created["draft report"] += 1
    return created


def _managed_cluster(user) -> Organisation | None:
    if user is None:
        return None
    role = (
        OrganisationRole.objects.filter(
            user=user,
            role=OrganisationRole.Role.MANAGER,
            organisation__kind=OrganisationKind.CLUSTER,
        )
        .select_related("organisation")
        .order_by("organisation__name")
        .first()
    )
    return role.organisation if role else None


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def _partnership(event: Event, coordinator: Organisation, start: date, created) -> Partnership:
    programme, new = Programme.objects.get_or_create(
        code=PROGRAMME[0], defaults={"name": PROGRAMME[1], "description": PROGRAMME[2]}
    )
    created["programme"] += new
    call, new = Call.objects.get_or_create(
        programme=programme, code=CALL_CODE, defaults={"name": CALL_NAME, "year": start.year}
    )
    created["call"] += new
    partnership, new = Partnership.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": NAME,
            "acronym": ACRONYM,
            "type": Partnership.Type.JOINT_CLUSTER_INITIATIVE,
            "programme": programme,
            "call": call,
            "phase": Partnership.Phase.IMPLEMENTATION,
            "status": Partnership.Status.PUBLISHED,
            "description": "Clusters in advanced manufacturing that run B2B days together "
            "and report their results on the platform.",
            "starts_on": start,
            "ends_on": start.replace(year=start.year + 3) - timedelta(days=1),
            "coordinator": coordinator,
        },
    )
    if new:
        created["partnership"] += 1
        _members(partnership, event, coordinator, start)
    return partnership


def _members(partnership: Partnership, event: Event, coordinator: Organisation, start) -> None:
    """The coordinator and the first clusters that took part in the event."""
    partners = list(
        Organisation.objects.filter(
            kind=OrganisationKind.CLUSTER,
            pk__in=Registration.objects.filter(event=event).values("organisation_id"),
        )
        .exclude(pk=coordinator.pk)
        .order_by("name")
        .values_list("pk", flat=True)[:PARTNERS]
    )
    Role = PartnershipMember.Role
    rows = [(coordinator.pk, Role.COORDINATOR)] + [(pk, Role.PARTNER) for pk in partners]
    PartnershipMember.objects.bulk_create(
        PartnershipMember(partnership=partnership, organisation_id=pk, role=role, joined_on=start)
        for pk, role in rows
    )
