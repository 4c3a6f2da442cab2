"""Slots and meetings by hand: cut the session windows into slots; place, move, lock and cancel
a meeting. The seat rows make the database refuse a double booking, whoever writes.

Every write that touches meetings locks its rows in one order: the event, then the two
participants' registrations (by primary key), then the request, then the meeting. The
scheduler's store (schedule_runs._store) and the request services (registrations first, then
the request) take them in the same order, so two writers never wait on each other in a cycle;
the event lock also keeps the slots from being regenerated underneath a placement.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max

from ..models import Event, Meeting, MeetingRequest, MeetingSeat, Registration, Slot

MS = Meeting.Status


def slot_times(event: Event) -> list[tuple[int, datetime, datetime]]:
    """(window id, start, end) of every slot the event's windows hold, in time order."""
    length = timedelta(minutes=event.meeting_minutes)
    step = length + timedelta(minutes=event.break_minutes)
    times = []
    for window in event.windows.order_by("starts_at", "pk"):
        start = window.starts_at
        while start + length <= window.ends_at:
            times.append((window.pk, start, start + length))
            start += step
    return times


@transaction.atomic
def generate_slots(event: Event) -> list[Slot]:
    """Make the event's slots match its windows and meeting length; slots holding meetings stay
    (a change that would drop one is refused: move or cancel those meetings first). Running it
    again without a change writes nothing."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    wanted = {(start, end): window_id for window_id, start, end in slot_times(event)}
    order = sorted(wanted)
    existing = list(Slot.objects.filter(event=event).order_by("index"))
    if [(s.starts_at, s.ends_at, s.window_id) for s in existing] == [
        (start, end, wanted[start, end]) for start, end in order
    ]:
        return existing
    busy = set(
        Meeting.objects.filter(event=event, status=MS.SCHEDULED).values_list("slot_id", flat=True)
    )
    for slot in existing:
        if (slot.starts_at, slot.ends_at) not in wanted:
            if slot.pk in busy:
                raise ValidationError(
                    {
                        "windows": f"Meetings are scheduled at {_when(event, slot)}: "
                        "move or cancel them first."
                    }
                )
            # Cancelled meetings keep their history only while their slot exists.
            Meeting.objects.filter(slot=slot).delete()
            slot.delete()
    # Re-number in time order; shift first so the unique (event, index) never collides (every
    # shifted index is above every old one, even row by row).
    offset = (Slot.objects.filter(event=event).aggregate(m=Max("index"))["m"] or 0) + len(order)
    Slot.objects.filter(event=event).update(index=F("index") + offset + 1)
    kept = {(s.starts_at, s.ends_at): s for s in Slot.objects.filter(event=event)}
    new = []
    for index, key in enumerate(order):
        slot = kept.get(key)
        if slot is None:
            start, end = key
            new.append(
                Slot(event=event, window_id=wanted[key], index=index, starts_at=start, ends_at=end)
            )
        else:
            slot.index, slot.window_id = index, wanted[key]
    Slot.objects.bulk_update(kept.values(), ["index", "window"])
    Slot.objects.bulk_create(new)
    return list(Slot.objects.filter(event=event).order_by("index"))


def available_slot_ids(registration: Registration, slots: list[Slot]) -> set[int]:
    """Slots in the windows the person chose (none chosen: all), minus the ones they blocked."""
    windows = {w.pk for w in registration.availability.all()}
    blocked = {s.pk for s in registration.blocked_slots.all()}
    return {s.pk for s in slots if (not windows or s.window_id in windows) and s.pk not in blocked}


def is_online(request: MeetingRequest) -> bool:
    return request.event.format == Event.Format.ONLINE or request.must_be_online


def is_morning(event: Event, slot: Slot) -> bool:
    """Morning and afternoon are read on the event's own clock, never in UTC."""
    return event.local(slot.starts_at).hour < 12


def _when(event: Event, slot: Slot) -> str:
    return f"{event.local(slot.starts_at):%a %d %b %H:%M} ({event.time_zone})"


def _check_place(request: MeetingRequest, slot: Slot, table: int | None) -> None:
    """The rules a placement must keep, each reported under the field at fault."""
    event = request.event
    if slot.event_id != event.pk:
        raise ValidationError({"slot": "Choose a slot of this event."})
    if request.status != MeetingRequest.Status.ACCEPTED:
        raise ValidationError({"request": "Only accepted requests become meetings."})
    if is_online(request):
        if table is not None:
            raise ValidationError({"table": "Online meetings need no table."})
    elif table is None or not 1 <= table <= event.tables:
        raise ValidationError({"table": f"Choose a table between 1 and {event.tables}."})
    for side in (request.sender, request.receiver):
        if side.status != Registration.Status.APPROVED:
            raise ValidationError({"request": f"{side.organisation} no longer takes part."})
        if slot.pk not in available_slot_ids(side, [slot]):
            raise ValidationError(
                {"slot": f"{side.organisation} is not available at {_when(event, slot)}."}
            )
    if request.part_of_day and is_morning(event, slot) != (request.part_of_day == "morning"):
        raise ValidationError({"slot": f"This meeting must be in the {request.part_of_day}."})


def _check_free(
    request: MeetingRequest, slot: Slot, table: int | None, meeting: Meeting | None = None
) -> None:
    """Nobody twice at one time, no table twice: said clearly before the database refuses."""
    event = request.event
    seats = MeetingSeat.objects.filter(
        slot=slot, registration_id__in=[request.sender_id, request.receiver_id]
    )
    tables = Meeting.objects.filter(slot=slot, table=table, status=MS.SCHEDULED)
    if meeting is not None:
        seats, tables = seats.exclude(meeting=meeting), tables.exclude(pk=meeting.pk)
    else:
        if Meeting.objects.filter(request=request, status=MS.SCHEDULED).exists():
            raise ValidationError({"request": "This request already has a meeting."})
    busy = set(seats.values_list("registration_id", flat=True))
    for side in (request.sender, request.receiver):
        if side.pk in busy:
            raise ValidationError(
                {"slot": f"{side.organisation} already has a meeting at {_when(event, slot)}."}
            )
    if table is not None and tables.exists():
        raise ValidationError({"table": f"Table {table} is taken at {_when(event, slot)}."})


# What the database says when a constraint refuses a row: PostgreSQL names the constraint,
# SQLite the columns.
CONFLICTS = (
    (("one_meeting_per_table_and_slot", "events_meeting.slot_id, events_meeting.table"), "table",
     "This table is taken at that time."),
    (("one_scheduled_meeting_per_request", "events_meeting.request_id"), "request",
     "This request already has a meeting."),
)  # fmt: skip


def _conflict(error: IntegrityError) -> ValidationError:
    """A constraint that refused a write (another writer got there first), as a field error."""
    text = str(error)
    for markers, field, message in CONFLICTS:
        if any(marker in text for marker in markers):
            return ValidationError({field: message})
    return ValidationError({"slot": "One of the two already has a meeting at that time."})


def _must_manage(user, event: Event) -> None:
    if not user.has_perm("events.manage_registrations", event):
        raise PermissionDenied("Only the event's organisers and staff arrange meetings.")


def _lock(user, request_id: int, meeting_id: int | None = None):
    """Lock the event, both registrations, the request and (if given) the meeting, in the
    order of the module docstring, the permission checked as soon as the event is read.
    Returns (request, meeting) read under the locks, with the event and both sides attached."""
    request = MeetingRequest.objects.only("event_id", "sender_id", "receiver_id").get(pk=request_id)
    event = Event.objects.select_for_update().get(pk=request.event_id)
    _must_manage(user, event)
    sides = {
        r.pk: r
        for r in Registration.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .prefetch_related("availability", "blocked_slots")
        .filter(pk__in=[request.sender_id, request.receiver_id])
        .order_by("pk")
    }
    request = MeetingRequest.objects.select_for_update(of=("self",)).get(pk=request_id)
    request.event, request.sender, request.receiver = (
        event,
        sides[request.sender_id],
        sides[request.receiver_id],
    )
    meeting = None
    if meeting_id is not None:
        meeting = Meeting.objects.select_for_update(of=("self",)).get(pk=meeting_id)
        meeting.event, meeting.request = event, request
    return request, meeting


@transaction.atomic
def place_meeting(
    *, user, request: MeetingRequest, slot: Slot, table: int | None, locked: bool = True
) -> Meeting:
    """An accepted request placed by hand; locked, so later runs leave it there."""
    # Locked: a cancel_request at the same moment must not leave a meeting on a dead request.
    request, _ = _lock(user, request.pk)
    _check_place(request, slot, table)
    _check_free(request, slot, table)
    try:
        with transaction.atomic():
            meeting = Meeting.objects.create(
                event=request.event, request=request, slot=slot, table=table, locked=locked
            )
            MeetingSeat.objects.bulk_create(
                MeetingSeat(meeting=meeting, registration_id=r, slot=slot)
                for r in (request.sender_id, request.receiver_id)
            )
    except IntegrityError as error:
        raise _conflict(error) from error
    return meeting


@transaction.atomic
def move_meeting(*, user, meeting: Meeting, slot: Slot, table: int | None) -> Meeting:
    """Move a meeting by hand; it is locked afterwards (later runs leave it where it is), and
    its reminder is due again at the new time."""
    request, meeting = _lock(user, meeting.request_id, meeting.pk)
    if meeting.status != MS.SCHEDULED:
        raise ValidationError({"status": "This meeting was cancelled."})
    _check_place(request, slot, table)
    _check_free(request, slot, table, meeting)
    try:
        with transaction.atomic():
            meeting.slot, meeting.table, meeting.locked = slot, table, True
            meeting.reminder_sent_at = None
            meeting.save(
                update_fields=["slot", "table", "locked", "reminder_sent_at", "updated_at"]
            )
            meeting.seats.update(slot=slot)
    except IntegrityError as error:
        raise _conflict(error) from error
    return meeting


@transaction.atomic
def lock_meeting(*, user, meeting: Meeting, locked: bool = True) -> Meeting:
    """A locked meeting stays where it is whatever later runs do (all meetings already
    scheduled do: the lock records that an organiser confirmed this one)."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",)).select_related("event").get(pk=meeting.pk)
    )
    _must_manage(user, meeting.event)
    if meeting.status != MS.SCHEDULED:
        raise ValidationError({"status": "This meeting was cancelled."})
    if meeting.locked != locked:
        meeting.locked = locked
        meeting.save(update_fields=["locked", "updated_at"])
    return meeting


@transaction.atomic
def cancel_meeting(*, user, meeting: Meeting) -> Meeting:
    """Organisers cancel a meeting; its seats go, so both people are free at that time again.
    The request stays accepted: a later run (or an organiser) may place it elsewhere."""
    _request, meeting = _lock(user, meeting.request_id, meeting.pk)
    if meeting.status == MS.CANCELLED:
        return meeting
    meeting.status = MS.CANCELLED
    meeting.save(update_fields=["status", "updated_at"])
    meeting.seats.all().delete()
    return meeting
