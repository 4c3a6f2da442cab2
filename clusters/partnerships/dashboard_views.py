"""The programme officers' dashboard: totals and charts by programme, call, type and year.

The partnerships are the ones the list page shows for the same query string (one
``PartnershipFilterSet``); the figures are ``stats`` (approved reports only).
Every number is one grouped query, so the page runs the same queries for 10 partnerships or
10,000. ``?measure=`` picks what the charts show; an unknown one is named on the page and the
charts fall back to partnerships.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse

from .. import charts, number_format
from ..facets import search_query
from ..models import Partnership
from . import stats
from .filters import PartnershipFilterSet
from .selectors import partnerships_visible_to, sees_every_partnership
from .views import export_links

DEFAULT_MEASURE = "partnerships"
GROUP_TITLES = {
    "programme": "By programme",
    "call": "By call",
    "type": "By type",
    "year": "By start year",
}
# What a group's row is missing when its key is None.
NO_KEY = {
    "programme": "No programme",
    "call": "No call",
    "type": "No type",
    "year": "No start date",
}


def fmt_for(measure: str, *, short: bool = False) -> charts.Formatter:
    """How a measure is written: budgets in euro (in millions where space is short)."""
    if measure == "eu_budget":
        return number_format.format_euro_short if short else number_format.format_euro
    return number_format.format_number


def _measure(values: list[str]) -> tuple[str, str | None]:
    """The measure asked for, or the default and a message naming the refused value."""
    wanted = values[-1] if values else DEFAULT_MEASURE
    if wanted in stats.COLUMNS:
        return wanted, None
    choices = ", ".join(stats.COLUMNS)
    return DEFAULT_MEASURE, f"“{wanted[:40]}” is not a measure (choose one of {choices})."


def _link(query: QueryDict, measure: str, **params: Any) -> str:
    new = query.copy()
    for name, value in params.items():
        new.setlist(name, [str(value)])
    if measure != DEFAULT_MEASURE:
        new["measure"] = measure
    return f"{reverse('clusters:dashboard')}?{new.urlencode()}"


def _drill_params(group: str, row: dict, programme_codes: dict[int, str]) -> dict | None:
    """The filter that narrows the dashboard to one row (None for the row without a key)."""
    key = row["key"]
    if key is None:
        return None
    if group == "programme":
        code = programme_codes.get(key)
        return {"programme": code} if code else None
    return {group: key}


def _chart(group: str, rows: list[dict], measure: str) -> str:
    label = stats.LABELS[measure]
    fmt = fmt_for(measure, short=True)
    title = f"{label}: {GROUP_TITLES[group].lower()}"
    if group != "year":
        return charts.bar_chart(
            [(_short_label(group, row), row[measure]) for row in rows],
            title=title,
            fmt=fmt,
            chart_id=f"chart-{group}",
        )
    # A time series: every year between the first and the last, zero where none started.
    years = {row["key"]: row[measure] for row in rows if row["key"] is not None}
    span = range(min(years), max(years) + 1) if years else range(0)
    categories = [str(year) for year in span]
    values = [years.get(year, 0) for year in span]
    if None in (row["key"] for row in rows):
        categories.append(NO_KEY["year"])
        values.append(next(row[measure] for row in rows if row["key"] is None))
    return charts.column_chart(
        categories,
        [charts.Series(label, values)],
        title=title,
        fmt=fmt,
        chart_id=f"chart-{group}",
        empty_message="No data for these filters.",
    )


def _raw(value: Any) -> str:
    """The number for data attributes: cents for money, the same on every database."""
    return f"{Decimal(value):.2f}" if isinstance(value, Decimal | float) else str(value)


def _short_label(group: str, row: dict) -> str:
    """A call's name without its programme's in front (the table keeps both)."""
    if group == "call" and row["key"] is not None:
        return row["display_label"].split(": ", 1)[-1]
    return row["display_label"]


def _cells(row: dict, *, short: bool = False) -> list[dict]:
    return [
        {
            "name": name,
            "label": stats.LABELS[name],
            "value": _raw(row[name]),
            "display": fmt_for(name, short=short)(row[name]),
        }
        for name in stats.COLUMNS
    ]


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    """Everything the page shows, for the view and for tests that read the numbers."""
    query = search_query(request.GET)
    measure, measure_error = _measure(query.pop("measure", []))
    filterset = PartnershipFilterSet(query or None, queryset=partnerships_visible_to(request.user))
    valid = not filterset.is_bound or filterset.is_valid()
    partnerships = filterset.qs if valid else Partnership.objects.none()
    filterset.prepare_pickers()
    programme_codes = {
        value.instance.pk: value.value
        for value, _label in filterset.form.fields["programme"].choices
        if hasattr(value, "instance")
    }
    totals = stats.totals(partnerships)
    groups = []
    for group in stats.GROUPS:
        rows = stats.programme_totals(partnerships, group)
        for row in rows:
            row["display_label"] = NO_KEY[group] if row["key"] is None else row["label"]
            drill = _drill_params(group, row, programme_codes)
            row["link"] = _link(query, measure, **drill) if drill else None
            row["cells"] = _cells(row)
        groups.append(
            {
                "key": group,
                "title": GROUP_TITLES[group],
                "rows": rows,
                "chart": _chart(group, rows, measure) if valid else None,
            }
        )
    querystring = query.urlencode()
    return {
        "filter": filterset,
        "valid": valid,
        "querystring": querystring,
        "hidden_filters": [(k, v) for k, values in query.lists() for v in values],
        "measure": measure,
        "measure_label": stats.LABELS[measure],
        "measure_error": measure_error,
        "measures": [(name, stats.LABELS[name]) for name in stats.COLUMNS],
        "totals": totals,
        "total_cards": _cells(totals, short=True),
        "labels": stats.LABELS,
        "columns": [(name, stats.LABELS[name]) for name in stats.COLUMNS],
        "groups": groups,
        "exports": export_links(querystring) if valid and totals["partnerships"] else [],
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Programme officers and platform staff only: 403 for everyone else who is logged in."""
    if not sees_every_partnership(request.user):
        raise PermissionDenied("The dashboard is for programme officers and platform staff.")
    return render(request, "clusters/dashboard.html", dashboard_context(request))


__all__ = ["dashboard", "dashboard_context"]
