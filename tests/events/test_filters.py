"""The events' FilterSets (shared by pages and API) and the selectors they filter."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.test import RequestFactory
from django.utils import timezone

from clusters.models import Sector, Technology
from events import selectors
from events.filters import (
    EventFilterSet,
    MarketplaceFilterSet,
    MeetingRequestFilterSet,
    ParticipantFilterSet,
)
from events.models import Event, MarketplaceItem, MeetingRequest

from ..factories import OrganisationFactory, make_event, make_participant

pytestmark = pytest.mark.django_db

BATTERIES = "automotive"  # sector codes of the reference data
CHEMICALS = "upstream-chemical-products"


def _query(data: dict) -> QueryDict:
    """Parameters as the pages and the API receive them (repeated keys for several values)."""
    return QueryDict(urlencode(data, doseq=True))


def _filter(filterset_class, data, queryset, user=None) -> list:
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    filterset = filterset_class(_query(data), queryset=queryset, request=request)
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs)


def _errors(filterset_class, data, queryset) -> dict:
    filterset = filterset_class(_query(data), queryset=queryset, request=None)
    assert not filterset.is_valid()
    return filterset.errors


# -- events ---------------------------------------------------------------------------------


@pytest.fixture
def events():
    sector = Sector.objects.get(code=BATTERIES)
    ghent = make_event(name="Battery Days", city="Ghent", kind="b2b", format="onsite")
    ghent.sectors.add(sector)
    online = make_event(
        name="Chemistry Online", city="", country="", kind="c2c", format="online", windows=1
    )
    online.sectors.add(Sector.objects.get(code=CHEMICALS))
    past = make_event(name="Last Year", country="FR", kind="mission", description="Batteries")
    Event.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - timedelta(days=300),
        ends_at=timezone.now() - timedelta(days=299),
        registration_deadline=timezone.now() - timedelta(days=301),
    )
    return ghent, online, past


def test_event_filters(events):
    ghent, online, past = events
    qs = Event.objects.all()
    assert _filter(EventFilterSet, {"q": "ghent"}, qs) == [ghent]
    assert set(_filter(EventFilterSet, {"q": "batter"}, qs)) == {ghent, past}  # description too
    assert set(_filter(EventFilterSet, {"when": "upcoming"}, qs)) == {ghent, online}
    assert _filter(EventFilterSet, {"when": "past"}, qs) == [past]
    assert _filter(EventFilterSet, {"kind": ["c2c"]}, qs) == [online]
    assert set(_filter(EventFilterSet, {"kind": ["c2c", "mission"]}, qs)) == {online, past}
    assert _filter(EventFilterSet, {"format": "online"}, qs) == [online]
    assert _filter(EventFilterSet, {"country": "FR"}, qs) == [past]
    assert _filter(EventFilterSet, {"sector": BATTERIES}, qs) == [ghent]
    assert _filter(EventFilterSet, {"sector": [BATTERIES, CHEMICALS]}, qs) == [ghent, online]
    # Blank values are no filter; filters AND together.
    assert len(_filter(EventFilterSet, {"kind": "", "sector": "", "q": " "}, qs)) == 3
    assert _filter(EventFilterSet, {"kind": "b2b", "country": "FR"}, qs) == []


@pytest.mark.parametrize(
    "param, value",
    [
        ("kind", "rave"),
        ("format", "hologram"),
        ("country", "XX"),
        ("sector", "no-such-sector"),
        ("when", "tomorrow"),
        ("q", "x" * 201),
    ],
)
def test_bad_event_filter_values_name_the_parameter(param, value):
    assert param in _errors(EventFilterSet, {param: value}, Event.objects.all())


# -- participants and marketplace -----------------------------------------------------------


@pytest.fixture
def people():
    event = make_event()
    alpha = make_participant(
        event, name="Alpha Batteries", country="FR", sectors=[BATTERIES], offers="Cell tests"
    )
    beta = make_participant(event, name="Beta Labs", kind="rto", country="DE")
    pending = make_participant(event, name="Gamma", status="pending")
    return event, alpha, beta, pending


def test_participant_filters(people):
    event, alpha, beta, pending = people
    qs = event.registrations.all()
    assert _filter(ParticipantFilterSet, {"q": "cell tests"}, qs) == [alpha]
    assert _filter(ParticipantFilterSet, {"q": "beta"}, qs) == [beta]
    assert _filter(ParticipantFilterSet, {"country": "FR"}, qs) == [alpha]
    assert _filter(ParticipantFilterSet, {"kind": "rto"}, qs) == [beta]
    assert _filter(ParticipantFilterSet, {"sector": BATTERIES}, qs) == [alpha]
    assert _filter(ParticipantFilterSet, {"status": "pending"}, qs) == [pending]


@pytest.mark.parametrize(
    "param, value",
    [("kind", "alien"), ("country", "ZZ"), ("sector", "nope"), ("status", "maybe")],
)
def test_bad_participant_filter_values_name_the_parameter(people, param, value):
    event = people[0]
    assert param in _errors(ParticipantFilterSet, {param: value}, event.registrations.all())


@pytest.fixture
def items(people):
    event, alpha, beta, pending = people
    offer = MarketplaceItem.objects.create(
        registration=alpha, kind="offer", title="Cell testing lab", description="Abuse tests"
    )
    offer.sectors.add(Sector.objects.get(code=BATTERIES))
    ask = MarketplaceItem.objects.create(registration=beta, kind="request", title="Pilot line")
    ask.technologies.add(Technology.objects.get(code="advanced-manufacturing"))
    hidden = MarketplaceItem.objects.create(registration=pending, kind="offer", title="Hidden")
    return event, offer, ask, hidden


def test_marketplace_filters(items):
    event, offer, ask, _hidden = items
    qs = selectors.marketplace(event)
    assert _filter(MarketplaceFilterSet, {"q": "abuse"}, qs) == [offer]
    assert _filter(MarketplaceFilterSet, {"q": "beta labs"}, qs) == [ask]
    assert _filter(MarketplaceFilterSet, {"kind": "request"}, qs) == [ask]
    assert _filter(MarketplaceFilterSet, {"sector": BATTERIES}, qs) == [offer]
    assert _filter(MarketplaceFilterSet, {"technology": "advanced-manufacturing"}, qs) == [ask]
    assert _filter(MarketplaceFilterSet, {"country": "DE"}, qs) == [ask]


@pytest.mark.parametrize(
    "param, value",
    [("kind", "gift"), ("sector", "nope"), ("technology", "warp-drive"), ("country", "ZZ")],
)
def test_bad_marketplace_filter_values_name_the_parameter(param, value):
    assert param in _errors(MarketplaceFilterSet, {param: value}, MarketplaceItem.objects.all())


# -- meeting requests -----------------------------------------------------------------------


def test_meeting_request_filters(people):
    event, alpha, beta, _ = people
    other_event = make_event()
    x, y = make_participant(other_event), make_participant(other_event)
    sent = MeetingRequest.objects.create(event=event, sender=alpha, receiver=beta)
    elsewhere = MeetingRequest.objects.create(
        event=other_event, sender=x, receiver=y, status="declined"
    )
    qs = MeetingRequest.objects.all()
    assert _filter(MeetingRequestFilterSet, {"event": event.slug}, qs) == [sent]
    assert _filter(MeetingRequestFilterSet, {"status": "declined"}, qs) == [elsewhere]
    mine = selectors.requests_for_user(alpha.person)
    incoming = {"direction": "incoming"}
    outgoing = {"direction": "outgoing"}
    assert _filter(MeetingRequestFilterSet, outgoing, mine, alpha.person) == [sent]
    assert _filter(MeetingRequestFilterSet, incoming, mine, alpha.person) == []
    assert _filter(MeetingRequestFilterSet, incoming, qs, beta.person) == [sent]
    assert _filter(MeetingRequestFilterSet, incoming, qs) == []  # anonymous: nothing


@pytest.mark.parametrize("param, value", [("status", "lost"), ("direction", "sideways")])
def test_bad_meeting_request_filter_values_name_the_parameter(param, value):
    errors = _errors(MeetingRequestFilterSet, {param: value}, MeetingRequest.objects.all())
    assert param in errors


# -- selectors ------------------------------------------------------------------------------


def test_events_for_hides_drafts_except_from_their_organisers_and_staff(organiser, staff_user):
    public = make_event(name="Public")
    draft = make_event(name="Draft", status="draft", organiser=organiser)
    other_draft = make_event(name="Other Draft", status="draft")
    make_participant(public)
    make_participant(public, status="pending")
    assert list(selectors.events_for(AnonymousUser())) == [public]
    assert set(selectors.events_for(organiser)) == {public, draft}
    assert set(selectors.events_for(staff_user)) == {public, draft, other_draft}
    assert selectors.events_for(AnonymousUser()).get().participant_count == 1


def test_participants_and_marketplace_are_approved_only(items, django_assert_max_num_queries):
    event, _offer, _ask, hidden = items
    make_participant(event, status="rejected")
    make_participant(event, status="cancelled")
    # The rows, then one query per prefetch: topics, availability, blocked slots, sectors.
    with django_assert_max_num_queries(5):
        rows = list(selectors.participants(event))
        names = [(r.organisation.name, r.person.email, list(r.topics.all())) for r in rows]
    assert [name for name, _, _ in names] == ["Alpha Batteries", "Beta Labs"]
    with django_assert_max_num_queries(3):
        listed = [
            (i.registration.organisation.name, list(i.sectors.all()))
            for i in selectors.marketplace(event)
        ]
    assert {name for name, _ in listed} == {"Alpha Batteries", "Beta Labs"}
    assert hidden not in selectors.marketplace(event)
    counts = selectors.event_counts(event)
    assert counts == {
        "participants": 2,
        "organisations": 2,
        "countries": 2,
        "marketplace_items": 2,
        "meetings": 0,
    }


def test_request_selectors(people):
    event, alpha, beta, _ = people
    gamma = make_participant(event, name="Delta")
    open_one = MeetingRequest.objects.create(event=event, sender=alpha, receiver=beta)
    closed = MeetingRequest.objects.create(
        event=event, sender=gamma, receiver=alpha, status="declined"
    )
    assert set(selectors.requests_of(alpha)) == {open_one, closed}
    assert list(selectors.requests_of(beta)) == [open_one]
    assert set(selectors.requests_for_user(alpha.person)) == {open_one, closed}
    assert selectors.open_partner_ids(alpha) == {beta.pk: open_one}
    assert selectors.open_partner_ids(beta) == {alpha.pk: open_one}


def test_a_person_of_two_organisations_sees_each_registration_once():
    event = make_event()
    registration = make_participant(event)
    OrganisationFactory.add_person(OrganisationFactory(), user=registration.person)
    assert list(selectors.participants(event)) == [registration]
