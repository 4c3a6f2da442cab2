"""The European Cluster Collaboration Platform's criteria for a cluster organisation profile.

Shown as a checklist on the profile so that a cluster manager knows what is missing before
staff verify the profile. The thresholds live here, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

MIN_STAFF_FTE = Decimal("0.5")
MIN_MEMBERS = 15
MIN_MEMBER_KINDS = 2


@dataclass(frozen=True)
class Criterion:
    label: str
    met: bool
    detail: str


def cluster_eligibility(
    *,
    staff_fte: Decimal | None,
    declared_members: int | None,
    registered_members: int,
    member_kinds: set[str],
    website: str,
    website_in_english: bool,
) -> list[Criterion]:
    """Evaluate the checklist from plain values (the caller counts members in one query)."""
    members = max(declared_members or 0, registered_members)
    staff = staff_fte if staff_fte is not None else Decimal(0)
    return [
        Criterion(
            f"At least {MIN_STAFF_FTE} full-time staff",
            staff >= MIN_STAFF_FTE,
            f"{staff} FTE declared" if staff_fte is not None else "Staff not declared",
        ),
        Criterion(
            f"At least {MIN_MEMBERS} members",
            members >= MIN_MEMBERS,
            f"{members} members ({registered_members} registered on the platform)",
        ),
        Criterion(
            "Members of at least two kinds (e.g. companies and research or public bodies)",
            len(member_kinds) >= MIN_MEMBER_KINDS,
            f"{len(member_kinds)} kind(s) among registered members",
        ),
        Criterion(
            "An English-language website",
            bool(website) and website_in_english,
            website or "No website given",
        ),
    ]


def is_eligible(criteria: list[Criterion]) -> bool:
    return all(c.met for c in criteria)
