"""An organiser schedules an event's meetings in a real browser: presses "Schedule meetings",
watches the progress bar that htmx polls, sees the result arrive without reloading, and finds
a meeting on the timetable.

Two ways a run goes: through a worker (the page shows the queued run and polls it until the
worker is done; here the test plays the worker), and in-process where no worker runs (tasks
eager, as with `make run`: the run finishes inside the button's request, in the live server's
thread, and the page shows the result at once)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from events import schedule_runs
from events.models import Meeting, MeetingRequest, ScheduleRun

from ..factories import make_event, make_participant
from .test_meeting_request import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def event_with_requests(organiser):
    event = make_event(organiser=organiser, name="Offshore Wind B2B", tables=4)
    a = make_participant(event, name="Aurora Blades")
    b = make_participant(event, name="Boreal Cables")
    c = make_participant(event, name="Cirrus Labs")
    for sender, receiver in ((a, b), (b, c)):
        MeetingRequest.objects.create(
            event=event, sender=sender, receiver=receiver, status="accepted"
        )
    return event


def test_schedule_through_a_worker_with_progress(live_server, page, organiser, monkeypatch):
    event = event_with_requests(organiser)
    queued: list[int] = []
    # The run is queued for a worker; the test plays the worker below.
    monkeypatch.setattr("events.tasks.schedule_event", SimpleNamespace(delay=queued.append))
    schedule = f"/events/{event.slug}/manage/schedule/"
    log_in(page, live_server, organiser.email, schedule)
    assert "No schedule yet" in page.locator("main").inner_text()
    assert "2 accepted requests have no meeting yet" in page.locator("main").inner_text()

    page.get_by_role("button", name="Schedule meetings").click()
    page.wait_for_url(f"**{schedule}")
    bar = page.locator("#schedule-progress-bar")
    assert bar.get_attribute("value") == "0"
    assert "Waiting for a worker to start" in page.locator("#schedule-state").inner_text()
    run = ScheduleRun.objects.get()
    assert queued == [run.pk] and run.status == "queued"

    # The worker starts: the polled bar follows the run's stage, without a page load.
    page.evaluate("window.__noReload = true")
    ScheduleRun.objects.filter(pk=run.pk).update(
        status="running", progress=30, stage="Scheduling 2 meetings"
    )
    page.wait_for_selector("#schedule-progress-bar[value='30']")
    assert "Scheduling 2 meetings" in page.locator("#schedule-state").inner_text()
    schedule_runs.run_schedule(run.pk)

    result = page.locator("#result")
    result.wait_for()
    assert page.evaluate("window.__noReload") is True
    assert "scheduled of 2 requests" in result.inner_text()
    assert page.locator("#schedule-progress-bar").count() == 0
    assert page.get_by_role("button", name="Schedule meetings").is_visible()
    assert "Every accepted request has a meeting." in page.locator("main").inner_text()
    assert Meeting.objects.filter(event=event, status="scheduled").count() == 2

    # The timetable shows the meetings; one opens for editing.
    page.get_by_role("link", name="Timetable", exact=True).click()
    page.wait_for_url("**/manage/timetable/")
    cells = page.locator("td.booked a")
    assert cells.count() == 2
    assert "Boreal Cables" in page.locator("table.timetable").inner_text()
    cells.first.click()
    page.wait_for_url("**/manage/meetings/*/")
    assert page.get_by_role("button", name="Move the meeting").is_visible()


def test_schedule_in_process_shows_the_result_at_once(live_server, page, organiser):
    event = event_with_requests(organiser)
    schedule = f"/events/{event.slug}/manage/schedule/"
    log_in(page, live_server, organiser.email, schedule)
    page.get_by_role("button", name="Schedule meetings").click()
    page.wait_for_url(f"**{schedule}")
    assert "scheduled of 2 requests" in page.locator("#result").inner_text()
    assert ScheduleRun.objects.get().status == "done"
    page.goto(f"{live_server.url}/events/{event.slug}/manage/timetable/")
    assert page.locator("td.booked").count() == 2
