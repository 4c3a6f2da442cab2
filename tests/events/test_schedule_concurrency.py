"""Simultaneous meeting writes on PostgreSQL: whoever gets there first, nobody has two meetings at
one time and no table is used twice; the loser gets a ValidationError naming the field, never
a 500 or a deadlock.

Threads are lined up on a barrier so they enter the services together; only outcomes are
asserted, never timing. The control tests take the row locks away and hold both writers until
both have passed the checks: the database's unique constraints still refuse the second.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from clusterplatform.accounts.models import User
from events import schedule_runs, scheduling, services
from events.models import Meeting, MeetingRequest, MeetingSeat, ScheduleRun
from events.services import meetings

from ..factories import make_event, make_participant
from .races import outcomes, race

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (SELECT ... FOR UPDATE) and concurrent connections need PostgreSQL",
    ),
]

RUN = ScheduleRun.Status


def _refusal(results) -> dict[str, list[str]]:
    return next(error for kind, error in results if kind == "refused").message_dict


def _fresh(user: User) -> User:
    """Each thread its own user object (rules cache lookups on it)."""
    return User.objects.get(pk=user.pk)


def _accepted(a, b, **fields) -> MeetingRequest:
    return MeetingRequest.objects.create(
        event=a.event, sender=a, receiver=b, status="accepted", **fields
    )


@pytest.fixture
def setting(organiser):
    event = make_event(organiser=organiser, tables=4)
    slots = meetings.generate_slots(event)
    people = [make_participant(event) for _ in range(4)]
    return event, slots, people


def _two_meetings_of_one_person(organiser, slots, people):
    a, b, c, _d = people
    first = meetings.place_meeting(user=organiser, request=_accepted(a, b), slot=slots[0], table=1)
    second = meetings.place_meeting(user=organiser, request=_accepted(a, c), slot=slots[1], table=2)
    return first, second


def _move(organiser, meeting, slot, table):
    return lambda: meetings.move_meeting(
        user=_fresh(organiser), meeting=meeting, slot=slot, table=table
    )


def test_two_moves_of_one_persons_meetings_into_one_slot(organiser, setting):
    _event, slots, people = setting
    first, second = _two_meetings_of_one_person(organiser, slots, people)
    results = race(_move(organiser, first, slots[5], 1), _move(organiser, second, slots[5], 2))
    assert outcomes(results) == ["ok", "refused"], results
    assert "already has a meeting" in " ".join(_refusal(results)["slot"])
    a = people[0]
    assert MeetingSeat.objects.filter(registration=a, slot=slots[5]).count() == 1
    assert MeetingSeat.objects.filter(registration=a).count() == 2


def test_two_placements_at_one_table_and_slot(organiser, setting):
    _event, slots, people = setting
    a, b, c, d = people
    requests = [_accepted(a, b), _accepted(c, d)]
    results = race(
        *(
            lambda r=r: meetings.place_meeting(
                user=_fresh(organiser), request=r, slot=slots[3], table=1
            )
            for r in requests
        )
    )
    assert outcomes(results) == ["ok", "refused"], results
    assert "taken" in " ".join(_refusal(results)["table"])
    assert Meeting.objects.filter(slot=slots[3], table=1).count() == 1
    assert MeetingSeat.objects.count() == 2


def _without_locks(monkeypatch, checked: threading.Barrier) -> None:
    """The rows read but not locked, and each writer held until both have passed the checks."""

    def read(user, request_id, meeting_id=None):
        request = MeetingRequest.objects.select_related(
            "event", "sender__organisation", "receiver__organisation"
        ).get(pk=request_id)
        meetings._must_manage(user, request.event)
        meeting = Meeting.objects.get(pk=meeting_id) if meeting_id else None
        if meeting is not None:
            meeting.event, meeting.request = request.event, request
        return request, meeting

    real_check = meetings._check_free

    def check_then_wait(*args):
        real_check(*args)
        checked.wait(timeout=30)

    monkeypatch.setattr(meetings, "_lock", read)
    monkeypatch.setattr(meetings, "_check_free", check_then_wait)


def test_control_without_locks_the_seat_constraint_refuses_the_second_move(
    organiser, setting, monkeypatch
):
    _event, slots, people = setting
    first, second = _two_meetings_of_one_person(organiser, slots, people)
    _without_locks(monkeypatch, threading.Barrier(2))
    results = race(_move(organiser, first, slots[5], 1), _move(organiser, second, slots[5], 2))
    # Both passed the checks; the unique (registration, slot) index refused one write.
    assert outcomes(results) == ["ok", "refused"], results
    assert "already has a meeting" in " ".join(_refusal(results)["slot"])
    assert MeetingSeat.objects.filter(registration=people[0], slot=slots[5]).count() == 1


def test_control_without_locks_the_table_constraint_refuses_the_second_placement(
    organiser, setting, monkeypatch
):
    _event, slots, people = setting
    a, b, c, d = people
    requests = [_accepted(a, b), _accepted(c, d)]
    _without_locks(monkeypatch, threading.Barrier(2))
    results = race(
        *(
            lambda r=r: meetings.place_meeting(
                user=_fresh(organiser), request=r, slot=slots[3], table=1
            )
            for r in requests
        )
    )
    assert outcomes(results) == ["ok", "refused"], results
    assert list(_refusal(results)) == ["table"]
    assert Meeting.objects.filter(slot=slots[3], table=1).count() == 1


def test_a_participant_calling_off_while_the_organiser_moves_does_not_deadlock(organiser, setting):
    _event, slots, people = setting
    a, b, _c, _d = people
    request = _accepted(a, b)
    meeting = meetings.place_meeting(user=organiser, request=request, slot=slots[0], table=1)
    results = race(
        _move(organiser, meeting, slots[4], 3),
        lambda: services.cancel_request(user=_fresh(b.person), request=request),
        lambda: services.cancel_registration(user=_fresh(a.person), registration=a),
    )
    assert "error" not in outcomes(results), results
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    assert not MeetingSeat.objects.exists()


def test_two_presses_of_schedule_make_one_run(organiser, setting, monkeypatch):
    event, _slots, _people = setting
    monkeypatch.setattr(schedule_runs.transaction, "on_commit", lambda *args, **kwargs: None)
    results = race(
        lambda: schedule_runs.start_schedule(user=_fresh(organiser), event=event),
        lambda: schedule_runs.start_schedule(user=_fresh(organiser), event=event),
    )
    assert outcomes(results) == ["ok", "ok"], results
    (run_a, created_a), (run_b, created_b) = (value for _kind, value in results)
    assert run_a.pk == run_b.pk and sorted([created_a, created_b]) == [False, True]
    assert ScheduleRun.objects.count() == 1


def test_a_run_and_a_placement_by_hand_at_once_never_double_book(organiser, setting, monkeypatch):
    """The run has computed when an organiser places a meeting into a seat the run uses:
    whichever writes first stands, the other is refused (the run fails, or the placement)."""
    event, slots, people = setting
    a, b, c, d = people
    _accepted(a, b)
    _accepted(c, d)
    outsider = make_participant(event)
    # Accepted only once the run has read the requests: the run leaves it to the organiser.
    by_hand = MeetingRequest.objects.create(event=event, sender=outsider, receiver=a)
    real = scheduling.schedule
    computed = threading.Barrier(2)
    wanted = {}

    def schedule_then_wait(problem, **kwargs):
        result = real(problem, **kwargs)
        with_a = next(r.id for r in problem.requests if a.pk in (r.a, r.b))
        wanted["slot"] = result.placements[with_a].slot
        computed.wait(timeout=30)
        return result

    def place_when_computed():
        computed.wait(timeout=30)
        MeetingRequest.objects.filter(pk=by_hand.pk).update(status="accepted")
        slot = next(s for s in slots if s.pk == wanted["slot"])
        return meetings.place_meeting(user=_fresh(organiser), request=by_hand, slot=slot, table=4)

    monkeypatch.setattr(schedule_runs.scheduling, "schedule", schedule_then_wait)
    run = ScheduleRun.objects.create(event=event)
    results = race(lambda: schedule_runs.run_schedule(run.pk), place_when_computed)
    run.refresh_from_db()
    placed = results[1][0] == "ok"
    assert results[0][0] == "ok", results
    if placed:
        assert run.status == RUN.FAILED and run.error == schedule_runs.CHANGED
        assert list(Meeting.objects.values_list("request_id", flat=True)) == [by_hand.pk]
    else:
        assert run.status == RUN.DONE, run.error
        assert results[1][0] == "refused", results
        assert "already has a meeting" in " ".join(results[1][1].message_dict["slot"])
        assert Meeting.objects.count() == 2
    seats = list(MeetingSeat.objects.values_list("registration_id", "slot_id"))
    assert len(seats) == len(set(seats))
