"""Simultaneous writes on PostgreSQL: row locks and constraints keep one registration per person,
one open request per pair, and meeting limits, whichever of two threads gets there first.

Each test lines two threads up on a barrier so that both enter the service together; it asserts
only the outcome (one succeeds, the other is refused with a ValidationError), never timing.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from clusterplatform.accounts.models import User
from events import services
from events.models import MeetingRequest, Registration

from ..factories import OrganisationFactory, make_event, make_participant
from .races import outcomes, race

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (SELECT ... FOR UPDATE) and concurrent connections need PostgreSQL",
    ),
]

RS = MeetingRequest.Status


def _fresh(user: User) -> User:
    """Each thread its own user object (rules cache lookups on it)."""
    return User.objects.get(pk=user.pk)


def test_two_accepts_of_one_request():
    event = make_event()
    a, b = make_participant(event), make_participant(event)
    request = MeetingRequest.objects.create(
        event=event, sender=a, receiver=b, expires_at=event.ends_at
    )

    def accept():
        return services.answer_request(user=_fresh(b.person), request=request, accept=True)

    results = race(accept, accept)
    assert outcomes(results) == ["ok", "refused"], results
    refused = next(error for kind, error in results if kind == "refused")
    assert "already accepted" in refused.message_dict["status"][0]
    assert list(MeetingRequest.objects.values_list("status", flat=True)) == [RS.ACCEPTED]


def test_two_registrations_of_one_person():
    event = make_event()
    org = OrganisationFactory()
    person = OrganisationFactory.add_person(org)

    def register():
        return services.register(user=_fresh(person), event=event, organisation=org)

    results = race(register, register)
    assert outcomes(results) == ["ok", "refused"], results
    refused = next(error for kind, error in results if kind == "refused")
    assert "already registered" in refused.message_dict["event"][0]
    assert Registration.objects.filter(event=event, person=person).count() == 1


def test_requests_both_ways_at_once_leave_one_open_request():
    event = make_event()
    a, b = make_participant(event), make_participant(event)

    def ask(sender, receiver):
        return lambda: services.send_request(
            user=_fresh(sender.person), sender=sender, receiver=receiver
        )

    results = race(ask(a, b), ask(b, a))
    assert outcomes(results) == ["ok", "ok"], results
    # The second found the first and accepted it: both calls return the same request.
    assert results[0][1].pk == results[1][1].pk
    open_rows = MeetingRequest.objects.filter(status__in=[RS.PENDING, RS.ACCEPTED])
    assert list(open_rows.values_list("status", flat=True)) == [RS.ACCEPTED]
    assert MeetingRequest.objects.count() == 1


def test_accepting_two_requests_at_the_limit_stays_within_it():
    event = make_event(max_meetings=2)
    busy, earlier, x, y = (make_participant(event) for _ in range(4))
    MeetingRequest.objects.create(event=event, sender=earlier, receiver=busy, status=RS.ACCEPTED)
    from_x = MeetingRequest.objects.create(
        event=event, sender=x, receiver=busy, expires_at=event.ends_at
    )
    from_y = MeetingRequest.objects.create(
        event=event, sender=y, receiver=busy, expires_at=event.ends_at
    )

    def accept(request):
        return lambda: services.answer_request(
            user=_fresh(busy.person), request=request, accept=True
        )

    results = race(accept(from_x), accept(from_y))
    assert outcomes(results) == ["ok", "refused"], results
    refused = next(error for kind, error in results if kind == "refused")
    assert "limit of 2" in refused.message_dict["status"][0]
    assert services.requests.accepted_count(busy) == 2


def test_control_without_the_registration_locks_the_limit_is_exceeded(monkeypatch):
    """The control case of the test above: with the registration rows not locked, two accepts
    that both count before either writes go through, one meeting over the limit. So it is the
    lock that keeps the limit, and the test above would notice its loss."""
    event = make_event(max_meetings=2)
    busy, earlier, x, y = (make_participant(event) for _ in range(4))
    MeetingRequest.objects.create(event=event, sender=earlier, receiver=busy, status=RS.ACCEPTED)
    requests = [
        MeetingRequest.objects.create(
            event=event, sender=s, receiver=busy, expires_at=event.ends_at
        )
        for s in (x, y)
    ]
    counted = threading.Barrier(2)
    real_count = services.requests.accepted_count

    def count_then_wait(registration):
        n = real_count(registration)
        if registration.pk == busy.pk:
            counted.wait(timeout=30)  # both have counted before either accepts
        return n

    monkeypatch.setattr(services.requests, "_lock", lambda *regs: list(regs))
    monkeypatch.setattr(services.requests, "accepted_count", count_then_wait)
    results = race(
        *(
            lambda r=r: services.answer_request(user=_fresh(busy.person), request=r, accept=True)
            for r in requests
        )
    )
    assert outcomes(results) == ["ok", "ok"], results
    assert real_count(busy) == 3


def test_answer_and_ask_back_at_once_do_not_deadlock():
    """b accepts a's request while also asking a back, and declines c's request while c leaves
    the event: locks are taken registrations first, then requests, everywhere, so none of
    these waits on another in a cycle (PostgreSQL would abort one with a deadlock error)."""
    event = make_event()
    a, b, c = (make_participant(event) for _ in range(3))
    a_to_b = MeetingRequest.objects.create(
        event=event, sender=a, receiver=b, expires_at=event.ends_at
    )
    c_to_b = MeetingRequest.objects.create(
        event=event, sender=c, receiver=b, expires_at=event.ends_at
    )
    results = race(
        lambda: services.answer_request(user=_fresh(b.person), request=a_to_b, accept=True),
        lambda: services.send_request(user=_fresh(b.person), sender=b, receiver=a),
        lambda: services.answer_request(user=_fresh(b.person), request=c_to_b, accept=False),
        lambda: services.cancel_registration(user=_fresh(c.person), registration=c),
    )
    assert "error" not in outcomes(results), results
    a_to_b.refresh_from_db()
    assert a_to_b.status == RS.ACCEPTED
    assert MeetingRequest.objects.filter(status__in=[RS.PENDING, RS.ACCEPTED]).count() == 1
