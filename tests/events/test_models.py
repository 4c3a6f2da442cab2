"""The database itself keeps the events' invariants, whatever code writes to it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from events.models import Event, MeetingRating, MeetingRequest, Registration

from ..factories import make_event, make_participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return make_event()


@pytest.fixture
def pair(event):
    return make_participant(event), make_participant(event)


def _refused(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_one_registration_per_person_and_event(event):
    registration = make_participant(event)
    _refused(
        lambda: Registration.objects.create(
            event=event,
            organisation=registration.organisation,
            person=registration.person,
            status="cancelled",
        )
    )
    # The same person in another event is fine.
    Registration.objects.create(
        event=make_event(), organisation=registration.organisation, person=registration.person
    )


def test_one_open_request_per_pair_whoever_sent_it(event, pair):
    a, b = pair
    first = MeetingRequest.objects.create(event=event, sender=a, receiver=b)
    _refused(lambda: MeetingRequest.objects.create(event=event, sender=b, receiver=a))
    _refused(lambda: MeetingRequest.objects.create(event=event, sender=a, receiver=b))
    _refused(
        lambda: MeetingRequest.objects.create(event=event, sender=b, receiver=a, status="accepted")
    )
    # Closed requests do not count: a declined one leaves room for a new one either way.
    MeetingRequest.objects.filter(pk=first.pk).update(status="declined")
    MeetingRequest.objects.create(event=event, sender=b, receiver=a, status="declined")
    second = MeetingRequest.objects.create(event=event, sender=b, receiver=a)
    # Nor can a closed request be reopened next to an open one.
    _refused(lambda: MeetingRequest.objects.filter(pk=first.pk).update(status="accepted"))
    assert second.status == "pending"


def test_no_request_to_oneself(event, pair):
    a, _ = pair
    _refused(lambda: MeetingRequest.objects.create(event=event, sender=a, receiver=a))


def test_a_rating_outcome_needs_a_meeting(event, pair):
    a, b = pair
    request = MeetingRequest.objects.create(event=event, sender=a, receiver=b, status="accepted")

    def rate(**fields):
        return MeetingRating.objects.create(
            request=request, registration=a, round="after_event", **fields
        )

    _refused(lambda: rate(took_place=False, outcome="agreement"))
    rate(took_place=False, outcome="none")
    _refused(lambda: rate(took_place=True, outcome="mou"))  # one rating per person and round


@pytest.mark.parametrize(
    "field, value",
    [
        ("ends_at", lambda e: e.starts_at),  # ends when it starts
        ("registration_deadline", lambda e: e.ends_at + timedelta(minutes=1)),
        ("registration_opens_at", lambda e: e.registration_deadline),
        ("request_expiry", lambda e: timedelta(minutes=14)),
        ("request_expiry", lambda e: timedelta(days=10, seconds=1)),
    ],
)
def test_event_rules(event, field, value):
    _refused(lambda: Event.objects.filter(pk=event.pk).update(**{field: value(event)}))


def test_expiry_bounds_are_allowed(event):
    for value in (timedelta(minutes=15), timedelta(days=10)):
        Event.objects.filter(pk=event.pk).update(request_expiry=value)
    event.refresh_from_db()
    assert event.request_expiry == timedelta(days=10)
