"""Scheduling an event from the database: the scheduler's input, a run storing meetings and
seats, incremental runs that never move a meeting, failures that write nothing, and who may
start a run."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from events import schedule_runs, scheduling
from events.models import (
    Event,
    KindLimit,
    Meeting,
    MeetingRequest,
    MeetingSeat,
    ScheduleRun,
    SessionWindow,
)
from events.rules import forget
from events.services import meetings
from events.services.registrations import drop_meetings

from ..factories import make_event, make_participant

pytestmark = pytest.mark.django_db

RS = MeetingRequest.Status
RUN = ScheduleRun.Status


def _accepted(a, b, **fields) -> MeetingRequest:
    return MeetingRequest.objects.create(
        event=a.event, sender=a, receiver=b, status=RS.ACCEPTED, **fields
    )


def _run(event, user=None) -> ScheduleRun:
    run = ScheduleRun.objects.create(event=event, requested_by=user)
    return schedule_runs.run_schedule(run.pk)


def _random_requests(event, people: list, n: int, seed: int = 1) -> list[MeetingRequest]:
    rng = random.Random(seed)
    pairs = set()
    while len(pairs) < n:
        a, b = rng.sample(range(len(people)), 2)
        pairs.add((min(a, b), max(a, b)))
    return [
        _accepted(people[a], people[b], priority=rng.choice([1, 2, 3])) for a, b in sorted(pairs)
    ]


def _assert_consistent(event) -> list[Meeting]:
    """Every invariant of stored meetings, read back from the database."""
    scheduled = list(
        Meeting.objects.filter(event=event, status=Meeting.Status.SCHEDULED).select_related(
            "request"
        )
    )
    seats = list(MeetingSeat.objects.filter(meeting__event=event))
    by_meeting = Counter(s.meeting_id for s in seats)
    for meeting in scheduled:
        assert by_meeting[meeting.pk] == 2
        people = {s.registration_id for s in seats if s.meeting_id == meeting.pk}
        assert people == {meeting.request.sender_id, meeting.request.receiver_id}
        assert {s.slot_id for s in seats if s.meeting_id == meeting.pk} == {meeting.slot_id}
        if event.format == Event.Format.ONLINE or meeting.request.must_be_online:
            assert meeting.table is None
        else:
            assert 1 <= meeting.table <= event.tables
    tables = [(m.slot_id, m.table) for m in scheduled if m.table is not None]
    assert len(tables) == len(set(tables)), "a table used twice in one slot"
    person_slots = [(s.registration_id, s.slot_id) for s in seats]
    assert len(person_slots) == len(set(person_slots)), "someone in two meetings at once"
    requests = [m.request_id for m in scheduled]
    assert len(requests) == len(set(requests))
    return scheduled


@pytest.fixture
def event(organiser):
    return make_event(organiser=organiser, windows=2, tables=2, max_meetings=6)


@pytest.fixture
def people(event):
    return [make_participant(event, name=f"Participant {i:02}") for i in range(10)]


# -- build_problem ----------------------------------------------------------------------------


def test_the_problem_holds_availability_minus_blocked_slots(event):
    slots = meetings.generate_slots(event)
    first, second = event.windows.order_by("starts_at")
    a, b, c = (make_participant(event) for _ in range(3))
    a.availability.set([second])
    c.blocked_slots.add(slots[0], slots[8])
    _accepted(a, b)
    _accepted(b, c)
    problem = schedule_runs.build_problem(event, slots)
    available = {p.id: p.available for p in problem.participants}
    all_ids = {s.pk for s in slots}
    assert available[a.pk] == {s.pk for s in slots if s.window_id == second.pk}
    assert available[b.pk] == all_ids  # no window chosen: all of them
    assert available[c.pk] == all_ids - {slots[0].pk, slots[8].pk}
    assert {s.session for s in problem.slots} == {first.pk, second.pk}
    assert all(s.tables == 2 for s in problem.slots)


def test_part_of_day_comes_from_the_events_local_time(organiser):
    # New York: 09:00 is 13:00 or 14:00 UTC, which a UTC reading would call afternoon.
    event = make_event(organiser=organiser, windows=0, time_zone="America/New_York")
    day = event.local(event.starts_at).date()
    for start, end in ((time(9), time(10)), (time(13), time(14))):
        SessionWindow.objects.create(
            event=event,
            starts_at=datetime.combine(day, start, event.tz),
            ends_at=datetime.combine(day, end, event.tz),
        )
    slots = meetings.generate_slots(event)
    a, b = make_participant(event), make_participant(event)
    _accepted(a, b, part_of_day="morning", priority=3)
    problem = schedule_runs.build_problem(event, slots)
    parts = [s.part for s in sorted(problem.slots, key=lambda s: s.start)]
    assert parts == ["morning", "morning", "afternoon", "afternoon"]
    assert [(r.part, r.weight) for r in problem.requests] == [("morning", 3.0)]


def test_the_effective_limit_is_the_lowest_of_event_kind_and_own(event):
    KindLimit.objects.create(event=event, kind="investor", max_meetings=3)
    plain, investor, modest = (
        make_participant(event),
        make_participant(event, kind="investor"),
        make_participant(event, kind="investor"),
    )
    modest.max_meetings = 2
    modest.save()
    _accepted(plain, investor)
    _accepted(plain, modest)
    problem = schedule_runs.build_problem(event, meetings.generate_slots(event))
    limits = {p.id: p.max_meetings for p in problem.participants}
    assert limits == {plain.pk: 6, investor.pk: 3, modest.pk: 2}


def test_reading_the_problem_costs_the_same_queries_for_many_people(
    event, django_assert_max_num_queries
):
    KindLimit.objects.create(event=event, kind="investor", max_meetings=3)
    people = [make_participant(event, kind=("investor" if i % 2 else "sme")) for i in range(12)]
    _random_requests(event, people, 20)
    slots = meetings.generate_slots(event)
    # requests, meetings, registrations, their windows and blocked slots, kind limits
    with django_assert_max_num_queries(6):
        problem = schedule_runs.build_problem(event, slots)
    assert len(problem.participants) == 12


@pytest.mark.parametrize(
    ("format", "tables", "online"),
    [("onsite", 2, [False, False]), ("hybrid", 2, [False, True]), ("online", 0, [True, True])],
)
def test_online_events_have_no_tables_and_online_requests_need_none(
    organiser, format, tables, online
):
    event = make_event(organiser=organiser, format=format, tables=2)
    a, b, c = (make_participant(event) for _ in range(3))
    _accepted(a, b)
    _accepted(a, c, must_be_online=True)
    problem = schedule_runs.build_problem(event, meetings.generate_slots(event))
    assert {s.tables for s in problem.slots} == {tables}
    expected = online if format != "onsite" else [False, True]
    assert [r.online for r in sorted(problem.requests, key=lambda r: r.id)] == expected


def test_only_accepted_requests_between_approved_participants(event):
    a, b = make_participant(event), make_participant(event)
    waiting = make_participant(event, status="pending")
    left = make_participant(event, status="cancelled")
    wanted = _accepted(a, b)
    _accepted(a, waiting)
    _accepted(b, left)
    MeetingRequest.objects.create(event=event, sender=waiting, receiver=left)
    MeetingRequest.objects.create(event=event, sender=b, receiver=waiting, status=RS.DECLINED)
    problem = schedule_runs.build_problem(event, meetings.generate_slots(event))
    assert [r.id for r in problem.requests] == [wanted.pk]
    approved = {p.id for p in problem.participants if p.max_meetings}
    assert approved == {a.pk, b.pk}


def test_scheduled_meetings_go_in_as_fixed(organiser, event, people):
    slots = meetings.generate_slots(event)
    a, b, c, d = people[:4]
    kept = meetings.place_meeting(
        user=organiser, request=_accepted(a, b), slot=slots[3], table=2, locked=False
    )
    online = meetings.place_meeting(
        user=organiser, request=_accepted(c, d, must_be_online=True), slot=slots[3], table=None
    )
    gone = meetings.place_meeting(user=organiser, request=_accepted(a, c), slot=slots[4], table=1)
    meetings.cancel_meeting(user=organiser, meeting=gone)
    problem = schedule_runs.build_problem(event, slots)
    assert sorted(problem.fixed, key=lambda f: f.request) == [
        scheduling.FixedMeeting(request=kept.request_id, slot=slots[3].pk, table=2),
        scheduling.FixedMeeting(request=online.request_id, slot=slots[3].pk, table=None),
    ]
    # The cancelled meeting's request is to be placed again.
    assert gone.request_id in {r.id for r in problem.requests}


def test_a_fixed_meeting_of_someone_no_longer_approved_is_still_fixed(organiser, event, people):
    """Their seat holds the slot until the meeting is cancelled, so the scheduler must know it
    (left out, the problem would name an unknown participant and the run would crash)."""
    slots = meetings.generate_slots(event)
    a, b, c = people[:3]
    meeting = meetings.place_meeting(
        user=organiser, request=_accepted(a, b), slot=slots[0], table=1
    )
    _accepted(a, c)
    b.status = "rejected"  # by hand: the service would have cancelled the meeting
    b.save()
    problem = schedule_runs.build_problem(event, slots)
    assert [f.request for f in problem.fixed] == [meeting.request_id]
    assert {p.id: p.max_meetings for p in problem.participants}[b.pk] == 0
    run = _run(event)
    assert run.status == RUN.DONE, run.error
    assert run.result["kept"] == 1 and run.result["new_meetings"] == 1
    _assert_consistent(event)


# -- run_schedule ---------------------------------------------------------------------------


def test_a_run_stores_meetings_with_two_seats_each(organiser, event, people):
    requests = _random_requests(event, people, 25)
    run = _run(event, organiser)
    assert run.status == RUN.DONE, run.error
    assert (run.progress, run.stage, run.error) == (100, "", "")
    assert run.started_at and run.finished_at
    scheduled = _assert_consistent(event)
    assert scheduled and all(m.run_id == run.pk and not m.locked for m in scheduled)
    result = run.result
    assert result["scheduled"] == result["new_meetings"] == len(scheduled)
    assert result["requests"] == len(requests)
    assert result["kept"] == 0
    assert result["scheduled"] + len(result["unscheduled"]) == len(requests)
    assert 0 < result["ratio"] <= 1
    assert result["weight"] <= result["bound"] + 1e-6
    assert result["weight"] == sum(m.request.priority for m in scheduled)
    assert set(result["unscheduled"]) == {str(r.pk) for r in requests} - {
        str(m.request_id) for m in scheduled
    }


def test_unscheduled_requests_carry_their_reason(organiser, event):
    a, b, c, d, e = (make_participant(event) for _ in range(5))
    first, second = event.windows.order_by("starts_at")
    a.availability.set([first])
    b.availability.set([second])
    no_common = _accepted(a, b)
    busy = make_participant(event)
    busy.max_meetings = 1
    busy.save()
    one, two = _accepted(busy, c, priority=3), _accepted(busy, d, priority=1)
    fine = _accepted(c, e)
    run = _run(event, organiser)
    assert run.status == RUN.DONE, run.error
    assert run.result["unscheduled"] == {
        str(no_common.pk): scheduling.Reason.NO_COMMON_SLOT.value,
        str(two.pk): scheduling.Reason.MAX_MEETINGS.value,
    }
    assert set(Meeting.objects.values_list("request_id", flat=True)) == {one.pk, fine.pk}
    assert run.result["unscheduled_by_reason"][scheduling.Reason.MAX_MEETINGS.value] == 1


def test_tables_limit_the_onsite_meetings_of_a_slot(organiser):
    event = make_event(organiser=organiser, windows=0, tables=1)
    day = event.local(event.starts_at).date()
    SessionWindow.objects.create(
        event=event,
        starts_at=datetime.combine(day, time(9), event.tz),
        ends_at=datetime.combine(day, time(9, 20), event.tz),
    )
    a, b, c, d, e, f = (make_participant(event) for _ in range(6))
    _accepted(a, b, priority=3)
    lost = _accepted(c, d, priority=1)
    online = _accepted(e, f, must_be_online=True)
    run = _run(event, organiser)
    assert run.result["unscheduled"] == {str(lost.pk): scheduling.Reason.NO_TABLE.value}
    tables = dict(Meeting.objects.values_list("request_id", "table"))
    assert tables[online.pk] is None and 1 in tables.values()


def test_an_incremental_run_moves_nothing_and_fills_gaps(organiser, event, people):
    _random_requests(event, people, 15, seed=3)
    first = _run(event, organiser)
    assert first.status == RUN.DONE, first.error
    before = {m.pk: (m.slot_id, m.table, m.request_id) for m in _assert_consistent(event)}
    # One meeting placed by hand and locked, one moved: all stay where they are.
    moved = Meeting.objects.order_by("pk").first()
    free = [
        s
        for s in meetings.generate_slots(event)
        if not MeetingSeat.objects.filter(
            slot=s, registration_id__in=[moved.request.sender_id, moved.request.receiver_id]
        ).exists()
        and not Meeting.objects.filter(slot=s, table=2, status="scheduled").exists()
    ]
    meetings.move_meeting(user=organiser, meeting=moved, slot=free[0], table=2)
    before[moved.pk] = (free[0].pk, 2, moved.request_id)
    newcomers = [make_participant(event) for _ in range(4)]
    added = [_accepted(newcomers[i], people[i]) for i in range(4)] + [
        _accepted(newcomers[0], newcomers[1])
    ]
    second = _run(event, organiser)
    assert second.status == RUN.DONE, second.error
    after = {m.pk: (m.slot_id, m.table, m.request_id) for m in _assert_consistent(event)}
    assert {pk: after[pk] for pk in before} == before
    new = set(after) - set(before)
    assert len(new) == second.result["new_meetings"] > 0
    assert {after[pk][2] for pk in new} <= {r.pk for r in added} | {
        int(pk) for pk in first.result["unscheduled"]
    }
    assert second.result["kept"] == len(before)
    assert Meeting.objects.filter(pk__in=new, run=second).count() == len(new)


def test_a_finished_or_failed_run_is_left_as_it_is(organiser, event, people):
    _random_requests(event, people, 8)
    run = _run(event, organiser)
    count = Meeting.objects.count()
    _accepted(make_participant(event), make_participant(event))
    again = schedule_runs.run_schedule(run.pk)
    assert again.status == RUN.DONE and Meeting.objects.count() == count
    assert ScheduleRun.objects.get(pk=run.pk).result == run.result
    failed = ScheduleRun.objects.create(event=event, status=RUN.FAILED, error="earlier")
    assert schedule_runs.run_schedule(failed.pk).status == RUN.FAILED
    assert Meeting.objects.count() == count
    assert ScheduleRun.objects.get(pk=failed.pk).error == "earlier"


def test_a_clash_while_storing_fails_the_run_and_writes_nothing(
    organiser, event, people, monkeypatch
):
    """A meeting placed by hand between computing and storing takes a seat the run wants: the
    seats' unique constraint refuses the store, the run fails with a sentence, and not one of
    its meetings is written."""
    _random_requests(event, people, 12)
    real = scheduling.schedule
    outsider = make_participant(event, name="Late Arrival")
    taken = {}

    def schedule_then_clash(problem, **kwargs):
        result = real(problem, **kwargs)
        placement = next(p for p in result.placements.values() if p.slot is not None)
        request = MeetingRequest.objects.get(pk=placement.request)
        slot = next(s for s in meetings.generate_slots(event) if s.pk == placement.slot)
        taken["meeting"] = _place_by_hand(organiser, outsider, request.sender, slot, placement)
        return result

    monkeypatch.setattr(schedule_runs.scheduling, "schedule", schedule_then_clash)
    run = _run(event, organiser)
    assert run.status == RUN.FAILED
    assert run.error == schedule_runs.CHANGED
    assert "run it again" in run.error
    assert list(Meeting.objects.all()) == [taken["meeting"]]
    assert MeetingSeat.objects.count() == 2
    # Nothing is under way any more: the organiser can press the button again.
    monkeypatch.setattr(schedule_runs.scheduling, "schedule", real)
    assert _run(event, organiser).status == RUN.DONE
    _assert_consistent(event)


def _place_by_hand(organiser, outsider, person, slot, placement) -> Meeting:
    """A meeting for ``person`` in the slot the run gave them, at a table it does not use."""
    table = 2 if placement.table == 1 else 1
    return meetings.place_meeting(
        user=organiser, request=_accepted(outsider, person), slot=slot, table=table
    )


def test_a_request_called_off_while_computing_is_not_stored(organiser, event, people, monkeypatch):
    requests = _random_requests(event, people, 6)
    real = scheduling.schedule
    gone = requests[0]

    def schedule_then_cancel(problem, **kwargs):
        result = real(problem, **kwargs)
        assert result.placements[gone.pk].slot is not None
        MeetingRequest.objects.filter(pk=gone.pk).update(status=RS.CANCELLED)
        drop_meetings([gone.pk])
        return result

    monkeypatch.setattr(schedule_runs.scheduling, "schedule", schedule_then_cancel)
    run = _run(event, organiser)
    assert run.status == RUN.DONE, run.error
    assert run.result["dropped"] == 1
    assert not Meeting.objects.filter(request=gone).exists()
    assert Meeting.objects.count() == run.result["new_meetings"] == run.result["scheduled"]


def test_a_window_change_under_scheduled_meetings_fails_the_run_with_a_sentence(
    organiser, event, people
):
    _accepted(people[0], people[1])
    assert _run(event, organiser).status == RUN.DONE
    event.meeting_minutes = 30
    event.save()
    run = _run(event, organiser)
    assert run.status == RUN.FAILED
    assert run.error.startswith("Meetings are scheduled at ")
    assert "move or cancel them first" in run.error
    assert Meeting.objects.count() == 1


def test_a_cancelled_events_run_fails(organiser, event, people):
    _accepted(people[0], people[1])
    run = ScheduleRun.objects.create(event=event)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    run = schedule_runs.run_schedule(run.pk)
    assert (run.status, run.error) == (RUN.FAILED, "This event was cancelled.")
    assert not Meeting.objects.exists()


def test_an_unexpected_error_fails_the_run_and_is_raised(organiser, event, people, monkeypatch):
    _accepted(people[0], people[1])

    def broken(problem, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(schedule_runs.scheduling, "schedule", broken)
    run = ScheduleRun.objects.create(event=event)
    with pytest.raises(RuntimeError):
        schedule_runs.run_schedule(run.pk)
    run.refresh_from_db()
    assert run.status == RUN.FAILED and "solver exploded" in run.error
    assert not Meeting.objects.exists()


def test_an_online_event_is_scheduled_without_tables(organiser):
    event = make_event(organiser=organiser, format="online", tables=1)
    people = [make_participant(event) for _ in range(6)]
    _random_requests(event, people, 8)
    run = _run(event, organiser)
    assert run.status == RUN.DONE, run.error
    scheduled = _assert_consistent(event)
    assert len(scheduled) == 8  # one table would not hold 3 meetings a slot; online needs none
    assert all(m.table is None for m in scheduled)


def test_kept_meetings_get_tables_when_an_online_event_goes_hybrid(organiser):
    event = make_event(organiser=organiser, windows=0, format="online", tables=2)
    day = event.local(event.starts_at).date()
    SessionWindow.objects.create(
        event=event,
        starts_at=datetime.combine(day, time(9), event.tz),
        ends_at=datetime.combine(day, time(9, 20), event.tz),
    )
    people = [make_participant(event) for _ in range(6)]
    for i in range(3):
        _accepted(people[2 * i], people[2 * i + 1])
    assert _run(event, organiser).result["new_meetings"] == 3
    slot_before = set(Meeting.objects.values_list("pk", "slot_id"))
    Event.objects.filter(pk=event.pk).update(format=Event.Format.HYBRID)
    run = _run(event, organiser)
    assert run.status == RUN.DONE, run.error
    assert run.result["kept"] == 3 and run.result["new_meetings"] == 0
    assert set(Meeting.objects.values_list("pk", "slot_id")) == slot_before
    # Two tables for three meetings: the third stays without one (never table 3).
    assert sorted(Meeting.objects.values_list("table", flat=True), key=str) == [1, 2, None]


# -- start_schedule -------------------------------------------------------------------------


def test_start_queues_one_run_and_the_task_runs_after_commit(
    organiser, event, people, django_capture_on_commit_callbacks
):
    _random_requests(event, people, 6)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run, created = schedule_runs.start_schedule(user=organiser, event=event)
        again, created_again = schedule_runs.start_schedule(user=organiser, event=event)
        assert Meeting.objects.count() == 0  # nothing before the commit
    assert created and not created_again and again.pk == run.pk
    assert len(callbacks) == 1
    run.refresh_from_db()
    assert run.status == RUN.DONE and run.requested_by == organiser
    assert Meeting.objects.count() == run.result["new_meetings"] > 0
    # Done: the next press starts a new run.
    with django_capture_on_commit_callbacks(execute=False):
        later, created = schedule_runs.start_schedule(user=organiser, event=event)
    assert created and later.pk != run.pk and later.status == RUN.QUEUED


def test_one_active_run_per_event_even_past_the_check(organiser, event, monkeypatch):
    """Two presses at the same moment both pass the "already running?" read; the partial
    unique constraint lets one create its run and hands the other that same run."""
    existing = ScheduleRun.objects.create(event=event, requested_by=organiser)

    class Nothing:
        def first(self):
            return None

    real_filter = type(event.schedule_runs).filter
    calls = []

    def first_read_misses(self, *args, **kwargs):
        qs = real_filter(self, *args, **kwargs)
        if not calls:
            calls.append(1)
            return Nothing()
        return qs

    monkeypatch.setattr(type(event.schedule_runs), "filter", first_read_misses)
    run, created = schedule_runs.start_schedule(user=organiser, event=event)
    assert (run.pk, created) == (existing.pk, False)
    assert ScheduleRun.objects.count() == 1


def test_a_run_whose_worker_died_does_not_block_the_event_for_ever(organiser, event):
    stuck = ScheduleRun.objects.create(event=event, status=RUN.RUNNING)
    ScheduleRun.objects.filter(pk=stuck.pk).update(
        started_at=timezone.now() - schedule_runs.STALE_AFTER - timedelta(minutes=1)
    )
    fresh = ScheduleRun.objects.create(event=make_event(organiser=organiser), status=RUN.QUEUED)
    forget(organiser)  # the organiser's events are cached on the user object
    run, created = schedule_runs.start_schedule(user=organiser, event=event)
    assert created and run.pk != stuck.pk
    stuck.refresh_from_db()
    assert stuck.status == RUN.FAILED and "stopped without finishing" in stuck.error
    # A late redelivery of the lost task changes nothing.
    assert schedule_runs.run_schedule(stuck.pk).status == RUN.FAILED
    # A run of the right age is still the one under way.
    assert schedule_runs.start_schedule(user=organiser, event=fresh.event) == (fresh, False)


def test_only_organisers_and_staff_start_a_run(event, people, staff_user):
    with pytest.raises(PermissionDenied):
        schedule_runs.start_schedule(user=people[0].person, event=event)
    assert not ScheduleRun.objects.exists()
    run, created = schedule_runs.start_schedule(user=staff_user, event=event)
    assert created and run.status == RUN.QUEUED


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no_windows", "Add meeting sessions"),
        ("cancelled", "was cancelled"),
        ("ended", "has ended"),
    ],
)
def test_a_run_needs_a_live_event_with_sessions(organiser, event, change, message):
    if change == "no_windows":
        event.windows.all().delete()
    elif change == "cancelled":
        event.status = Event.Status.CANCELLED
    else:
        event.starts_at -= timedelta(days=30)
        event.ends_at = event.starts_at + timedelta(hours=2)
        event.registration_deadline = event.starts_at - timedelta(days=1)
    event.save()
    with pytest.raises(ValidationError) as excinfo:
        schedule_runs.start_schedule(user=organiser, event=event)
    assert message in " ".join(excinfo.value.message_dict["event"])
    assert not ScheduleRun.objects.exists()


def test_meeting_statistics_count_each_side(organiser, event):
    a = make_participant(event, country="FR")
    b = make_participant(event, country="DE")
    c = make_participant(event, country="DE")
    _accepted(a, b)
    _accepted(b, c, must_be_online=True)
    _run(event, organiser)
    figures = schedule_runs.meeting_statistics(event)
    assert figures["scheduled"] == 2 and figures["online"] == 1
    assert figures["by_country"] == {"DE": 3, "FR": 1}
