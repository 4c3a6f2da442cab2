"""Participants' event pages: the list, an event, registering, its participants and "my event".

Views are thin: selectors read, services write, ``user.has_perm`` decides. Meeting requests are
in request_views.py, the marketplace in marketplace_views.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clusterplatform.forms import form_errors_from
from clusters.filters import prepare_pickers
from clusters.services import topics_from_names

from . import selectors, services
from .filters import EventFilterSet, ParticipantFilterSet
from .forms import RegistrationForm
from .models import Event, MeetingRating, MeetingRequest, Registration
from .rules import registrations_of
from .selectors import my_registration

PAGE_SIZE = 25
HISTORY_SIZE = 50
RS = MeetingRequest.Status


# Shared by the pages of this app ------------------------------------------------------------


def visible_event(request: HttpRequest, slug: str, queryset=None) -> Event:
    """The event, or a 404 for drafts the user may not see (no hint that they exist)."""
    event = get_object_or_404(queryset if queryset is not None else Event.objects, slug=slug)
    if not request.user.has_perm("events.view_event", event):
        raise Http404("No such event.")
    return event


def paginate(request: HttpRequest, rows) -> Page:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def querystring_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def locked(request: HttpRequest, event: Event, what: str) -> HttpResponse:
    """Participants and their offers are personal data: others get the counts and why (403)."""
    return render(
        request,
        "events/locked.html",
        {
            "event": event,
            "what": what,
            "counts": selectors.event_counts(event),
            "mine": registrations_of(request.user).get(event.pk),
            "registration_open": event.registration_state()[0],
        },
        status=403,
    )


# Events --------------------------------------------------------------------------------------

WHEN_TABS = [("upcoming", "Upcoming"), ("past", "Past"), ("", "All")]


def event_list(request: HttpRequest) -> HttpResponse:
    """Visible events, upcoming first by default; filters are ``EventFilterSet``'s."""
    query: QueryDict = request.GET.copy()
    query.pop("page", None)
    if "when" not in query:
        query["when"] = "upcoming"
    # "All" lists the latest first; the upcoming and past tabs order themselves.
    visible = selectors.events_for(request.user).order_by("-starts_at", "-pk")
    filterset = EventFilterSet(query, queryset=visible)
    valid = filterset.is_valid()
    page = paginate(request, filterset.qs if valid else visible.none())
    prepare_pickers(filterset, "sector")
    registrations = registrations_of(request.user)
    for event in page:
        event.my_status = registrations.get(event.pk, (None, ""))[1]
    tabs = []
    for value, label in WHEN_TABS:
        tab = query.copy()
        tab["when"] = value
        tabs.append({"label": label, "query": tab.urlencode(), "current": query["when"] == value})
    return render(
        request,
        "events/event_list.html",
        {
            "filter": filterset,
            "page": page,
            "querystring": query.urlencode(),
            "tabs": tabs,
            "when": query["when"],
            "can_create": request.user.has_perm("events.add_event"),
        },
    )


def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = visible_event(
        request, slug, Event.objects.prefetch_related("sectors", "windows", "kind_limits")
    )
    user = request.user
    is_open, why_closed = event.registration_state()
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "counts": selectors.event_counts(event),
            "registration_open": is_open,
            "why_closed": why_closed,
            "mine": my_registration(user, event),
            "can_view_participants": user.has_perm("events.view_participants", event),
            "can_change": user.has_perm("events.change_event", event),
            "can_manage": user.has_perm("events.manage_registrations", event),
        },
    )


# Registration --------------------------------------------------------------------------------


ACTIVE = (Registration.Status.PENDING, Registration.Status.APPROVED)


def _why_not(event: Event, mine: Registration | None) -> str:
    """Why the registration form is not offered, or "" when it is."""
    if mine is not None and mine.status == Registration.Status.REJECTED:
        return "The organisers declined your registration."
    if mine is not None and mine.status in ACTIVE:
        if event.has_ended:
            return "The event has ended: registrations can no longer change."
        return ""
    return event.registration_state()[1]


def _save_registration(request: HttpRequest, event: Event, active, data: dict) -> Registration:
    # Topics are created with the registration or not at all.
    with transaction.atomic():
        details = {
            "availability": data["availability"],
            "blocked_slots": data["blocked_slots"],
            "max_meetings": data["max_meetings"],
            "topics": topics_from_names(data["topics"]),
            "interests": data["interests"],
        }
        if active is not None:
            return services.update_registration(user=request.user, registration=active, **details)
        return services.register(
            user=request.user, event=event, organisation=data["organisation"], **details
        )


@login_required
def register(request: HttpRequest, slug: str) -> HttpResponse:
    """Register, or change an active registration (availability, limit, topics, interests)."""
    event = visible_event(request, slug, Event.objects.prefetch_related("windows"))
    mine = my_registration(request.user, event)
    active = mine if mine is not None and mine.status in ACTIVE else None
    context = {"event": event, "mine": mine, "active": active, "why_closed": _why_not(event, mine)}
    if context["why_closed"]:
        return render(request, "events/registration_form.html", context)
    form = RegistrationForm(
        request.POST if request.method == "POST" else None,
        event=event,
        user=request.user,
        registration=active,
    )
    context["form"] = form
    context["has_organisations"] = (
        active is not None or form.fields["organisation"].queryset.exists()
    )
    if request.method == "POST" and form.is_valid():
        try:
            registration = _save_registration(request, event, active, form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            if active is not None:
                messages.success(request, "Your registration is saved.")
            elif registration.status == Registration.Status.APPROVED:
                messages.success(request, f"You are registered for {event.name}.")
            else:
                messages.success(
                    request,
                    "Thank you: the organisers approve each registration. "
                    "You will get an e-mail once they have.",
                )
            return redirect("events:my-event", slug=event.slug)
    return render(request, "events/registration_form.html", context)


@login_required
@require_POST
def cancel_registration(request: HttpRequest, slug: str) -> HttpResponse:
    event = visible_event(request, slug)
    mine = my_registration(request.user, event)
    if mine is None or mine.status == Registration.Status.CANCELLED:
        messages.info(request, "You have no registration to cancel for this event.")
        return redirect(event)
    try:
        services.cancel_registration(user=request.user, registration=mine)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("events:my-event", slug=event.slug)
    messages.success(
        request, "Your registration is cancelled, and with it your open meeting requests."
    )
    return redirect(event)


# Participants --------------------------------------------------------------------------------


def participants(request: HttpRequest, slug: str) -> HttpResponse:
    """Approved participants, for approved participants, organisers and staff only."""
    event = visible_event(request, slug)
    if not request.user.has_perm("events.view_participants", event):
        return locked(request, event, "participants")
    filterset = ParticipantFilterSet(request.GET or None, queryset=selectors.participants(event))
    valid = not filterset.is_bound or filterset.is_valid()
    page = paginate(request, filterset.qs if valid else filterset.queryset.none())
    prepare_pickers(filterset, "sector")
    mine = my_registration(request.user, event)
    buttons = request_buttons(event, mine)
    for row in page:
        row.open_request = buttons["open_requests"].get(row.pk)
    return render(
        request,
        "events/participants.html",
        {
            "event": event,
            "filter": filterset,
            "page": page,
            "querystring": querystring_without_page(request),
            "mine": mine,
            **buttons,
        },
    )


def request_buttons(event: Event, mine: Registration | None) -> dict:
    """What the participant list and the marketplace need for their "Request a meeting"
    buttons: the open requests between the viewer and anyone (one query for the page)."""
    can_request = (
        mine is not None
        and mine.status == Registration.Status.APPROVED
        and not event.has_ended
        and event.status != Event.Status.CANCELLED
    )
    return {
        "can_request": can_request,
        "open_requests": selectors.open_partner_ids(mine) if can_request else {},
    }


# My event ------------------------------------------------------------------------------------


def open_rating_rounds(event: Event) -> list[str]:
    probe = MeetingRequest(event=event)
    return [r for r in MeetingRating.Round.values if services.rating_round_open(probe, r)]


def decorate(rows, mine: Registration) -> list[MeetingRequest]:
    """Each request seen from ``mine``: who the other side is, which way it went, my ratings."""
    now = timezone.now()
    rows = list(rows)
    for row in rows:
        row.incoming = row.receiver_id == mine.pk
        row.partner = row.sender if row.incoming else row.receiver
        row.overdue = row.status == RS.PENDING and row.expires_at and row.expires_at <= now
        row.my_ratings = {
            rating.round: rating
            for rating in row.ratings.all()
            if rating.registration_id == mine.pk
        }
    return rows


def request_row_context(event: Event, mine: Registration) -> dict:
    return {
        "event": event,
        "mine": mine,
        "rating_rounds": open_rating_rounds(event),
        "running": not event.has_ended and event.status != Event.Status.CANCELLED,
    }


@login_required
def my_event(request: HttpRequest, slug: str) -> HttpResponse:
    """The user's registration and meeting requests: what to answer, what is agreed, history."""
    event = visible_event(request, slug)
    mine = my_registration(request.user, event)
    if mine is None:
        messages.info(request, "You are not registered for this event.")
        return redirect(event)
    requests = selectors.requests_of(mine)
    current = decorate(requests.filter(status__in=[RS.PENDING, RS.ACCEPTED]), mine)
    history_rows = requests.exclude(status__in=[RS.PENDING, RS.ACCEPTED])
    history = decorate(history_rows[: HISTORY_SIZE + 1], mine)
    context = {
        **request_row_context(event, mine),
        "availability": mine.availability.all(),
        "topics": mine.topics.all(),
        "max_meetings": services.effective_max_meetings(mine),
        "incoming": [r for r in current if r.status == RS.PENDING and r.incoming],
        "outgoing": [r for r in current if r.status == RS.PENDING and not r.incoming],
        "accepted": [r for r in current if r.status == RS.ACCEPTED],
        "history": history[:HISTORY_SIZE],
        "history_capped": len(history) > HISTORY_SIZE,
        "can_view_participants": request.user.has_perm("events.view_participants", event),
    }
    return render(request, "events/my_event.html", context)
