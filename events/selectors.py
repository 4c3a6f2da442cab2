"""Reusable reads for events: each runs a fixed number of queries whatever the page size."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from clusterplatform.accounts.roles import is_platform_staff

from .models import Event, MarketplaceItem, Meeting, MeetingRequest, Registration
from .rules import organised_event_ids, registrations_of


def events_for(user) -> QuerySet[Event]:
    """Published (non-draft) events, plus drafts the user organises; staff see all."""
    qs = Event.objects.all()
    if not is_platform_staff(user):
        qs = qs.filter(~Q(status=Event.Status.DRAFT) | Q(pk__in=organised_event_ids(user)))
    # An annotated count drops Meta.ordering: order explicitly, or pages come unordered.
    return (
        qs.annotate(
            participant_count=Count(
                "registrations", filter=Q(registrations__status=Registration.Status.APPROVED)
            )
        )
        .prefetch_related("sectors")
        .order_by("starts_at", "pk")
    )


def my_registration(user, event: Event) -> Registration | None:
    """The user's registration for the event (any status), with its organisation."""
    mine = registrations_of(user).get(event.pk)
    if mine is None:
        return None
    registration = Registration.objects.select_related("organisation").get(pk=mine[0])
    registration.event = event
    return registration


def event_counts(event: Event) -> dict[str, int]:
    """What anyone may see of an event's activity: counts, never names."""
    approved = Registration.objects.filter(event=event, status=Registration.Status.APPROVED)
    return {
        "participants": approved.count(),
        "organisations": approved.values("organisation").distinct().count(),
        "countries": approved.values("organisation__country").distinct().count(),
        "marketplace_items": MarketplaceItem.objects.filter(registration__in=approved).count(),
        "meetings": MeetingRequest.objects.filter(
            event=event, status=MeetingRequest.Status.ACCEPTED
        ).count(),
    }


def participants(event: Event) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(event=event, status=Registration.Status.APPROVED)
        .select_related("event", "organisation", "organisation__region", "person")
        .prefetch_related("topics", "availability", "blocked_slots", "organisation__sectors")
        .order_by("organisation__name", "pk")
    )


def registrations(event: Event) -> QuerySet[Registration]:
    """Every registration of an event, whatever its status: for its organisers."""
    return (
        Registration.objects.filter(event=event)
        .select_related("event", "organisation", "organisation__region", "person")
        .prefetch_related("topics", "availability", "blocked_slots", "organisation__sectors")
        .order_by("organisation__name", "pk")
    )


def marketplace(event: Event) -> QuerySet[MarketplaceItem]:
    return (
        MarketplaceItem.objects.filter(
            registration__event=event, registration__status=Registration.Status.APPROVED
        )
        .select_related("registration__organisation", "registration__person")
        .prefetch_related("sectors", "technologies")
    )


def requests_of(registration: Registration) -> QuerySet[MeetingRequest]:
    """Incoming and outgoing requests of one participant, newest first."""
    return (
        MeetingRequest.objects.filter(Q(sender=registration) | Q(receiver=registration))
        .select_related(
            "sender__organisation", "sender__person", "receiver__organisation", "receiver__person"
        )
        .prefetch_related(Prefetch("ratings"))
    )


def requests_for_user(user) -> QuerySet[MeetingRequest]:
    """Every request the user sent or received, in any event."""
    return MeetingRequest.objects.filter(
        Q(sender__person=user) | Q(receiver__person=user)
    ).select_related(
        "event",
        "sender__organisation",
        "sender__person",
        "receiver__organisation",
        "receiver__person",
    )


def open_partner_ids(registration: Registration) -> dict[int, MeetingRequest]:
    """{other registration id: the open request between us}, for request buttons in lists."""
    rows = MeetingRequest.objects.filter(
        Q(sender=registration) | Q(receiver=registration),
        status__in=[MeetingRequest.Status.PENDING, MeetingRequest.Status.ACCEPTED],
    )
    return {r.receiver_id if r.sender_id == registration.pk else r.sender_id: r for r in rows}


def agenda_meetings(registration: Registration) -> QuerySet[Meeting]:
    """The registration's meetings, cancelled ones included, in time order (one query): for
    the agenda page, its calendar feed and the API's agenda."""
    return (
        Meeting.objects.filter(event_id=registration.event_id)
        .filter(Q(request__sender=registration) | Q(request__receiver=registration))
        .select_related(
            "slot",
            "request__sender__organisation",
            "request__sender__person",
            "request__receiver__organisation",
            "request__receiver__person",
        )
        .order_by("slot__starts_at", "status", "pk")
    )
