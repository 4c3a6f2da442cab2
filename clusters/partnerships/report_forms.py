"""Impact report forms, and what the platform's own events contribute to a report.

The forms only validate and render; the views hand their data to the services in
``impact_reports``, which re-check everything and name the field they refuse.
``event_contributions`` says, event by event, where the pre-filled B2B meetings, business
cooperation cases and MoUs of a draft come from, so a coordinator sees which figures the
platform counted and which ones they typed.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms

from events.models import Event
from events.stats import cooperation_cases

from ..models import FIGURES, ImpactReport, Partnership
from .impact_reports import EDITABLE, meetings_held, partnership_event_ids
from .stats import LABELS

# Figures the platform counts from the partnership's events (see impact_reports.event_figures).
EVENT_FIGURES = ("b2b_meetings", "cooperation_cases", "mous")
HELP = {
    "smes_reached": "SMEs the partnership's activities reached in the period.",
    "smes_supported": "SMEs supported directly: at most the SMEs reached.",
    "b2b_meetings": "Business-to-business meetings held.",
    "c2c_events": "Cluster-to-cluster events organised or attended.",
    "mous": "Memoranda of understanding signed.",
    "collaboration_projects": "Collaboration projects started.",
    "cooperation_cases": "Business cooperation cases (agreements and MoUs between companies).",
}
DEFAULT_PERIOD_MONTHS = 6


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReportPeriodForm(forms.Form):
    """A new report: its period (and optional notes); the figures come next, pre-filled."""

    period_start = forms.DateField(label="Period starts", widget=_date_input())
    period_end = forms.DateField(label="Period ends", widget=_date_input())
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Context for the programme officer (optional).",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The period ends on or after its first day.")
        return data


class ReportForm(ReportPeriodForm):
    """A draft or returned report: its period, the seven figures and notes."""

    smes_reached = forms.IntegerField(min_value=0, required=False)
    smes_supported = forms.IntegerField(min_value=0, required=False)
    b2b_meetings = forms.IntegerField(min_value=0, required=False)
    c2c_events = forms.IntegerField(min_value=0, required=False)
    mous = forms.IntegerField(min_value=0, required=False)
    collaboration_projects = forms.IntegerField(min_value=0, required=False)
    cooperation_cases = forms.IntegerField(min_value=0, required=False)

    field_order = ("period_start", "period_end", *FIGURES, "notes")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in FIGURES:
            field = self.fields[name]
            field.label = LABELS[name]
            field.help_text = HELP[name]
            field.widget.attrs.update({"inputmode": "numeric", "min": "0", "step": "1"})

    @classmethod
    def for_report(cls, report: ImpactReport, data=None) -> ReportForm:
        initial = {name: getattr(report, name) for name in ("period_start", "period_end", *FIGURES)}
        initial["notes"] = report.notes
        return cls(data, initial=initial)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        reached, supported = data.get("smes_reached") or 0, data.get("smes_supported") or 0
        if "smes_supported" not in self.errors and supported > reached:
            self.add_error("smes_supported", "SMEs supported directly cannot exceed SMEs reached.")
        return data

    def figures(self) -> dict[str, int]:
        """The seven figures, blanks as zero (the service stores whole numbers only)."""
        return {name: self.cleaned_data.get(name) or 0 for name in FIGURES}


class DecisionForm(forms.Form):
    """An officer's approval (comment optional) or return (comment required)."""

    officer_comment = forms.CharField(
        label="Comment for the coordinator",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when you return the report: say what needs to change.",
    )

    def __init__(self, *args, require_comment: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.require_comment = require_comment

    def clean_officer_comment(self) -> str:
        comment = (self.cleaned_data.get("officer_comment") or "").strip()
        if self.require_comment and not comment:
            raise forms.ValidationError("Say what needs to change.")
        return comment


def suggested_period(partnership: Partnership, reports: list[ImpactReport]) -> dict[str, date]:
    """The period a new report most likely covers: the day after the last one ends (or the
    partnership's start), six months long, not past the partnership's end."""
    ends = [r.period_end for r in reports]
    if ends:
        start = max(ends) + timedelta(days=1)
    else:
        start = partnership.starts_on or date.today().replace(day=1)
    end = _add_months(start, DEFAULT_PERIOD_MONTHS) - timedelta(days=1)
    if partnership.ends_on and start <= partnership.ends_on < end:
        end = partnership.ends_on
    return {"period_start": start, "period_end": end}


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, monthrange(year, month)[1]))


# --- what the partnership's events contribute ---------------------------------------------


@dataclass(frozen=True)
class EventContribution:
    """One event's share of a report's pre-filled figures."""

    event: Event
    b2b_meetings: int
    cooperation_cases: int
    mous: int

    @property
    def counts(self) -> bool:
        return bool(self.b2b_meetings or self.cooperation_cases or self.mous)


@dataclass(frozen=True)
class EventSources:
    """The events of a period and their figures, as ``event_figures`` adds them up."""

    events: list[EventContribution]
    totals: dict[str, int]

    def __bool__(self) -> bool:
        return bool(self.events)

    def for_figure(self, name: str) -> list[tuple[Event, int]]:
        return [(c.event, getattr(c, name)) for c in self.events if getattr(c, name)]

    def matches(self, report: ImpactReport, name: str) -> bool:
        """Whether the report still holds the platform's count for ``name``."""
        return name in self.totals and getattr(report, name) == self.totals[name]


def event_contributions(
    partnership: Partnership, period_start: date, period_end: date
) -> EventSources:
    """Per event of the partnership ending within the period: its B2B meetings (scheduled
    meetings once it is scheduled, else accepted requests), cooperation cases and MoUs: the
    same rules as ``impact_reports.event_figures``, whose totals come along. A few queries
    plus one per event (a partnership has a handful of events in a period)."""
    ids = partnership_event_ids(partnership, period_start, period_end)
    if not ids:
        return EventSources([], dict.fromkeys(EVENT_FIGURES, 0))
    events = list(Event.objects.filter(pk__in=ids).order_by("starts_at", "pk"))
    held = meetings_held(ids)
    contributions = []
    for event in events:
        cases = cooperation_cases([event.pk])
        contributions.append(
            EventContribution(event, held[event.pk], cases["total"], cases["mous"])
        )
    # A meeting belongs to one event: the sums are event_figures' totals (a test holds them).
    totals = {name: sum(getattr(c, name) for c in contributions) for name in EVENT_FIGURES}
    return EventSources(contributions, totals)


def figure_rows(report: ImpactReport, sources: EventSources | None) -> list[dict[str, Any]]:
    """The seven figures of a report with their labels and, where ``sources`` counted them,
    the events they came from (``from_events``), the platform's count and whether the report
    still holds it: the report pages and the partnership's impact table show the same."""
    rows = []
    for name in FIGURES:
        from_events = sources.for_figure(name) if sources and name in EVENT_FIGURES else []
        rows.append(
            {
                "name": name,
                "label": LABELS[name],
                "value": getattr(report, name),
                "from_events": from_events,
                "counted": sources.totals.get(name) if from_events else None,
                "matches": bool(from_events) and sources.matches(report, name),
            }
        )
    return rows


def is_editable(report: ImpactReport) -> bool:
    """Drafts and returned reports: the coordinator may still change them."""
    return report.status in EDITABLE
