"""Organisers' scheduling pages: who may open them, a run through the page (tasks eager), its
progress partial, the result with unscheduled requests, the timetable grid and its query
count, and moving, locking, cancelling and placing meetings by hand."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from clusterplatform.accounts.models import User
from clusters.models import Organisation
from events.models import (
    Event,
    Meeting,
    MeetingRequest,
    Registration,
    ScheduleRun,
    SessionWindow,
    Slot,
)
from events.services.meetings import generate_slots, place_meeting

from ..factories import UserFactory, make_event, make_participant

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, event: Event, *args) -> str:
    return reverse(f"events:{name}", args=[event.slug, *args])


def html(response) -> str:
    return response.content.decode()


def field_error(response, field: str) -> str:
    """The error shown under one form field ("" when there is none)."""
    found = re.search(
        rf'<small class="field-error" id="id_{field}_error">(.*?)</small>', html(response)
    )
    return found.group(1) if found else ""


def accepted(a: Registration, b: Registration, **fields) -> MeetingRequest:
    return MeetingRequest.objects.create(
        event=a.event, sender=a, receiver=b, status=MeetingRequest.Status.ACCEPTED, **fields
    )


@pytest.fixture
def event(organiser) -> Event:
    return make_event(organiser=organiser, name="Wind Days", tables=3)


@pytest.fixture
def people(event) -> list[Registration]:
    names = ["Alpha Blades", "Beta Turbines", "Gamma Cables", "Delta Towers"]
    return [make_participant(event, name=name) for name in names]


@pytest.fixture
def slots(event) -> list[Slot]:
    return generate_slots(event)


def place(organiser, request: MeetingRequest, slot: Slot, table: int | None = 1) -> Meeting:
    return place_meeting(user=organiser, request=request, slot=slot, table=table)


# Permissions --------------------------------------------------------------------------------


def organiser_urls(event: Event, meeting: Meeting, run: ScheduleRun) -> list[str]:
    return [
        url("schedule", event),
        url("schedule-progress", event, run.pk),
        url("timetable", event),
        url("meeting-edit", event, meeting.pk),
        url("meeting-place", event, meeting.request_id),
    ]


@pytest.fixture
def meeting(organiser, people, slots) -> Meeting:
    return place(organiser, accepted(people[0], people[1]), slots[0])


@pytest.fixture
def run(event, organiser) -> ScheduleRun:
    return ScheduleRun.objects.create(event=event, requested_by=organiser, status="done")


def test_anonymous_visitors_are_sent_to_log_in(client, event, meeting, run):
    for address in [*organiser_urls(event, meeting, run), url("schedule-run", event)]:
        response = client.post(address) if address.endswith("/run/") else client.get(address)
        assert response.status_code == 302, address
        assert response.url.startswith(reverse("login")), address


@pytest.mark.parametrize("who", ["participant", "stranger"])
def test_participants_and_strangers_get_403(client, event, people, meeting, run, who):
    user = people[0].person if who == "participant" else UserFactory()
    client.force_login(user)
    for address in organiser_urls(event, meeting, run):
        assert client.get(address, **HTMX).status_code == 403, address
    assert client.post(url("schedule-run", event)).status_code == 403
    response = client.post(url("meeting-edit", event, meeting.pk), {"action": "cancel"})
    assert response.status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == "scheduled"
    assert not ScheduleRun.objects.exclude(pk=run.pk).exists()


def test_a_draft_is_404_for_strangers(client, organiser):
    draft = make_event(organiser=organiser, status="draft", name="Hidden Days")
    client.force_login(UserFactory())
    assert client.get(url("schedule", draft)).status_code == 404
    assert client.get(url("timetable", draft)).status_code == 404


def test_staff_may_open_the_pages(client, staff_user, event, meeting, run):
    client.force_login(staff_user)
    for address in organiser_urls(event, meeting, run):
        assert client.get(address).status_code in (200, 302), address


def test_the_run_url_takes_post_only(client, organiser, event):
    client.force_login(organiser)
    assert client.get(url("schedule-run", event)).status_code == 405


# Running the scheduler from the page --------------------------------------------------------


def test_schedule_button_runs_and_the_page_shows_the_result(
    client, organiser, event, people, django_capture_on_commit_callbacks
):
    a, b, c, d = people
    requests = [accepted(a, b), accepted(c, d), accepted(a, c, priority=3)]
    client.force_login(organiser)
    page = html(client.get(url("schedule", event)))
    assert "Schedule meetings" in page
    assert "No schedule yet" in page
    assert "3 accepted requests have no meeting yet" in page
    assert "never moved" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("schedule-run", event))
    assert response.status_code == 302
    run = ScheduleRun.objects.get()
    assert run.status == "done", run.error
    meetings = Meeting.objects.filter(event=event, status="scheduled")
    assert sorted(m.request_id for m in meetings) == sorted(r.pk for r in requests)
    assert run.result["new_meetings"] == 3

    page = html(client.get(response.url))
    assert "Scheduling started." in page
    result = re.search(r'<section id="result".*?</section>', page, re.S).group(0)
    assert "scheduled of 3 requests" in result
    assert f"{run.result['ratio'] * 100:.1f}".rstrip("0").rstrip(".") in result
    assert "The bound is the most any schedule could achieve" in result
    assert "Every request of this run found a time." in page
    assert "Every accepted request has a meeting." in page
    assert "hx-trigger" not in page
    statistics = re.search(r'<section id="statistics".*?</section>', page, re.S).group(0)
    assert "Germany" in statistics  # the factories' organisations are German
    history = re.search(r'<section id="history".*?</section>', page, re.S).group(0)
    assert "Done" in history and "3 / 3" in history


def test_a_second_run_keeps_the_meetings_and_places_only_new_requests(
    client, organiser, event, people, django_capture_on_commit_callbacks
):
    a, b, c, d = people
    client.force_login(organiser)
    accepted(a, b)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("schedule-run", event))
    first = Meeting.objects.get()
    accepted(c, d)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("schedule-run", event))
    assert Meeting.objects.filter(status="scheduled").count() == 2
    moved = Meeting.objects.get(pk=first.pk)
    assert (moved.slot_id, moved.table) == (first.slot_id, first.table)
    latest = ScheduleRun.objects.first()
    assert (latest.result["kept"], latest.result["new_meetings"]) == (1, 1)


def test_unscheduled_requests_show_their_reason_and_a_place_link(
    client, organiser, event, people, django_capture_on_commit_callbacks
):
    a, b, c, _d = people
    Registration.objects.filter(pk=a.pk).update(max_meetings=1)
    accepted(a, b, priority=3)
    left_out = accepted(a, c, priority=1)
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("schedule-run", event))
    page = html(client.get(url("schedule", event)))
    row = re.search(rf'<tr id="unscheduled-{left_out.pk}">.*?</tr>', page, re.S).group(0)
    assert "Max meetings reached" in row
    assert "Alpha Blades and Gamma Cables" in row
    assert url("meeting-place", event, left_out.pk) in row


def test_no_sessions_means_no_run_and_a_clear_message(client, organiser):
    event = make_event(organiser=organiser, windows=0, name="Empty Days")
    client.force_login(organiser)
    page = html(client.get(url("schedule", event)))
    assert "Add meeting sessions to the event first" in page
    response = client.post(url("schedule-run", event), follow=True)
    assert "Add meeting sessions before scheduling." in html(response)
    assert not ScheduleRun.objects.exists()


def test_a_failed_run_shows_its_error(client, organiser, event):
    ScheduleRun.objects.create(event=event, status="failed", error="ValueError('no slots')")
    client.force_login(organiser)
    page = html(client.get(url("schedule", event)))
    assert "The last run failed" in page and "ValueError(&#x27;no slots&#x27;)" in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_crash_in_an_eager_run_is_a_message_not_a_500(
    client, organiser, event, people, monkeypatch
):
    accepted(people[0], people[1])

    def broken(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr("events.scheduling.schedule", broken)
    client.force_login(organiser)
    # Committed at once (no test transaction around it), as in a server without a worker.
    response = client.post(url("schedule-run", event), follow=True)
    assert response.status_code == 200
    assert "Scheduling failed" in html(response)
    assert "solver exploded" in html(response)
    assert ScheduleRun.objects.get().status == "failed"


@pytest.mark.parametrize("count", [3, 30])
def test_schedule_page_query_count_is_constant(
    client, organiser, event, django_assert_max_num_queries, count
):
    """However many requests stayed unscheduled (25 a page) and runs there were."""
    people = [make_participant(event) for _ in range(count + 1)]
    requests = [accepted(people[0], other) for other in people[1:]]
    result = {"requests": count, "scheduled": 0, "kept": 0, "new_meetings": 0, "weight": 0,
              "bound": 1.0, "ratio": 0.0, "gaps": 0,
              "unscheduled": {str(r.pk): "no common free slot" for r in requests}}  # fmt: skip
    for _ in range(min(count, 12)):
        ScheduleRun.objects.create(event=event, status="done", result=result)
    client.force_login(organiser)
    with django_assert_max_num_queries(12):
        response = client.get(url("schedule", event))
    page = html(response)
    assert page.count('<tr id="unscheduled-') == min(count, 25)
    assert page.count("Place by hand<") == min(count, 25)
    history = re.search(r'<section id="history".*?</section>', page, re.S).group(0)
    assert history.count("<tr>") == 1 + min(count, 10)  # the heading row and 10 runs at most


# Progress --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "stage", "shown"),
    [
        ("queued", "", "Waiting for a worker to start"),
        ("running", "Scheduling 12 meetings", "Scheduling 12 meetings"),
    ],
)
def test_progress_polls_while_a_run_is_under_way(client, organiser, event, status, stage, shown):
    run = ScheduleRun.objects.create(event=event, status=status, progress=30, stage=stage)
    client.force_login(organiser)
    progress_url = url("schedule-progress", event, run.pk)
    for response in (client.get(url("schedule", event)), client.get(progress_url, **HTMX)):
        page = html(response)
        assert 'hx-trigger="every 1s"' in page
        assert f'hx-get="{progress_url}"' in page
        assert '<progress id="schedule-progress-bar" value="30" max="100"' in page
        assert shown in page
        assert "Schedule meetings</button>" not in page


def test_progress_of_a_finished_run_stops_polling_and_shows_the_result(
    client, organiser, event, people
):
    result = {"requests": 5, "scheduled": 4, "kept": 1, "new_meetings": 3, "unscheduled": {},
              "weight": 8.0, "bound": 10.0, "ratio": 0.8, "gaps": 2, "seconds": 0.25}  # fmt: skip
    run = ScheduleRun.objects.create(event=event, status="done", progress=100, result=result)
    client.force_login(organiser)
    response = client.get(url("schedule-progress", event, run.pk), **HTMX)
    page = html(response)
    assert "<html" not in page  # a partial
    assert 'id="schedule-state"' in page and "hx-trigger" not in page
    assert "80.0 %" in page and "scheduled of 5 requests" in page
    assert "Schedule meetings</button>" in page


def test_progress_outside_htmx_goes_to_the_page(client, organiser, event):
    run = ScheduleRun.objects.create(event=event, status="running")
    client.force_login(organiser)
    response = client.get(url("schedule-progress", event, run.pk))
    assert response.status_code == 302 and response.url == url("schedule", event)


def test_progress_of_another_events_run_is_404(client, organiser, event):
    other = make_event(organiser=organiser, name="Other Days")
    run = ScheduleRun.objects.create(event=other, status="running")
    client.force_login(organiser)
    assert client.get(url("schedule-progress", event, run.pk), **HTMX).status_code == 404


# Timetable ---------------------------------------------------------------------------------


def test_timetable_shows_meetings_in_their_cells(client, organiser, event, people, slots):
    a, b, c, d = people
    on_site = place(organiser, accepted(a, b), slots[1], table=2)
    online = place(organiser, accepted(c, d, must_be_online=True), slots[0], table=None)
    client.force_login(organiser)
    page = html(client.get(url("timetable", event)))
    assert "2 meetings (1 online, 2 locked" in page
    body = re.search(r"<tbody>.*</tbody>", page, re.S).group(0)
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", body, re.S)
    assert [label for label, _cells in rows] == ["1", "2", "3", "Online"]
    cells = {label: re.findall(r"<td.*?</td>", cells, re.S) for label, cells in rows}
    assert len(cells["1"]) == len(slots)
    assert url("meeting-edit", event, on_site.pk) in cells["2"][1]
    assert "Alpha Blades" in cells["2"][1] and "Beta Turbines" in cells["2"][1]
    assert "🔒" in cells["2"][1]
    assert url("meeting-edit", event, online.pk) in cells["Online"][0]
    assert cells["1"] == ["<td></td>"] * len(slots)
    assert "Europe/Brussels" in page and ">09:25<" in page


def test_timetable_one_session_and_the_empty_state(client, organiser, event, people, slots):
    client.force_login(organiser)
    _first, second = event.windows.order_by("starts_at")
    page = html(client.get(url("timetable", event), {"session": second.pk}))
    header = re.search(r"<thead>.*?</thead>", page, re.S).group(0)
    per_window = len(slots) // 2
    assert header.count('<th scope="col">') == per_window
    assert "Day 2 morning" in header and "Day 1 morning" not in header
    empty = make_event(organiser=organiser, name="No Slots Yet")
    assert "No meeting times yet" in html(client.get(url("timetable", empty)))


@pytest.mark.parametrize("count", [5, 40])
def test_timetable_query_count_is_constant(client, organiser, django_assert_max_num_queries, count):
    event = make_event(organiser=organiser, name=f"Big Days {count}", tables=40)
    slot = generate_slots(event)[0]
    people = [make_participant(event) for _ in range(2 * count)]
    for i in range(count):
        place(organiser, accepted(people[2 * i], people[2 * i + 1]), slot, table=i + 1)
    client.force_login(organiser)
    with django_assert_max_num_queries(8):
        response = client.get(url("timetable", event))
    assert html(response).count('class="booked"') == count


def test_a_full_timetable_of_300_tables_by_36_slots(
    client, organiser, django_assert_max_num_queries
):
    """Every cell of a big event booked (10,800 meetings): one page, few queries."""
    event = make_event(organiser=organiser, windows=3, tables=300, meeting_minutes=25)
    for window in list(event.windows.all()):
        afternoon = timedelta(hours=5)
        SessionWindow.objects.create(
            event=event,
            label="Afternoon",
            starts_at=window.starts_at + afternoon,
            ends_at=window.ends_at + afternoon,
        )
    slots = generate_slots(event)
    assert len(slots) == 36
    people = Registration.objects.bulk_create(
        Registration(event=event, organisation=org, person=person, status="approved",
                     feed_token=f"big-{i}")
        for i, (org, person) in enumerate(zip(
            Organisation.objects.bulk_create(
                Organisation(name=f"Big {i}", slug=f"big-{i}", kind="sme", status="published")
                for i in range(150)
            ),
            User.objects.bulk_create(User(email=f"big{i}@example.org") for i in range(150)),
            strict=True,
        ))
    )  # fmt: skip
    pairs = ((a, b) for i, a in enumerate(people) for b in people[i + 1 :])
    cells = [(slot, table) for slot in slots for table in range(1, 301)]
    requests = MeetingRequest.objects.bulk_create(
        MeetingRequest(event=event, sender=a, receiver=b, status="accepted")
        for (a, b), _cell in zip(pairs, cells, strict=False)  # more pairs than cells
    )
    Meeting.objects.bulk_create(
        Meeting(event=event, request=r, slot=slot, table=table)
        for r, (slot, table) in zip(requests, cells, strict=True)
    )
    client.force_login(organiser)
    with django_assert_max_num_queries(8):
        response = client.get(url("timetable", event))
    assert html(response).count('class="booked"') == 300 * 36


# One meeting by hand ------------------------------------------------------------------------


def test_move_a_meeting_to_a_free_time(client, organiser, event, meeting, slots):
    client.force_login(organiser)
    page = html(client.get(url("meeting-edit", event, meeting.pk)))
    assert "Alpha Blades" in page and "Beta Turbines" in page
    assert "both free" in page and "3 of 3 tables free" in page
    response = client.post(
        url("meeting-edit", event, meeting.pk),
        {"action": "move", "slot": slots[3].pk, "table": "3"},
        follow=True,
    )
    assert "Meeting moved to" in html(response)
    meeting.refresh_from_db()
    assert (meeting.slot_id, meeting.table, meeting.locked) == (slots[3].pk, 3, True)
    assert set(meeting.seats.values_list("slot_id", flat=True)) == {slots[3].pk}


def test_moving_onto_a_taken_table_is_an_error_on_the_table(
    client, organiser, event, people, meeting, slots
):
    other = place(organiser, accepted(people[2], people[3]), slots[2], table=1)
    client.force_login(organiser)
    response = client.post(
        url("meeting-edit", event, meeting.pk), {"action": "move", "slot": slots[2].pk, "table": 1}
    )
    assert response.status_code == 200
    assert "taken" in field_error(response, "table")
    meeting.refresh_from_db()
    assert meeting.slot_id == slots[0].pk and other.slot_id == slots[2].pk


def test_moving_where_a_person_is_busy_is_an_error_on_the_time(
    client, organiser, event, people, meeting, slots
):
    place(organiser, accepted(people[0], people[2]), slots[2], table=1)  # Alpha busy then
    client.force_login(organiser)
    page = html(client.get(url("meeting-edit", event, meeting.pk)))
    assert "Alpha Blades busy" in page
    response = client.post(
        url("meeting-edit", event, meeting.pk), {"action": "move", "slot": slots[2].pk, "table": 2}
    )
    error = field_error(response, "slot")
    assert "already has a meeting" in error and "Alpha Blades" in error
    meeting.refresh_from_db()
    assert meeting.slot_id == slots[0].pk


def test_moving_outside_someones_availability_is_refused(
    client, organiser, event, people, meeting, slots
):
    first_window = event.windows.order_by("starts_at").first()
    people[1].availability.set([first_window])
    late = next(s for s in slots if s.window_id != first_window.pk)
    client.force_login(organiser)
    response = client.post(
        url("meeting-edit", event, meeting.pk), {"action": "move", "slot": late.pk, "table": 1}
    )
    assert "Beta Turbines is not available" in field_error(response, "slot")


def test_an_out_of_range_table_is_an_error_on_the_table(client, organiser, event, meeting, slots):
    client.force_login(organiser)
    response = client.post(
        url("meeting-edit", event, meeting.pk), {"action": "move", "slot": slots[1].pk, "table": 9}
    )
    assert "between 1 and 3" in field_error(response, "table")


def test_lock_unlock_and_cancel(client, organiser, event, meeting):
    client.force_login(organiser)
    address = url("meeting-edit", event, meeting.pk)
    client.post(address, {"action": "unlock"})
    meeting.refresh_from_db()
    assert meeting.locked is False
    assert ">Lock</button>" in html(client.get(address))
    client.post(address, {"action": "lock"})
    meeting.refresh_from_db()
    assert meeting.locked is True
    response = client.post(address, {"action": "cancel"})
    assert response.status_code == 302 and response.url == url("timetable", event)
    meeting.refresh_from_db()
    assert meeting.status == "cancelled" and not meeting.seats.exists()
    page = html(client.get(address))
    assert "This meeting was cancelled." in page and "Place the request again" in page
    response = client.post(address, {"action": "move", "slot": meeting.slot_id, "table": 1})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "cancelled"


def test_place_an_accepted_request_by_hand_on_the_first_free_table(
    client, organiser, event, people, meeting, slots
):
    request = accepted(people[2], people[3])
    client.force_login(organiser)
    page = html(client.get(url("meeting-place", event, request.pk)))
    assert "Gamma Cables" in page and "2 of 3 tables free" in page
    response = client.post(url("meeting-place", event, request.pk), {"slot": slots[0].pk})
    assert response.status_code == 302
    placed = Meeting.objects.get(request=request)
    assert (placed.slot_id, placed.table, placed.locked) == (slots[0].pk, 2, True)
    # Placed already: the page sends the organiser to the meeting.
    response = client.get(url("meeting-place", event, request.pk))
    assert response.url == url("meeting-edit", event, placed.pk)


def test_placing_a_request_that_is_not_accepted_shows_why(client, organiser, event, people, slots):
    request = MeetingRequest.objects.create(event=event, sender=people[0], receiver=people[1])
    client.force_login(organiser)
    response = client.get(url("meeting-place", event, request.pk))
    assert "only accepted requests become meetings" in html(response)
    response = client.post(url("meeting-place", event, request.pk), {"slot": slots[0].pk})
    assert response.status_code == 200
    assert not Meeting.objects.filter(request=request).exists()


def test_placing_with_no_free_table_is_an_error(client, organiser, event, people, slots):
    people += [make_participant(event) for _ in range(4)]
    for i, table in enumerate((1, 2, 3)):
        place(organiser, accepted(people[2 * i], people[2 * i + 1]), slots[0], table=table)
    request = accepted(people[6], people[7])
    client.force_login(organiser)
    response = client.post(url("meeting-place", event, request.pk), {"slot": slots[0].pk})
    assert "No table is free at that time" in field_error(response, "table")
    assert not Meeting.objects.filter(request=request).exists()
