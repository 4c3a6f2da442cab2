"""Impact reports of partnerships: the draft → submitted → approved / returned workflow, and
the figures that events linked to a partnership contribute.

The coordinator's managers write and submit reports; programme officers (and staff) approve
them or return them with a comment. Periods of one partnership never overlap: checked here on
every database, and on PostgreSQL also by the exclusion constraint of migration 0007, whose
violation (a concurrent write) is turned into the same ``period_start`` error.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from events.models import Event, Meeting, MeetingRequest
from events.stats import cooperation_cases

from ..models import FIGURES, ImpactReport, Partnership

Status = ImpactReport.Status
EDITABLE = (Status.DRAFT, Status.RETURNED)
OVERLAP_CONSTRAINT = "report_periods_do_not_overlap"


# --------------------------------------------------------------------------------------
# Roll-up from events
# --------------------------------------------------------------------------------------


def partnership_event_ids(partnership: Partnership, period_start: date, period_end: date) -> list:
    """Events linked to the partnership that end within the period (by the date in the
    event's own time zone, as the organiser and participants saw it)."""
    events = Event.objects.filter(partnership=partnership).only("pk", "ends_at", "time_zone")
    return [e.pk for e in events if period_start <= e.local(e.ends_at).date() <= period_end]


def meetings_held(event_ids: list[int]) -> dict[int, int]:
    """B2B meetings held per event: its scheduled meetings once it was scheduled, else its
    accepted requests. Two queries whatever the number of events."""

    def per_event(qs) -> dict[int, int]:
        return dict(
            qs.filter(event_id__in=event_ids)
            .order_by()
            .values_list("event_id")
            .annotate(n=Count("pk"))
            .values_list("event_id", "n")
        )

    scheduled = per_event(Meeting.objects.filter(status=Meeting.Status.SCHEDULED))
    accepted = per_event(MeetingRequest.objects.filter(status=MeetingRequest.Status.ACCEPTED))
    return {pk: scheduled.get(pk) or accepted.get(pk, 0) for pk in event_ids}


def event_figures(partnership: Partnership, period_start: date, period_end: date) -> dict[str, int]:
    """What the partnership's events of the period add to its report: B2B meetings held (an
    event's scheduled meetings when it was scheduled, else its accepted requests), business
    cooperation cases and MoUs from the participants' ratings. Three queries at most."""
    event_ids = partnership_event_ids(partnership, period_start, period_end)
    if not event_ids:
        return {"b2b_meetings": 0, "cooperation_cases": 0, "mous": 0}
    meetings = sum(meetings_held(event_ids).values())
    cases = cooperation_cases(event_ids)
    return {"b2b_meetings": meetings, "cooperation_cases": cases["total"], "mous": cases["mous"]}


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------


def _figures(figures: Mapping[str, Any]) -> dict[str, int]:
    clean: dict[str, int] = {}
    for name, value in figures.items():
        if name not in FIGURES:
            raise ValidationError({name: "Unknown figure."})
        if value is None or value == "":
            value = 0
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationError({name: "Enter a whole number."}) from None
        if number != value and not isinstance(value, str):
            raise ValidationError({name: "Enter a whole number."})
        if number < 0:
            raise ValidationError({name: "A figure cannot be negative."})
        clean[name] = number
    return clean


def _validate(report: ImpactReport) -> None:
    """Field-named errors for everything the database would refuse, in one place."""
    if report.smes_supported > report.smes_reached:
        raise ValidationError(
            {"smes_supported": "SMEs supported directly cannot exceed SMEs reached."}
        )
    _validate_period(report)
    clash = (
        ImpactReport.objects.filter(
            partnership_id=report.partnership_id,
            period_start__lte=report.period_end,
            period_end__gte=report.period_start,
        )
        .exclude(pk=report.pk)
        .order_by("period_start")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "period_start": (
                    f"This period overlaps the report for {clash.period_start:%d.%m.%Y} to "
                    f"{clash.period_end:%d.%m.%Y}."
                )
            }
        )


def _save(report: ImpactReport, update_fields: list[str] | None = None) -> None:
    """Save in a savepoint; the PostgreSQL exclusion constraint (a concurrent report for an
    overlapping period) becomes the same error as the Python check."""
    try:
        with transaction.atomic():
            report.save(update_fields=update_fields)
    except IntegrityError as error:
        if OVERLAP_CONSTRAINT in str(error):
            raise ValidationError(
                {"period_start": "This period overlaps another report of this partnership."}
            ) from error
        raise


def _lock_partnership(partnership: Partnership) -> Partnership:
    """Writes of one partnership's reports queue behind each other, so two overlapping
    periods cannot both pass the check (the constraint still guards PostgreSQL)."""
    return Partnership.objects.select_for_update().get(pk=partnership.pk)


def _locked(report: ImpactReport) -> ImpactReport:
    _lock_partnership(report.partnership)
    return ImpactReport.objects.select_for_update().select_related("partnership").get(pk=report.pk)


def _require(user, perm: str, obj) -> None:
    if not user or not user.has_perm(perm, obj):
        raise PermissionDenied("You may not do this for this report.")


# --------------------------------------------------------------------------------------
# Workflow
# --------------------------------------------------------------------------------------


@transaction.atomic
def create_report(
    *,
    user,
    partnership: Partnership,
    period_start: date,
    period_end: date,
    figures: Mapping[str, Any] | None = None,
    notes: str = "",
) -> ImpactReport:
    """A draft report for a period, pre-filled with what the partnership's events of the
    period add up to; figures given here take precedence."""
    _require(user, "clusters.submit_report", partnership)
    partnership = _lock_partnership(partnership)
    report = ImpactReport(
        partnership=partnership,
        period_start=period_start,
        period_end=period_end,
        status=Status.DRAFT,
        notes=(notes or "").strip(),
    )
    given = _figures(figures or {})
    _validate_period(report)
    prefill = event_figures(partnership, period_start, period_end)
    for name, value in {**prefill, **given}.items():
        setattr(report, name, value)
    _validate(report)
    _save(report)
    return report


def _validate_period(report: ImpactReport) -> None:
    """Date checks before the roll-up, which needs a valid period."""
    for name in ("period_start", "period_end"):
        if not isinstance(getattr(report, name), date):
            raise ValidationError({name: "Enter a date."})
    if report.period_end < report.period_start:
        raise ValidationError({"period_end": "The period ends on or after its first day."})


@transaction.atomic
def update_report(
    *,
    user,
    report: ImpactReport,
    period_start: date | None = None,
    period_end: date | None = None,
    figures: Mapping[str, Any] | None = None,
    notes: str | None = None,
) -> ImpactReport:
    """Edit a draft or returned report (what is not given stays as it is)."""
    _require(user, "clusters.submit_report", report.partnership)
    report = _locked(report)
    if report.status not in EDITABLE:
        raise ValidationError({"status": "Only draft or returned reports can be edited."})
    if period_start is not None:
        report.period_start = period_start
    if period_end is not None:
        report.period_end = period_end
    for name, value in _figures(figures or {}).items():
        setattr(report, name, value)
    if notes is not None:
        report.notes = notes.strip()
    _validate(report)
    _save(report)
    return report


@transaction.atomic
def submit_report(*, user, report: ImpactReport, now=None) -> ImpactReport:
    """The coordinator hands a draft (or a returned report, corrected) to the officers."""
    _require(user, "clusters.submit_report", report.partnership)
    report = _locked(report)
    if report.status not in EDITABLE:
        raise ValidationError({"status": "Only draft or returned reports can be submitted."})
    _validate(report)
    report.status = Status.SUBMITTED
    report.submitted_at = now or timezone.now()
    report.submitted_by = user
    _save(report, ["status", "submitted_at", "submitted_by", "updated_at"])
    return report


def _decide(user, report: ImpactReport, status: str, comment: str, now) -> ImpactReport:
    _require(user, "clusters.decide_report", report)
    report = _locked(report)
    if report.status != Status.SUBMITTED:
        raise ValidationError({"status": "Only submitted reports can be approved or returned."})
    report.status = status
    report.officer_comment = comment
    report.decided_at = now or timezone.now()
    report.decided_by = user
    _save(report, ["status", "officer_comment", "decided_at", "decided_by", "updated_at"])
    return report


@transaction.atomic
def approve_report(*, user, report: ImpactReport, comment: str = "", now=None) -> ImpactReport:
    """A programme officer accepts the figures."""
    return _decide(user, report, Status.APPROVED, (comment or "").strip(), now)


@transaction.atomic
def return_report(*, user, report: ImpactReport, comment: str, now=None) -> ImpactReport:
    """A programme officer sends the report back; the comment says what to change."""
    comment = (comment or "").strip()
    _require(user, "clusters.decide_report", report)
    if not comment:
        raise ValidationError({"officer_comment": "Say what needs to change."})
    return _decide(user, report, Status.RETURNED, comment, now)
