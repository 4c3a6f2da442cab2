"""Reusable read queries for organisations, already joined and prefetched for their pages."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from clusterplatform.accounts.roles import is_platform_staff

from .eligibility import Criterion, cluster_eligibility
from .models import Membership, Organisation, OrganisationRole
from .rules import organisation_ids_for

API_PREFETCH = (
    "sectors",
    "ecosystems",
    "emerging_industries",
    "technologies",
    "thematic_areas",
    "offers_topics",
    "looks_for_topics",
    "collaboration_types",
)


def organisations_visible_to(user) -> QuerySet[Organisation]:
    """Published profiles, plus drafts of the user's own organisations (all for staff)."""
    qs = Organisation.objects.all()
    if is_platform_staff(user):
        return qs
    own = organisation_ids_for(user)
    if own:
        return qs.filter(Q(status=Organisation.Status.PUBLISHED) | Q(pk__in=own))
    return qs.published()


def organisation_list(user) -> QuerySet[Organisation]:
    """For the list page: region joined, sectors prefetched (a constant number of queries)."""
    return organisations_visible_to(user).select_related("region").prefetch_related("sectors")


def organisation_api_list(user) -> QuerySet[Organisation]:
    """For the API: every tag list prefetched, one query each whatever the page size."""
    return organisations_visible_to(user).select_related("region").prefetch_related(*API_PREFETCH)


def organisation_detail(user) -> QuerySet[Organisation]:
    """Members and clusters are listed only where the viewer may open their profiles."""
    visible = organisations_visible_to(user).values("pk")
    return organisation_api_list(user).prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(member__in=visible)
            .select_related("member")
            .order_by("member__name"),
        ),
        Prefetch(
            "member_of",
            queryset=Membership.objects.filter(cluster__in=visible)
            .select_related("cluster")
            .order_by("cluster__name"),
        ),
    )


def my_organisations(user) -> QuerySet[OrganisationRole]:
    return (
        OrganisationRole.objects.filter(user=user)
        .select_related("organisation", "organisation__region")
        .order_by("organisation__name")
    )


def eligibility_for(org: Organisation) -> list[Criterion]:
    """The checklist for a cluster profile; counts registered members in one query."""
    kinds = dict(
        Membership.objects.filter(cluster=org)
        .values_list("member__kind")
        .annotate(n=Count("id"))
        .values_list("member__kind", "n")
    )
    return cluster_eligibility(
        staff_fte=org.staff_fte,
        declared_members=org.member_count,
        registered_members=sum(kinds.values()),
        member_kinds=set(kinds),
        website=org.website,
        website_in_english=org.website_in_english,
    )
