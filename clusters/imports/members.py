"""Partnership files: rows grouped into partnerships, and each partnership's member list.

A partnership's first row carries its own columns; its later rows repeat them or leave them
blank and add members (rows with the partnership's identifier may be anywhere in the file, as
in the members export; rows without one follow the partnership's first row).

The member list a file gives replaces the partnership's as a whole (through
``partnerships.set_members``); a file without member rows changes members only when its
``coordinator`` column names a new coordinator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..models import Organisation, PartnershipMember
from . import cells
from .cells import CellError
from .plan import Plan

Role = PartnershipMember.Role
MEMBER_KEYS = ("organisation", "role", "joined_on")
MISSING: Any = object()
# org pk -> (role, joined_on): the shape compared with the database.
Members = dict[int, tuple[str, date | None]]


@dataclass
class Group:
    """One partnership's rows: the first row's own columns, then every member row."""

    row: int
    cells: dict[str, str]
    members: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def group_rows(
    plan: Plan, rows: Iterable[tuple[int, dict[str, str]]], level_keys: Iterable[str]
) -> list[Group]:
    """Rows with an identifier join its partnership wherever they are; rows without one
    continue the partnership above them (or start one, when their columns differ)."""
    level_keys = tuple(level_keys)
    groups: list[Group] = []
    by_slug: dict[str, Group] = {}
    current: Group | None = None
    for number, row in rows:
        level = {k: row[k] for k in level_keys if k in row}
        member = {k: row[k] for k in MEMBER_KEYS if k in row}
        filled = {k: v for k, v in level.items() if v}
        slug = filled.get("slug")
        if slug and slug in by_slug:
            current = by_slug[slug]
        elif filled and (
            slug or current is None or any(current.cells.get(k) != v for k, v in filled.items())
        ):
            current = Group(number, level)
            groups.append(current)
            if slug:
                by_slug[slug] = current
        elif current is None:
            plan.error(
                number,
                "slug" if "slug" in level else "name",
                "This row names no partnership: fill its identifier or name.",
            )
            continue
        if current.row != number:
            for key, value in filled.items():
                if current.cells.get(key) != value:
                    plan.error(
                        number,
                        key,
                        f"Differs from row {current.row}, the first row of this partnership: "
                        "leave it blank or repeat the same value.",
                    )
        if any(member.values()):
            current.members.append((number, member))
    return groups


def listed_members(
    plan: Plan, group: Group, orgs: Mapping[str, Organisation]
) -> list[tuple[int, Organisation, str | None, Any]] | None:
    """The group's member rows as (row, organisation, role or None, joined_on or MISSING);
    None when the group lists no member (its members stay as they are)."""
    if not group.members:
        return None
    listed, seen = [], {}
    role_field = PartnershipMember._meta.get_field("role")
    for number, member in group.members:
        slug = member.get("organisation", "")
        org = orgs.get(slug)
        if not slug:
            plan.error(number, "organisation", "Give the member organisation's identifier.")
            continue
        if org is None:
            plan.error(number, "organisation", f"No organisation has the identifier “{slug}”.")
            continue
        if org.pk in seen:
            plan.error(number, "organisation", f"{slug} is already a member in row {seen[org.pk]}.")
            continue
        seen[org.pk] = number
        role, joined = None, MISSING
        try:
            if member.get("role"):
                role = cells.choice(role_field, member["role"])
        except CellError as error:
            plan.error(number, "role", str(error))
        try:
            if "joined_on" in member:
                joined = cells.scalar(PartnershipMember, "joined_on", member["joined_on"])
        except CellError as error:
            plan.error(number, "joined_on", str(error))
        listed.append((number, org, role, joined))
    return listed


def desired_members(
    plan: Plan,
    group: Group,
    listed: list | None,
    coordinator: Organisation | None,
    current: Members,
    current_coordinator: int | None,
) -> Members | None:
    """The member list the partnership should have, or None to leave it as it is."""
    column = "role" if listed else "coordinator"
    if listed is not None:
        desired: Members = {}
        for number, org, role, joined in listed:
            named = coordinator is not None and org == coordinator
            if coordinator is not None and role is not None and (role == Role.COORDINATOR) != named:
                plan.error(
                    number,
                    "role",
                    f"The coordinator column names {coordinator.slug}: only it has the role "
                    "coordinator.",
                )
            old_role, old_joined = current.get(org.pk, (None, None))
            if role is None:
                if named:
                    role = Role.COORDINATOR
                elif coordinator is not None and old_role == Role.COORDINATOR:
                    role = Role.PARTNER
                else:
                    role = old_role or Role.PARTNER
            desired[org.pk] = (role, old_joined if joined is MISSING else joined)
        if coordinator is not None and coordinator.pk not in desired:
            desired[coordinator.pk] = (Role.COORDINATOR, current.get(coordinator.pk, ("", None))[1])
    elif coordinator is not None and coordinator.pk != current_coordinator:
        desired = {
            pk: (Role.PARTNER if role == Role.COORDINATOR else role, joined)
            for pk, (role, joined) in current.items()
        }
        desired[coordinator.pk] = (Role.COORDINATOR, current.get(coordinator.pk, ("", None))[1])
    else:
        return None
    coordinators = [pk for pk, (role, _j) in desired.items() if role == Role.COORDINATOR]
    if len(coordinators) != 1:
        plan.error(
            group.row,
            column,
            f"A partnership has exactly one coordinator; these rows give it {len(coordinators)}.",
        )
    return desired


def member_rows(desired: Members, orgs: Mapping[int, Organisation]) -> list[tuple]:
    """(organisation, role, joined_on) rows for the partnership services."""
    return [(orgs[pk], role, joined) for pk, (role, joined) in desired.items()]
