"""Registering for an event, its deadline in the event's zone, cancelling, organisers' decisions
and the marketplace items of participants."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from events import services
from events.models import Event, MarketplaceItem, MeetingRequest, Registration

from ..factories import OrganisationFactory, make_event, make_participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    """A user managing a published SME: (user, organisation)."""
    org = OrganisationFactory(name="Widget Works")
    return OrganisationFactory.add_person(org), org


def _register(event, person, **kwargs) -> Registration:
    user, org = person
    return services.register(user=user, event=event, organisation=org, **kwargs)


def _error(excinfo, field: str) -> str:
    return " ".join(excinfo.value.message_dict[field])


def test_register_on_an_open_event_is_approved_and_mailed_once(
    person, organiser, django_capture_on_commit_callbacks
):
    event = make_event(organiser=organiser)
    window = event.windows.first()
    with django_capture_on_commit_callbacks(execute=True):
        registration = _register(
            event, person, availability=[window], max_meetings=5, interests="  Batteries  "
        )
    assert registration.status == "approved"
    assert list(registration.availability.all()) == [window]
    assert registration.max_meetings == 5 and registration.interests == "Batteries"
    assert [m.to for m in mail.outbox] == [[person[0].email]]
    registration.refresh_from_db()
    assert registration.approved_mail_sent_at is not None


def test_requires_approval_makes_it_pending_and_sends_no_mail(
    person, django_capture_on_commit_callbacks
):
    event = make_event(requires_approval=True)
    with django_capture_on_commit_callbacks(execute=True):
        registration = _register(event, person)
    assert registration.status == "pending"
    assert mail.outbox == []


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo"])
def test_deadline_is_2359_in_the_events_zone(person, zone):
    event = make_event(time_zone=zone)
    day = event.local(event.starts_at).date() - timedelta(days=2)
    deadline = datetime.combine(day, time(23, 59), event.tz)
    Event.objects.filter(pk=event.pk).update(registration_deadline=deadline)
    event.refresh_from_db()
    assert event.registration_deadline.utcoffset() == timedelta(0)  # stored in UTC
    with pytest.raises(ValidationError) as excinfo:
        _register(event, person, now=deadline + timedelta(minutes=1))
    message = _error(excinfo, "event")
    assert f"{day:%d %B %Y} at 23:59 ({zone})" in message
    with pytest.raises(ValidationError):
        _register(event, person, now=deadline)  # closes at the deadline itself
    assert not Registration.objects.exists()
    registration = _register(event, person, now=deadline - timedelta(minutes=1))
    assert registration.status == "approved"


def test_registration_not_yet_open(person):
    event = make_event(time_zone="Asia/Tokyo")
    opens = event.registration_deadline - timedelta(days=2)
    Event.objects.filter(pk=event.pk).update(registration_opens_at=opens)
    event.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        _register(event, person, now=opens - timedelta(minutes=1))
    assert "opens on" in _error(excinfo, "event") and "(Asia/Tokyo)" in _error(excinfo, "event")
    assert _register(event, person, now=opens).status == "approved"


@pytest.mark.parametrize(
    "status, message",
    [("cancelled", "cancelled"), ("registration_closed", "closed"), ("finished", "closed")],
)
def test_closed_events_refuse_registrations(person, status, message):
    event = make_event(status=status)
    with pytest.raises(ValidationError) as excinfo:
        _register(event, person)
    assert message in _error(excinfo, "event")


def test_drafts_and_anonymous_visitors_are_refused(person):
    draft = make_event(status="draft")
    with pytest.raises(PermissionDenied):
        _register(draft, person)
    event = make_event()
    with pytest.raises(PermissionDenied):
        services.register(user=AnonymousUser(), event=event, organisation=person[1])
    assert not Registration.objects.exists()


def test_only_for_your_own_published_organisation(person):
    event = make_event()
    user, _ = person
    stranger_org = OrganisationFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.register(user=user, event=event, organisation=stranger_org)
    assert "belong to" in _error(excinfo, "organisation")
    draft_org = OrganisationFactory(status="draft")
    OrganisationFactory.add_person(draft_org, role="member", user=user)
    user = type(user).objects.get(pk=user.pk)  # drop the cached roles
    with pytest.raises(ValidationError) as excinfo:
        services.register(user=user, event=event, organisation=draft_org)
    assert "Publish" in _error(excinfo, "organisation")
    assert not Registration.objects.exists()


def test_details_are_checked(person):
    event = make_event(max_meetings=8)
    other = make_event()
    with pytest.raises(ValidationError) as excinfo:
        _register(event, person, availability=[other.windows.first()])
    assert "availability" in excinfo.value.message_dict
    for bad in (9, 0):
        with pytest.raises(ValidationError) as excinfo:
            _register(event, person, max_meetings=bad)
        assert "between 1 and 8" in _error(excinfo, "max_meetings")
    assert not Registration.objects.exists()
    assert _register(event, person, max_meetings=8).max_meetings == 8


def test_duplicate_re_register_after_cancel_and_rejected(person, organiser):
    event = make_event(organiser=organiser)
    first = _register(event, person)
    with pytest.raises(ValidationError) as excinfo:
        _register(event, person)
    assert "already registered" in _error(excinfo, "event")
    services.cancel_registration(user=person[0], registration=first)
    again = _register(event, person, max_meetings=3)
    assert again.pk == first.pk and again.status == "approved" and again.max_meetings == 3
    services.decide_registrations(user=organiser, event=event, ids=[again.pk], approve=False)
    with pytest.raises(ValidationError) as excinfo:
        _register(event, person)
    assert "declined" in _error(excinfo, "event")
    assert Registration.objects.get().status == "rejected"


def test_re_register_is_pending_again_when_approval_is_needed(person, organiser):
    event = make_event(organiser=organiser, requires_approval=True)
    registration = _register(event, person)
    services.decide_registrations(user=organiser, event=event, ids=[registration.pk], approve=True)
    services.cancel_registration(user=person[0], registration=registration)
    again = _register(event, person)
    assert again.status == "pending" and again.decided_at is None and again.decided_by is None


def _open_requests(event):
    a, b, c = (make_participant(event) for _ in range(3))
    pending = services.send_request(user=a.person, sender=a, receiver=b)
    received = services.send_request(user=c.person, sender=c, receiver=a)
    services.answer_request(user=a.person, request=received, accept=True)
    between_others = services.send_request(user=b.person, sender=b, receiver=c)
    return a, pending, received, between_others


def test_cancel_closes_the_persons_open_requests(organiser):
    event = make_event(organiser=organiser)
    a, pending, accepted, between_others = _open_requests(event)
    services.cancel_registration(user=a.person, registration=a)
    statuses = dict(MeetingRequest.objects.values_list("pk", "status"))
    assert statuses[pending.pk] == statuses[accepted.pk] == "cancelled"
    assert statuses[between_others.pk] == "pending"
    a.refresh_from_db()
    assert a.status == "cancelled"
    # Cancelling twice is no error; a stranger cannot cancel.
    assert services.cancel_registration(user=a.person, registration=a).status == "cancelled"
    b = between_others.sender
    with pytest.raises(PermissionDenied):
        services.cancel_registration(user=a.person, registration=b)


def test_organisers_cancel_but_not_after_the_event(organiser):
    event = make_event(organiser=organiser)
    registration = make_participant(event)
    services.cancel_registration(user=organiser, registration=registration)
    past = make_event(organiser=organiser)
    Event.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=2),
        registration_deadline=timezone.now() - timedelta(days=4),
    )
    old = make_participant(past)
    with pytest.raises(ValidationError) as excinfo:
        services.cancel_registration(user=old.person, registration=old)
    assert "ended" in _error(excinfo, "event")


def test_update_registration(organiser):
    event = make_event(organiser=organiser, max_meetings=6)
    registration = make_participant(event)
    window = event.windows.last()
    services.update_registration(
        user=registration.person,
        registration=registration,
        availability=[window],
        max_meetings=2,
        interests="Hydrogen",
    )
    registration.refresh_from_db()
    assert registration.max_meetings == 2 and list(registration.availability.all()) == [window]
    with pytest.raises(ValidationError) as excinfo:
        services.update_registration(
            user=registration.person, registration=registration, availability=[], max_meetings=7
        )
    assert "max_meetings" in excinfo.value.message_dict
    stranger = make_participant(event)
    with pytest.raises(PermissionDenied):
        services.update_registration(
            user=stranger.person, registration=registration, availability=[]
        )
    rejected = make_participant(event, status="rejected")
    with pytest.raises(ValidationError) as excinfo:
        services.update_registration(user=rejected.person, registration=rejected, availability=[])
    assert "status" in excinfo.value.message_dict


# -- organisers decide ----------------------------------------------------------------------


def test_bulk_approve_mails_each_once(organiser, django_capture_on_commit_callbacks):
    event = make_event(organiser=organiser, requires_approval=True)
    pending = [make_participant(event, status="pending") for _ in range(3)]
    cancelled = make_participant(event, status="cancelled")
    ids = [r.pk for r in pending] + [cancelled.pk]
    with django_capture_on_commit_callbacks(execute=True):
        changed = services.decide_registrations(user=organiser, event=event, ids=ids, approve=True)
    assert changed == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.person.email for r in pending)
    statuses = dict(Registration.objects.values_list("pk", "status"))
    assert [statuses[r.pk] for r in pending] == ["approved"] * 3
    assert statuses[cancelled.pk] == "cancelled"  # left as it is
    assert Registration.objects.filter(decided_by=organiser).count() == 3
    # Approving again changes nothing and mails nobody.
    with django_capture_on_commit_callbacks(execute=True):
        again = services.decide_registrations(
            user=organiser, event=event, ids=[str(r.pk) for r in pending], approve=True
        )
    assert again == 0 and len(mail.outbox) == 3


def test_rejecting_closes_open_requests(organiser):
    event = make_event(organiser=organiser)
    a, pending, accepted, between_others = _open_requests(event)
    assert services.decide_registrations(user=organiser, event=event, ids=[a.pk], approve=False)
    statuses = dict(MeetingRequest.objects.values_list("pk", "status"))
    assert statuses[pending.pk] == statuses[accepted.pk] == "cancelled"
    assert statuses[between_others.pk] == "pending"
    a.refresh_from_db()
    assert a.status == "rejected" and a.decided_by == organiser


def test_decisions_need_the_events_organisers(organiser, staff_user):
    event = make_event(organiser=organiser, requires_approval=True)
    registration = make_participant(event, status="pending")
    participant = make_participant(event)
    other_organiser_event = make_event(organiser=organiser)
    for who in (registration.person, participant.person):
        with pytest.raises(PermissionDenied):
            services.decide_registrations(
                user=who, event=event, ids=[registration.pk], approve=True
            )
    assert services.decide_registrations(
        user=staff_user, event=event, ids=[registration.pk], approve=True
    )
    # Ids of another event, bad ids and no ids are errors naming the field; nothing changes.
    elsewhere = make_participant(other_organiser_event, status="pending")
    cancelled_here = make_participant(event, status="cancelled")
    for ids in ([elsewhere.pk, participant.pk], [elsewhere.pk, cancelled_here.pk], ["x"], []):
        with pytest.raises(ValidationError) as excinfo:
            services.decide_registrations(user=organiser, event=event, ids=ids, approve=False)
        assert "registrations" in excinfo.value.message_dict
    assert Registration.objects.filter(status="rejected").count() == 0


# -- marketplace ----------------------------------------------------------------------------


def test_marketplace_items(organiser):
    event = make_event(organiser=organiser)
    registration = make_participant(event)
    item = services.save_marketplace_item(
        user=registration.person,
        registration=registration,
        fields={"kind": "offer", "title": "Cell testing", "sectors": []},
    )
    services.save_marketplace_item(
        user=registration.person,
        registration=registration,
        item=item,
        fields={"title": "Cell and pack testing"},
    )
    item.refresh_from_db()
    assert item.title == "Cell and pack testing" and item.kind == "offer"
    with pytest.raises(ValidationError) as excinfo:
        services.save_marketplace_item(
            user=registration.person, registration=registration, fields={"kind": "gift"}
        )
    assert "kind" in excinfo.value.message_dict
    other = make_participant(event)
    with pytest.raises(PermissionDenied):
        services.save_marketplace_item(
            user=other.person, registration=registration, fields={"kind": "offer", "title": "x"}
        )
    with pytest.raises(PermissionDenied):
        services.save_marketplace_item(
            user=other.person, registration=other, item=item, fields={"title": "Stolen"}
        )
    with pytest.raises(PermissionDenied):
        services.delete_marketplace_item(user=other.person, item=item)
    pending = make_participant(event, status="pending")
    with pytest.raises(ValidationError) as excinfo:
        services.save_marketplace_item(
            user=pending.person, registration=pending, fields={"kind": "offer", "title": "x"}
        )
    assert "registration" in excinfo.value.message_dict
    services.delete_marketplace_item(user=registration.person, item=item)
    assert not MarketplaceItem.objects.exists()


# -- who may do what (events/rules.py) ------------------------------------------------------


def test_permission_matrix(organiser, staff_user, user):
    from django.contrib.auth.models import AnonymousUser

    event = make_event(organiser=organiser)
    draft = make_event(status="draft", organiser=organiser)
    a, b = make_participant(event), make_participant(event)
    pending = make_participant(event, status="pending")
    request = MeetingRequest.objects.create(event=event, sender=a, receiver=b)
    anonymous = AnonymousUser()

    def can(who, perm, obj) -> bool:
        return who.has_perm(f"events.{perm}", obj)

    assert can(anonymous, "view_event", event) and not can(anonymous, "view_event", draft)
    assert can(organiser, "view_event", draft) and can(staff_user, "view_event", draft)
    assert not can(user, "view_event", draft)
    assert can(organiser, "add_event", None) and can(staff_user, "add_event", None)
    assert not can(user, "add_event", None)
    for perm in ("change_event", "manage_registrations"):
        assert can(organiser, perm, event) and can(staff_user, perm, event)
        assert not can(a.person, perm, event) and not can(anonymous, perm, event)
    assert can(user, "register", event) and not can(anonymous, "register", event)
    assert not can(user, "register", draft)
    # Participants' names are for approved participants and organisers, not the public.
    assert can(a.person, "view_participants", event) and can(organiser, "view_participants", event)
    for who in (pending.person, user, anonymous):
        assert not can(who, "view_participants", event)
    for perm in ("view_registration", "change_registration"):
        assert can(a.person, perm, a) and can(organiser, perm, a)
        assert not can(b.person, perm, a) and not can(anonymous, perm, a)
    assert can(b.person, "answer_request", request) and not can(a.person, "answer_request", request)
    assert not can(organiser, "answer_request", request)
    for who in (a.person, b.person):
        assert can(who, "cancel_request", request) and can(who, "view_request", request)
    assert can(organiser, "view_request", request) and not can(organiser, "cancel_request", request)
    assert not can(pending.person, "view_request", request)


def test_organised_event_ids_and_registrations_of(organiser):
    from events.rules import organised_event_ids, registrations_of

    event = make_event(organiser=organiser)
    registration = make_participant(event, status="pending")
    assert organised_event_ids(organiser) == frozenset({event.pk})
    assert registrations_of(registration.person) == {event.pk: (registration.pk, "pending")}
    # A service that changes them drops the cached answer.
    services.cancel_registration(user=registration.person, registration=registration)
    assert registrations_of(registration.person) == {event.pk: (registration.pk, "cancelled")}
    other = type(organiser).objects.create(email="second@example.org")
    services.update_event(user=organiser, event=event, fields={"organisers": [other]})
    assert organised_event_ids(organiser) == frozenset()


def test_blocked_meeting_times_are_kept_out_of_the_schedule():
    from events.schedule_runs import build_problem
    from events.services.meetings import generate_slots

    event = make_event(windows=1)
    slots = generate_slots(event)
    org = OrganisationFactory()
    person = OrganisationFactory.add_person(org)
    registration = services.register(
        user=person, event=event, organisation=org, blocked_slots=slots[:2]
    )
    assert set(registration.blocked_slots.all()) == set(slots[:2])
    other = make_participant(event)
    request = services.send_request(user=other.person, sender=other, receiver=registration)
    services.answer_request(user=person, request=request, accept=True)
    problem = build_problem(event, slots)
    mine = next(p for p in problem.participants if p.id == registration.pk)
    assert not {s.pk for s in slots[:2]} & set(mine.available)
    assert {s.pk for s in slots[2:]} <= set(mine.available)


def test_blocked_times_must_belong_to_the_event():
    from events.services.meetings import generate_slots

    event, elsewhere = make_event(), make_event()
    foreign = generate_slots(elsewhere)[0]
    org = OrganisationFactory()
    person = OrganisationFactory.add_person(org)
    with pytest.raises(ValidationError) as error:
        services.register(user=person, event=event, organisation=org, blocked_slots=[foreign])
    assert "blocked_slots" in error.value.message_dict
