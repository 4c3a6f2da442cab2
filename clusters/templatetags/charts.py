"""Template tags for the impact section of a partnership and the report pages.

``{% load charts %}`` gives:

* ``{% impact_timeline reports as timeline %}``: two column charts over the reports'
  periods (SMEs; meetings and results), approved reports solid, the others pale and named;
* ``{% impact_rows partnership reports as rows %}``: one row per report with its status
  badge and, for drafts and returned reports, which figures the platform counted from the
  partnership's events (a few queries per such report, none for the others);
* ``{{ value|figure }}``: numbers as the charts write them.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from datetime import date
from typing import Any

from django import template
from django.utils.safestring import SafeString

from clusters import charts, number_format
from clusters.models import ImpactReport, Partnership

from ..partnerships.report_forms import event_contributions, figure_rows, is_editable
from ..partnerships.stats import LABELS

register = template.Library()

Status = ImpactReport.Status
SME_FIGURES = ("smes_reached", "smes_supported")
RESULT_FIGURES = (
    "b2b_meetings",
    "c2c_events",
    "mous",
    "collaboration_projects",
    "cooperation_cases",
)
BADGES = {
    Status.DRAFT: "badge-draft-report",
    Status.SUBMITTED: "badge-submitted",
    Status.APPROVED: "badge-approved",
    Status.RETURNED: "badge-returned",
}
NOTES = {
    Status.DRAFT: "draft",
    Status.SUBMITTED: "submitted",
    Status.RETURNED: "returned",
}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DASH = "\u2013"  # an en dash between the ends of a range


def period_label(start: date, end: date) -> str:
    """Short names for the usual periods ("2024", "2024 H1", "2024 Q3"), else month ranges
    ("Feb-Jul 2024", "Nov 2024-Apr 2025"), else days ("1-28 Apr 2026", "15 Jan-14 Mar
    2024"), all with en dashes."""
    whole_months = start.day == 1 and end.day == monthrange(end.year, end.month)[1]
    if not whole_months:
        first, last = f"{start.day} {MONTHS[start.month - 1]}", f"{end.day} {MONTHS[end.month - 1]}"
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}{DASH}{last} {end.year}"
        if start.year == end.year:
            return f"{first}{DASH}{last} {end.year}"
        return f"{first} {start.year}{DASH}{last} {end.year}"
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if start.year == end.year:
        if months == 12:
            return str(start.year)
        if months == 6 and start.month in (1, 7):
            return f"{start.year} H{1 if start.month == 1 else 2}"
        if months == 3 and start.month % 3 == 1:
            return f"{start.year} Q{(start.month - 1) // 3 + 1}"
        if months == 1:
            return f"{MONTHS[start.month - 1]} {start.year}"
        return f"{MONTHS[start.month - 1]}{DASH}{MONTHS[end.month - 1]} {start.year}"
    return f"{MONTHS[start.month - 1]} {start.year}{DASH}{MONTHS[end.month - 1]} {end.year}"


def timeline_charts(reports: Sequence[ImpactReport], *, prefix: str = "impact") -> dict:
    """The two charts of a partnership's impact over its reports (in the order given)."""
    reports = list(reports)
    categories = [period_label(r.period_start, r.period_end) for r in reports]
    notes = [NOTES.get(r.status, "") for r in reports]
    provisional = [r.status != Status.APPROVED for r in reports]

    def chart(names: Sequence[str], title: str, key: str) -> SafeString:
        return charts.column_chart(
            categories,
            [charts.Series(LABELS[n], [getattr(r, n) for r in reports]) for n in names],
            title=title,
            description=f"{title}, per report period",
            notes=notes,
            provisional=provisional,
            chart_id=f"{prefix}-{key}",
            empty_message="No impact reports yet.",
            provisional_label="pale, dashed: not approved yet",
        )

    return {
        "smes": chart(SME_FIGURES, "SMEs reached and supported", "smes"),
        "results": chart(RESULT_FIGURES, "Meetings, events and results", "results"),
        "has_provisional": any(provisional),
        "approved": sum(not p for p in provisional),
    }


@register.simple_tag
def impact_timeline(reports: Sequence[ImpactReport]) -> dict:
    return timeline_charts(reports)


def report_rows(partnership: Partnership, reports: Sequence[ImpactReport]) -> list[dict[str, Any]]:
    """Rows for a table of reports; editable ones say which figures came from events."""
    rows = []
    for report in reports:
        editable = is_editable(report)
        sources = (
            event_contributions(partnership, report.period_start, report.period_end)
            if editable
            else None
        )
        rows.append(
            {
                "report": report,
                "period": period_label(report.period_start, report.period_end),
                "badge": BADGES.get(report.status, ""),
                "editable": editable,
                "sources": sources,
                "cells": figure_rows(report, sources),
            }
        )
    return rows


@register.simple_tag
def impact_rows(partnership: Partnership, reports: Sequence[ImpactReport]) -> list[dict]:
    return report_rows(partnership, reports)


@register.filter
def figure(value) -> str:
    return number_format.format_number(value)


@register.filter
def report_badge(status: str) -> str:
    return BADGES.get(status, "")


@register.filter
def report_period(report: ImpactReport) -> str:
    return period_label(report.period_start, report.period_end)
