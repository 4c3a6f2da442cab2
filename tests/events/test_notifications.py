"""E-mails of events: each sent once however often its task runs, to the right person, with
times in the event's own zone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from events import notifications, services, tasks
from events.models import MeetingRequest, Registration

from ..factories import make_event, make_participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(organiser):
    return make_event(organiser=organiser, time_zone="Asia/Tokyo")


@pytest.fixture
def pair(event):
    return make_participant(event, name="Alpha Batteries"), make_participant(event, name="Beta")


def _run_twice(task, pk) -> list[int]:
    return [task.delay(pk).get(), task.delay(pk).get()]


def test_registration_mail_once_and_only_when_approved(
    event, organiser, django_capture_on_commit_callbacks
):
    registration = make_participant(event, status="pending")
    assert _run_twice(tasks.notify_registration, registration.pk) == [0, 0]
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_registrations(
            user=organiser, event=event, ids=[registration.pk], approve=True
        )
    assert [m.to for m in mail.outbox] == [[registration.person.email]]
    assert event.name in mail.outbox[0].subject
    assert settings.SITE_URL + f"/events/{event.slug}/me/" in mail.outbox[0].body
    assert _run_twice(tasks.notify_registration, registration.pk) == [0, 0]
    assert len(mail.outbox) == 1


def test_a_deleted_row_sends_nothing(pair):
    a, b = pair
    request = MeetingRequest.objects.create(event=a.event, sender=a, receiver=b)
    pk, reg_pk = request.pk, a.pk
    request.delete()
    Registration.objects.filter(pk=reg_pk).delete()
    assert tasks.notify_meeting_request.delay(pk).get() == 0
    assert tasks.notify_registration.delay(reg_pk).get() == 0
    assert mail.outbox == []


def test_request_received_once_with_the_expiry_in_the_events_zone(
    event, pair, django_capture_on_commit_callbacks
):
    a, b = pair
    with django_capture_on_commit_callbacks(execute=True):
        request = services.send_request(
            user=a.person, sender=a, receiver=b, message="About cell testing"
        )
    assert [m.to for m in mail.outbox] == [[b.person.email]]
    body = mail.outbox[0].body
    expires = request.expires_at.astimezone(event.tz)
    assert f"{expires:%d %B %Y %H:%M} (Asia/Tokyo)" in body
    assert "About cell testing" in body and "Alpha Batteries" in mail.outbox[0].subject
    assert _run_twice(tasks.notify_meeting_request, request.pk) == [0, 0]
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("accept, verb", [(True, "accepted"), (False, "declined")])
def test_the_answer_goes_to_the_sender_once(pair, accept, verb, django_capture_on_commit_callbacks):
    a, b = pair
    with django_capture_on_commit_callbacks(execute=True):
        request = services.send_request(user=a.person, sender=a, receiver=b)
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_request(user=b.person, request=request, accept=accept)
    assert [m.to for m in mail.outbox] == [[b.person.email], [a.person.email]]
    assert mail.outbox[1].subject == f"Beta {verb} your meeting request"
    assert _run_twice(tasks.notify_meeting_request, request.pk) == [0, 0]
    assert len(mail.outbox) == 2


def test_asking_back_tells_the_first_sender(pair, django_capture_on_commit_callbacks):
    a, b = pair
    with django_capture_on_commit_callbacks(execute=True):
        services.send_request(user=a.person, sender=a, receiver=b)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_request(user=b.person, sender=b, receiver=a)
    assert [m.to for m in mail.outbox] == [[b.person.email], [a.person.email]]
    assert "accepted" in mail.outbox[1].subject


def test_an_automatic_booking_tells_the_receiver_only(
    organiser, django_capture_on_commit_callbacks
):
    event = make_event(organiser=organiser, requests_need_acceptance=False)
    a, b = make_participant(event, name="Alpha Batteries"), make_participant(event)
    with django_capture_on_commit_callbacks(execute=True):
        request = services.send_request(user=a.person, sender=a, receiver=b, message="See you")
    assert [m.to for m in mail.outbox] == [[b.person.email]]
    assert mail.outbox[0].subject.startswith("New meeting with Alpha Batteries")
    assert _run_twice(tasks.notify_meeting_request, request.pk) == [0, 0]
    assert len(mail.outbox) == 1


def test_no_mail_for_a_request_withdrawn_before_the_task_ran(pair):
    a, b = pair
    request = services.send_request(user=a.person, sender=a, receiver=b)
    services.cancel_request(user=a.person, request=request)
    assert notifications.notify_meeting_request(request.pk) == 0
    assert mail.outbox == []


# -- expiry warnings ------------------------------------------------------------------------


def _pending(a, b, *, expires_at) -> MeetingRequest:
    return MeetingRequest.objects.create(event=a.event, sender=a, receiver=b, expires_at=expires_at)


def test_warning_once_within_a_quarter_of_the_answer_time(event, pair):
    a, b = pair
    now = timezone.now()
    lead = event.request_expiry / 4  # 18 hours of the default 3 days
    request = _pending(a, b, expires_at=now + lead + timedelta(minutes=1))
    assert notifications.warn_expiring_requests(now=now) == 0
    later = now + timedelta(minutes=1)
    assert notifications.warn_expiring_requests(now=later) == 1
    assert [m.to for m in mail.outbox] == [[b.person.email]]
    expires = request.expires_at.astimezone(event.tz)
    assert f"{expires:%d %B %Y %H:%M} (Asia/Tokyo)" in mail.outbox[0].body
    assert "Alpha Batteries" in mail.outbox[0].subject
    assert notifications.warn_expiring_requests(now=later + timedelta(minutes=5)) == 0
    assert len(mail.outbox) == 1


def test_warning_at_most_a_day_and_at_least_two_beat_runs_ahead(organiser):
    long = make_event(organiser=organiser, request_expiry=timedelta(days=8))
    short = make_event(organiser=organiser, request_expiry=timedelta(minutes=15))
    now = timezone.now()
    a, b = make_participant(long), make_participant(long)
    c, d = make_participant(short), make_participant(short)
    _pending(a, b, expires_at=now + timedelta(days=1, minutes=1))  # 2 days would be a quarter
    _pending(c, d, expires_at=now + timedelta(minutes=10, seconds=1))
    assert notifications.warn_expiring_requests(now=now) == 0
    assert notifications.warn_expiring_requests(now=now + timedelta(minutes=1)) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([b.person.email, d.person.email])


def test_no_warning_for_answered_or_overdue_requests(event, pair):
    a, b = pair
    now = timezone.now()
    answered = _pending(a, b, expires_at=now + timedelta(hours=1))
    MeetingRequest.objects.filter(pk=answered.pk).update(status="accepted")
    c = make_participant(event)
    _pending(a, c, expires_at=now)  # expires this very moment: too late to warn
    assert notifications.warn_expiring_requests(now=now) == 0
    assert mail.outbox == []


def test_the_beat_task_warns_then_expires(event, pair):
    a, b = pair
    c = make_participant(event)
    now = timezone.now()
    _pending(a, b, expires_at=now + timedelta(hours=1))
    overdue = _pending(a, c, expires_at=now - timedelta(minutes=1))
    assert tasks.expire_meeting_requests.delay().get() == 2
    overdue.refresh_from_db()
    assert overdue.status == "expired"
    assert [m.to for m in mail.outbox] == [[b.person.email]]
    assert tasks.expire_meeting_requests.delay().get() == 0


def test_the_expiry_task_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["meeting-requests-expiry"]
    assert entry["task"] == "events.tasks.expire_meeting_requests"


def test_one_failing_warning_does_not_resend_the_others(event, pair, monkeypatch):
    a, b = pair
    c = make_participant(event)
    now = timezone.now()
    _pending(a, b, expires_at=now + timedelta(hours=1))
    failing = _pending(a, c, expires_at=now + timedelta(hours=1))
    real_send = notifications.send_mail

    def send_mail(subject, body, sender, to):
        if to == [c.person.email]:
            raise ConnectionRefusedError("mail server down")
        return real_send(subject, body, sender, to)

    monkeypatch.setattr(notifications, "send_mail", send_mail)
    assert notifications.warn_expiring_requests(now=now) == 1
    monkeypatch.setattr(notifications, "send_mail", real_send)
    assert notifications.warn_expiring_requests(now=now + timedelta(minutes=5)) == 1
    assert [m.to for m in mail.outbox] == [[b.person.email], [c.person.email]]
    failing.refresh_from_db()
    assert failing.expiry_warning_sent_at is not None


def test_cancelling_an_event_tells_its_participants_once(
    event, organiser, pair, django_capture_on_commit_callbacks
):
    a, b = pair
    waiting = make_participant(event, name="Gamma Grids", status="pending")
    make_participant(event, name="Delta Gone", status="cancelled")
    rejected = make_participant(event, name="Epsilon No", status="rejected")
    assert tasks.notify_event_cancelled.delay(event.pk).get() == 0  # not cancelled yet
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.set_event_status(user=organiser, event=event, status="cancelled")
    told = sorted(m.to[0] for m in mail.outbox)
    assert told == sorted(r.person.email for r in (a, b, waiting))
    assert rejected.person.email not in told
    message = mail.outbox[0]
    assert message.subject == f"Cancelled: {event.name}"
    assert settings.SITE_URL + f"/events/{event.slug}/" in message.body
    assert event.local(event.starts_at).strftime("%d %B %Y") in message.body
    assert tasks.notify_event_cancelled.delay(event.pk).get() == 0  # a retry sends nothing
    assert len(mail.outbox) == 3
