"""Creating and editing events, their session windows and per-kind limits."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from clusters.models import OrganisationKind

from ..models import (
    Event,
    EventStatus,
    KindLimit,
    Meeting,
    MeetingRequest,
    Registration,
    SessionWindow,
)
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
# Set by the service itself, never from the caller's fields.
NOT_EDITABLE = ("id", "pk", "slug", "status", "windows", "kind_limits", "created_at", "updated_at")
LABEL_LENGTH = SessionWindow._meta.get_field("label").max_length


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
        elif name not in NOT_EDITABLE:
            setattr(event, name, value)
    return m2m


def _date_errors(event: Event) -> dict[str, str]:
    """The date rules of the model's check constraints, named after the field at fault (the
    constraints themselves report to no field)."""
    errors = {}
    start, end = event.starts_at, event.ends_at
    deadline, opens = event.registration_deadline, event.registration_opens_at
    if start and end and end <= start:
        errors["ends_at"] = "The event must end after it starts."
    if deadline and end and deadline > end:
        errors["registration_deadline"] = "Registration must close before the event ends."
    if opens and deadline and opens >= deadline:
        errors["registration_opens_at"] = "Registration must open before its deadline."
    return errors


def _validate(event: Event) -> None:
    """full_clean() plus the date rules, every message under the field it is about."""
    errors: dict[str, list[str]] = {}
    try:
        event.full_clean()
    except ValidationError as error:
        errors = {field: list(messages) for field, messages in error.message_dict.items()}
    named = _date_errors(event)
    for field, message in named.items():
        errors.setdefault(field, []).append(message)
    if "__all__" in errors:
        errors["__all__"] = [m for m in errors["__all__"] if m not in named.values()]
        if not errors["__all__"]:
            del errors["__all__"]
    if errors:
        raise ValidationError(errors)


def _aware(event: Event, moment: datetime) -> datetime:
    """A wall-clock time without a zone is a time of the event's zone."""
    return timezone.make_aware(moment, event.tz) if timezone.is_naive(moment) else moment


def _check_windows(event: Event, windows: Iterable[tuple[datetime, datetime, str]]) -> list:
    rows = []
    for start, end, label in windows:
        if start is None or end is None:
            raise ValidationError({"windows": "Give each session a start and an end."})
        rows.append((_aware(event, start), _aware(event, end), label or ""))
    rows.sort(key=lambda w: w[0])
    for start, end, label in rows:
        if len(label) > LABEL_LENGTH:
            raise ValidationError(
                {"windows": f"A session's label has at most {LABEL_LENGTH} characters."}
            )
        if end <= start:
            raise ValidationError({"windows": "A session must end after it starts."})
        if start < event.starts_at or end > event.ends_at:
            raise ValidationError({"windows": "Sessions must lie within the event's dates."})
    for (_s1, end1, _l1), (start2, _e2, _l2) in itertools.pairwise(rows):
        if start2 < end1:
            raise ValidationError({"windows": "Two sessions overlap."})
    return rows


def _delete_window(window: SessionWindow) -> None:
    """A window goes with its slots; not while meetings are scheduled in them (a meeting's slot
    is protected), and cancelled meetings there go too, as when slots are regenerated."""
    meetings = Meeting.objects.filter(slot__window=window)
    if meetings.filter(status=Meeting.Status.SCHEDULED).exists():
        raise ValidationError(
            {"windows": f"Meetings are scheduled in {window}: move or cancel them first."}
        )
    meetings.delete()
    window.delete()


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
            _delete_window(window)
    SessionWindow.objects.bulk_create(
        SessionWindow(event=event, starts_at=s, ends_at=e, label=label)
        for (s, e), label in wanted.items()
        if (s, e) not in kept
    )


def _check_kind_limits(limits: Mapping[str, int | None]) -> dict[str, int]:
    """{kind: limit} of the limits set; an empty or zero value means "no limit for this kind"."""
    wanted = {}
    for kind, value in limits.items():
        if not value:
            continue
        if kind not in OrganisationKind.values:
            raise ValidationError({"kind_limits": f"Unknown organisation kind “{kind}”."})
        try:
            value = int(value)
        except (TypeError, ValueError):
            value = 0
        if not 1 <= value <= 200:
            raise ValidationError({"kind_limits": "A meeting limit per kind is between 1 and 200."})
        wanted[kind] = value
    return wanted


def _replace_kind_limits(event: Event, limits: Mapping[str, int]) -> None:
    limits = _check_kind_limits(limits)
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
    _validate(event)
    event.save()
    # The creator always organises what they create (others may be added beside them).
    event.organisers.set({user, *(m2m.get("organisers") or [])})
    if "sectors" in m2m:
        event.sectors.set(m2m["sectors"])
    _replace_windows(event, windows)
    _replace_kind_limits(event, kind_limits or {})
    _refresh_slots(event)
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
    _validate(event)
    event.save()
    if "organisers" in m2m:
        if not m2m["organisers"]:
            raise ValidationError({"organisers": "An event needs at least one organiser."})
        event.organisers.set(m2m["organisers"])
        forget(user)  # they may have left the organisers
    if "sectors" in m2m:
        event.sectors.set(m2m["sectors"])
    if windows is not None:
        _replace_windows(event, windows)
    else:
        # New dates must still hold the sessions that were kept.
        _check_windows(event, [(w.starts_at, w.ends_at, w.label) for w in event.windows.all()])
    if kind_limits is not None:
        _replace_kind_limits(event, kind_limits)
    _refresh_slots(event)
    return event


def _refresh_slots(event: Event) -> None:
    """Meeting times follow the sessions and the meeting length at once, so that participants
    can say which ones they cannot make (generate_slots refuses to drop a slot with meetings)."""
    from .meetings import generate_slots

    generate_slots(event)


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
    if (
        status == EventStatus.DRAFT
        and event.registrations.exclude(status=Registration.Status.CANCELLED).exists()
    ):
        # A draft is hidden from its participants, who could no longer see their registration.
        raise ValidationError(
            {"status": "The event has registrations: close registration or cancel it instead."}
        )
    event.status = status
    event.save(update_fields=["status", "updated_at"])
    if status == EventStatus.CANCELLED:
        _call_off(event, user)
    return event


def _call_off(event: Event, user) -> None:
    """A cancelled event holds no meetings: unanswered requests are cancelled, and scheduled
    meetings too (calendar feeds then show them as cancelled)."""
    from .registrations import drop_meetings

    event.meeting_requests.filter(status=MeetingRequest.Status.PENDING).update(
        status=MeetingRequest.Status.CANCELLED, answered_at=timezone.now(), answered_by=user
    )
    drop_meetings(event.meeting_requests.values_list("pk", flat=True))
    from ..tasks import notify_event_cancelled

    transaction.on_commit(lambda: notify_event_cancelled.delay(event.pk))
