"""E-mail reminders before meetings: once, to both people, ``reminder_minutes`` before the start
(not earlier, not once it started), never for cancelled meetings or with reminders off, with the
time in the event's zone; a moved meeting is reminded again."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clusterplatform.celery import app
from events import tasks
from events.models import Event, Meeting, MeetingRequest, SessionWindow
from events.reminders import send_due_reminders
from events.rules import forget
from events.services import meetings

from ..factories import make_event, make_participant

pytestmark = pytest.mark.django_db


def _meeting(organiser, event, slot_index: int = 0, names=("Alpha Batteries", "Beta Cells")):
    slots = meetings.generate_slots(event)
    a = make_participant(event, name=names[0])
    b = make_participant(event, name=names[1])
    request = MeetingRequest.objects.create(event=event, sender=a, receiver=b, status="accepted")
    return meetings.place_meeting(user=organiser, request=request, slot=slots[slot_index], table=1)


@pytest.fixture
def event(organiser):
    return make_event(organiser=organiser, reminder_minutes=10, venue="Hall 3")


@pytest.fixture
def meeting(organiser, event):
    return _meeting(organiser, event)


def test_both_people_are_reminded_once_at_the_lead_time(meeting):
    start = meeting.slot.starts_at
    assert send_due_reminders(now=start - timedelta(minutes=10, seconds=1)) == 0
    assert mail.outbox == []
    assert send_due_reminders(now=start - timedelta(minutes=10)) == 1
    request = meeting.request
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [request.sender.person.email, request.receiver.person.email]
    )
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects[request.sender.person.email] == "In 10 minutes: meeting with Beta Cells"
    assert subjects[request.receiver.person.email] == "In 10 minutes: meeting with Alpha Batteries"
    meeting.refresh_from_db()
    assert meeting.reminder_sent_at == start - timedelta(minutes=10)
    # The next beat runs find it done.
    assert send_due_reminders(now=start - timedelta(minutes=9)) == 0
    assert send_due_reminders(now=start - timedelta(seconds=1)) == 0
    assert len(mail.outbox) == 2


def test_the_mail_says_when_in_the_events_zone_where_and_links_the_agenda(organiser):
    # Tokyo: the 09:00 meeting starts at 00:00 UTC.
    event = make_event(organiser=organiser, time_zone="Asia/Tokyo", reminder_minutes=15)
    meeting = _meeting(organiser, event)
    assert meeting.slot.starts_at.astimezone(UTC).hour == 0
    send_due_reminders(now=meeting.slot.starts_at - timedelta(minutes=15))
    body = mail.outbox[0].body
    local = event.local(meeting.slot.starts_at)
    assert f"starts at 09:00 on {local:%A %d %B %Y} (Asia/Tokyo)" in body
    assert "Table 1" in body
    agenda = settings.SITE_URL + reverse("events:agenda", kwargs={"slug": event.slug})
    assert agenda in body
    assert mail.outbox[0].subject.startswith("In 15 minutes")


def test_no_reminder_once_the_meeting_started(meeting):
    start = meeting.slot.starts_at
    assert send_due_reminders(now=start) == 0
    assert send_due_reminders(now=start + timedelta(minutes=1)) == 0
    assert mail.outbox == []
    assert Meeting.objects.get(pk=meeting.pk).reminder_sent_at is None


def test_a_late_beat_says_how_long_is_really_left(meeting):
    assert send_due_reminders(now=meeting.slot.starts_at - timedelta(minutes=3)) == 1
    assert {m.subject.split(":")[0] for m in mail.outbox} == {"In 3 minutes"}


def test_no_reminder_for_a_cancelled_meeting(organiser, meeting):
    meetings.cancel_meeting(user=organiser, meeting=meeting)
    assert send_due_reminders(now=meeting.slot.starts_at - timedelta(minutes=5)) == 0
    assert mail.outbox == []


def test_no_reminder_when_the_event_sends_none(organiser):
    event = make_event(organiser=organiser, reminder_minutes=0)
    meeting = _meeting(organiser, event)
    for minutes in (0, 1, 10, 60):
        now = meeting.slot.starts_at - timedelta(minutes=minutes, seconds=1)
        assert send_due_reminders(now=now) == 0
    assert mail.outbox == []


def test_each_event_its_own_lead_time(organiser, event, meeting):
    early = make_event(organiser=organiser, reminder_minutes=60)
    forget(organiser)  # the organiser's events are cached on the user object
    other = _meeting(organiser, early, names=("Delta Drives", "Epsilon Energy"))
    assert other.slot.starts_at == meeting.slot.starts_at
    now = meeting.slot.starts_at - timedelta(minutes=30)
    assert send_due_reminders(now=now) == 1
    assert Meeting.objects.get(pk=other.pk).reminder_sent_at == now
    assert Meeting.objects.get(pk=meeting.pk).reminder_sent_at is None


def test_a_moved_meeting_is_reminded_again_at_its_new_time(organiser, meeting):
    first = meeting.slot.starts_at
    assert send_due_reminders(now=first - timedelta(minutes=10)) == 1
    later = meetings.generate_slots(meeting.event)[4]
    meetings.move_meeting(user=organiser, meeting=meeting, slot=later, table=1)
    assert Meeting.objects.get(pk=meeting.pk).reminder_sent_at is None
    assert send_due_reminders(now=first - timedelta(minutes=5)) == 0  # not yet: 10 min before
    assert send_due_reminders(now=later.starts_at - timedelta(minutes=10)) == 1
    assert len(mail.outbox) == 4
    local = meeting.event.local(later.starts_at)
    assert f"starts at {local:%H:%M}" in mail.outbox[-1].body


def test_the_beat_task_reminds_what_is_due_now(organiser):
    """The task itself, on the real clock: a meeting five minutes from now is due."""
    event = make_event(organiser=organiser, windows=0, reminder_minutes=10)
    start = timezone.now().replace(microsecond=0) + timedelta(minutes=5)
    SessionWindow.objects.create(event=event, starts_at=start, ends_at=start + timedelta(hours=1))
    meeting = _meeting(organiser, event)
    assert meeting.slot.starts_at == start
    assert tasks.send_meeting_reminders.delay().get() == 1
    assert tasks.send_meeting_reminders.delay().get() == 0
    assert len(mail.outbox) == 2
    beat = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "events.tasks.send_meeting_reminders" in beat
    assert "events.tasks.send_meeting_reminders" in app.tasks


def test_a_cancelled_events_meetings_are_not_reminded(organiser, event, meeting):
    from events import services

    services.set_event_status(user=organiser, event=event, status=Event.Status.CANCELLED)
    assert send_due_reminders(now=meeting.slot.starts_at - timedelta(minutes=5)) == 0
    assert mail.outbox == []
