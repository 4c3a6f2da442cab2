"""Services for partnerships and their members: the only code that writes them.

Each service checks the caller's permission (django-rules, see ``clusters/rules.py``), raises
``PermissionDenied`` for the wrong person and ``ValidationError({field: message})`` for bad
input, and writes inside one transaction, so nothing is ever half-written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from ..models import Organisation, Partnership, PartnershipMember

Role = PartnershipMember.Role
# Set by the services themselves, never from a form.
PROTECTED_FIELDS = frozenset({"slug", "status", "coordinator", "members", "created_at"})
RESERVED_SLUGS = frozenset({"new", "map"})
MemberRow = tuple[Organisation, str, date | None]


def unique_slug(name: str, *, exclude_pk: int | None = None) -> str:
    """A slug from the name, suffixed -2, -3... when taken (one query for all candidates).
    "new" and "map" are pages under /partnerships/, never slugs."""
    base = slugify(name)[:200] or "partnership"
    taken = RESERVED_SLUGS | set(
        Partnership.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _require(user, perm: str, obj=None) -> None:
    if not user or not user.has_perm(perm, obj):
        raise PermissionDenied("You may not do this for this partnership.")


def _apply(partnership: Partnership, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Set scalar fields; return the many-to-many values to set after saving."""
    bad = PROTECTED_FIELDS.intersection(fields)
    if bad:
        raise ValidationError(dict.fromkeys(sorted(bad), "This field is set by the platform."))
    m2m: dict[str, Any] = {}
    for name, value in fields.items():
        try:
            field = Partnership._meta.get_field(name)
        except FieldDoesNotExist:
            raise ValidationError({name: "Unknown field."}) from None
        if field.many_to_many:
            m2m[name] = value
        else:
            setattr(partnership, name, value)
    if partnership.call_id and partnership.programme_id is None:
        partnership.programme_id = partnership.call.programme_id
    if partnership.call_id and partnership.call.programme_id != partnership.programme_id:
        raise ValidationError({"call": "This call belongs to another programme."})
    return m2m


def _save(partnership: Partnership, m2m: Mapping[str, Any]) -> None:
    # Field errors first (they name the field), then the table's constraints.
    partnership.full_clean(exclude=["slug"], validate_constraints=False)
    if (
        partnership.starts_on
        and partnership.ends_on
        and partnership.ends_on < partnership.starts_on
    ):
        raise ValidationError({"ends_on": "A partnership ends after it starts."})
    partnership.save()
    for name, value in m2m.items():
        getattr(partnership, name).set(value)


def _check_members(members: Iterable[MemberRow]) -> list[MemberRow]:
    """Each organisation once, known roles, exactly one coordinator."""
    rows = [(org, role, joined_on) for org, role, joined_on in members]
    seen: set[int] = set()
    for org, role, _joined_on in rows:
        if role not in Role.values:
            raise ValidationError({"members": f"Unknown role “{role}”."})
        if org.pk in seen:
            raise ValidationError({"members": f"{org} is listed twice."})
        seen.add(org.pk)
    coordinators = [org for org, role, _j in rows if role == Role.COORDINATOR]
    if len(coordinators) != 1:
        raise ValidationError({"members": "A partnership has exactly one coordinator."})
    return rows


def _replace_members(partnership: Partnership, rows: list[MemberRow]) -> None:
    partnership.memberships.all().delete()
    PartnershipMember.objects.bulk_create(
        PartnershipMember(partnership=partnership, organisation=org, role=role, joined_on=joined)
        for org, role, joined in rows
    )
    coordinator = next(org for org, role, _j in rows if role == Role.COORDINATOR)
    if partnership.coordinator_id != coordinator.pk:
        partnership.coordinator = coordinator
        partnership.save(update_fields=["coordinator", "updated_at"])


@transaction.atomic
def create_partnership(
    *,
    user,
    fields: Mapping[str, Any],
    members: Iterable[MemberRow] = (),
    coordinator: Organisation | None = None,
    slug: str = "",
) -> Partnership:
    """A draft partnership with its members. The coordinator is the member with role
    coordinator, or ``coordinator`` (added as such when not listed). Imports keep the
    file's identifier (``slug``, already checked free)."""
    _require(user, "clusters.add_partnership")
    rows = [(org, role, joined_on) for org, role, joined_on in members]
    if coordinator is not None:
        listed = [r for r in rows if r[0].pk == coordinator.pk]
        if listed and listed[0][1] != Role.COORDINATOR:
            raise ValidationError({"members": f"{coordinator} coordinates: give it that role."})
        if not listed:
            rows.insert(0, (coordinator, Role.COORDINATOR, None))
    rows = _check_members(rows)
    partnership = Partnership(status=Partnership.Status.DRAFT)
    m2m = _apply(partnership, fields)
    partnership.slug = slug or unique_slug(partnership.name)
    _save(partnership, m2m)
    _replace_members(partnership, rows)
    return partnership


@transaction.atomic
def update_partnership(*, user, partnership: Partnership, fields: Mapping[str, Any]) -> Partnership:
    """Edit the partnership's own fields (members go through ``set_members``)."""
    _require(user, "clusters.change_partnership", partnership)
    partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
    m2m = _apply(partnership, fields)
    _save(partnership, m2m)
    return partnership


@transaction.atomic
def set_members(
    *, user, partnership: Partnership, members: Iterable[MemberRow]
) -> list[PartnershipMember]:
    """Replace the member list as a whole; exactly one coordinator, who becomes the
    partnership's coordinator."""
    _require(user, "clusters.change_partnership", partnership)
    rows = _check_members(members)
    partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
    _replace_members(partnership, rows)
    return list(partnership.memberships.select_related("organisation"))


@transaction.atomic
def publish_partnership(*, user, partnership: Partnership, publish: bool = True) -> Partnership:
    """Show the partnership to everyone (or take it back to draft)."""
    _require(user, "clusters.change_partnership", partnership)
    partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
    if publish and partnership.coordinator_id is None:
        raise ValidationError({"coordinator": "Name a coordinator before publishing."})
    status = Partnership.Status.PUBLISHED if publish else Partnership.Status.DRAFT
    partnership.status = status
    partnership.save(update_fields=["status", "updated_at"])
    return partnership
