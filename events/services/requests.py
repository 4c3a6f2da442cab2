"""Meeting requests: send, answer, cancel, expire; mutual requests accept each other.

Both participants' registration rows are locked (in primary-key order, so two transactions
never wait on each other) before a request between them is created or accepted: that makes
the meeting limits and the one-open-request-per-pair rule hold under concurrent requests.
Locks are always taken registrations first, then the request, and only on the rows named
(``of=("self",)``): a FOR UPDATE over a join would also lock the shared event row and turn two
unrelated requests of one event into a deadlock.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Event, EventStatus, MeetingRequest, Registration
from .registrations import drop_meetings, effective_max_meetings

RS = MeetingRequest.Status


def _lock(*registrations: Registration) -> list[Registration]:
    ids = sorted({r.pk for r in registrations})
    locked = {
        r.pk: r
        for r in Registration.objects.select_for_update(of=("self",))
        .select_related("event", "organisation", "person")
        .filter(pk__in=ids)
        .order_by("pk")
    }
    return [locked[r.pk] for r in registrations]


def accepted_count(registration: Registration) -> int:
    return MeetingRequest.objects.filter(
        Q(sender=registration) | Q(receiver=registration), status=RS.ACCEPTED
    ).count()


def _check_capacity(registration: Registration, *, field: str, yours: bool) -> None:
    limit = effective_max_meetings(registration)
    if accepted_count(registration) >= limit:
        who = "You have" if yours else f"{registration.organisation} has"
        raise ValidationError({field: f"{who} reached the limit of {limit} meetings."})


def _has_ended(event: Event, now) -> bool:
    """``Event.has_ended`` at the services' ``now`` rather than the clock's."""
    return event.ends_at <= now or event.status == EventStatus.FINISHED


def _check_event_running(event: Event, now) -> None:
    if event.status == EventStatus.CANCELLED:
        raise ValidationError({"event": "This event was cancelled."})
    if _has_ended(event, now):
        raise ValidationError({"event": "This event has ended."})


def _locked_request(pk: int) -> MeetingRequest:
    return (
        MeetingRequest.objects.select_for_update(of=("self",))
        .select_related("sender__person", "receiver__person", "event")
        .get(pk=pk)
    )


def _is_expired(request: MeetingRequest, now) -> bool:
    """Past its expiry though the beat task has not marked it yet."""
    return (
        request.status == RS.PENDING
        and request.expires_at is not None
        and request.expires_at <= now
    )


def _notify_on_commit(request: MeetingRequest) -> None:
    from ..tasks import notify_meeting_request

    transaction.on_commit(lambda: notify_meeting_request.delay(request.pk))


def _accept(request: MeetingRequest, user, now) -> MeetingRequest:
    request.status = RS.ACCEPTED
    request.answered_at = now
    request.answered_by = user
    request.save(update_fields=["status", "answered_at", "answered_by"])
    return request


PARTS_OF_DAY = ("", "morning", "afternoon")


def _check_preferences(event: Event, part_of_day: str, must_be_online: bool) -> None:
    """What the scheduler honours: a part of the day, and online at a hybrid event."""
    if (part_of_day or "") not in PARTS_OF_DAY:
        raise ValidationError({"part_of_day": "Choose the morning, the afternoon or any time."})
    if must_be_online and event.format == Event.Format.ONSITE:
        raise ValidationError({"must_be_online": "This event meets on site only."})


@transaction.atomic
def send_request(
    *,
    user,
    sender: Registration,
    receiver: Registration,
    message: str = "",
    part_of_day: str = "",
    must_be_online: bool = False,
    now=None,
) -> MeetingRequest:
    """Ask ``receiver`` for a meeting. If they already asked the sender, that request is
    accepted instead (and returned); if the event accepts requests automatically, so is this."""
    now = now or timezone.now()
    _check_preferences(sender.event, part_of_day, must_be_online)
    if sender.person_id != user.pk:
        raise PermissionDenied("You can only send requests from your own registration.")
    if receiver.event_id != sender.event_id:
        raise ValidationError({"receiver": "Both participants must be in the same event."})
    if receiver.pk == sender.pk:
        raise ValidationError({"receiver": "You cannot ask yourself for a meeting."})
    sender, receiver = _lock(sender, receiver)
    event = sender.event
    _check_event_running(event, now)
    if sender.status != Registration.Status.APPROVED:
        raise ValidationError({"sender": "Your registration is not approved yet."})
    if receiver.status != Registration.Status.APPROVED:
        raise ValidationError({"receiver": "This participant is not taking part (any more)."})
    if receiver.organisation_id == sender.organisation_id:
        raise ValidationError({"receiver": "This participant is from your own organisation."})
    open_between = (
        MeetingRequest.objects.select_for_update(of=("self",))
        .filter(
            Q(sender=sender, receiver=receiver) | Q(sender=receiver, receiver=sender),
            event=event,
            status__in=[RS.PENDING, RS.ACCEPTED],
        )
        .first()
    )
    if open_between is not None and _is_expired(open_between, now):
        # Expired in all but name: mark it so, and let this request take its place.
        open_between.status = RS.EXPIRED
        open_between.save(update_fields=["status"])
        open_between = None
    if open_between is not None:
        if open_between.status == RS.ACCEPTED:
            raise ValidationError({"receiver": "You already have a meeting with them."})
        if open_between.sender_id == sender.pk:
            raise ValidationError({"receiver": "Your request to them is still waiting."})
        # They asked us first: asking back means yes.
        _check_capacity(sender, field="sender", yours=True)
        _check_capacity(receiver, field="receiver", yours=False)
        _notify_on_commit(open_between)
        return _accept(open_between, user, now)
    _check_capacity(sender, field="sender", yours=True)
    # A participant with a full agenda could not accept: do not ask them.
    _check_capacity(receiver, field="receiver", yours=False)
    message = (message or "").strip()[:2000]
    request = MeetingRequest(
        event=event,
        sender=sender,
        receiver=receiver,
        message=message,
        part_of_day=part_of_day or "",
        must_be_online=bool(must_be_online),
    )
    if event.requests_need_acceptance:
        request.expires_at = now + event.request_expiry
    else:
        # Booked at once, by the sender: the receiver is told of a new meeting.
        request.status = RS.ACCEPTED
        request.answered_at = now
        request.answered_by = user
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as error:
        raise ValidationError(
            {"receiver": "There is already an open request between you two."}
        ) from error
    _notify_on_commit(request)
    return request


@transaction.atomic
def answer_request(*, user, request: MeetingRequest, accept: bool, now=None) -> MeetingRequest:
    """Accept or decline a pending request; only the person it was sent to may."""
    now = now or timezone.now()
    request = MeetingRequest.objects.select_related(
        "sender__person", "receiver__person", "event"
    ).get(pk=request.pk)
    if not user.has_perm("events.answer_request", request):
        raise PermissionDenied("Only the person this request was sent to can answer it.")
    # Registrations first, then the request (the order send_request takes them in); the
    # status is read again under the lock, so of two simultaneous answers one finds it taken.
    sender, receiver = _lock(request.sender, request.receiver)
    request = _locked_request(request.pk)
    if _is_expired(request, now):
        # The beat task marks it expired on its next run; the answer comes too late either way.
        raise ValidationError({"status": "This request has expired."})
    if request.status != RS.PENDING:
        raise ValidationError({"status": f"This request is already {request.status}."})
    if accept:
        _check_event_running(request.event, now)
        _check_capacity(receiver, field="status", yours=True)
        _check_capacity(sender, field="status", yours=False)
        _accept(request, user, now)
    else:
        request.status = RS.DECLINED
        request.answered_at = now
        request.answered_by = user
        request.save(update_fields=["status", "answered_at", "answered_by"])
    _notify_on_commit(request)
    return request


@transaction.atomic
def cancel_request(*, user, request: MeetingRequest, now=None) -> MeetingRequest:
    """The sender withdraws a pending request; either side calls off an accepted meeting."""
    now = now or timezone.now()
    request = _locked_request(request.pk)
    if not user.has_perm("events.cancel_request", request):
        raise PermissionDenied("Only the two participants can cancel this request.")
    if request.status == RS.PENDING and request.sender.person_id != user.pk:
        raise ValidationError({"status": "Decline the request instead of cancelling it."})
    if request.status not in (RS.PENDING, RS.ACCEPTED):
        raise ValidationError({"status": f"This request is already {request.status}."})
    if _has_ended(request.event, now):
        raise ValidationError({"event": "This event has ended."})
    request.status = RS.CANCELLED
    request.answered_at = now
    request.answered_by = user
    request.save(update_fields=["status", "answered_at", "answered_by"])
    drop_meetings([request.pk])
    return request


def expire_requests(now=None) -> int:
    """Pending requests past their expiry become expired (Celery beat, every few minutes)."""
    now = now or timezone.now()
    return MeetingRequest.objects.filter(status=RS.PENDING, expires_at__lte=now).update(
        status=RS.EXPIRED
    )
