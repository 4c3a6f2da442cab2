"""Organisers' scheduling pages: run the scheduler and watch it, read its result against the
bound, see the timetable, and place, move, lock or cancel single meetings by hand.

Thin views: schedule_runs and services.meetings write, ``user.has_perm`` decides (through
``_event_for``); a service's refusal becomes an error on the field it names, never a 500.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_countries import countries

from clusterplatform.forms import form_errors_from

from . import schedule_runs, stats
from .calendar import online_url
from .models import Event, Meeting, MeetingRequest, ScheduleRun
from .organiser_views import _event_for
from .schedule_forms import MeetingPlaceForm, slot_label
from .services import meetings as meeting_services

logger = logging.getLogger(__name__)

RUN = ScheduleRun.Status
ACTIVE = (RUN.QUEUED, RUN.RUNNING)
SCHEDULED = Meeting.Status.SCHEDULED
HISTORY_SIZE = 10
UNSCHEDULED_PAGE_SIZE = 25
STATE_TEMPLATE = "events/schedule/includes/state.html"
REASONS = {
    "no common free slot": "The two have no free time in common (availability, blocked times "
    "or other meetings).",
    "max meetings reached": "One of the two already has as many meetings as they may have.",
    "no table left": "Every table is taken at the times both are free.",
}


# The schedule page and its run ---------------------------------------------------------------


def _unscheduled_rows(run: ScheduleRun, page_number) -> tuple:
    """One page of the run's unscheduled requests, each with its two sides and whether it
    was placed by hand since (one query for the page, whatever its size)."""
    pairs = sorted(
        ((int(pk), reason) for pk, reason in run.result.get("unscheduled", {}).items()),
        key=lambda pair: (pair[1], pair[0]),
    )
    page = Paginator(pairs, UNSCHEDULED_PAGE_SIZE).get_page(page_number)
    requests = MeetingRequest.objects.filter(pk__in=[pk for pk, _r in page.object_list])
    requests = requests.select_related("sender__organisation", "receiver__organisation").annotate(
        placed=Exists(Meeting.objects.filter(request=OuterRef("pk"), status=SCHEDULED))
    )
    by_pk = {r.pk: r for r in requests}
    rows = [
        {"pk": pk, "reason": reason, "why": REASONS.get(reason, ""), "request": by_pk.get(pk)}
        for pk, reason in page.object_list
    ]
    return page, rows


def _result(run: ScheduleRun) -> dict:
    """The figures of a finished run, ready to show (a ratio as a percentage)."""
    result = dict(run.result)
    ratio = result.get("ratio")
    result["ratio_percent"] = None if ratio is None else round(100 * ratio, 1)
    seconds = result.get("seconds")
    result["seconds"] = None if seconds is None else round(seconds, 1)
    return result


def _statistics(event: Event) -> dict:
    figures = schedule_runs.meeting_statistics(event)
    return {
        **figures,
        "onsite": figures["scheduled"] - figures["online"],
        "countries": stats.bars(
            ((countries.name(code) or code, n) for code, n in figures["by_country"].items()),
            limit=12,
        ),
        "sectors": stats.bars(figures["by_sector"].items(), limit=12),
    }


def _state(request: HttpRequest, event: Event) -> dict:
    """What the schedule page shows below its header: the progress of a run under way (the
    part polled every second: cheap), else the button and the last result."""
    runs = list(event.schedule_runs.select_related("requested_by")[:HISTORY_SIZE])
    for run in runs:
        run.figures = _result(run) if run.status == RUN.DONE else None
    active = next((r for r in runs if r.status in ACTIVE), None)
    context = {"event": event, "runs": runs, "active": active}
    if active is not None:
        return context
    last = next((r for r in runs if r.status == RUN.DONE), None)
    if last is None:
        last = event.schedule_runs.filter(status=RUN.DONE).first()
    failed = runs[0] if runs and runs[0].status == RUN.FAILED else None
    context.update(
        last=last,
        failed=failed,
        result=_result(last) if last else None,
        waiting=MeetingRequest.objects.filter(event=event, status=MeetingRequest.Status.ACCEPTED)
        .exclude(meetings__status=SCHEDULED)
        .count(),
        has_windows=event.windows.exists(),
        statistics=_statistics(event),
    )
    if last is not None:
        context["page"], context["unscheduled"] = _unscheduled_rows(last, request.GET.get("page"))
    return context


@login_required
def schedule(request: HttpRequest, slug: str) -> HttpResponse:
    """The organiser's scheduling page."""
    event = _event_for(request, slug)
    return render(request, "events/schedule/schedule.html", _state(request, event))


@login_required
@require_POST
def schedule_run(request: HttpRequest, slug: str) -> HttpResponse:
    """Queue a run (or find the one under way); the page then shows its progress."""
    event = _event_for(request, slug)
    try:
        run, created = schedule_runs.start_schedule(user=request.user, event=event)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        run.refresh_from_db()
        if run.status == run.Status.FAILED:
            # Only where tasks run in-process (no worker): the task's failure was logged and
            # recorded on the run, whose error the page shows.
            messages.error(request, "Scheduling failed: see the error below.")
        elif created:
            messages.success(request, "Scheduling started.")
        else:
            messages.info(request, "A scheduling run is already under way: here is its progress.")
    return redirect("events:schedule", slug=event.slug)


@login_required
def schedule_progress(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The htmx partial polled while a run is queued or running; once it is over, the same
    partial without the polling trigger, with the result."""
    event = _event_for(request, slug)
    get_object_or_404(ScheduleRun, pk=pk, event=event)
    if not request.htmx:
        return redirect("events:schedule", slug=event.slug)
    return render(request, STATE_TEMPLATE, _state(request, event))


# The timetable ----------------------------------------------------------------------------


LOCK = '<span aria-hidden="true">\U0001f512</span><span class="visually-hidden">Locked: </span>'


def _cell(url: str, a: str, b: str, locked: bool) -> str:
    a, b = escape(a), escape(b)
    lock = LOCK if locked else ""
    return f'<td class="booked"><a href="{url}" title="{a} · {b}">{lock}{a}<br>{b}</a></td>'


def _grid(event: Event, slots: list, rows) -> list[tuple[str, str]]:
    """(row label, the row's cells as HTML) for tables 1..n, then "Online".

    Built in Python from one query's rows, so the page costs the same queries for 10
    meetings or 10,000; and written here rather than in a template loop, which takes over
    a second for the 10,800 cells of 300 tables by 36 slots (this takes a tenth of that).
    """
    column = {slot.pk: i for i, slot in enumerate(slots)}
    width = len(slots)
    edit = reverse("events:meeting-edit", kwargs={"slug": event.slug, "pk": 0})[:-2]
    tables: dict[int | None, list[str]] = {}
    for pk, slot_id, table, locked, a, b in rows:
        cells = tables.setdefault(table, ["<td></td>"] * width)
        cells[column[slot_id]] = _cell(f"{edit}{pk}/", a, b, locked)
    count = max([event.tables, *(t for t in tables if t is not None)])
    empty = mark_safe("<td></td>" * width)
    grid = [
        (str(t), mark_safe("".join(tables[t])) if t in tables else empty)
        for t in range(1, count + 1)
    ]
    grid.append(("Online", mark_safe("".join(tables[None])) if None in tables else empty))
    return grid


@login_required
def timetable(request: HttpRequest, slug: str) -> HttpResponse:
    """Tables (rows) by meeting times (columns), one session or all of them."""
    event = _event_for(request, slug)
    windows = list(event.windows.order_by("starts_at"))
    chosen = request.GET.get("session", "")
    window = next((w for w in windows if str(w.pk) == chosen), None)
    slots = event.slots.order_by("index")
    if window is not None:
        slots = slots.filter(window=window)
    slots = list(slots)
    rows = Meeting.objects.filter(event=event, status=SCHEDULED, slot__in=[s.pk for s in slots])
    rows = rows.order_by().values_list(
        "pk",
        "slot_id",
        "table",
        "locked",
        "request__sender__organisation__name",
        "request__receiver__organisation__name",
    )
    rows = list(rows)
    by_window = {w.pk: w for w in windows}
    groups: list[dict] = []
    for slot in slots:
        if not groups or groups[-1]["window"].pk != slot.window_id:
            groups.append({"window": by_window[slot.window_id], "span": 0})
        groups[-1]["span"] += 1
        slot.start_local = event.local(slot.starts_at)
    for group in groups:
        group["day"] = event.local(group["window"].starts_at)
    return render(
        request,
        "events/schedule/timetable.html",
        {
            "event": event,
            "windows": windows,
            "window": window,
            "slots": slots,
            "groups": groups,
            "grid": _grid(event, slots, rows) if slots else [],
            "meeting_count": len(rows),
            "online_count": sum(1 for r in rows if r[2] is None),
            "locked_count": sum(1 for r in rows if r[3]),
        },
    )


# One meeting by hand ----------------------------------------------------------------------


def _request_queryset():
    return MeetingRequest.objects.select_related(
        "event", "sender__organisation", "sender__person", "receiver__organisation",
        "receiver__person",
    ).prefetch_related("sender__availability", "sender__blocked_slots",
                       "receiver__availability", "receiver__blocked_slots")  # fmt: skip


@login_required
def meeting_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One meeting: move it (then it is locked), lock or unlock it, or cancel it."""
    event = _event_for(request, slug)
    meeting = get_object_or_404(Meeting.objects.select_related("slot"), pk=pk, event=event)
    meeting.event = event
    meeting.request = _request_queryset().get(pk=meeting.request_id)
    scheduled = meeting.status == SCHEDULED
    action = request.POST.get("action") if request.method == "POST" else None
    data = request.POST if action == "move" else None
    initial = {"slot": meeting.slot_id, "table": meeting.table}
    form = None
    if scheduled:
        form = MeetingPlaceForm(
            data, event=event, meeting_request=meeting.request, meeting=meeting, initial=initial
        )
    here = reverse("events:meeting-edit", kwargs={"slug": event.slug, "pk": meeting.pk})
    if action and not scheduled:
        messages.error(request, "This meeting was cancelled: it can no longer be changed.")
        return redirect(here)
    user = request.user
    try:
        if action == "move" and form.is_valid():
            data = form.cleaned_data
            meeting_services.move_meeting(
                user=user, meeting=meeting, slot=data["slot"], table=data["table"]
            )
            messages.success(request, f"Meeting moved to {slot_label(event, data['slot'])}.")
            return redirect(here)
        if action in ("lock", "unlock"):
            meeting_services.lock_meeting(user=user, meeting=meeting, locked=action == "lock")
            messages.success(request, "Meeting locked." if action == "lock" else "Unlocked.")
            return redirect(here)
        if action == "cancel":
            meeting_services.cancel_meeting(user=user, meeting=meeting)
            messages.success(request, "Meeting cancelled: both people are free at that time.")
            return redirect("events:timetable", slug=event.slug)
    except ValidationError as error:
        form_errors_from(form, error)
    context = {
        "event": event,
        "meeting": meeting,
        "form": form,
        "when": slot_label(event, meeting.slot),
        "online_url": online_url(meeting) if meeting.is_online else "",
    }
    return render(request, "events/schedule/meeting_edit.html", context)


@login_required
def meeting_place(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Give an accepted request that the scheduler could not place a time and table."""
    event = _event_for(request, slug)
    meeting_request = get_object_or_404(_request_queryset(), pk=pk, event=event)
    existing = meeting_request.meetings.filter(status=SCHEDULED).first()
    if existing is not None:
        messages.info(request, "This request already has a meeting: change it here.")
        return redirect("events:meeting-edit", slug=event.slug, pk=existing.pk)
    accepted = meeting_request.status == MeetingRequest.Status.ACCEPTED
    form = None
    if accepted and event.slots.exists():
        form = MeetingPlaceForm(
            request.POST if request.method == "POST" else None,
            event=event,
            meeting_request=meeting_request,
        )
        if request.method == "POST" and form.is_valid():
            try:
                meeting = meeting_services.place_meeting(
                    user=request.user,
                    request=meeting_request,
                    slot=form.cleaned_data["slot"],
                    table=form.cleaned_data["table"],
                )
            except ValidationError as error:
                form_errors_from(form, error)
            else:
                where = f"table {meeting.table}" if meeting.table else "online"
                messages.success(
                    request,
                    f"Meeting placed at {slot_label(event, meeting.slot)}, {where}. It is "
                    "locked: later runs leave it there.",
                )
                return redirect(reverse("events:schedule", kwargs={"slug": slug}) + "#unscheduled")
    context = {"event": event, "meeting_request": meeting_request, "form": form}
    context["accepted"] = accepted
    return render(request, "events/schedule/meeting_place.html", context)
