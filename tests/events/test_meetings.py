"""Slots cut from the session windows, and meetings placed, moved, locked and cancelled by hand:
who may, and every conflict refused under the field at fault."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import services
from events.models import Meeting, MeetingRequest, MeetingSeat, SessionWindow, Slot
from events.services import meetings

from ..factories import UserFactory, make_event, make_participant

pytestmark = pytest.mark.django_db

RS = MeetingRequest.Status


def _accepted(a, b, **fields) -> MeetingRequest:
    return MeetingRequest.objects.create(
        event=a.event, sender=a, receiver=b, status=RS.ACCEPTED, **fields
    )


def _field(excinfo, field: str) -> str:
    return " ".join(excinfo.value.message_dict[field])


def _local_times(event, slots) -> list[str]:
    return [f"{event.local(s.starts_at):%H:%M}-{event.local(s.ends_at):%H:%M}" for s in slots]


@pytest.fixture
def event(organiser):
    return make_event(organiser=organiser, windows=2, tables=3)


@pytest.fixture
def slots(event) -> list[Slot]:
    return meetings.generate_slots(event)


@pytest.fixture
def a(event):
    return make_participant(event, name="Alpha Batteries")


@pytest.fixture
def b(event):
    return make_participant(event, name="Beta Cells")


@pytest.fixture
def c(event):
    return make_participant(event, name="Gamma Grids")


def _place(organiser, request, slot, table=1, **kwargs) -> Meeting:
    return meetings.place_meeting(user=organiser, request=request, slot=slot, table=table, **kwargs)


# -- slots ----------------------------------------------------------------------------------


def test_a_window_is_cut_into_meeting_length_plus_break():
    event = make_event(windows=1, meeting_minutes=20, break_minutes=5)
    times = meetings.slot_times(event)
    # 09:00-12:00: 7 slots of 20 minutes 5 minutes apart; 11:55-12:15 would not fit.
    assert [f"{event.local(s):%H:%M}-{event.local(e):%H:%M}" for _w, s, e in times] == [
        "09:00-09:20",
        "09:25-09:45",
        "09:50-10:10",
        "10:15-10:35",
        "10:40-11:00",
        "11:05-11:25",
        "11:30-11:50",
    ]
    slots = meetings.generate_slots(event)
    assert [s.index for s in slots] == list(range(7))
    assert {s.window_id for s in slots} == {event.windows.get().pk}


def test_slots_of_two_windows_are_indexed_in_time_order(event, slots):
    assert len(slots) == 14
    assert [s.index for s in slots] == list(range(14))
    assert [s.starts_at for s in slots] == sorted(s.starts_at for s in slots)
    first, second = event.windows.order_by("starts_at")
    assert [s.window_id for s in slots] == [first.pk] * 7 + [second.pk] * 7


def test_generating_again_changes_nothing_and_writes_nothing(event, slots):
    with CaptureQueriesContext(connection) as queries:
        again = meetings.generate_slots(event)
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert [(s.pk, s.index, s.starts_at) for s in again] == [
        (s.pk, s.index, s.starts_at) for s in slots
    ]


def test_an_earlier_window_renumbers_the_slots_and_keeps_the_old_ones(event, slots, a):
    a.blocked_slots.add(slots[0])
    first_day = event.local(slots[0].starts_at).date()
    SessionWindow.objects.create(
        event=event,
        label="Breakfast",
        starts_at=datetime.combine(first_day, time(7, 0), event.tz),
        ends_at=datetime.combine(first_day, time(8, 0), event.tz),
    )
    again = meetings.generate_slots(event)
    assert len(again) == 16  # 07:00 and 07:25 (07:50 would end at 08:10)
    assert [s.index for s in again] == list(range(16))
    assert _local_times(event, again[:3]) == ["07:00-07:20", "07:25-07:45", "09:00-09:20"]
    # The old slots are the same rows, two places further on, and what points at them stays.
    assert [s.pk for s in again[2:]] == [s.pk for s in slots]
    assert list(a.blocked_slots.all()) == [slots[0]]


def test_a_longer_meeting_length_replaces_free_slots(event, slots):
    event.meeting_minutes = 25
    event.save()
    again = meetings.generate_slots(event)
    # 09:00, 09:30, ... 11:30: six 25-minute meetings with 5-minute breaks per morning.
    assert len(again) == 12
    assert _local_times(event, again[:2]) == ["09:00-09:25", "09:30-09:55"]
    assert [s.index for s in again] == list(range(12))
    assert not Slot.objects.filter(pk__in=[s.pk for s in slots[1:7]]).exists()


def test_a_slot_holding_a_scheduled_meeting_cannot_disappear(organiser, event, slots, a, b):
    _place(organiser, _accepted(a, b), slots[1])
    event.meeting_minutes = 25
    event.save()
    with pytest.raises(ValidationError) as excinfo:
        meetings.generate_slots(event)
    message = _field(excinfo, "windows")
    assert "09:25 (Europe/Brussels): move or cancel them first" in message
    # Nothing half-done: the slots are as they were.
    assert list(Slot.objects.filter(event=event).order_by("index")) == slots


def test_a_slot_with_only_a_cancelled_meeting_goes_with_it(organiser, event, slots, a, b):
    meeting = _place(organiser, _accepted(a, b), slots[1])
    meetings.cancel_meeting(user=organiser, meeting=meeting)
    event.meeting_minutes = 25
    event.save()
    assert len(meetings.generate_slots(event)) == 12
    assert not Meeting.objects.filter(pk=meeting.pk).exists()


def test_available_slots_follow_the_windows_chosen_minus_blocked_ones(event, slots, a):
    assert meetings.available_slot_ids(a, slots) == {s.pk for s in slots}
    second = event.windows.order_by("starts_at").last()
    a.availability.set([second])
    a.blocked_slots.add(slots[8])
    assert meetings.available_slot_ids(a, slots) == {s.pk for s in slots[7:]} - {slots[8].pk}


# -- place ----------------------------------------------------------------------------------


def test_an_organiser_places_a_meeting_with_two_seats(organiser, slots, a, b):
    meeting = _place(organiser, _accepted(a, b), slots[2], table=3)
    assert (meeting.slot, meeting.table, meeting.locked) == (slots[2], 3, True)
    assert meeting.status == Meeting.Status.SCHEDULED
    assert sorted(meeting.seats.values_list("registration_id", "slot_id")) == [
        (a.pk, slots[2].pk),
        (b.pk, slots[2].pk),
    ]


def test_staff_place_meetings(staff_user, slots, a, b):
    assert _place(staff_user, _accepted(a, b), slots[0]).pk


@pytest.mark.parametrize("who", ["participant", "other_organiser", "stranger"])
def test_only_the_events_organisers_and_staff_place_meetings(who, event, slots, a, b):
    from django.contrib.auth.models import Group

    from clusterplatform.accounts.roles import EVENT_ORGANISER

    user = {"participant": a.person, "stranger": UserFactory()}.get(who)
    if who == "other_organiser":
        user = UserFactory()
        user.groups.add(Group.objects.get(name=EVENT_ORGANISER))
        make_event(organiser=user)
    with pytest.raises(PermissionDenied):
        _place(user, _accepted(a, b), slots[0])
    assert not Meeting.objects.exists()


def test_a_person_cannot_be_in_two_meetings_at_once(organiser, slots, a, b, c):
    _place(organiser, _accepted(a, b), slots[0], table=1)
    with pytest.raises(ValidationError) as excinfo:
        _place(organiser, _accepted(c, a), slots[0], table=2)
    assert "Alpha Batteries" in _field(excinfo, "slot")
    assert "already has a meeting" in _field(excinfo, "slot")
    assert MeetingSeat.objects.count() == 2


def test_a_table_is_used_once_per_slot(organiser, slots, a, b, c, event):
    d = make_participant(event)
    _place(organiser, _accepted(a, b), slots[0], table=1)
    request = _accepted(c, d)
    with pytest.raises(ValidationError) as excinfo:
        _place(organiser, request, slots[0], table=1)
    assert "Table 1 is taken" in _field(excinfo, "table")
    assert _place(organiser, request, slots[0], table=2).table == 2


@pytest.mark.parametrize("table", [None, 0, 4])
def test_an_onsite_meeting_needs_a_table_of_the_event(organiser, slots, a, b, table):
    with pytest.raises(ValidationError) as excinfo:
        _place(organiser, _accepted(a, b), slots[0], table=table)
    assert "between 1 and 3" in _field(excinfo, "table")


def test_an_online_meeting_has_no_table(organiser, slots, a, b):
    request = _accepted(a, b, must_be_online=True)
    with pytest.raises(ValidationError) as excinfo:
        _place(organiser, request, slots[0], table=1)
    assert "Online meetings need no table" in _field(excinfo, "table")
    meeting = _place(organiser, request, slots[0], table=None)
    assert meeting.is_online


def test_at_an_online_event_every_meeting_is_online(organiser):
    event = make_event(organiser=organiser, format="online")
    slots = meetings.generate_slots(event)
    request = _accepted(make_participant(event), make_participant(event))
    with pytest.raises(ValidationError) as excinfo:
        _place(organiser, request, slots[0], table=1)
    assert "table" in excinfo.value.message_dict
    assert _place(organiser, request, slots[0], table=None).table is None


def test_both_people_must_be_available(organiser, event, slots, a, b):
    a.availability.set([event.windows.order_by("starts_at").last()])
    request = _accepted(a, b)
    with pytest.raises(ValidationError) as excinfo:
        _place(organiser, request, slots[0])
    assert "Alpha Batteries is not available" in _field(excinfo, "slot")
    b.blocked_slots.add(slots[8])
    with pytest.raises(ValidationError) as excinfo:
        _place(organiser, request, slots[8])
    assert "Beta Cells is not available" in _field(excinfo, "slot")
    assert _place(organiser, request, slots[9]).slot == slots[9]


def test_part_of_day_is_read_on_the_events_clock(organiser):
    # Tokyo: 13:00 local is 04:00 UTC; a UTC reading would call it morning.
    event = make_event(organiser=organiser, windows=0, time_zone="Asia/Tokyo")
    day = event.local(event.starts_at).date()
    for start, end in ((time(9), time(10)), (time(13), time(14))):
        SessionWindow.objects.create(
            event=event,
            starts_at=datetime.combine(day, start, event.tz),
            ends_at=datetime.combine(day, end, event.tz),
        )
    morning, *_rest, afternoon = meetings.generate_slots(event)
    assert afternoon.starts_at.hour == 4  # UTC
    a, b = make_participant(event), make_participant(event)
    request = _accepted(a, b, part_of_day="afternoon")
    with pytest.raises(ValidationError) as excinfo:
        _place(organiser, request, morning)
    assert "must be in the afternoon" in _field(excinfo, "slot")
    assert _place(organiser, request, afternoon).slot == afternoon


def test_only_accepted_requests_of_this_event_are_placed(organiser, slots, a, b):
    pending = MeetingRequest.objects.create(event=a.event, sender=a, receiver=b)
    with pytest.raises(ValidationError) as excinfo:
        _place(organiser, pending, slots[0])
    assert "Only accepted requests" in _field(excinfo, "request")
    other_slot = meetings.generate_slots(make_event(organiser=organiser))[0]
    pending.status = RS.ACCEPTED
    pending.save()
    with pytest.raises(ValidationError) as excinfo:
        _place(organiser, pending, other_slot)
    assert "slot" in excinfo.value.message_dict


def test_a_request_gets_one_meeting(organiser, slots, a, b):
    request = _accepted(a, b)
    _place(organiser, request, slots[0])
    with pytest.raises(ValidationError) as excinfo:
        _place(organiser, request, slots[1])
    assert "already has a meeting" in _field(excinfo, "request")


@pytest.mark.parametrize("clash", ["person", "table", "request"])
def test_the_database_refusal_is_a_field_error_too(clash, organiser, slots, a, b, c, monkeypatch):
    """When another writer gets in between the checks and the insert (here: no checks), the
    unique constraint refuses the row and the error still names the field, on any database."""
    first = _accepted(a, b)
    _place(organiser, first, slots[0], table=1)
    monkeypatch.setattr(meetings, "_check_free", lambda *args: None)
    if clash == "person":
        request, table, field = _accepted(c, a), 2, "slot"
    elif clash == "table":
        request, table, field = _accepted(c, make_participant(c.event)), 1, "table"
    else:
        request, table, field = first, 2, "request"
    with pytest.raises(ValidationError) as excinfo:
        _place(organiser, request, slots[0], table=table)
    assert list(excinfo.value.message_dict) == [field]
    assert Meeting.objects.count() == 1
    assert MeetingSeat.objects.count() == 2


# -- move, lock, cancel -----------------------------------------------------------------------


def test_moving_locks_the_meeting_moves_its_seats_and_resets_its_reminder(organiser, slots, a, b):
    meeting = _place(organiser, _accepted(a, b), slots[0], locked=False)
    Meeting.objects.filter(pk=meeting.pk).update(reminder_sent_at=slots[0].starts_at)
    moved = meetings.move_meeting(user=organiser, meeting=meeting, slot=slots[5], table=2)
    meeting.refresh_from_db()
    assert (meeting.slot, meeting.table, meeting.locked) == (slots[5], 2, True)
    assert meeting.reminder_sent_at is None and moved.reminder_sent_at is None
    assert set(meeting.seats.values_list("slot_id", flat=True)) == {slots[5].pk}
    # The old time is free again for both.
    assert _place(organiser, _accepted(a, make_participant(a.event)), slots[0]).pk


def test_a_move_keeps_every_rule(organiser, slots, a, b, c, event):
    d = make_participant(event)
    meeting = _place(organiser, _accepted(a, b), slots[0], table=1)
    _place(organiser, _accepted(c, d), slots[1], table=1)
    _place(organiser, _accepted(a, c), slots[2], table=2)
    with pytest.raises(ValidationError) as excinfo:
        meetings.move_meeting(user=organiser, meeting=meeting, slot=slots[1], table=1)
    assert "Table 1 is taken" in _field(excinfo, "table")
    with pytest.raises(ValidationError) as excinfo:
        meetings.move_meeting(user=organiser, meeting=meeting, slot=slots[2], table=3)
    assert "Alpha Batteries already has a meeting" in _field(excinfo, "slot")
    with pytest.raises(ValidationError) as excinfo:
        meetings.move_meeting(user=organiser, meeting=meeting, slot=slots[3], table=9)
    assert "table" in excinfo.value.message_dict
    b.blocked_slots.add(slots[4])
    with pytest.raises(ValidationError) as excinfo:
        meetings.move_meeting(user=organiser, meeting=meeting, slot=slots[4], table=1)
    assert "Beta Cells is not available" in _field(excinfo, "slot")
    meeting.refresh_from_db()
    assert (meeting.slot, meeting.table) == (slots[0], 1)
    # Another table in its own slot is a move too.
    assert meetings.move_meeting(user=organiser, meeting=meeting, slot=slots[0], table=3).table == 3


def test_participants_cannot_move_lock_or_cancel(organiser, slots, a, b):
    meeting = _place(organiser, _accepted(a, b), slots[0], locked=False)
    for call in (
        lambda: meetings.move_meeting(user=a.person, meeting=meeting, slot=slots[1], table=1),
        lambda: meetings.lock_meeting(user=a.person, meeting=meeting),
        lambda: meetings.cancel_meeting(user=b.person, meeting=meeting),
    ):
        with pytest.raises(PermissionDenied):
            call()
    meeting.refresh_from_db()
    assert (meeting.slot, meeting.locked, meeting.status) == (slots[0], False, "scheduled")


def test_lock_and_unlock(organiser, staff_user, slots, a, b):
    meeting = _place(organiser, _accepted(a, b), slots[0], locked=False)
    assert meetings.lock_meeting(user=organiser, meeting=meeting).locked
    assert Meeting.objects.get(pk=meeting.pk).locked
    meetings.lock_meeting(user=staff_user, meeting=meeting, locked=False)
    assert not Meeting.objects.get(pk=meeting.pk).locked


def test_cancelling_frees_both_seats(organiser, slots, a, b, c):
    meeting = _place(organiser, _accepted(a, b), slots[0])
    cancelled = meetings.cancel_meeting(user=organiser, meeting=meeting)
    assert cancelled.status == Meeting.Status.CANCELLED
    assert not MeetingSeat.objects.exists()
    assert meetings.cancel_meeting(user=organiser, meeting=meeting).status == "cancelled"
    # Both are free at that time again, at the same table, and the request may be placed anew.
    assert _place(organiser, _accepted(c, a), slots[0], table=1).pk
    assert _place(organiser, meeting.request, slots[1], table=1).pk
    for call in (
        lambda: meetings.move_meeting(user=organiser, meeting=meeting, slot=slots[2], table=1),
        lambda: meetings.lock_meeting(user=organiser, meeting=meeting),
    ):
        with pytest.raises(ValidationError) as excinfo:
            call()
        assert "cancelled" in _field(excinfo, "status")


def test_cancelling_the_request_cancels_its_meeting(organiser, slots, a, b, c):
    request = _accepted(a, b)
    meeting = _place(organiser, request, slots[0])
    services.cancel_request(user=b.person, request=request)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    assert not MeetingSeat.objects.exists()
    assert _place(organiser, _accepted(a, c), slots[0]).pk


def test_leaving_the_event_cancels_ones_meetings(organiser, slots, a, b, c):
    first = _place(organiser, _accepted(a, b), slots[0])
    second = _place(organiser, _accepted(c, a), slots[1])
    kept = _place(organiser, _accepted(b, c), slots[2])
    services.cancel_registration(user=a.person, registration=a)
    statuses = dict(Meeting.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "cancelled", second.pk: "cancelled", kept.pk: "scheduled"}
    assert set(MeetingSeat.objects.values_list("meeting_id", flat=True)) == {kept.pk}


def test_a_left_participants_request_cannot_be_placed(organiser, slots, a, b):
    request = _accepted(a, b)
    a.status = "cancelled"
    a.save()
    with pytest.raises(ValidationError) as excinfo:
        _place(organiser, request, slots[0])
    assert "no longer takes part" in _field(excinfo, "request")


def test_slot_lengths_do_not_drift_across_a_daylight_saving_change():
    """Windows are cut in elapsed time: a window that spans the clock change still gives
    meetings of the event's length."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/Brussels")
    event = make_event(windows=0)
    # 2030-03-31 02:00 local jumps to 03:00: a window 01:00-04:00 lasts two hours.
    SessionWindow.objects.create(
        event=event,
        starts_at=datetime(2030, 3, 31, 1, 0, tzinfo=tz),
        ends_at=datetime(2030, 3, 31, 4, 0, tzinfo=tz),
    )
    slots = meetings.generate_slots(event)
    assert all(s.ends_at - s.starts_at == timedelta(minutes=20) for s in slots)
    assert len(slots) == 5  # 120 minutes: 5 x 25 minutes fit, the 6th would end at 02:25
