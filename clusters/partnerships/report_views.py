"""Impact report pages: write a draft, edit it, submit it; officers approve or return it.

Thin views over ``impact_reports``: the services check permissions and states
and name the field they refuse; here a refused transition becomes a message on the page
(never a 500), a refused permission a 403, and a report the user may not see a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clusterplatform.forms import form_errors_from

from ..models import ImpactReport
from . import impact_reports as service
from .report_forms import (
    EVENT_FIGURES,
    DecisionForm,
    ReportForm,
    ReportPeriodForm,
    event_contributions,
    figure_rows,
    is_editable,
    suggested_period,
)
from .selectors import partnerships_visible_to, reports_visible_to, sees_every_partnership

Status = ImpactReport.Status
QUEUE_PAGE_SIZE = 25
COUNTED = {
    "b2b_meetings": "B2B meetings",
    "cooperation_cases": "business cooperation cases",
    "mous": "MoUs",
}
QUEUE_STATUSES = (Status.SUBMITTED, Status.RETURNED, Status.DRAFT, Status.APPROVED)


def _report(request: HttpRequest, pk: int) -> ImpactReport:
    """The report if the user may see it (404 otherwise: drafts stay private)."""
    qs = reports_visible_to(request.user).select_related(
        "partnership__programme",
        "partnership__call",
        "partnership__coordinator",
        "submitted_by",
        "decided_by",
    )
    return get_object_or_404(qs, pk=pk)


def _require(request: HttpRequest, perm: str, obj, message: str) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied(message)


def _next_url(request: HttpRequest, report: ImpactReport) -> str:
    """Back where the action came from (the partnership page, the queue), if it is ours."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("clusters:report-detail", kwargs={"pk": report.pk})


def _refused(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


# --- create and edit --------------------------------------------------------------------


@login_required
def report_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Step one: the period. The draft is then pre-filled from the partnership's events."""
    partnership = get_object_or_404(partnerships_visible_to(request.user), slug=slug)
    _require(
        request,
        "clusters.submit_report",
        partnership,
        "Only the managers of the coordinating organisation write this partnership's reports.",
    )
    reports = list(partnership.impact_reports.order_by("period_start"))
    form = ReportPeriodForm(request.POST or None, initial=suggested_period(partnership, reports))
    if request.method == "POST" and form.is_valid():
        try:
            report = service.create_report(
                user=request.user,
                partnership=partnership,
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            counted = [COUNTED[n] for n in EVENT_FIGURES if getattr(report, n)]
            text = "Draft report created."
            if counted:
                listed = ", ".join(counted[:-1]) + " and " if len(counted) > 1 else ""
                text += (
                    f" The platform counted the {listed}{counted[-1]} of this partnership's events."
                )
            messages.success(request, f"{text} Check and complete the figures, then submit.")
            return redirect("clusters:report-edit", pk=report.pk)
    return render(
        request,
        "clusters/reports/create.html",
        {"form": form, "partnership": partnership, "reports": reports},
    )


def _save(
    request: HttpRequest, report: ImpactReport, form: ReportForm, action: str
) -> ImpactReport:
    """Save the edit (and submit it, or recount from events) in one transaction: a refused
    submission leaves the draft as it was."""
    data = form.cleaned_data
    figures = form.figures()
    if action == "recount":
        figures.update(
            service.event_figures(report.partnership, data["period_start"], data["period_end"])
        )
    with transaction.atomic():
        report = service.update_report(
            user=request.user,
            report=report,
            period_start=data["period_start"],
            period_end=data["period_end"],
            figures=figures,
            notes=data["notes"],
        )
        if action == "submit":
            report = service.submit_report(user=request.user, report=report)
    return report


EDIT_MESSAGES = {
    "save": "Draft saved.",
    "recount": "B2B meetings, cooperation cases and MoUs now hold the platform's counts.",
    "submit": "Report submitted: a programme officer will approve it or return it to you.",
}


@login_required
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    _require(
        request,
        "clusters.submit_report",
        report.partnership,
        "Only the managers of the coordinating organisation edit this partnership's reports.",
    )
    if not is_editable(report):
        messages.error(request, "Only draft or returned reports can be edited.")
        return redirect("clusters:report-detail", pk=report.pk)
    form = ReportForm.for_report(report, request.POST or None)
    action = request.POST.get("action", "save")
    if request.method == "POST" and action in EDIT_MESSAGES and form.is_valid():
        try:
            report = _save(request, report, form, action)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, EDIT_MESSAGES[action])
            if action == "recount":
                return redirect("clusters:report-edit", pk=report.pk)
            return redirect("clusters:report-detail", pk=report.pk)
    sources = event_contributions(report.partnership, report.period_start, report.period_end)
    rows = figure_rows(report, sources)
    for row in rows:
        row["field"] = form[row["name"]]
    return render(
        request,
        "clusters/reports/edit.html",
        {
            "form": form,
            "report": report,
            "partnership": report.partnership,
            "sources": sources,
            "rows": rows,
        },
    )


# --- transitions ------------------------------------------------------------------------


@login_required
@require_POST
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    _require(
        request,
        "clusters.submit_report",
        report.partnership,
        "Only the managers of the coordinating organisation submit this partnership's reports.",
    )
    try:
        service.submit_report(user=request.user, report=report)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, EDIT_MESSAGES["submit"])
    return redirect(_next_url(request, report))


@login_required
@require_POST
def report_approve(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    _require(request, "clusters.decide_report", report, "Only programme officers approve.")
    form = DecisionForm(request.POST)
    if not form.is_valid():  # the comment is optional, but not endless
        return _detail(request, report, decision_form=form, status=400)
    try:
        service.approve_report(
            user=request.user, report=report, comment=form.cleaned_data["officer_comment"]
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, f"Report for {_period(report)} approved: its figures count.")
    return redirect(_next_url(request, report))


@login_required
@require_POST
def report_return(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    _require(request, "clusters.decide_report", report, "Only programme officers return reports.")
    form = DecisionForm(request.POST, require_comment=True)
    if not form.is_valid():
        return _detail(request, report, decision_form=form, status=400)
    try:
        service.return_report(
            user=request.user, report=report, comment=form.cleaned_data["officer_comment"]
        )
    except ValidationError as error:
        if "officer_comment" in getattr(error, "error_dict", {}):
            form_errors_from(form, error)
            return _detail(request, report, decision_form=form, status=400)
        _refused(request, error)
    else:
        messages.success(request, f"Report for {_period(report)} returned to the coordinator.")
    return redirect(_next_url(request, report))


def _period(report: ImpactReport) -> str:
    return f"{report.period_start:%d %b %Y} to {report.period_end:%d %b %Y}"


# --- reading ----------------------------------------------------------------------------


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _report(request, pk))


def _detail(
    request: HttpRequest,
    report: ImpactReport,
    decision_form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    partnership = report.partnership
    may_submit = user.has_perm("clusters.submit_report", partnership)
    may_decide = user.has_perm("clusters.decide_report", report)
    editable = is_editable(report)
    sources = (
        event_contributions(partnership, report.period_start, report.period_end)
        if editable and (may_submit or may_decide)
        else None
    )
    return render(
        request,
        "clusters/reports/detail.html",
        {
            "report": report,
            "partnership": partnership,
            "rows": figure_rows(report, sources),
            "sources": sources,
            "can_edit": may_submit and editable,
            "can_decide": may_decide and report.status == Status.SUBMITTED,
            "show_people": may_submit or sees_every_partnership(user),
            "decision_form": decision_form or DecisionForm(),
        },
        status=status,
    )


def _queue_status(request: HttpRequest) -> str:
    wanted = request.GET.get("status", Status.SUBMITTED)
    if wanted not in QUEUE_STATUSES:
        messages.error(
            request,
            f"status: “{wanted[:40]}” is not a report status; showing submitted reports.",
        )
        return Status.SUBMITTED
    return wanted


def queue_reports(status: str) -> QuerySet[ImpactReport]:
    """Reports in one status for the officers' queue, joined for the list (constant queries):
    submitted ones oldest first (first come, first decided), others newest first."""
    order = ("submitted_at", "pk") if status == Status.SUBMITTED else ("-updated_at", "-pk")
    return (
        ImpactReport.objects.filter(status=status)
        .select_related("partnership__programme", "partnership__call", "submitted_by")
        .order_by(*order)
    )


@login_required
def report_queue(request: HttpRequest) -> HttpResponse:
    """The programme officers' queue: reports waiting for a decision, and the others by status."""
    if not sees_every_partnership(request.user):
        raise PermissionDenied("Only programme officers and platform staff see the report queue.")
    status = _queue_status(request)
    page = Paginator(queue_reports(status), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = dict(
        ImpactReport.objects.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    tabs = [
        {"value": value, "label": Status(value).label, "count": counts.get(value, 0)}
        for value in QUEUE_STATUSES
    ]
    return render(
        request,
        "clusters/reports/queue.html",
        {"page": page, "status": status, "tabs": tabs, "status_label": Status(status).label},
    )


__all__ = [
    "queue_reports",
    "report_approve",
    "report_create",
    "report_detail",
    "report_edit",
    "report_queue",
    "report_return",
    "report_submit",
]
