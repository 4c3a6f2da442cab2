"""Creating and editing events, their session windows and per-kind limits."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from ..models import Event, EventStatus, KindLimit, SessionWindow
from ..rules import forget

# Which status an organiser may move an event to, from each status.
TRANSITIONS: dict[str, set[str]] = {
    EventStatus.DRAFT: {EventStatus.PUBLISHED, EventStatus.CANCELLED},
    EventStatus.PUBLISHED: {
        EventStatus.REGISTRATION_CLOSED,
        EventStatus.FINISHED,
        EventStatus.CANCELLED,
        EventStatus.DRAFT,
    },
    EventStatus.REGISTRATION_CLOSED: {
        EventStatus.PUBLISHED,
        EventStatus.FINISHED,
        EventStatus.CANCELLED,
    },
    EventStatus.FINISHED: set(),
    EventStatus.CANCELLED: set(),
}

M2M = ("sectors", "organisers")


def unique_slug(name: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:200] or "event"
    slug, n = base, 2
    taken = Event.objects.exclude(pk=exclude_pk) if exclude_pk else Event.objects.all()
    while taken.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _apply(event: Event, fields: Mapping[str, Any]) -> dict[str, Any]:
    m2m = {}
    for name, value in fields.items():
        if name in M2M:
            m2m[name] = value
        elif name not in ("windows", "kind_limits", "slug", "status"):
            setattr(event, name, value)
    return m2m


def _check_windows(event: Event, windows: Iterable[tuple[datetime, datetime, str]]) -> list:
    rows = sorted(windows, key=lambda w: w[0])
    for start, end, _label in rows:
        if end <= start:
            raise ValidationError({"windows": "A session must end after it starts."})
        if start < event.starts_at or end > event.ends_at:
            raise ValidationError({"windows": "Sessions must lie within the event's dates."})
    for (_s1, end1, _l1), (start2, _e2, _l2) in itertools.pairwise(rows):
        if start2 < end1:
            raise ValidationError({"windows": "Two sessions overlap."})
    return rows


def _replace_windows(event: Event, windows) -> None:
    """Keep windows that did not change (registrations point at them), replace the rest."""
    rows = _check_windows(event, windows)
    wanted = {(start, end): label for start, end, label in rows}
    kept = set()
    for window in event.windows.all():
        key = (window.starts_at, window.ends_at)
        if key in wanted:
            kept.add(key)
            if window.label != wanted[key]:
                window.label = wanted[key]
                window.save(update_fields=["label"])
        else:
            window.delete()
    SessionWindow.objects.bulk_create(
        SessionWindow(event=event, starts_at=s, ends_at=e, label=label)
        for (s, e), label in wanted.items()
        if (s, e) not in kept
    )


def _replace_kind_limits(event: Event, limits: Mapping[str, int]) -> None:
    event.kind_limits.all().delete()
    KindLimit.objects.bulk_create(
        KindLimit(event=event, kind=kind, max_meetings=value)
        for kind, value in limits.items()
        if value
    )


@transaction.atomic
def create_event(
    *,
    user,
    fields: Mapping[str, Any],
    windows: Iterable[tuple[datetime, datetime, str]] = (),
    kind_limits: Mapping[str, int] | None = None,
) -> Event:
    """A new draft event organised by ``user``."""
    if not user.has_perm("events.add_event"):
        raise PermissionDenied("Only event organisers and staff create events.")
    event = Event(status=EventStatus.DRAFT)
    m2m = _apply(event, fields)
    event.slug = unique_slug(event.name)
    event.full_clean()
    event.save()
    event.organisers.set(m2m.get("organisers") or [user])
    if "sectors" in m2m:
        event.sectors.set(m2m["sectors"])
    _replace_windows(event, windows)
    _replace_kind_limits(event, kind_limits or {})
    forget(user)
    return event


@transaction.atomic
def update_event(
    *,
    user,
    event: Event,
    fields: Mapping[str, Any],
    windows: Iterable[tuple[datetime, datetime, str]] | None = None,
    kind_limits: Mapping[str, int] | None = None,
) -> Event:
    if not user.has_perm("events.change_event", event):
        raise PermissionDenied("Only the event's organisers and staff edit it.")
    event = Event.objects.select_for_update().get(pk=event.pk)
    m2m = _apply(event, fields)
    event.full_clean()
    event.save()
    if "organisers" in m2m:
        if not m2m["organisers"]:
            raise ValidationError({"organisers": "An event needs at least one organiser."})
        event.organisers.set(m2m["organisers"])
    if "sectors" in m2m:
        event.sectors.set(m2m["sectors"])
    if windows is not None:
        _replace_windows(event, windows)
    if kind_limits is not None:
        _replace_kind_limits(event, kind_limits)
    return event


@transaction.atomic
def set_event_status(*, user, event: Event, status: str) -> Event:
    if not user.has_perm("events.change_event", event):
        raise PermissionDenied("Only the event's organisers and staff change its status.")
    event = Event.objects.select_for_update().get(pk=event.pk)
    if status not in EventStatus.values:
        raise ValidationError({"status": f"Unknown status “{status}”."})
    if status == event.status:
        return event
    if status not in TRANSITIONS[event.status]:
        raise ValidationError(
            {
                "status": f"A {event.get_status_display().lower()} event cannot become "
                f"{EventStatus(status).label.lower()}."
            }
        )
    needs_windows = event.kind != event.Kind.INFO_DAY
    if status == EventStatus.PUBLISHED and needs_windows and not event.windows.exists():
        raise ValidationError({"status": "Add at least one meeting session before publishing."})
    event.status = status
    event.save(update_fields=["status", "updated_at"])
    return event
