"""Who sees which partnerships and reports, already joined for lists, pages, API and exports."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from clusterplatform.accounts.roles import is_platform_staff, is_programme_officer

from .models import ImpactReport, Partnership, PartnershipMember
from .rules import organisation_ids_for


def sees_every_partnership(user) -> bool:
    return bool(is_programme_officer(user) or is_platform_staff(user))


def partnerships_visible_to(user) -> QuerySet[Partnership]:
    """Published partnerships, plus drafts the user's organisations belong to (all for
    programme officers and staff)."""
    qs = Partnership.objects.all()
    if sees_every_partnership(user):
        return qs
    own = organisation_ids_for(user)
    if own:
        mine = PartnershipMember.objects.filter(organisation_id__in=own).values("partnership_id")
        return qs.filter(
            Q(status=Partnership.Status.PUBLISHED) | Q(coordinator_id__in=own) | Q(pk__in=mine)
        )
    return qs.filter(status=Partnership.Status.PUBLISHED)


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
    own = organisation_ids_for(user)
    if own:
        mine = PartnershipMember.objects.filter(organisation_id__in=own).values("partnership_id")
        return qs.filter(
            Q(status=ImpactReport.Status.APPROVED)
            | Q(partnership__coordinator_id__in=own)
            | Q(partnership_id__in=mine)
        )
    return qs.filter(status=ImpactReport.Status.APPROVED)
