"""Who reads and acts on events, registrations and meeting requests (django-rules).

Per-user lookups are cached on the user object so a participant list costs one query for
"who am I in this event", not one per row.
"""

from __future__ import annotations

import rules

from clusterplatform.accounts.roles import is_event_organiser, is_platform_staff

from .models import Event, MeetingRequest, Registration


def organised_event_ids(user) -> frozenset[int]:
    if not user or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_organised_events", None)
    if cached is None:
        cached = frozenset(user.organised_events.values_list("pk", flat=True))
        user._organised_events = cached
    return cached


def registrations_of(user) -> dict[int, tuple[int, str]]:
    """{event id: (registration id, status)} of the user's registrations; cached per user."""
    if not user or not user.is_authenticated:
        return {}
    cached = getattr(user, "_event_registrations", None)
    if cached is None:
        cached = {
            event_id: (pk, status)
            for event_id, pk, status in Registration.objects.filter(person=user)
            .order_by()
            .values_list("event_id", "pk", "status")
        }
        user._event_registrations = cached
    return cached


def forget(user) -> None:
    """Drop the cached lookups after a service changed them."""
    for name in ("_organised_events", "_event_registrations"):
        if hasattr(user, name):
            delattr(user, name)


def _event_of(obj) -> Event | None:
    if obj is None:
        return None
    if isinstance(obj, Event):
        return obj
    return obj.event


@rules.predicate
def is_organiser_of(user, obj) -> bool:
    event = _event_of(obj)
    return event is not None and event.pk in organised_event_ids(user)


@rules.predicate
def is_visible(user, event: Event | None) -> bool:
    return event is not None and event.is_visible


@rules.predicate
def is_approved_participant(user, obj) -> bool:
    event = _event_of(obj)
    if event is None:
        return False
    mine = registrations_of(user).get(event.pk)
    return mine is not None and mine[1] == Registration.Status.APPROVED


@rules.predicate
def is_registrant(user, registration: Registration | None) -> bool:
    return registration is not None and registration.person_id == user.pk


@rules.predicate
def is_request_receiver(user, request: MeetingRequest | None) -> bool:
    return request is not None and request.receiver.person_id == user.pk


@rules.predicate
def is_request_sender(user, request: MeetingRequest | None) -> bool:
    return request is not None and request.sender.person_id == user.pk


can_manage = is_organiser_of | is_platform_staff

rules.add_perm("events.add_event", is_event_organiser | is_platform_staff)
rules.add_perm("events.view_event", is_visible | can_manage)
rules.add_perm("events.change_event", can_manage)
rules.add_perm("events.manage_registrations", can_manage)
rules.add_perm("events.register", rules.is_authenticated & is_visible)
# Participants, their offers and requests are for the people who take part, not the public.
rules.add_perm("events.view_participants", is_approved_participant | can_manage)
rules.add_perm("events.view_registration", is_registrant | can_manage)
rules.add_perm("events.change_registration", is_registrant | can_manage)
rules.add_perm("events.answer_request", is_request_receiver)
rules.add_perm("events.cancel_request", is_request_sender | is_request_receiver)
rules.add_perm("events.view_request", is_request_sender | is_request_receiver | can_manage)
