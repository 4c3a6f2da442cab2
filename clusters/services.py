"""Every write to organisations goes through here: the pages, the API and commands share it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from .completeness import profile_completeness
from .models import (
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationRole,
    OrganisationStatus,
    Topic,
)
from .rules import forget_roles
from .search import refresh_search_vectors

TOPIC_FIELDS = ("offers_topics", "looks_for_topics")
CLUSTER_ONLY_FIELDS = ("member_count", "staff_fte", "label", "label_valid_until")
SME_ONLY_FIELDS = ("size_class", "turnover_band")
# Fields a profile form or API client may never set: the platform owns them.
# Page paths under /organisations/ that a slug must not shadow.
RESERVED_SLUGS = frozenset({"new", "mine", "map"})
PROTECTED_FIELDS = frozenset(
    {"slug", "status", "verified", "verified_at", "verified_by", "published_at", "completeness"}
)


def unique_slug(name: str, *, exclude_pk: int | None = None) -> str:
    """A slug from the name, suffixed -2, -3... when taken (one query for all candidates)."""
    base = slugify(name)[:200] or "organisation"
    if base in RESERVED_SLUGS:
        base = f"{base}-organisation"
    taken = set(
        Organisation.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def topics_from_names(names: Iterable[str]) -> list[Topic]:
    """Free-text tags to Topic rows, created on first use; the same tag twice is one topic."""
    wanted: dict[str, str] = {}
    for raw in names:
        name = " ".join(str(raw).split())[:200]
        code = slugify(name)[:80]
        if code and code not in wanted:
            wanted[code] = name
    existing = {t.code: t for t in Topic.objects.filter(code__in=wanted)}
    missing = [Topic(code=c, name=n) for c, n in wanted.items() if c not in existing]
    if missing:
        Topic.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.code: t for t in Topic.objects.filter(code__in=wanted)}
    return [existing[c] for c in wanted]


def _apply(org: Organisation, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Set scalar fields on ``org``; return the many-to-many values to set after saving."""
    bad = PROTECTED_FIELDS.intersection(fields)
    if bad:
        raise ValidationError(dict.fromkeys(bad, "This field is managed by the platform."))
    m2m: dict[str, Any] = {}
    for name, value in fields.items():
        field = Organisation._meta.get_field(name)
        if field.many_to_many:
            m2m[name] = topics_from_names(value) if name in TOPIC_FIELDS else value
        else:
            setattr(org, name, value)
    # Kind-specific fields are cleared when they do not apply, so a kind change leaves no
    # stale label on an SME.
    if org.kind != OrganisationKind.CLUSTER:
        org.member_count = org.staff_fte = org.label_valid_until = None
        org.label = ""
    if org.kind != OrganisationKind.SME:
        org.size_class = org.turnover_band = ""
    return m2m


def _save(org: Organisation, m2m: Mapping[str, Any]) -> None:
    org.full_clean(exclude=["slug"])
    org.save()
    for name, value in m2m.items():
        getattr(org, name).set(value)
    # Searchable at once, inside this transaction (the on-commit refresh is then skipped).
    refresh_search_vectors([org.pk])


@transaction.atomic
def organisation_create(
    *, user, fields: Mapping[str, Any], slug: str = "", manager: bool = True
) -> Organisation:
    """Create a draft profile and make ``user`` its manager. Imports keep the file's
    identifier (``slug``, already checked free) and do not make the officer a manager."""
    org = Organisation(status=OrganisationStatus.DRAFT)
    m2m = _apply(org, fields)
    org.slug = slug or unique_slug(org.name)
    _save(org, m2m)
    if manager:
        OrganisationRole.objects.create(
            user=user, organisation=org, role=OrganisationRole.Role.MANAGER
        )
        forget_roles(user)
    return org


@transaction.atomic
def organisation_update(*, organisation: Organisation, fields: Mapping[str, Any]) -> Organisation:
    m2m = _apply(organisation, fields)
    _save(organisation, m2m)
    return organisation


@transaction.atomic
def organisation_publish(*, organisation: Organisation, publish: bool = True) -> Organisation:
    """Publish (or take back to draft) a profile; a published profile needs a description."""
    if publish and not organisation.description.strip():
        raise ValidationError({"description": "Describe the organisation before publishing."})
    organisation.status = OrganisationStatus.PUBLISHED if publish else OrganisationStatus.DRAFT
    if publish and organisation.published_at is None:
        organisation.published_at = timezone.now()
    organisation.save(update_fields=["status", "published_at", "updated_at"])
    return organisation


@transaction.atomic
def organisation_verify(*, organisation: Organisation, user, verified: bool = True) -> Organisation:
    """Staff confirm that a profile is genuine; the rules layer decides who counts as staff."""
    if not user.has_perm("clusters.verify_organisation", organisation):
        raise PermissionDenied("Only platform staff can verify organisations.")
    organisation.verified = verified
    organisation.verified_at = timezone.now() if verified else None
    organisation.verified_by = user if verified else None
    organisation.save(update_fields=["verified", "verified_at", "verified_by", "updated_at"])
    return organisation


def organisation_recompute_completeness(*, organisation_id: int) -> int | None:
    """Store the completeness score; writes only when it changed (safe to run twice)."""
    org = Organisation.objects.filter(pk=organisation_id).first()
    if org is None:  # deleted before the task ran
        return None
    score = profile_completeness(org)
    if score != org.completeness:
        # update(): no post_save signal, so no task loop, and updated_at stays the user's.
        Organisation.objects.filter(pk=org.pk).update(completeness=score)
    return score


@transaction.atomic
def membership_add(*, cluster: Organisation, member: Organisation, joined=None) -> Membership:
    """Register ``member`` in ``cluster``; the constraints give the error messages."""
    if not cluster.is_cluster:
        raise ValidationError({"member": "Only cluster organisations have members."})
    membership = Membership(cluster=cluster, member=member, joined=joined)
    try:
        membership.full_clean()
    except ValidationError as error:
        # Constraint errors arrive as non-field errors; the form shows them on "member".
        raise ValidationError({"member": error.messages}) from error
    membership.save()
    return membership


def membership_remove(*, membership: Membership) -> None:
    membership.delete()


@transaction.atomic
def role_grant(*, organisation: Organisation, email: str, role: str) -> OrganisationRole:
    """Give an existing account a role (or change it); the account must exist already."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise ValidationError(
            {"email": "No account uses this e-mail address; ask the person to sign up first."}
        )
    if role not in OrganisationRole.Role.values:
        raise ValidationError({"role": f"Unknown role “{role}”."})
    existing = (
        OrganisationRole.objects.select_for_update()
        .filter(organisation=organisation, user=user)
        .first()
    )
    if existing and existing.role == OrganisationRole.Role.MANAGER != role:
        _keep_a_manager(organisation, leaving=existing)
    grant, _ = OrganisationRole.objects.update_or_create(
        organisation=organisation, user=user, defaults={"role": role}
    )
    forget_roles(user)
    return grant


@transaction.atomic
def role_revoke(*, grant: OrganisationRole) -> None:
    if grant.role == OrganisationRole.Role.MANAGER:
        _keep_a_manager(grant.organisation, leaving=grant)
    grant.delete()


def _keep_a_manager(organisation: Organisation, *, leaving: OrganisationRole) -> None:
    """An organisation never loses its last manager: nobody could edit it any more."""
    managers = (
        OrganisationRole.objects.select_for_update()
        .filter(organisation=organisation, role=OrganisationRole.Role.MANAGER)
        .exclude(pk=leaving.pk)
    )
    if not managers.exists():
        raise ValidationError({"role": "The organisation needs at least one other manager."})
