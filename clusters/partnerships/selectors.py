"""Who sees which partnerships and reports, already joined for lists, pages, API and exports."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet

from ..models import ImpactReport, Partnership, PartnershipMember
from ..rules import officer_or_staff, organisation_ids_for

ROLE_ORDER = {role: index for index, role in enumerate(PartnershipMember.Role.values)}


def sees_every_partnership(user) -> bool:
    """Programme officers and staff: the rules' own predicate, so pages and rules agree."""
    return bool(officer_or_staff(user))


def _theirs(user, prefix: str = "") -> Q:
    """Partnerships one of the user's organisations coordinates or belongs to."""
    own = organisation_ids_for(user)
    mine = PartnershipMember.objects.filter(organisation_id__in=own).values("partnership_id")
    return Q(**{f"{prefix}coordinator_id__in": own}) | Q(**{f"{prefix}pk__in": mine})


def partnerships_visible_to(user) -> QuerySet[Partnership]:
    """Published partnerships, plus drafts the user's organisations belong to (all for
    programme officers and staff)."""
    qs = Partnership.objects.all()
    if sees_every_partnership(user):
        return qs
    published = Q(status=Partnership.Status.PUBLISHED)
    if organisation_ids_for(user):
        return qs.filter(published | _theirs(user))
    return qs.filter(published)


def members_in_order(memberships: Iterable[PartnershipMember]) -> list[PartnershipMember]:
    """Coordinator first, then partners and associated partners, each by name (in Python,
    over prefetched memberships: pages and the API show the same order)."""
    return sorted(
        memberships, key=lambda m: (ROLE_ORDER.get(m.role, 9), m.organisation.name.lower())
    )


def partnership_list(user) -> QuerySet[Partnership]:
    """For list pages, the API and exports: a constant number of queries whatever the size."""
    return (
        partnerships_visible_to(user)
        .select_related("programme", "call", "coordinator")
        .prefetch_related(
            "sectors",
            "thematic_areas",
            Prefetch(
                "memberships",
                queryset=PartnershipMember.objects.select_related("organisation").order_by(
                    "role", "organisation__name"
                ),
            ),
        )
    )


def reports_visible_to(user, partnerships: QuerySet[Partnership] | None = None):
    """Approved reports for everyone who sees the partnership; every report for its own
    people, programme officers and staff."""
    visible = partnerships if partnerships is not None else partnerships_visible_to(user)
    qs = ImpactReport.objects.filter(partnership__in=visible.values("pk"))
    if sees_every_partnership(user):
        return qs
    approved = Q(status=ImpactReport.Status.APPROVED)
    if organisation_ids_for(user):
        return qs.filter(approved | _theirs(user, prefix="partnership__"))
    return qs.filter(approved)
