"""Meeting requests: who may send to whom, mutual and automatic acceptance, meeting limits,
answering, cancelling and expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from events import services
from events.models import KindLimit, MeetingRequest, Registration

from ..factories import OrganisationFactory, make_event, make_participant

pytestmark = pytest.mark.django_db


RS = MeetingRequest.Status


@pytest.fixture
def event(organiser):
    return make_event(organiser=organiser, max_meetings=3)


@pytest.fixture
def a(event):
    return make_participant(event, name="Alpha Batteries")


@pytest.fixture
def b(event):
    return make_participant(event, name="Beta Cells")


def _send(sender, receiver, **kwargs) -> MeetingRequest:
    return services.send_request(user=sender.person, sender=sender, receiver=receiver, **kwargs)


def _error(excinfo, field: str) -> str:
    return " ".join(excinfo.value.message_dict[field])


def _meet(registration, n: int) -> None:
    """Give ``registration`` n accepted meetings with new participants."""
    for _ in range(n):
        other = make_participant(registration.event)
        MeetingRequest.objects.create(
            event=registration.event, sender=other, receiver=registration, status=RS.ACCEPTED
        )


# -- send -----------------------------------------------------------------------------------


def test_send_is_pending_until_now_plus_the_events_expiry(event, a, b):
    now = timezone.now()
    request = _send(a, b, message="  Let us talk cells.  ", now=now)
    request.refresh_from_db()
    assert request.status == RS.PENDING
    assert request.expires_at == now + event.request_expiry
    assert request.message == "Let us talk cells."
    assert (request.sender, request.receiver, request.event) == (a, b, event)


def test_only_from_your_own_registration(a, b):
    with pytest.raises(PermissionDenied):
        services.send_request(user=b.person, sender=a, receiver=b)


def test_not_to_yourself_nor_your_own_organisation(event, a):
    with pytest.raises(ValidationError) as excinfo:
        _send(a, a)
    assert "yourself" in _error(excinfo, "receiver")
    colleague = OrganisationFactory.add_person(a.organisation, role="member")
    same_org = Registration.objects.create(
        event=event, organisation=a.organisation, person=colleague, status="approved"
    )
    with pytest.raises(ValidationError) as excinfo:
        _send(a, same_org)
    assert "own organisation" in _error(excinfo, "receiver")
    assert not MeetingRequest.objects.exists()


@pytest.mark.parametrize("status", ["pending", "rejected", "cancelled"])
def test_only_between_approved_participants(event, a, status):
    other = make_participant(event, status=status)
    with pytest.raises(ValidationError) as excinfo:
        _send(a, other)
    assert "not taking part" in _error(excinfo, "receiver")
    with pytest.raises(ValidationError) as excinfo:
        _send(other, a)
    assert "not approved" in _error(excinfo, "sender")
    assert not MeetingRequest.objects.exists()


def test_not_across_events(a):
    elsewhere = make_participant(make_event())
    with pytest.raises(ValidationError) as excinfo:
        _send(a, elsewhere)
    assert "same event" in _error(excinfo, "receiver")


def test_not_after_the_event_nor_in_a_cancelled_or_finished_one(event, a, b):
    with pytest.raises(ValidationError) as excinfo:
        _send(a, b, now=event.ends_at + timedelta(minutes=1))
    assert "ended" in _error(excinfo, "event")
    for status, word in (("finished", "ended"), ("cancelled", "cancelled")):
        event.status = status
        event.save()
        with pytest.raises(ValidationError) as excinfo:
            _send(a, b)
        assert word in _error(excinfo, "event")
    assert not MeetingRequest.objects.exists()


def test_duplicate_while_pending_and_the_reverse_accepts(a, b):
    first = _send(a, b)
    with pytest.raises(ValidationError) as excinfo:
        _send(a, b)
    assert "still waiting" in _error(excinfo, "receiver")
    # b asking a back means yes: the existing request is accepted and returned.
    back = _send(b, a, message="Yes please")
    assert back.pk == first.pk
    first.refresh_from_db()
    assert first.status == RS.ACCEPTED and first.answered_by == b.person
    assert MeetingRequest.objects.count() == 1
    for sender, receiver in ((a, b), (b, a)):
        with pytest.raises(ValidationError) as excinfo:
            _send(sender, receiver)
        assert "already have a meeting" in _error(excinfo, "receiver")


def test_a_closed_request_does_not_block_a_new_one(a, b):
    first = _send(a, b)
    services.answer_request(user=b.person, request=first, accept=False)
    second = _send(a, b)
    assert second.pk != first.pk and second.status == RS.PENDING
    services.cancel_request(user=a.person, request=second)
    assert _send(b, a).status == RS.PENDING


def test_an_overdue_request_gives_way_in_either_direction(event, a, b):
    now = timezone.now()
    first = _send(a, b, now=now)
    later = now + event.request_expiry + timedelta(seconds=1)
    # Not yet marked expired by the beat task, but past its time: it expires now instead of
    # being accepted by b's request.
    second = _send(b, a, now=later)
    first.refresh_from_db()
    assert first.status == RS.EXPIRED
    assert second.pk != first.pk and second.status == RS.PENDING
    assert second.expires_at == later + event.request_expiry


def test_automatic_acceptance(organiser):
    event = make_event(organiser=organiser, requests_need_acceptance=False)
    a, b = make_participant(event), make_participant(event)
    request = _send(a, b)
    request.refresh_from_db()
    assert request.status == RS.ACCEPTED and request.expires_at is None
    assert request.answered_by == a.person and request.answered_at is not None


# -- limits ---------------------------------------------------------------------------------


def test_event_limit_at_send_and_at_accept(event, a, b):
    _meet(a, 3)  # the event allows 3
    with pytest.raises(ValidationError) as excinfo:
        _send(a, b)
    assert "You have reached the limit of 3" in _error(excinfo, "sender")
    with pytest.raises(ValidationError) as excinfo:
        _send(b, a)
    assert "Alpha Batteries has reached the limit of 3" in _error(excinfo, "receiver")
    assert not MeetingRequest.objects.filter(sender__in=[a, b], receiver__in=[a, b]).exists()


def test_limit_reached_between_send_and_accept(event, a, b):
    request = _send(a, b)
    _meet(b, 3)
    with pytest.raises(ValidationError) as excinfo:
        services.answer_request(user=b.person, request=request, accept=True)
    assert "You have reached the limit" in _error(excinfo, "status")
    other = make_participant(event)
    to_a = _send(other, a)
    _meet(a, 3)
    with pytest.raises(ValidationError) as excinfo:
        services.answer_request(user=other.person, request=_send(other, b), accept=True)
    with pytest.raises(ValidationError) as excinfo:
        services.answer_request(user=a.person, request=to_a, accept=True)
    request.refresh_from_db()
    to_a.refresh_from_db()
    assert request.status == to_a.status == RS.PENDING


def test_kind_limit_and_own_limit(event, a):
    KindLimit.objects.create(event=event, kind="investor", max_meetings=1)
    investor = make_participant(event, kind="investor")
    _meet(investor, 1)
    with pytest.raises(ValidationError) as excinfo:
        _send(a, investor)
    assert "limit of 1" in _error(excinfo, "receiver")
    with pytest.raises(ValidationError):
        _send(investor, a)
    Registration.objects.filter(pk=a.pk).update(max_meetings=1)
    a.refresh_from_db()
    asked = _send(make_participant(event), a)
    _meet(a, 1)
    with pytest.raises(ValidationError) as excinfo:
        services.answer_request(user=a.person, request=asked, accept=True)
    assert "limit of 1" in _error(excinfo, "status")


def test_limit_on_automatic_acceptance(organiser):
    event = make_event(organiser=organiser, requests_need_acceptance=False, max_meetings=1)
    a, b, c = (make_participant(event) for _ in range(3))
    _send(a, b)
    with pytest.raises(ValidationError) as excinfo:
        _send(c, b)
    assert "limit of 1" in _error(excinfo, "receiver")


# -- answer ---------------------------------------------------------------------------------


def test_accept_and_decline(a, b, event):
    request = _send(a, b)
    accepted = services.answer_request(user=b.person, request=request, accept=True)
    assert accepted.status == RS.ACCEPTED and accepted.answered_by == b.person
    c = make_participant(event)
    declined = services.answer_request(user=c.person, request=_send(a, c), accept=False)
    declined.refresh_from_db()
    assert declined.status == RS.DECLINED and declined.answered_at is not None


def test_only_the_receiver_answers(a, b, event):
    request = _send(a, b)
    for who in (a.person, make_participant(event).person, event.organisers.get()):
        with pytest.raises(PermissionDenied):
            services.answer_request(user=who, request=request, accept=True)
    request.refresh_from_db()
    assert request.status == RS.PENDING


def test_answering_twice_is_refused(a, b):
    request = _send(a, b)
    services.answer_request(user=b.person, request=request, accept=False)
    for accept in (True, False):
        with pytest.raises(ValidationError) as excinfo:
            services.answer_request(user=b.person, request=request, accept=accept)
        assert "already declined" in _error(excinfo, "status")


def test_answer_after_expiry_is_refused(event, a, b):
    now = timezone.now()
    request = _send(a, b, now=now)
    late = request.expires_at
    for accept in (True, False):
        with pytest.raises(ValidationError) as excinfo:
            services.answer_request(user=b.person, request=request, accept=accept, now=late)
        assert "expired" in _error(excinfo, "status")
    just_in_time = late - timedelta(seconds=1)
    assert services.answer_request(
        user=b.person, request=request, accept=True, now=just_in_time
    ).status == (RS.ACCEPTED)


def test_accept_refused_once_the_event_is_cancelled(event, a, b):
    request = _send(a, b)
    event.status = "cancelled"
    event.save()
    with pytest.raises(ValidationError) as excinfo:
        services.answer_request(user=b.person, request=request, accept=True)
    assert "cancelled" in _error(excinfo, "event")


# -- cancel ---------------------------------------------------------------------------------


def test_cancel_rules(event, a, b):
    request = _send(a, b)
    with pytest.raises(ValidationError) as excinfo:
        services.cancel_request(user=b.person, request=request)
    assert "Decline" in _error(excinfo, "status")
    stranger = make_participant(event)
    with pytest.raises(PermissionDenied):
        services.cancel_request(user=stranger.person, request=request)
    cancelled = services.cancel_request(user=a.person, request=request)
    assert cancelled.status == RS.CANCELLED and cancelled.answered_by == a.person
    with pytest.raises(ValidationError) as excinfo:
        services.cancel_request(user=a.person, request=request)
    assert "already cancelled" in _error(excinfo, "status")


@pytest.mark.parametrize("side", ["sender", "receiver"])
def test_either_side_calls_off_an_accepted_meeting(a, b, side):
    request = _send(a, b)
    services.answer_request(user=b.person, request=request, accept=True)
    who = a.person if side == "sender" else b.person
    assert services.cancel_request(user=who, request=request).status == RS.CANCELLED
    # The pair may ask again afterwards.
    assert _send(b, a).status == RS.PENDING


def test_no_cancelling_after_the_event(event, a, b):
    request = _send(a, b)
    with pytest.raises(ValidationError) as excinfo:
        services.cancel_request(user=a.person, request=request, now=event.ends_at)
    assert "ended" in _error(excinfo, "event")


# -- expiry ---------------------------------------------------------------------------------


def test_expire_requests_touches_only_pending_past_expiry(event, a, b):
    now = timezone.now()
    c, d = make_participant(event), make_participant(event)
    overdue = _send(a, b, now=now - event.request_expiry - timedelta(minutes=1))
    waiting = _send(a, c, now=now)
    accepted = _send(a, d, now=now - event.request_expiry - timedelta(minutes=1))
    MeetingRequest.objects.filter(pk=accepted.pk).update(status=RS.ACCEPTED)
    declined = _send(b, c, now=now - event.request_expiry - timedelta(minutes=1))
    MeetingRequest.objects.filter(pk=declined.pk).update(status=RS.DECLINED)
    assert services.expire_requests(now=now) == 1
    statuses = dict(MeetingRequest.objects.values_list("pk", "status"))
    assert statuses == {
        overdue.pk: RS.EXPIRED,
        waiting.pk: RS.PENDING,
        accepted.pk: RS.ACCEPTED,
        declined.pk: RS.DECLINED,
    }
    assert services.expire_requests(now=now) == 0


def _scheduled(request: MeetingRequest):
    """A meeting for ``request`` in a slot of the event's first window, with both seats."""
    from events.models import Meeting, MeetingSeat, Slot

    window = request.event.windows.first()
    slot = Slot.objects.create(
        event=request.event,
        window=window,
        index=0,
        starts_at=window.starts_at,
        ends_at=window.starts_at + timedelta(minutes=20),
    )
    meeting = Meeting.objects.create(event=request.event, request=request, slot=slot, table=1)
    for registration in (request.sender, request.receiver):
        MeetingSeat.objects.create(meeting=meeting, registration=registration, slot=slot)
    return meeting


@pytest.mark.parametrize("how", ["cancel_request", "cancel_registration", "reject"])
def test_calling_off_a_meeting_frees_its_seats(event, a, b, how):
    request = _send(a, b)
    services.answer_request(user=b.person, request=request, accept=True)
    meeting = _scheduled(request)
    if how == "cancel_request":
        services.cancel_request(user=b.person, request=request)
    elif how == "cancel_registration":
        services.cancel_registration(user=a.person, registration=a)
    else:
        organiser = event.organisers.get()
        services.decide_registrations(user=organiser, event=event, ids=[b.pk], approve=False)
    meeting.refresh_from_db()
    assert meeting.status == "cancelled" and not meeting.seats.exists()
    request.refresh_from_db()
    assert request.status == RS.CANCELLED


def test_a_request_carries_when_and_how_to_meet_for_the_scheduler():
    event = make_event(format="hybrid")
    a, b = make_participant(event), make_participant(event)
    request = services.send_request(
        user=a.person, sender=a, receiver=b, part_of_day="afternoon", must_be_online=True
    )
    request.refresh_from_db()
    assert (request.part_of_day, request.must_be_online) == ("afternoon", True)


def test_request_preferences_are_checked():
    onsite = make_event(format="onsite")
    a, b = make_participant(onsite), make_participant(onsite)
    with pytest.raises(ValidationError) as online:
        services.send_request(user=a.person, sender=a, receiver=b, must_be_online=True)
    assert "must_be_online" in online.value.message_dict
    with pytest.raises(ValidationError) as part:
        services.send_request(user=a.person, sender=a, receiver=b, part_of_day="evening")
    assert "part_of_day" in part.value.message_dict
