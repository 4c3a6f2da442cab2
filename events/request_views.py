"""Meeting requests between participants: ask, answer (htmx or plain forms), rate afterwards."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clusterplatform.forms import form_errors_from

from . import selectors, services
from .forms import MeetingRequestForm, RatingForm
from .models import Event, MeetingRequest, Registration
from .views import (
    decorate,
    my_registration,
    open_rating_rounds,
    request_row_context,
    visible_event,
)

RS = MeetingRequest.Status
ACTIONS = ("accept", "decline", "cancel")


def _approved_registration(request: HttpRequest, event: Event) -> Registration:
    mine = my_registration(request.user, event)
    if mine is None or mine.status != Registration.Status.APPROVED:
        raise PermissionDenied("Only approved participants of this event ask for meetings.")
    return mine


def _duration(value: timedelta) -> str:
    """3 days, 12 hours, 45 minutes: how long a request waits for its answer."""
    minutes = int(value.total_seconds() // 60)
    for size, unit in ((1440, "day"), (60, "hour"), (1, "minute")):
        if minutes % size == 0:
            n = minutes // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{minutes} minutes"  # pragma: no cover - size 1 always divides


def _when(event: Event, moment) -> str:
    return f"{event.local(moment):%d %B %Y at %H:%M} ({event.time_zone})"


@login_required
def request_send(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Ask one participant for a meeting, with a message; asking back someone who asked you
    accepts their request."""
    event = visible_event(request, slug)
    mine = _approved_registration(request, event)
    receiver = get_object_or_404(
        Registration.objects.select_related("organisation", "person").prefetch_related("topics"),
        pk=pk,
        event=event,
        status=Registration.Status.APPROVED,
    )
    if receiver.pk == mine.pk:
        messages.info(request, "That is you: choose someone else to meet.")
        return redirect("events:participants", slug=event.slug)
    existing = selectors.open_partner_ids(mine).get(receiver.pk)
    form = MeetingRequestForm(request.POST if request.method == "POST" else None, event=mine.event)
    if request.method == "POST" and form.is_valid():
        try:
            sent = services.send_request(
                user=request.user,
                sender=mine,
                receiver=receiver,
                message=form.cleaned_data["message"],
                **form.preferences(),
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            name = receiver.organisation.name
            if sent.sender_id != mine.pk:
                messages.success(
                    request, f"They had already asked you: meeting accepted with {name}."
                )
            elif sent.status == RS.ACCEPTED:
                messages.success(
                    request, f"Meeting accepted with {name}: this event confirms requests at once."
                )
            else:
                messages.success(
                    request,
                    f"Your request was sent to {name}. "
                    f"They have until {_when(event, sent.expires_at)} to answer.",
                )
            return redirect("events:participants", slug=event.slug)
    return render(
        request,
        "events/request_form.html",
        {
            "event": event,
            "form": form,
            "receiver": receiver,
            "existing": existing,
            "expiry": _duration(event.request_expiry),
            "they_asked": existing is not None
            and existing.status == RS.PENDING
            and existing.sender_id == receiver.pk,
        },
    )


@login_required
@require_POST
def request_action(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    """Accept, decline or cancel. With htmx the request's row comes back re-rendered;
    otherwise the browser goes back to "my event" with a message."""
    if action not in ACTIONS:
        raise Http404("No such action.")
    event = visible_event(request, slug)
    meeting = get_object_or_404(
        MeetingRequest.objects.select_related("sender", "receiver"), pk=pk, event=event
    )
    if request.user.pk not in (meeting.sender.person_id, meeting.receiver.person_id):
        raise PermissionDenied("Only the two participants act on this request.")
    error = ""
    try:
        if action == "cancel":
            services.cancel_request(user=request.user, request=meeting)
        else:
            services.answer_request(user=request.user, request=meeting, accept=action == "accept")
    except ValidationError as exc:
        error = " ".join(exc.messages)
    mine = meeting.sender if meeting.sender.person_id == request.user.pk else meeting.receiver
    mine.event = event
    if request.htmx:
        row = decorate(selectors.requests_of(mine).filter(pk=meeting.pk), mine)[0]
        return render(
            request,
            "events/includes/request_row.html",
            {**request_row_context(event, mine), "r": row, "error": error},
        )
    if error:
        messages.error(request, error)
    else:
        done = {
            "accept": "Meeting accepted.",
            "decline": "Request declined.",
            "cancel": "Cancelled.",
        }
        messages.success(request, done[action])
    return redirect("events:my-event", slug=event.slug)


@login_required
def request_rate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Did the meeting take place, and what came of it: right after the event and, later,
    about six months on. A second visit edits the rating."""
    event = visible_event(request, slug)
    meeting = get_object_or_404(
        MeetingRequest.objects.select_related(
            "sender__organisation", "sender__person", "receiver__organisation", "receiver__person"
        ).prefetch_related("ratings"),
        pk=pk,
        event=event,
    )
    if request.user.pk == meeting.sender.person_id:
        mine = meeting.sender
    elif request.user.pk == meeting.receiver.person_id:
        mine = meeting.receiver
    else:
        raise PermissionDenied("Only the two participants rate their meeting.")
    if meeting.status != RS.ACCEPTED:
        messages.error(request, "Only accepted meetings can be rated.")
        return redirect("events:my-event", slug=event.slug)
    row = decorate([meeting], mine)[0]
    rounds = open_rating_rounds(event)
    context = {"event": event, "r": row, "rounds": rounds}
    if not rounds:
        return render(request, "events/rating_form.html", context)
    wanted = request.POST.get("round") or request.GET.get("round")
    if wanted not in rounds:
        unrated = [r for r in rounds if r not in row.my_ratings]
        wanted = unrated[0] if unrated else rounds[-1]
    existing = row.my_ratings.get(wanted)
    initial = {"round": wanted}
    if existing is not None:
        initial.update(
            took_place="yes" if existing.took_place else "no",
            outcome=existing.outcome,
            comment=existing.comment,
        )
    form = RatingForm(
        request.POST if request.method == "POST" else None, rounds=rounds, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.rate_meeting(
                user=request.user,
                request=meeting,
                round=data["round"],
                took_place=data["took_place"],
                outcome=data["outcome"],
                comment=data["comment"],
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, "Thank you: your rating is saved.")
            return redirect("events:my-event", slug=event.slug)
    context.update(form=form, round=wanted, existing=existing)
    return render(request, "events/rating_form.html", context)
