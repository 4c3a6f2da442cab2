"""Global roles as Django groups: names in one place, and predicates the rules layer uses."""

from __future__ import annotations

from typing import TYPE_CHECKING

import rules

if TYPE_CHECKING:
    from .models import User

PROGRAMME_OFFICER = "Programme officer"
EVENT_ORGANISER = "Event organiser"
STAFF = "Staff"
GLOBAL_ROLES = (PROGRAMME_OFFICER, EVENT_ORGANISER, STAFF)


def _in_group(user: User, name: str) -> bool:
    if not user.is_authenticated:
        return False
    # Cache the group names on the user object: many checks run per page.
    names = getattr(user, "_group_names", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._group_names = names
    return name in names


@rules.predicate
def is_platform_staff(user: User) -> bool:
    """Django staff or a member of the Staff group: may verify profiles and edit any of them."""
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser)) or _in_group(
        user, STAFF
    )


@rules.predicate
def is_programme_officer(user: User) -> bool:
    return _in_group(user, PROGRAMME_OFFICER)


@rules.predicate
def is_event_organiser(user: User) -> bool:
    return _in_group(user, EVENT_ORGANISER)
