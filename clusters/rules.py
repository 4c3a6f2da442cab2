"""Object permissions for organisations (django-rules), checked by pages, API and admin alike.

Per-user lookups are cached on the user object so that a list of 50 organisations costs one
query for the user's roles, not 50.
"""

from __future__ import annotations

import rules

from clusterplatform.accounts.roles import is_platform_staff, is_programme_officer

from .models import Organisation, OrganisationRole, PartnershipStatus


def organisation_ids_for(user, role: str | None = None) -> frozenset[int]:
    """Ids of the organisations where ``user`` has a role (or the given role); cached per user."""
    if not user or not user.is_authenticated:
        return frozenset()
    cache = getattr(user, "_organisation_roles", None)
    if cache is None:
        cache = dict(
            OrganisationRole.objects.filter(user=user).values_list("organisation_id", "role")
        )
        user._organisation_roles = cache
    if role is None:
        return frozenset(cache)
    return frozenset(pk for pk, r in cache.items() if r == role)


def forget_roles(user) -> None:
    """Drop the cached roles after a service changed them (e.g. a new organisation)."""
    if hasattr(user, "_organisation_roles"):
        del user._organisation_roles


@rules.predicate
def is_organisation_manager(user, organisation: Organisation | None) -> bool:
    if organisation is None:
        return False
    return organisation.pk in organisation_ids_for(user, OrganisationRole.Role.MANAGER)


@rules.predicate
def is_organisation_person(user, organisation: Organisation | None) -> bool:
    """Any role (manager or member) in the organisation."""
    if organisation is None:
        return False
    return organisation.pk in organisation_ids_for(user)


@rules.predicate
def is_published(user, organisation: Organisation | None) -> bool:
    return organisation is not None and organisation.is_published


can_edit = is_organisation_manager | is_platform_staff

rules.add_perm("clusters.add_organisation", rules.is_authenticated)
rules.add_perm(
    "clusters.view_organisation", is_published | is_organisation_person | is_platform_staff
)
rules.add_perm("clusters.change_organisation", can_edit)
rules.add_perm("clusters.delete_organisation", can_edit)
rules.add_perm("clusters.publish_organisation", can_edit)
rules.add_perm("clusters.verify_organisation", is_platform_staff)
# Contact persons are personal data: only the organisation's own people and staff see them.
rules.add_perm("clusters.view_organisation_contact", is_organisation_person | is_platform_staff)


# Partnerships
# The object is a Partnership, or an ImpactReport (its partnership's rules apply).


def _partnership(obj):
    return getattr(obj, "partnership", obj) if obj is not None else None


@rules.predicate
def is_published_partnership(user, obj) -> bool:
    partnership = _partnership(obj)
    return partnership is not None and partnership.status == PartnershipStatus.PUBLISHED


@rules.predicate
def is_partnership_person(user, obj) -> bool:
    """Any role in any member organisation (the coordinator included); one query per check."""
    partnership = _partnership(obj)
    if partnership is None or partnership.pk is None:
        return False
    mine = organisation_ids_for(user)
    if not mine:
        return False
    if partnership.coordinator_id in mine:
        return True
    return partnership.memberships.filter(organisation_id__in=mine).exists()


@rules.predicate
def is_coordinator_manager(user, obj) -> bool:
    partnership = _partnership(obj)
    if partnership is None or partnership.coordinator_id is None:
        return False
    return partnership.coordinator_id in organisation_ids_for(user, OrganisationRole.Role.MANAGER)


officer_or_staff = is_programme_officer | is_platform_staff

rules.add_perm(
    "clusters.view_partnership",
    is_published_partnership | is_partnership_person | officer_or_staff,
)
rules.add_perm("clusters.change_partnership", is_coordinator_manager | officer_or_staff)
rules.add_perm("clusters.add_partnership", officer_or_staff)
rules.add_perm("clusters.submit_report", is_coordinator_manager)
rules.add_perm("clusters.decide_report", officer_or_staff)
# Imports create and change many profiles at once: programme officers and staff only.
rules.add_perm("clusters.import_data", officer_or_staff)
