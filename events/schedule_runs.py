"""Scheduling an event from the database: build the scheduler's input, run it in a worker with
progress stored in a ScheduleRun, and store the meetings it places in one transaction.

Every meeting already scheduled is passed in as fixed: a run (the first or a later one, after
more requests were accepted) only fills the gaps and never moves what people have in their
agendas. Organisers move meetings by hand (services/meetings.py).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from clusters.models import Organisation

from . import scheduling
from .models import (
    Event,
    Meeting,
    MeetingRequest,
    MeetingSeat,
    Registration,
    ScheduleRun,
    Slot,
)
from .services.meetings import available_slot_ids, generate_slots, is_morning, is_online
from .services.registrations import effective_max_meetings

RUN = ScheduleRun.Status
ACTIVE = (RUN.QUEUED, RUN.RUNNING)
# A run takes seconds to a few minutes; one queued or running for longer has lost its worker.
STALE_AFTER = timedelta(minutes=30)
CHANGED = "The schedule changed while it was computed (a meeting was placed by hand); run it again."
# A big event (3,000 people) schedules in seconds; the limit only bounds exact solves.
TIME_LIMIT_SECONDS = 20.0


def _progress(run: ScheduleRun, percent: int, stage: str) -> None:
    ScheduleRun.objects.filter(pk=run.pk).update(progress=percent, stage=stage)


def build_problem(event: Event, slots: list[Slot]) -> scheduling.Problem:
    """The event as the scheduler sees it: plain ids and sets, no Django.

    Accepted requests between two approved participants are to be placed; every scheduled
    meeting goes in as fixed, with its request and both people (whatever became of them since:
    their seats hold those slots until the meeting is cancelled).
    """
    requests = {
        r.pk: r
        for r in MeetingRequest.objects.filter(
            event=event, status=MeetingRequest.Status.ACCEPTED
        ).order_by("pk")
    }
    scheduled = list(
        Meeting.objects.filter(event=event, status=Meeting.Status.SCHEDULED)
        .select_related("request")
        .order_by("pk")
    )
    for meeting in scheduled:
        requests.setdefault(meeting.request_id, meeting.request)
    people = {r.sender_id for r in requests.values()} | {r.receiver_id for r in requests.values()}
    registrations = list(
        Registration.objects.filter(pk__in=people)
        .select_related("organisation")
        .prefetch_related("availability", "blocked_slots")
        .order_by("pk")
    )
    approved = set()
    participants = []
    for reg in registrations:
        reg.event = event  # one event object: its kind limits are read once, not per person
        if reg.status == Registration.Status.APPROVED:
            approved.add(reg.pk)
            participants.append(
                scheduling.Participant(
                    id=reg.pk,
                    available=frozenset(available_slot_ids(reg, slots)),
                    max_meetings=effective_max_meetings(reg),
                )
            )
        else:  # only in meetings already scheduled: nothing new for them
            participants.append(
                scheduling.Participant(id=reg.pk, available=frozenset(), max_meetings=0)
            )
    tables = 0 if event.format == Event.Format.ONLINE else event.tables
    problem_slots = [
        scheduling.Slot(
            id=s.pk,
            start=s.starts_at,
            end=s.ends_at,
            session=s.window_id,
            part=scheduling.MORNING if is_morning(event, s) else scheduling.AFTERNOON,
            tables=tables,
        )
        for s in slots
    ]
    fixed = [
        scheduling.FixedMeeting(request=m.request_id, slot=m.slot_id, table=m.table)
        for m in scheduled
    ]
    fixed_ids = {f.request for f in fixed}
    wanted = []
    for r in requests.values():
        r.event = event
        both = r.sender_id in approved and r.receiver_id in approved
        if r.pk in fixed_ids or (both and r.status == MeetingRequest.Status.ACCEPTED):
            wanted.append(
                scheduling.Request(
                    id=r.pk,
                    a=r.sender_id,
                    b=r.receiver_id,
                    weight=float(r.priority),
                    online=is_online(r),
                    part=r.part_of_day or None,
                )
            )
    return scheduling.Problem(
        slots=problem_slots, participants=participants, requests=wanted, fixed=fixed
    )


def start_schedule(*, user, event: Event) -> tuple[ScheduleRun, bool]:
    """A queued run for the event, or the one already queued or running."""
    if not user.has_perm("events.manage_registrations", event):
        raise PermissionDenied("Only the event's organisers and staff schedule its meetings.")
    if event.status == Event.Status.CANCELLED:
        raise ValidationError({"event": "This event was cancelled."})
    if event.has_ended:
        raise ValidationError({"event": "This event has ended."})
    if not event.windows.exists():
        raise ValidationError({"event": "Add meeting sessions before scheduling."})
    active = event.schedule_runs.filter(status__in=ACTIVE).first()
    if active and (active.started_at or active.created_at) < timezone.now() - STALE_AFTER:
        # Its worker died and the task was lost: without this the event could never be
        # scheduled again. A late redelivery of the task then finds the run failed.
        _fail(active, "The run stopped without finishing (its worker was restarted).")
        active = None
    if active:
        return active, False
    try:
        with transaction.atomic():
            run = ScheduleRun.objects.create(event=event, requested_by=user)
    except IntegrityError:  # another organiser pressed the button at the same moment
        return event.schedule_runs.get(status__in=ACTIVE), False
    from .tasks import schedule_event

    # Robust: without a broker the task runs right here (eager); its failure is recorded on
    # the run and must not turn the organiser's click into a 500.
    transaction.on_commit(lambda: schedule_event.delay(run.pk), robust=True)
    return run, True


def _fail(run: ScheduleRun, message: str) -> ScheduleRun:
    ScheduleRun.objects.filter(pk=run.pk).update(
        status=RUN.FAILED, error=message, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


def run_schedule(run_id: int, *, seed: int = 0) -> ScheduleRun:
    """Compute and store one run; a finished or failed run is left as it is (safe to retry).

    What can go wrong in the normal course of things (a window changed under scheduled
    meetings, a meeting placed by hand while the run computed, a busy database) fails the
    run with a sentence for the organiser; anything else also fails it, and is raised.
    """
    run = ScheduleRun.objects.select_related("event").get(pk=run_id)
    claimed = ScheduleRun.objects.filter(pk=run.pk, status__in=ACTIVE).update(
        status=RUN.RUNNING, started_at=timezone.now(), progress=5, stage="Preparing the slots"
    )
    if not claimed:
        return run
    event = run.event
    if event.status == Event.Status.CANCELLED:
        return _fail(run, "This event was cancelled.")
    try:
        slots = generate_slots(event)
        _progress(run, 15, "Reading registrations and requests")
        problem = build_problem(event, slots)
        _progress(run, 30, f"Scheduling {len(problem.requests)} meetings")
        result = scheduling.schedule(problem, time_limit=TIME_LIMIT_SECONDS, seed=seed)
        _progress(run, 85, "Saving the meetings")
        created, dropped = _store(run, result)
    except ValidationError as error:
        return _fail(run, " ".join(error.messages))
    except IntegrityError:
        return _fail(run, CHANGED)
    except OperationalError:
        return _fail(run, "The database was busy; run it again.")
    except Exception as error:
        _fail(run, f"The scheduler failed: {error!r}"[:2000])
        raise
    unscheduled = {
        str(p.request): p.reason.value for p in result.placements.values() if p.slot is None
    }
    summary = {
        "method": result.method,
        "requests": len(result.placements),
        "scheduled": len(result.scheduled) - dropped,
        "new_meetings": created,
        "kept": sum(1 for p in result.placements.values() if p.fixed),
        "dropped": dropped,
        "unscheduled": unscheduled,
        "unscheduled_by_reason": result.stats.get("unscheduled", {}),
        "weight": float(result.weight),
        "bound": round(float(result.bound.best), 3),
        "ratio": round(float(result.ratio), 4),
        "gaps": int(result.gaps),
        "seconds": result.stats.get("seconds"),
    }
    ScheduleRun.objects.filter(pk=run.pk).update(
        status=RUN.DONE, progress=100, stage="", result=summary, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


@transaction.atomic
def _store(run: ScheduleRun, result: scheduling.Result) -> tuple[int, int]:
    """The new meetings and their seats, all or nothing: (meetings created, placements dropped).

    Rows are locked in the order of services/meetings.py (event, registrations, requests). A
    request called off while the run computed (or one of its people gone) is dropped; anything
    that clashes with a meeting placed by hand meanwhile is refused by the seats' and tables'
    unique constraints, and the whole store with it.
    """
    new = [p for p in result.placements.values() if p.slot is not None and not p.fixed]
    Event.objects.select_for_update().get(pk=run.event_id)
    requests = {
        r.pk: r
        for r in MeetingRequest.objects.filter(pk__in=[p.request for p in new]).only(
            "sender_id", "receiver_id"
        )
    }
    people = sorted(
        {r.sender_id for r in requests.values()} | {r.receiver_id for r in requests.values()}
    )
    statuses = (
        Registration.objects.select_for_update(of=("self",))
        .filter(pk__in=people)
        .order_by("pk")
        .values_list("pk", "status")
    )
    approved = {pk for pk, status in statuses if status == Registration.Status.APPROVED}
    accepted = set(
        MeetingRequest.objects.select_for_update(of=("self",))
        .filter(pk__in=list(requests), status=MeetingRequest.Status.ACCEPTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    keep = [
        p
        for p in new
        if p.request in accepted
        and requests[p.request].sender_id in approved
        and requests[p.request].receiver_id in approved
    ]
    meetings = Meeting.objects.bulk_create(
        Meeting(event_id=run.event_id, request_id=p.request, slot_id=p.slot, table=p.table, run=run)
        for p in keep
    )
    seats = []
    for meeting in meetings:
        request = requests[meeting.request_id]
        for registration_id in (request.sender_id, request.receiver_id):
            seats.append(
                MeetingSeat(
                    meeting=meeting, registration_id=registration_id, slot_id=meeting.slot_id
                )
            )
    MeetingSeat.objects.bulk_create(seats, batch_size=2000)
    _table_fixed_onsite_meetings(run, result)
    return len(meetings), len(new) - len(keep)


def _table_fixed_onsite_meetings(run: ScheduleRun, result: scheduling.Result) -> None:
    """A kept meeting without a table that now meets on site (the event went from online to
    hybrid) gets the table the scheduler gave it, and stays in its slot. The scheduler numbers
    such tables past the event's count when a slot has more of them than tables: those stay
    without one, for the organiser to move."""
    limit = run.event.tables
    tables = {
        p.request: p.table
        for p in result.placements.values()
        if p.fixed and p.table and p.table <= limit
    }
    if not tables:
        return
    for meeting in Meeting.objects.filter(
        event_id=run.event_id,
        status=Meeting.Status.SCHEDULED,
        table__isnull=True,
        request_id__in=list(tables),
    ):
        meeting.table = tables[meeting.request_id]
        meeting.save(update_fields=["table", "updated_at"])


def meeting_statistics(event: Event) -> dict:
    """Scheduled meetings by country and sector of the participants, for the organiser."""
    meetings = Meeting.objects.filter(event=event, status=Meeting.Status.SCHEDULED)
    by_country: dict[str, int] = defaultdict(int)
    by_sector: dict[str, int] = defaultdict(int)
    seats = list(
        MeetingSeat.objects.filter(meeting__in=meetings).values_list(
            "registration__organisation__country", "registration__organisation_id"
        )
    )
    sectors: dict[int, list[str]] = defaultdict(list)
    through = Organisation.sectors.through
    links = through.objects.filter(organisation_id__in={org for _c, org in seats})
    for org_id, name in links.values_list("organisation_id", "sector__name"):
        sectors[org_id].append(name)
    # A meeting counts once for each participant's country and each of their sectors.
    for country, org_id in seats:
        by_country[country or "?"] += 1
        for name in sectors.get(org_id, ()):
            by_sector[name] += 1
    return {
        "scheduled": meetings.count(),
        "online": meetings.filter(table__isnull=True).count(),
        "by_country": dict(sorted(by_country.items(), key=lambda kv: -kv[1])),
        "by_sector": dict(sorted(by_sector.items(), key=lambda kv: -kv[1])),
    }
