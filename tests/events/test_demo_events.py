"""Demo events of ``manage.py demo_data``: shaped as described, valid, deterministic and
idempotent."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db.models import F, Q
from django.utils import timezone

from clusters import demo
from clusters.rules import organisation_ids_for
from events import stats
from events.demo import BLUEPRINTS, build_demo_events
from events.models import Event, MarketplaceItem, MeetingRating, MeetingRequest, Registration
from events.services import effective_max_meetings

pytestmark = pytest.mark.django_db

SEED, ORGS = 7, 80
PAST, UPCOMING, ONLINE = (bp.slug for bp in BLUEPRINTS)


def load(seed: int = SEED) -> str:
    out = io.StringIO()
    call_command("demo_data", seed=seed, orgs=ORGS, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """What the demo events hold, by natural key (no ids)."""
    return {
        "events": sorted(
            Event.objects.values_list("slug", "name", "status", "starts_at", "time_zone")
        ),
        "organisers": sorted(Event.objects.values_list("slug", "organisers__email")),
        "windows": sorted(Event.objects.values_list("slug", "windows__starts_at")),
        "registrations": sorted(
            Registration.objects.values_list(
                "event__slug", "person__email", "organisation__slug", "status", "created_at"
            )
        ),
        "requests": sorted(
            MeetingRequest.objects.values_list(
                "event__slug", "sender__person__email", "receiver__person__email", "status"
            )
        ),
        "ratings": sorted(
            MeetingRating.objects.values_list(
                "request__sender__person__email", "registration__person__email", "round", "outcome"
            )
        ),
        "items": sorted(
            MarketplaceItem.objects.values_list("registration__person__email", "title")
        ),
    }


@pytest.fixture
def loaded() -> str:
    return load()


def test_three_events_shaped_as_described(loaded):
    now = timezone.now()
    events = {e.slug: e for e in Event.objects.all()}
    assert set(events) == {PAST, UPCOMING, ONLINE}
    for event in events.values():
        event.full_clean()
        assert list(event.organisers.values_list("email", flat=True)) == ["organiser@demo.example"]
        assert event.windows.count() >= 2 and event.sectors.exists()
    assert "Events (" in loaded and "3 demo events" in loaded

    past = events[PAST]
    assert past.status == "finished" and past.ends_at < now - timedelta(days=150)
    registrations = Counter(past.registrations.values_list("status", flat=True))
    assert registrations["approved"] == 60
    requests = Counter(past.meeting_requests.values_list("status", flat=True))
    assert 200 <= sum(requests.values()) <= 260
    assert set(requests) == {"accepted", "declined", "cancelled", "expired"}
    assert requests["accepted"] > sum(requests.values()) / 2
    outcomes = Counter(
        MeetingRating.objects.filter(request__event=past).values_list("outcome", flat=True)
    )
    assert outcomes["agreement"] and outcomes["mou"] and outcomes["follow_up"]
    rated = MeetingRating.objects.filter(request__event=past).values("request").distinct()
    assert rated.count() > requests["accepted"] / 2
    assert MeetingRating.objects.filter(request__event=past, round="six_months").exists()
    cases = stats.cooperation_cases([past.pk])
    assert cases["agreements"] > 0 and cases["mous"] > 0

    upcoming = events[UPCOMING]
    assert upcoming.format == "onsite" and upcoming.requires_approval
    assert upcoming.registration_state() == (True, "")
    assert upcoming.starts_at > now + timedelta(days=28)
    statuses = Counter(upcoming.registrations.values_list("status", flat=True))
    assert statuses["pending"] >= 5 and statuses["approved"] >= 20
    requests = Counter(upcoming.meeting_requests.values_list("status", flat=True))
    assert requests["pending"] >= 10 and requests["accepted"] >= 10
    assert not upcoming.meeting_requests.filter(status="pending", expires_at__lte=now).exists()

    online = events[ONLINE]
    assert online.format == "online" and "{meeting}" in online.online_meeting_url
    assert online.registration_state() == (True, "") and online.registrations.count() == 30
    assert 300 <= MeetingRequest.objects.count() <= 450  # a few hundred in total


def test_rows_respect_the_rules_of_the_services(loaded):
    requests = MeetingRequest.objects.select_related("sender", "receiver")
    assert not requests.filter(sender__organisation=F("receiver__organisation")).exists()
    assert not requests.exclude(sender__status="approved", receiver__status="approved").exists()
    pairs = Counter(
        (r.event_id, frozenset((r.sender_id, r.receiver_id))) for r in requests
    )  # one request per pair and event, whatever its status
    assert max(pairs.values()) == 1
    assert not MeetingRating.objects.exclude(request__status="accepted").exists()
    assert not MeetingRating.objects.filter(took_place=False).exclude(outcome="none").exists()
    for registration in Registration.objects.select_related("event", "organisation", "person"):
        accepted = MeetingRequest.objects.filter(
            Q(sender=registration) | Q(receiver=registration), status="accepted"
        ).count()
        assert accepted <= effective_max_meetings(registration)
        assert registration.organisation.is_published
        assert registration.organisation_id in organisation_ids_for(registration.person)
        assert registration.created_at <= registration.event.registration_deadline
    # Investors meet at most 6 people at the past event (its kind limit).
    investors = Registration.objects.filter(event__slug=PAST, organisation__kind="investor")
    for registration in investors:
        assert effective_max_meetings(registration) == 6


def test_demo_logins_take_part():
    load()
    for email in ("manager@demo.example", "sme@demo.example"):
        mine = Registration.objects.filter(person__email=email)
        assert set(mine.values_list("event__slug", flat=True)) == {PAST, UPCOMING, ONLINE}
        assert not mine.exclude(status="approved").exists()
        assert MeetingRequest.objects.filter(
            Q(sender__person__email=email) | Q(receiver__person__email=email)
        ).exists()
    # Other participants are the organisations' fictional contact persons, without a password.
    contact = Registration.objects.exclude(person__email__endswith="@demo.example").first()
    assert contact.person.email == contact.organisation.contact_email.lower()
    assert not contact.person.has_usable_password()


def test_second_run_creates_nothing(loaded):
    before = snapshot()
    output = load()
    assert snapshot() == before
    line = next(x for x in output.splitlines() if "demo events" in x)
    assert line.endswith("Created: nothing. Updated: nothing.")


def test_rerun_adds_back_what_was_deleted(loaded):
    before = snapshot()
    accepted = MeetingRequest.objects.filter(event__slug=PAST, status="accepted").order_by("pk")
    MeetingRequest.objects.filter(pk__in=list(accepted.values_list("pk", flat=True)[:5])).delete()
    pending = Registration.objects.filter(event__slug=UPCOMING, status="pending").order_by("pk")
    Registration.objects.filter(pk__in=list(pending.values_list("pk", flat=True)[:2])).delete()
    Event.objects.get(slug=ONLINE).delete()
    load()
    assert snapshot() == before


def test_plan_is_deterministic_and_follows_the_month():
    data = demo.build_demo_data(SEED, ORGS, demo.Reference.from_database())
    now = datetime(2027, 3, 9, 23, 59, tzinfo=UTC)
    first = build_demo_events(SEED, data, today=date(2027, 3, 9))
    again = build_demo_events(SEED, data, today=date(2027, 3, 9))
    other = build_demo_events(SEED + 1, data, today=date(2027, 3, 9))
    assert first == again
    assert first.events[0].requests != other.events[0].requests
    # Later in the same month, the same dates; the upcoming events are weeks ahead.
    later = build_demo_events(SEED, data, today=date(2027, 3, 31))
    assert [e.fields["starts_at"] for e in later.events] == [
        e.fields["starts_at"] for e in first.events
    ]
    past, upcoming, online = first.events
    assert past.fields["ends_at"] < now - timedelta(days=150)
    assert upcoming.fields["registration_deadline"] > now + timedelta(days=28)
    assert online.fields["registration_opens_at"] < now < online.fields["registration_deadline"]
    # Requests of the open events were all sent before the day began, and pending ones are
    # still open at its end.
    expiry = {e.slug: e.fields["request_expiry"] for e in first.events}
    for plan in (upcoming, online):
        assert all(r[3] < now - timedelta(hours=23) for r in plan.requests)
        pending = [r[3] + expiry[plan.slug] for r in plan.requests if r[2] == "pending"]
        assert pending and min(pending) > now
