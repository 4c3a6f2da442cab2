"""Participants rate their meetings: right after the event and again about six months on."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from events import services
from events.models import MeetingRating, MeetingRequest
from events.services.ratings import SIX_MONTHS_OPENS_AFTER

from ..factories import make_event, make_participant

pytestmark = pytest.mark.django_db

AFTER, SIX = MeetingRating.Round.AFTER_EVENT, MeetingRating.Round.SIX_MONTHS


@pytest.fixture
def meeting(organiser):
    event = make_event(organiser=organiser)
    a, b = make_participant(event), make_participant(event)
    return MeetingRequest.objects.create(event=event, sender=a, receiver=b, status="accepted")


def _rate(meeting, who, *, now=None, round=AFTER, took_place=True, **kwargs) -> MeetingRating:
    now = now or meeting.event.ends_at
    return services.rate_meeting(
        user=who.person, request=meeting, round=round, took_place=took_place, now=now, **kwargs
    )


def test_both_participants_rate_and_correct_in_place(meeting):
    rating = _rate(meeting, meeting.sender, outcome="follow_up", comment="  Good talk ")
    assert (rating.registration, rating.outcome, rating.comment) == (
        meeting.sender,
        "follow_up",
        "Good talk",
    )
    again = _rate(meeting, meeting.sender, outcome="agreement")
    assert again.pk == rating.pk and again.outcome == "agreement"
    _rate(meeting, meeting.receiver, took_place=False)
    assert MeetingRating.objects.count() == 2


def test_only_the_two_participants_rate(meeting, organiser):
    stranger = make_participant(meeting.event)
    with pytest.raises(PermissionDenied):
        _rate(meeting, stranger)
    with pytest.raises(PermissionDenied):
        services.rate_meeting(
            user=organiser, request=meeting, round=AFTER, took_place=True, now=meeting.event.ends_at
        )
    assert not MeetingRating.objects.exists()


@pytest.mark.parametrize("status", ["pending", "declined", "cancelled", "expired"])
def test_only_accepted_meetings(meeting, status):
    MeetingRequest.objects.filter(pk=meeting.pk).update(status=status)
    with pytest.raises(ValidationError) as excinfo:
        _rate(meeting, meeting.sender)
    assert "request" in excinfo.value.message_dict


def test_rounds_open_after_the_event_and_about_six_months_on(meeting):
    # In UTC: adding days to a Brussels time would move by an hour across a DST change.
    ends = meeting.event.ends_at.astimezone(UTC)
    assert timedelta(days=150) == SIX_MONTHS_OPENS_AFTER
    with pytest.raises(ValidationError) as excinfo:
        _rate(meeting, meeting.sender, now=ends - timedelta(minutes=1))
    assert "after the event" in excinfo.value.message_dict["round"][0]
    assert services.rating_round_open(meeting, AFTER, now=ends)
    _rate(meeting, meeting.sender, now=ends)
    six_months = ends + timedelta(days=150)
    assert not services.rating_round_open(meeting, SIX, now=six_months - timedelta(minutes=1))
    with pytest.raises(ValidationError) as excinfo:
        _rate(meeting, meeting.sender, round=SIX, now=six_months - timedelta(minutes=1))
    assert "six months" in excinfo.value.message_dict["round"][0]
    assert services.rating_round_open(meeting, SIX, now=six_months)
    _rate(meeting, meeting.sender, round=SIX, now=six_months, outcome="mou")
    # Both rounds stay open for good.
    _rate(meeting, meeting.sender, now=ends + timedelta(days=400))
    assert MeetingRating.objects.filter(registration=meeting.sender).count() == 2


def test_bad_values_name_the_field(meeting):
    cases = {
        "round": {"round": "next_year"},
        "outcome": {"outcome": "wedding"},
    }
    for field, kwargs in cases.items():
        with pytest.raises(ValidationError) as excinfo:
            _rate(meeting, meeting.sender, **kwargs)
        assert field in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        _rate(meeting, meeting.sender, took_place=False, outcome="agreement")
    assert "no outcome" in excinfo.value.message_dict["outcome"][0]
    assert not MeetingRating.objects.exists()
