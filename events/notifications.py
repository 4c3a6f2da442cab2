"""E-mails about registrations and meeting requests; each is sent once (tasks call these).

The time a mail went out is stored on the row inside the same transaction that sends it,
with the row locked (that row only, ``of=("self",)``: the services lock registrations before
requests, and a lock over the joined rows here could close a cycle with them): a retried or
duplicated task finds it set and sends nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .models import Event, MeetingRequest, Registration

logger = logging.getLogger(__name__)
RS = MeetingRequest.Status
# Warn the receiver when a quarter of the answer time is left, but never earlier than a day.
WARN_AT_MOST = timedelta(days=1)
# ... and never later than two runs of the beat task (every 5 minutes) before the end: with
# the shortest answer time (15 minutes) a quarter is 3¾ minutes, which a run can fall beside.
WARN_AT_LEAST = timedelta(minutes=10)


def _link(event, name: str = "events:my-event") -> str:
    return settings.SITE_URL + reverse(name, kwargs={"slug": event.slug})


@transaction.atomic
def notify_registration(registration_id: int) -> int:
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("event", "person", "organisation")
        .filter(pk=registration_id)
        .first()
    )
    if (
        registration is None  # deleted before the task ran
        or registration.status != Registration.Status.APPROVED
        or registration.approved_mail_sent_at is not None
    ):
        return 0
    event = registration.event
    send_mail(
        f"You are registered for {event.name}",
        f"Your registration for {event.name} ({registration.organisation}) is approved.\n\n"
        f"Browse the participants and the marketplace, and ask for meetings: {_link(event)}\n",
        None,
        [registration.person.email],
    )
    registration.approved_mail_sent_at = timezone.now()
    registration.save(update_fields=["approved_mail_sent_at"])
    return 1


# Who hears that an event is cancelled: everyone still taking part or waiting for a decision.
TOLD_OF_CANCELLATION = (Registration.Status.APPROVED, Registration.Status.PENDING)


def notify_event_cancelled(event_id: int) -> int:
    """Tell every participant that the event is cancelled, once each: one short transaction
    per registration (row locked, time stored), so a retry after a crash sends only the rest."""
    ids = list(
        Registration.objects.filter(
            event_id=event_id,
            event__status=Event.Status.CANCELLED,
            status__in=TOLD_OF_CANCELLATION,
            cancelled_event_mail_sent_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    return sum(_tell_cancelled(pk) for pk in ids)


@transaction.atomic
def _tell_cancelled(registration_id: int) -> int:
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("event", "person")
        .filter(pk=registration_id, cancelled_event_mail_sent_at__isnull=True)
        .first()
    )
    if registration is None:
        return 0
    event = registration.event
    start = event.local(event.starts_at)
    send_mail(
        f"Cancelled: {event.name}",
        f"{event.name}, planned for {start:%d %B %Y}, is cancelled by its organisers.\n\n"
        "Your meeting requests and meetings for it are cancelled too; calendars subscribed to "
        f"your agenda show the meetings as cancelled.\n\nThe event's page: "
        f"{_link(event, 'events:detail')}\n",
        None,
        [registration.person.email],
    )
    registration.cancelled_event_mail_sent_at = timezone.now()
    registration.save(update_fields=["cancelled_event_mail_sent_at"])
    return 1


@transaction.atomic
def notify_meeting_request(request_id: int) -> int:
    """Send whichever mail is due: received (to the receiver), then answered (to the sender).
    A meeting booked at once (no acceptance needed) is news to the receiver only."""
    request = (
        MeetingRequest.objects.select_for_update(of=("self",))
        .select_related("event", "sender__person", "sender__organisation")
        .select_related("receiver__person", "receiver__organisation")
        .filter(pk=request_id)
        .first()
    )
    if request is None:  # deleted before the task ran
        return 0
    event, sender, receiver = request.event, request.sender, request.receiver
    sent = 0
    if request.received_mail_sent_at is None:
        if request.status == RS.PENDING:
            expires = event.local(request.expires_at)
            send_mail(
                f"{sender.organisation} asks you for a meeting at {event.name}",
                f"{sender.person.get_full_name() or sender.person.email} ({sender.organisation}) "
                f"would like to meet you at {event.name}:\n\n{request.message}\n\n"
                f"Accept or decline before {expires:%d %B %Y %H:%M} ({event.time_zone}): "
                f"{_link(event)}\n",
                None,
                [receiver.person.email],
            )
            sent += 1
        elif request.status == RS.ACCEPTED and request.answered_by_id == sender.person_id:
            # Accepted straight away (automatic acceptance): the receiver hears of a meeting.
            send_mail(
                f"New meeting with {sender.organisation} at {event.name}",
                f"{sender.organisation} booked a meeting with you at {event.name}.\n\n"
                f"{request.message}\n\n{_link(event)}\n",
                None,
                [receiver.person.email],
            )
            sent += 1
        request.received_mail_sent_at = timezone.now()
    booked_by_sender = request.status == RS.ACCEPTED and request.answered_by_id == sender.person_id
    if booked_by_sender and request.answer_mail_sent_at is None:
        # The sender booked it; nobody answered, so there is no answer to tell them of.
        request.answer_mail_sent_at = timezone.now()
    if request.status in (RS.ACCEPTED, RS.DECLINED) and request.answer_mail_sent_at is None:
        verb = "accepted" if request.status == RS.ACCEPTED else "declined"
        send_mail(
            f"{receiver.organisation} {verb} your meeting request",
            f"{receiver.organisation} {verb} your meeting request at {event.name}.\n\n"
            f"{_link(event)}\n",
            None,
            [sender.person.email],
        )
        request.answer_mail_sent_at = timezone.now()
        sent += 1
    request.save(update_fields=["received_mail_sent_at", "answer_mail_sent_at"])
    return sent


def warning_due(request: MeetingRequest, now) -> bool:
    lead = min(WARN_AT_MOST, max(WARN_AT_LEAST, request.event.request_expiry / 4))
    return request.expires_at is not None and now < request.expires_at <= now + lead


@transaction.atomic
def warn_expiring_requests(now=None) -> int:
    """Tell receivers that a request waiting for their answer is about to expire."""
    now = now or timezone.now()
    rows = (
        MeetingRequest.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("event", "sender__organisation", "receiver__person")
        .filter(
            status=RS.PENDING,
            expiry_warning_sent_at__isnull=True,
            expires_at__gt=now,
            expires_at__lte=now + WARN_AT_MOST,
        )
    )
    sent = []
    for request in rows:
        if not warning_due(request, now):
            continue
        event = request.event
        expires = event.local(request.expires_at)
        try:
            send_mail(
                f"A meeting request from {request.sender.organisation} expires soon",
                f"{request.sender.organisation} asked you for a meeting at {event.name}. The "
                f"request expires on {expires:%d %B %Y %H:%M} ({event.time_zone}) unless you "
                f"answer: {_link(event)}\n",
                None,
                [request.receiver.person.email],
            )
        except Exception:
            # One bad address must not roll back the record of the warnings already sent
            # (they would go out again on the next run); this one is tried again then.
            logger.exception("Expiry warning for meeting request %s failed", request.pk)
            continue
        sent.append(request.pk)
    MeetingRequest.objects.filter(pk__in=sent).update(expiry_warning_sent_at=now)
    return len(sent)
