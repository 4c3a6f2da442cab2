"""Registering for an event, approval by organisers, and participants' marketplace items."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from clusters.models import Organisation
from clusters.rules import organisation_ids_for

from ..models import (
    Event,
    KindLimit,
    MarketplaceItem,
    Meeting,
    MeetingRequest,
    MeetingSeat,
    Registration,
    SessionWindow,
)
from ..rules import forget

Status = Registration.Status


def effective_max_meetings(registration: Registration) -> int:
    """The lowest of the event's limit, its limit for the organisation's kind, and the
    participant's own."""
    event = registration.event
    limits = [event.max_meetings]
    kind_limits = getattr(event, "_kind_limits", None)
    if kind_limits is None:
        kind_limits = dict(
            KindLimit.objects.filter(event=event).values_list("kind", "max_meetings")
        )
        event._kind_limits = kind_limits
    if registration.organisation.kind in kind_limits:
        limits.append(kind_limits[registration.organisation.kind])
    if registration.max_meetings:
        limits.append(registration.max_meetings)
    return min(limits)


def _check_details(
    event: Event, availability: Iterable[SessionWindow], max_meetings: int | None
) -> list[SessionWindow]:
    windows = list(availability)
    if any(w.event_id != event.pk for w in windows):
        raise ValidationError({"availability": "Choose sessions of this event."})
    if max_meetings is not None and not 1 <= max_meetings <= event.max_meetings:
        raise ValidationError(
            {"max_meetings": f"Choose between 1 and {event.max_meetings} meetings."}
        )
    return windows


def _check_blocked(event: Event, slots: Iterable) -> list:
    """Meeting times the person cannot meet (a plenary they attend): the scheduler skips them."""
    chosen = list(slots or ())
    if any(slot.event_id != event.pk for slot in chosen):
        raise ValidationError({"blocked_slots": "Choose meeting times of this event."})
    return chosen


def _approve_mail_on_commit(registration_ids: list[int]) -> None:
    from ..tasks import notify_registration

    for pk in registration_ids:
        transaction.on_commit(lambda pk=pk: notify_registration.delay(pk))


@transaction.atomic
def register(
    *,
    user,
    event: Event,
    organisation: Organisation,
    availability: Iterable[SessionWindow] = (),
    blocked_slots: Iterable = (),
    max_meetings: int | None = None,
    topics: Iterable = (),
    interests: str = "",
    now=None,
) -> Registration:
    """Register ``user`` for ``event`` on behalf of one of their organisations.

    The deadline is checked on the server, in UTC, against the moment the organiser set in the
    event's time zone; the database's unique constraint settles two simultaneous tries.
    """
    event = Event.objects.select_for_update().get(pk=event.pk)
    if not user.has_perm("events.register", event):
        raise PermissionDenied("Log in to register for a published event.")
    is_open, why = event.registration_state(now)
    if not is_open:
        raise ValidationError({"event": why})
    if organisation.pk not in organisation_ids_for(user):
        raise ValidationError(
            {"organisation": "Register for an organisation you belong to on the platform."}
        )
    if not organisation.is_published:
        raise ValidationError(
            {"organisation": "Publish the organisation's profile before registering it."}
        )
    windows = _check_details(event, availability, max_meetings)
    status = Status.PENDING if event.requires_approval else Status.APPROVED
    # No ordering: Meta.ordering joins the organisation, and FOR UPDATE would lock it too.
    existing = (
        Registration.objects.select_for_update().filter(event=event, person=user).order_by().first()
    )
    if existing is not None:
        if existing.status == Status.REJECTED:
            raise ValidationError({"event": "The organisers declined your registration."})
        if existing.status != Status.CANCELLED:
            raise ValidationError({"event": "You are already registered for this event."})
        registration = existing
        registration.organisation = organisation
        registration.status = status
        registration.approved_mail_sent_at = None
        registration.decided_at = registration.decided_by = None
    else:
        registration = Registration(event=event, person=user, organisation=organisation)
        registration.status = status
    registration.max_meetings = max_meetings
    registration.interests = (interests or "").strip()[:2000]
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError as error:  # the same person, registering twice at the same moment
        raise ValidationError({"event": "You are already registered for this event."}) from error
    registration.availability.set(windows)
    registration.blocked_slots.set(_check_blocked(event, blocked_slots))
    registration.topics.set(list(topics))
    if status == Status.APPROVED:
        _approve_mail_on_commit([registration.pk])
    forget(user)
    return registration


@transaction.atomic
def update_registration(
    *,
    user,
    registration: Registration,
    availability: Iterable[SessionWindow],
    blocked_slots: Iterable | None = None,
    max_meetings: int | None = None,
    topics: Iterable = (),
    interests: str = "",
) -> Registration:
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if not user.has_perm("events.change_registration", registration):
        raise PermissionDenied("Only the participant and the organisers change a registration.")
    if registration.status in (Status.CANCELLED, Status.REJECTED):
        raise ValidationError({"status": "This registration is no longer active."})
    if registration.event.has_ended:
        raise ValidationError({"event": "The event has ended."})
    windows = _check_details(registration.event, availability, max_meetings)
    registration.max_meetings = max_meetings
    registration.interests = (interests or "").strip()[:2000]
    registration.save(update_fields=["max_meetings", "interests", "updated_at"])
    registration.availability.set(windows)
    if blocked_slots is not None:
        registration.blocked_slots.set(_check_blocked(registration.event, blocked_slots))
    registration.topics.set(list(topics))
    return registration


def drop_meetings(request_ids: Iterable[int]) -> int:
    """The scheduled meetings of requests called off are cancelled, and their seats freed, so
    neither person stays booked at that time (the meeting row stays, for the calendar feed)."""
    meetings = Meeting.objects.filter(
        request_id__in=list(request_ids), status=Meeting.Status.SCHEDULED
    )
    MeetingSeat.objects.filter(meeting__in=meetings).delete()
    return meetings.update(status=Meeting.Status.CANCELLED, updated_at=timezone.now())


def _close_requests(registrations: list[int], user) -> int:
    """A participant who leaves takes their open requests (and meetings) with them."""
    now = timezone.now()
    ids = list(
        MeetingRequest.objects.filter(
            Q(sender_id__in=registrations) | Q(receiver_id__in=registrations),
            status__in=[MeetingRequest.Status.PENDING, MeetingRequest.Status.ACCEPTED],
        ).values_list("pk", flat=True)
    )
    closed = MeetingRequest.objects.filter(
        pk__in=ids, status__in=[MeetingRequest.Status.PENDING, MeetingRequest.Status.ACCEPTED]
    ).update(status=MeetingRequest.Status.CANCELLED, answered_at=now, answered_by=user)
    drop_meetings(ids)
    return closed


@transaction.atomic
def cancel_registration(*, user, registration: Registration) -> Registration:
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if not user.has_perm("events.change_registration", registration):
        raise PermissionDenied("Only the participant and the organisers cancel a registration.")
    if registration.status == Status.CANCELLED:
        return registration
    if registration.event.has_ended:
        raise ValidationError({"event": "The event has ended."})
    registration.status = Status.CANCELLED
    registration.save(update_fields=["status", "updated_at"])
    _close_requests([registration.pk], user)
    forget(user)
    return registration


@transaction.atomic
def decide_registrations(*, user, event: Event, ids: Iterable[int], approve: bool) -> int:
    """Approve or reject registrations in bulk; cancelled ones are left as they are.
    Returns how many changed."""
    if not user.has_perm("events.manage_registrations", event):
        raise PermissionDenied("Only the event's organisers and staff decide on registrations.")
    try:
        wanted = {int(pk) for pk in ids}
    except (TypeError, ValueError) as error:
        raise ValidationError({"registrations": "Choose registrations from the list."}) from error
    if not wanted:
        raise ValidationError({"registrations": "Choose at least one registration."})
    rows = list(
        Registration.objects.select_for_update().filter(event=event, pk__in=wanted).order_by("pk")
    )
    if wanted - {r.pk for r in rows}:
        raise ValidationError({"registrations": "Some registrations are not of this event."})
    target = Status.APPROVED if approve else Status.REJECTED
    changed = [r.pk for r in rows if r.status not in (target, Status.CANCELLED)]
    now = timezone.now()
    Registration.objects.filter(pk__in=changed).update(
        status=target, decided_at=now, decided_by=user, updated_at=now
    )
    if approve:
        _approve_mail_on_commit(changed)
    else:
        _close_requests(changed, user)
    return len(changed)


ITEM_FIELDS = ("kind", "title", "description")


@transaction.atomic
def save_marketplace_item(
    *,
    user,
    registration: Registration,
    fields: Mapping[str, Any],
    item: MarketplaceItem | None = None,
) -> MarketplaceItem:
    if not user.has_perm("events.change_registration", registration):
        raise PermissionDenied("Only the participant posts items for their registration.")
    if registration.status != Status.APPROVED:
        raise ValidationError(
            {"registration": "Only approved participants post in the marketplace."}
        )
    if item is not None and item.registration_id != registration.pk:
        raise PermissionDenied("This item belongs to someone else.")
    item = item or MarketplaceItem(registration=registration)
    for name in ITEM_FIELDS:
        if name in fields:
            setattr(item, name, fields[name])
    item.full_clean()
    item.save()
    if "sectors" in fields:
        item.sectors.set(fields["sectors"])
    if "technologies" in fields:
        item.technologies.set(fields["technologies"])
    return item


@transaction.atomic
def delete_marketplace_item(*, user, item: MarketplaceItem) -> None:
    if not user.has_perm("events.change_registration", item.registration):
        raise PermissionDenied("Only the participant deletes their items.")
    item.delete()
