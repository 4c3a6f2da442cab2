"""Organisers' pages: create and edit an event, change its status, the dashboard with the
registrations table and bulk decisions, the participant export and the meeting outcomes.

Thin views: reads through stats / exports / selectors, writes through services, permissions
with ``user.has_perm``; a service's refusal becomes a form error or a message, never a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import exports, services, stats
from .filters import ParticipantFilterSet
from .models import Event, EventStatus, MeetingRating, MeetingRequest, Registration
from .organiser_forms import EventForms
from .services.event_admin import TRANSITIONS

REGISTRATIONS_PAGE_SIZE = 50
MEETINGS_PAGE_SIZE = 25
FORM_TEMPLATE = "events/organiser/event_form.html"


def _event_for(request: HttpRequest, slug: str, perm: str = "events.manage_registrations"):
    """The event, if the user holds ``perm`` on it: 404 for what they may not even see (a
    draft), 403 for a visible event they do not organise."""
    event = get_object_or_404(Event, slug=slug)
    if not request.user.has_perm(perm, event):
        if not request.user.has_perm("events.view_event", event):
            raise Http404("No such event.")
        raise PermissionDenied("Only the event's organisers and platform staff can do this.")
    return event


@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("events.add_event"):
        raise PermissionDenied("Only event organisers and platform staff create events.")
    forms = EventForms(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and forms.is_valid():
        try:
            event = services.create_event(user=request.user, **forms.service_arguments())
        except ValidationError as error:
            forms.add_service_error(error)
        else:
            messages.success(
                request, f"“{event.name}” was created as a draft. Publish it when it is ready."
            )
            return redirect("events:manage", slug=event.slug)
    return render(request, FORM_TEMPLATE, {"forms": forms, "event": None})


@login_required
def event_edit(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event_for(request, slug, "events.change_event")
    forms = EventForms(
        request.POST if request.method == "POST" else None, user=request.user, event=event
    )
    if request.method == "POST" and forms.is_valid():
        try:
            event = services.update_event(
                user=request.user, event=event, **forms.service_arguments()
            )
        except ValidationError as error:
            forms.add_service_error(error)
        else:
            messages.success(request, "Event saved.")
            if request.user.has_perm("events.manage_registrations", event):
                return redirect("events:manage", slug=event.slug)
            return redirect(event)
    return render(request, FORM_TEMPLATE, {"forms": forms, "event": event})


def status_actions(event: Event) -> list[tuple[str, str, str, bool]]:
    """(status, button label, style, final) for each status the event may move to now;
    a final one (finished, cancelled) cannot be left again, so the page asks to confirm."""
    labels = {
        EventStatus.PUBLISHED: "Reopen registration"
        if event.status == EventStatus.REGISTRATION_CLOSED
        else "Publish",
        EventStatus.REGISTRATION_CLOSED: "Close registration",
        EventStatus.FINISHED: "Mark as finished",
        EventStatus.DRAFT: "Back to draft",
        EventStatus.CANCELLED: "Cancel the event",
    }
    styles = {EventStatus.PUBLISHED: "", EventStatus.CANCELLED: "secondary"}
    return [
        (status, labels[status], styles.get(status, "secondary outline"), not TRANSITIONS[status])
        for status in EventStatus.values
        if status in TRANSITIONS[event.status]
    ]


@login_required
@require_POST
def event_status(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event_for(request, slug, "events.change_event")
    target = request.POST.get("status", "")
    try:
        event = services.set_event_status(user=request.user, event=event, status=target)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The event is now {event.get_status_display().lower()}.")
    return redirect("events:manage", slug=event.slug)


def _registrations(event: Event):
    return (
        Registration.objects.filter(event=event)
        .select_related("organisation", "person")
        .annotate(accepted_meetings=exports.accepted_meetings())
        .order_by("organisation__name", "pk")
    )


@login_required
def event_manage(request: HttpRequest, slug: str) -> HttpResponse:
    """The dashboard: figures, then every registration (any status) with bulk decisions."""
    event = _event_for(request, slug)
    query = request.GET.copy()
    query.pop("page", None)
    registrations = _registrations(event)
    filterset = ParticipantFilterSet(query or None, queryset=registrations)
    valid = not filterset.is_bound or filterset.is_valid()
    page = Paginator(
        filterset.qs if valid else registrations.none(), REGISTRATIONS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    figures = stats.dashboard(event)
    by_label = {bar.label: bar.count for bar in figures["registrations"]["status"]}
    return render(
        request,
        "events/organiser/manage.html",
        {
            "event": event,
            "figures": figures,
            "status_links": [
                (value, label, by_label.get(label, 0))
                for value, label in Registration.Status.choices
            ],
            "filter": filterset,
            "page": page,
            "querystring": query.urlencode(),
            "status_actions": status_actions(event),
            "can_edit": request.user.has_perm("events.change_event", event),
        },
    )


def _back_to_table(event: Event, querystring: str) -> HttpResponse:
    # Re-encoded from parsed values: only a query string can come back, never another URL.
    query = QueryDict(querystring).urlencode()
    url = reverse("events:manage", kwargs={"slug": event.slug})
    return redirect(f"{url}?{query}#registrations" if query else f"{url}#registrations")


@login_required
@require_POST
def decide(request: HttpRequest, slug: str) -> HttpResponse:
    """Approve or reject the ticked registrations (cancelled ones stay as they are)."""
    event = _event_for(request, slug)
    back = _back_to_table(event, request.POST.get("querystring", ""))
    action = request.POST.get("action")
    if action not in ("approve", "reject"):
        messages.error(request, "Choose “Approve selected” or “Reject selected”.")
        return back
    ids = request.POST.getlist("registrations")
    if not all(pk.isdigit() for pk in ids):
        messages.error(request, "Some ticked registrations are not valid.")
        return back
    try:
        changed = services.decide_registrations(
            user=request.user, event=event, ids=[int(pk) for pk in ids], approve=action == "approve"
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return back
    verb = "approved" if action == "approve" else "rejected"
    if changed:
        plural = "s" if changed != 1 else ""
        note = " Each participant gets an e-mail." if action == "approve" else ""
        messages.success(request, f"{changed} registration{plural} {verb}.{note}")
    else:
        messages.info(request, f"Nothing changed: the ticked registrations were already {verb}.")
    return back


@login_required
def export_participants(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """Every registration as CSV, streamed while it is read (with contact data: organisers
    and staff only)."""
    event = _event_for(request, slug)
    response = StreamingHttpResponse(
        exports.participant_csv(event), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{event.slug}-participants.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def _meeting_rows(meetings) -> list[dict]:
    """Each meeting with its two sides and each side's rating per round (None: not rated)."""
    rows = []
    for meeting in meetings:
        by_key = {(r.registration_id, r.round): r for r in meeting.ratings.all()}
        sides = [
            {
                "registration": side,
                "ratings": [by_key.get((side.pk, value)) for value in MeetingRating.Round.values],
            }
            for side in (meeting.sender, meeting.receiver)
        ]
        rows.append({"meeting": meeting, "sides": sides})
    return rows


@login_required
def outcomes(request: HttpRequest, slug: str) -> HttpResponse:
    """How the meetings went, per rating round, and each meeting's ratings."""
    event = _event_for(request, slug)
    rated_only = request.GET.get("rated") == "1"
    meetings = (
        MeetingRequest.objects.filter(event=event, status=MeetingRequest.Status.ACCEPTED)
        .select_related("sender__organisation", "receiver__organisation")
        .prefetch_related(Prefetch("ratings", queryset=MeetingRating.objects.order_by()))
        .order_by("sender__organisation__name", "pk")
    )
    if rated_only:
        meetings = meetings.filter(
            pk__in=MeetingRating.objects.filter(request__event=event).values("request")
        )
    page = Paginator(meetings, MEETINGS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "events/organiser/outcomes.html",
        {
            "event": event,
            "figures": stats.outcome_figures(event),
            "page": page,
            "rows": _meeting_rows(page.object_list),
            "rated_only": rated_only,
            "querystring": "rated=1" if rated_only else "",
            "rounds": MeetingRating.Round.choices,
        },
    )
