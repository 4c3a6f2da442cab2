"""A participant's agenda: their meetings in time order in the event's zone, printable, and
the same meetings as a private iCalendar feed that calendar apps subscribe to.

The feed has no login (calendar apps cannot log in): the secret token in its URL is the key,
so it is only ever shown to the registration's own person, on their agenda page.
"""

from __future__ import annotations

import secrets
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import calendar
from .models import Meeting, MeetingRequest, Registration
from .selectors import agenda_meetings
from .views import visible_event

SCHEDULED = Meeting.Status.SCHEDULED


def _entries(registration: Registration, meetings: list[Meeting]) -> list[dict]:
    """Meetings (and the free time between two of them in one session), grouped by day."""
    event = registration.event
    items = []
    previous = None
    for meeting in meetings:
        meeting.event = event
        scheduled = meeting.status == SCHEDULED
        if (
            scheduled
            and previous is not None
            and previous.slot.window_id == meeting.slot.window_id
            and meeting.slot.index > previous.slot.index + 1  # a free slot, not just the break
        ):
            starts, ends = event.local(previous.slot.ends_at), event.local(meeting.slot.starts_at)
            items.append({"free": True, "starts": starts, "ends": ends})
        other = meeting.request.other(registration)
        items.append(
            {
                "free": False,
                "meeting": meeting,
                "scheduled": scheduled,
                "starts": event.local(meeting.slot.starts_at),
                "ends": event.local(meeting.slot.ends_at),
                "other": other,
                "online_url": calendar.online_url(meeting) if meeting.is_online else "",
            }
        )
        if scheduled:
            previous = meeting
    return [
        {"day": day, "items": list(group)}
        for day, group in groupby(items, key=lambda item: item["starts"].date())
    ]


@login_required
def agenda(request: HttpRequest, slug: str) -> HttpResponse:
    """The logged-in person's meetings at this event (an approved registration only)."""
    event = visible_event(request, slug)
    registration = (
        Registration.objects.select_related("organisation")
        .filter(event=event, person=request.user)
        .first()
    )
    if registration is None:
        raise Http404("You are not registered for this event.")
    registration.event = event
    if registration.status != Registration.Status.APPROVED:
        return render(
            request,
            "events/agenda/unavailable.html",
            {"event": event, "mine": registration},
            status=403,
        )
    meetings = list(agenda_meetings(registration))
    waiting = (
        MeetingRequest.objects.filter(status=MeetingRequest.Status.ACCEPTED)
        .filter(Q(sender=registration) | Q(receiver=registration))
        .exclude(meetings__status=SCHEDULED)
        .count()
    )
    feed = reverse("events:agenda-ics", kwargs={"token": registration.feed_token})
    context = {
        "event": event,
        "mine": registration,
        "days": _entries(registration, meetings),
        "scheduled_count": sum(1 for m in meetings if m.status == SCHEDULED),
        "waiting": waiting,
        "feed_url": request.build_absolute_uri(feed),
    }
    return render(request, "events/agenda/agenda.html", context)


@login_required
@require_POST
def agenda_feed_reset(request: HttpRequest, slug: str) -> HttpResponse:
    """A new secret for the person's calendar address, when the old one was shared by
    mistake: the old address stops answering at once (404), calendars need the new one."""
    event = visible_event(request, slug)
    registration = Registration.objects.filter(event=event, person=request.user).first()
    if registration is None:
        raise Http404("You are not registered for this event.")
    Registration.objects.filter(pk=registration.pk).update(feed_token=secrets.token_urlsafe())
    messages.success(
        request,
        "Your calendar has a new private address: the old one no longer works. "
        "Subscribe to the new one in your calendar app.",
    )
    return redirect(reverse("events:agenda", kwargs={"slug": event.slug}) + "#feed-title")


def agenda_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The private calendar feed: no login, the token is the key. Cancelled meetings stay in
    it (as CANCELLED) so that subscribed calendars remove them."""
    registration = (
        Registration.objects.select_related("event", "organisation")
        .filter(feed_token=token, status=Registration.Status.APPROVED)
        .first()
    )
    if registration is None:
        raise Http404("No such calendar.")
    meetings = list(agenda_meetings(registration))
    for meeting in meetings:
        meeting.event = registration.event
    response = HttpResponse(
        calendar.agenda_ics(registration, meetings), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{registration.event.slug}-agenda.ics"'
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response
