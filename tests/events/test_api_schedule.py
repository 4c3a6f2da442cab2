"""The scheduling API: runs, meetings (list, move, lock, cancel) and agendas (JSON and iCal),
by role.

The event is in New York (UTC-4 or -5), so a time written in the wrong zone shows. In ``world``
the "participant" and the "other participant" have an accepted request between them; a third
participant has one with the other participant. Hidden objects are 404s, visible but
forbidden ones 403s.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from types import SimpleNamespace

import pytest
from django.urls import reverse
from icalendar import Calendar

from events.models import Event, Meeting, MeetingRequest, MeetingSeat, ScheduleRun, SessionWindow
from events.services.meetings import generate_slots, place_meeting

from ..factories import make_event, make_participant
from .test_api import as_role, client_for, personal_data, refused

pytestmark = pytest.mark.django_db

NEW_YORK = "America/New_York"
MANAGERS = ("organiser", "staff")
OTHERS = ("participant", "other_participant", "unrelated")


def accept(sender, receiver, **fields) -> MeetingRequest:
    return MeetingRequest.objects.create(
        event=sender.event,
        sender=sender,
        receiver=receiver,
        status=MeetingRequest.Status.ACCEPTED,
        **fields,
    )


@pytest.fixture
def world(organiser, staff_user, user):
    event = make_event(organiser=organiser, name="Grid Days", time_zone=NEW_YORK, tables=40)
    mine = make_participant(event, name="Mine GmbH")
    other = make_participant(event, name="Other Oy")
    third = make_participant(event, name="Third BV")
    return SimpleNamespace(
        event=event,
        mine=mine,
        other=other,
        third=third,
        ours=accept(mine, other, message="About heat pumps"),
        theirs=accept(other, third),
        people={
            "anonymous": None,
            "participant": mine.person,
            "other_participant": other.person,
            "unrelated": user,
            "organiser": organiser,
            "staff": staff_user,
        },
    )


@pytest.fixture
def slots(world):
    return generate_slots(world.event)


@pytest.fixture
def placed(world, slots, organiser):
    """Our meeting at table 1 in the first slot; theirs at table 2 in the second."""
    return SimpleNamespace(
        ours=place_meeting(user=organiser, request=world.ours, slot=slots[0], table=1),
        theirs=place_meeting(user=organiser, request=world.theirs, slot=slots[1], table=2),
    )


def schedule_url(event: Event) -> str:
    return reverse("api:event-schedule", args=[event.pk])


def runs_url(event: Event, pk: int | None = None) -> str:
    if pk is None:
        return reverse("api:schedule-run-list", args=[event.pk])
    return reverse("api:schedule-run-detail", args=[event.pk, pk])


def meetings_url(event: Event, pk: int | None = None, action: str | None = None) -> str:
    if pk is None:
        return reverse("api:meeting-list", args=[event.pk])
    return reverse(f"api:meeting-{action or 'detail'}", args=[event.pk, pk])


def agenda_url(registration, ics: bool = False) -> str:
    name = "api:registration-agenda-ics" if ics else "api:registration-agenda"
    return reverse(name, args=[registration.pk])


def utc(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def add_pair(event: Event, slot, table: int) -> Meeting:
    """Two new participants and a meeting between them."""
    a, b = make_participant(event), make_participant(event)
    organiser = event.organisers.get()
    return place_meeting(user=organiser, request=accept(a, b), slot=slot, table=table)


# Scheduling runs -----------------------------------------------------------------------------


class TestSchedule:
    @pytest.mark.parametrize("role", ["anonymous", *OTHERS, *MANAGERS])
    def test_start_by_role(self, world, role, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = as_role(world, role).post(schedule_url(world.event))
        if role in MANAGERS:
            assert response.status_code == 202, response.json()
            data = response.json()
            assert data["status"] == "queued" and data["progress"] == 0
            assert set(data) >= {"id", "status", "progress", "stage", "created_at", "result"}
            assert len(callbacks) == 1  # the task is queued once the run is committed
        else:
            assert refused(response, role)
            assert not ScheduleRun.objects.exists() and not callbacks

    def test_a_run_places_the_accepted_requests(
        self, world, organiser, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(organiser).post(schedule_url(world.event))
        assert response.status_code == 202
        run = client_for(organiser).get(runs_url(world.event, response.json()["id"])).json()
        assert run["status"] == "done", run
        assert run["progress"] == 100 and run["error"] == ""
        assert run["result"]["scheduled"] == 2 and run["result"]["unscheduled"] == {}
        listed = client_for(organiser).get(meetings_url(world.event)).json()
        assert {m["request"] for m in listed["results"]} == {world.ours.pk, world.theirs.pk}
        mine = as_role(world, "participant").get(meetings_url(world.event)).json()
        assert [m["request"] for m in mine["results"]] == [world.ours.pk]

    def test_a_second_press_returns_the_active_run(
        self, world, organiser, staff_user, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            first = client_for(organiser).post(schedule_url(world.event))
            second = client_for(staff_user).post(schedule_url(world.event))
        assert first.status_code == 202 and second.status_code == 200
        assert second.json()["id"] == first.json()["id"]
        assert ScheduleRun.objects.count() == 1 and len(callbacks) == 1

    def test_an_event_without_sessions_is_a_400_naming_the_event(self, world, organiser):
        SessionWindow.objects.filter(event=world.event).delete()
        response = client_for(organiser).post(schedule_url(world.event))
        assert response.status_code == 400 and "event" in response.json()

    def test_a_hidden_event_is_a_404(self, world, user):
        Event.objects.filter(pk=world.event.pk).update(status=Event.Status.DRAFT)
        client = client_for(user)
        assert client.post(schedule_url(world.event)).status_code == 404
        assert client.get(runs_url(world.event)).status_code == 404
        assert client.get(meetings_url(world.event)).status_code == 404


class TestRuns:
    @pytest.fixture
    def run(self, world, organiser):
        return ScheduleRun.objects.create(
            event=world.event,
            requested_by=organiser,
            status="done",
            progress=100,
            result={"scheduled": 2},
        )

    @pytest.mark.parametrize("role", ["anonymous", *OTHERS, *MANAGERS])
    def test_list_and_detail_by_role(self, world, run, role):
        client = as_role(world, role)
        listed = client.get(runs_url(world.event))
        detail = client.get(runs_url(world.event, run.pk))
        if role in MANAGERS:
            assert [r["id"] for r in listed.json()["results"]] == [run.pk]
            assert detail.json()["result"] == {"scheduled": 2}
        else:
            assert refused(listed, role) and refused(detail, role)

    def test_another_events_run_is_a_404(self, world, run, organiser):
        elsewhere = make_event(organiser=organiser)
        assert client_for(organiser).get(runs_url(elsewhere, run.pk)).status_code == 404

    @pytest.mark.parametrize("rows", [3, 30])
    def test_list_query_count_is_constant(
        self, world, organiser, rows, django_assert_max_num_queries
    ):
        ScheduleRun.objects.bulk_create(
            ScheduleRun(event=world.event, status="failed", error="x") for _ in range(rows)
        )
        client = client_for(organiser)
        # event, organised events, count, page.
        with django_assert_max_num_queries(4):
            response = client.get(runs_url(world.event), {"page_size": 50})
        assert response.json()["count"] == rows


# Meetings ------------------------------------------------------------------------------------


class TestMeetingList:
    @pytest.mark.parametrize(
        ("role", "sees"),
        [
            ("participant", {"ours"}),
            ("other_participant", {"ours", "theirs"}),
            ("organiser", {"ours", "theirs"}),
            ("staff", {"ours", "theirs"}),
        ],
    )
    def test_who_sees_which(self, world, placed, role, sees):
        response = as_role(world, role).get(meetings_url(world.event))
        assert response.status_code == 200
        ids = {m["id"] for m in response.json()["results"]}
        assert ids == {getattr(placed, name).pk for name in sees}

    @pytest.mark.parametrize("role", ["anonymous", "unrelated"])
    def test_others_are_refused(self, world, placed, role):
        assert refused(as_role(world, role).get(meetings_url(world.event)), role)
        detail = as_role(world, role).get(meetings_url(world.event, placed.ours.pk))
        assert refused(detail, role)

    def test_a_pending_registration_is_refused(self, world, placed):
        world.mine.status = "pending"
        world.mine.save()
        assert as_role(world, "participant").get(meetings_url(world.event)).status_code == 403

    def test_a_participant_reads_only_their_own(self, world, placed):
        client = as_role(world, "participant")
        assert client.get(meetings_url(world.event, placed.ours.pk)).status_code == 200
        assert client.get(meetings_url(world.event, placed.theirs.pk)).status_code == 404

    def test_payload(self, world, placed, slots):
        response = as_role(world, "participant").get(meetings_url(world.event))
        (meeting,) = response.json()["results"]
        assert utc(meeting["starts_at"]) == slots[0].starts_at
        assert utc(meeting["ends_at"]) == slots[0].ends_at
        assert meeting["starts_at"].endswith("Z")  # UTC; the zone to show it in is separate
        assert meeting["time_zone"] == NEW_YORK
        assert meeting["slot"] == slots[0].pk and meeting["table"] == 1
        assert meeting["online"] is False and meeting["online_url"] is None
        assert meeting["status"] == "scheduled" and meeting["locked"] is True
        assert meeting["request"] == world.ours.pk
        sides = meeting["participants"]
        assert [s["registration"] for s in sides] == [world.mine.pk, world.other.pk]
        assert sides[1]["organisation"]["name"] == "Other Oy"
        assert set(sides[1]["organisation"]) >= {"id", "name", "country"}

    def test_online_meetings_carry_their_link(self, world, slots, organiser):
        Event.objects.filter(pk=world.event.pk).update(
            format="hybrid", online_meeting_url="https://meet.example.org/{meeting}"
        )
        world.ours.must_be_online = True
        world.ours.save()
        meeting = place_meeting(user=organiser, request=world.ours, slot=slots[0], table=None)
        (row,) = client_for(organiser).get(meetings_url(world.event)).json()["results"]
        assert row["online"] is True and row["table"] is None
        assert row["online_url"] == f"https://meet.example.org/{meeting.pk}"

    @pytest.mark.parametrize("role", ["participant", "organiser"])
    def test_no_contact_data(self, world, placed, role):
        body = as_role(world, role).get(meetings_url(world.event)).content.decode()
        for registration in (world.mine, world.other, world.third):
            for secret in personal_data(registration):
                assert secret not in body

    def test_filters(self, world, placed, slots, organiser):
        client = client_for(organiser)
        url = meetings_url(world.event)

        def ids(**params):
            response = client.get(url, params)
            assert response.status_code == 200, response.json()
            return {m["id"] for m in response.json()["results"]}

        client.post(meetings_url(world.event, placed.theirs.pk, "cancel"))
        assert ids(status="cancelled") == {placed.theirs.pk}
        assert ids(status="scheduled") == {placed.ours.pk}
        assert ids(registration=world.mine.pk) == {placed.ours.pk}
        assert ids(registration=world.other.pk) == {placed.ours.pk, placed.theirs.pk}
        first_day = world.event.local(slots[0].starts_at).date()
        later = [s for s in slots if world.event.local(s.starts_at).date() != first_day]
        moved = add_pair(world.event, later[0], 3)
        assert ids(date=first_day.isoformat()) == {placed.ours.pk, placed.theirs.pk}
        assert ids(date=world.event.local(later[0].starts_at).date().isoformat()) == {moved.pk}
        for bad in ({"status": "maybe"}, {"date": "tomorrow"}, {"registration": "x"}):
            response = client.get(url, bad)
            assert response.status_code == 400 and set(bad) <= set(response.json())

    def test_the_date_is_a_day_in_the_events_zone(self, world, organiser):
        """A 21:00 meeting in New York is on the next day in UTC: it is listed on its own day."""
        day = world.event.local(world.event.starts_at).date()
        zone = zoneinfo.ZoneInfo(NEW_YORK)
        SessionWindow.objects.create(
            event=world.event,
            label="Evening",
            starts_at=dt.datetime.combine(day, dt.time(21, 0), zone),
            ends_at=dt.datetime.combine(day, dt.time(22, 0), zone),
        )
        evening = [
            s for s in generate_slots(world.event) if world.event.local(s.starts_at).hour == 21
        ]
        assert evening[0].starts_at.astimezone(dt.UTC).date() != day
        meeting = add_pair(world.event, evening[0], 1)
        client = client_for(organiser)
        listed = client.get(meetings_url(world.event), {"date": day.isoformat()}).json()
        assert [m["id"] for m in listed["results"]] == [meeting.pk]
        next_day = (day + dt.timedelta(days=1)).isoformat()
        assert client.get(meetings_url(world.event), {"date": next_day}).json()["count"] == 0

    @pytest.mark.parametrize("rows", [5, 30])
    def test_query_count_is_constant(
        self, world, slots, organiser, rows, django_assert_max_num_queries
    ):
        for i in range(rows):
            add_pair(world.event, slots[i % 2], i // 2 + 1)
        place_meeting(user=organiser, request=world.ours, slot=slots[3], table=1)
        for role, count in (("organiser", rows + 1), ("participant", 1)):
            client = as_role(world, role)
            # event, registrations, organised events, groups (staff?), count, page.
            with django_assert_max_num_queries(6):
                response = client.get(meetings_url(world.event), {"page_size": 50})
            assert response.json()["count"] == count


class TestMeetingWrites:
    @pytest.mark.parametrize("role", ["anonymous", *OTHERS, *MANAGERS])
    def test_move_by_role(self, world, placed, slots, role):
        response = as_role(world, role).patch(
            meetings_url(world.event, placed.ours.pk), {"slot": slots[2].pk, "table": 5}
        )
        placed.ours.refresh_from_db()
        if role in MANAGERS:
            assert response.status_code == 200, response.json()
            assert response.json()["slot"] == slots[2].pk and response.json()["table"] == 5
            assert placed.ours.slot_id == slots[2].pk and placed.ours.locked
            assert set(placed.ours.seats.values_list("slot", flat=True)) == {slots[2].pk}
        else:
            assert refused(response, role)
            assert placed.ours.slot_id == slots[0].pk

    def test_a_person_busy_then_is_a_400_naming_the_slot(self, world, placed, organiser):
        """The other participant is in their meeting with the third at that time."""
        response = client_for(organiser).patch(
            meetings_url(world.event, placed.ours.pk), {"slot": placed.theirs.slot_id}
        )
        assert response.status_code == 400 and "slot" in response.json(), response.json()
        placed.ours.refresh_from_db()
        assert placed.ours.slot_id != placed.theirs.slot_id

    def test_a_taken_table_is_a_400_naming_the_table(self, world, placed, slots, organiser):
        other = add_pair(world.event, slots[2], 7)
        response = client_for(organiser).patch(
            meetings_url(world.event, placed.ours.pk), {"slot": slots[2].pk, "table": 7}
        )
        assert response.status_code == 400 and "table" in response.json(), response.json()
        assert Meeting.objects.get(pk=other.pk).table == 7
        assert MeetingSeat.objects.filter(meeting=placed.ours, slot=slots[0]).count() == 2

    @pytest.mark.parametrize(
        ("payload", "field"),
        [({"table": 0}, "table"), ({"table": 41}, "table"), ({"slot": 999_999}, "slot")],
    )
    def test_bad_input_is_a_400_naming_the_field(self, world, placed, organiser, payload, field):
        response = client_for(organiser).patch(meetings_url(world.event, placed.ours.pk), payload)
        assert response.status_code == 400 and field in response.json(), response.json()

    def test_another_events_slot_is_refused(self, world, placed, organiser):
        elsewhere = make_event(organiser=organiser)
        slot = generate_slots(elsewhere)[0]
        response = client_for(organiser).patch(
            meetings_url(world.event, placed.ours.pk), {"slot": slot.pk}
        )
        assert response.status_code == 400 and "slot" in response.json()

    def test_lock_and_unlock(self, world, placed, organiser):
        client = client_for(organiser)
        url = meetings_url(world.event, placed.ours.pk)
        assert client.patch(url, {"locked": False}).json()["locked"] is False
        assert Meeting.objects.get(pk=placed.ours.pk).locked is False
        assert client.patch(url, {"locked": True}).json()["locked"] is True

    @pytest.mark.parametrize("role", ["anonymous", *OTHERS, *MANAGERS])
    def test_cancel_by_role(self, world, placed, role):
        response = as_role(world, role).post(meetings_url(world.event, placed.ours.pk, "cancel"))
        placed.ours.refresh_from_db()
        if role in MANAGERS:
            assert response.status_code == 200 and response.json()["status"] == "cancelled"
            assert placed.ours.status == "cancelled" and not placed.ours.seats.exists()
        else:
            assert refused(response, role)
            assert placed.ours.status == "scheduled"

    def test_a_cancelled_meeting_cannot_move(self, world, placed, slots, organiser):
        client = client_for(organiser)
        client.post(meetings_url(world.event, placed.ours.pk, "cancel"))
        response = client.patch(meetings_url(world.event, placed.ours.pk), {"slot": slots[4].pk})
        assert response.status_code == 400 and "status" in response.json()


# Agendas -------------------------------------------------------------------------------------

AGENDA_CODES = [
    ("participant", 200),
    ("other_participant", 403),  # they may see the registration, not its agenda
    ("unrelated", 404),
    ("organiser", 200),
    ("staff", 200),
]


class TestAgenda:
    @pytest.mark.parametrize(("role", "code"), [("anonymous", None), *AGENDA_CODES])
    @pytest.mark.parametrize("ics", [False, True])
    def test_by_role(self, world, placed, role, code, ics):
        response = as_role(world, role).get(agenda_url(world.mine, ics=ics))
        if code is None:
            assert refused(response, role)
        else:
            assert response.status_code == code
        if code != 200:  # errors are JSON, even at the calendar's address
            assert response["Content-Type"] == "application/json"
            assert "detail" in response.json()

    def test_a_hidden_events_registration_is_a_404(self, world, placed):
        Event.objects.filter(pk=world.event.pk).update(status=Event.Status.DRAFT)
        response = as_role(world, "participant").get(agenda_url(world.mine))
        assert response.status_code == 404

    def test_meetings_in_time_order_with_the_partner(self, world, placed, slots, organiser):
        later = accept(world.third, world.mine)
        third = place_meeting(user=organiser, request=later, slot=slots[2], table=3)
        client_for(organiser).post(meetings_url(world.event, third.pk, "cancel"))
        data = as_role(world, "participant").get(agenda_url(world.mine)).json()
        assert data["registration"] == world.mine.pk
        assert data["event"]["time_zone"] == NEW_YORK
        meetings = data["meetings"]
        assert [m["id"] for m in meetings] == [placed.ours.pk, third.pk]
        assert [m["status"] for m in meetings] == ["scheduled", "cancelled"]
        assert [m["partner"]["organisation"]["name"] for m in meetings] == [
            "Other Oy",
            "Third BV",
        ]
        assert meetings[0]["table"] == 1 and meetings[0]["place"].startswith("Table 1")
        assert utc(meetings[0]["starts_at"]) == slots[0].starts_at
        assert meetings[0]["message"] == "About heat pumps"
        body = str(data)
        for registration in (world.mine, world.other, world.third):
            for secret in personal_data(registration):
                assert secret not in body

    def test_an_empty_agenda(self, world):
        data = as_role(world, "participant").get(agenda_url(world.mine)).json()
        assert data["meetings"] == []

    def test_ics_in_the_events_zone(self, world, placed, slots):
        client_for(world.people["organiser"]).post(
            meetings_url(world.event, placed.ours.pk, "cancel")
        )
        place_meeting(user=world.people["organiser"], request=world.ours, slot=slots[3], table=4)
        response = as_role(world, "participant").get(agenda_url(world.mine, ics=True))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")
        calendar = Calendar.from_ical(response.content)
        assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == [NEW_YORK]
        events = calendar.walk("VEVENT")
        assert [str(e["STATUS"]) for e in events] == ["CANCELLED", "CONFIRMED"]
        start = events[1]["DTSTART"]
        assert start.params["TZID"] == NEW_YORK
        assert start.dt == slots[3].starts_at
        assert start.dt.utcoffset() == world.event.local(slots[3].starts_at).utcoffset()
        assert "Other Oy" in str(events[1]["SUMMARY"])

    @pytest.mark.parametrize("rows", [2, 12])
    @pytest.mark.parametrize("ics", [False, True])
    def test_query_count_is_constant(self, world, slots, rows, ics, django_assert_max_num_queries):
        organiser = world.people["organiser"]
        for i in range(rows):
            partner = make_participant(world.event)
            request = accept(partner, world.mine)
            place_meeting(user=organiser, request=request, slot=slots[i], table=1)
        client = as_role(world, "participant")
        # registration, registrations of the user, meetings (everything joined in).
        with django_assert_max_num_queries(3):
            response = client.get(agenda_url(world.mine, ics=ics))
        assert response.status_code == 200
        if not ics:
            assert len(response.json()["meetings"]) == rows
