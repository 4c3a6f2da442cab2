"""Import pages for programme officers and staff: upload, preview with errors, confirm.

Thin views over clusters/imports/apply.py. Anyone else gets a 403; a job is seen only by the
person who uploaded it (anyone else's is a 404, never a 403 that would confirm it exists).
While a job is being checked or written, its state block polls every second (htmx) and
stops once the job is over.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from clusterplatform.forms import form_errors_from

from ..models import ImportJob
from . import apply
from .forms import ImportForm, column_guide

Status = ImportJob.Status
ACTIVE = (Status.VALIDATING, Status.IMPORTING)
PAGE_SIZE = 25
ERRORS_PAGE_SIZE = 50
STATE_TEMPLATE = "clusters/imports/includes/state.html"
# A large file is checked in seconds to minutes; a job waiting longer has lost its worker.
STALE_AFTER = timedelta(minutes=30)


def _require_importer(request: HttpRequest) -> None:
    if not apply.may_import(request.user):
        raise PermissionDenied("Imports are for programme officers and platform staff.")


def _own(request: HttpRequest, pk: int) -> ImportJob:
    _require_importer(request)
    return get_object_or_404(ImportJob, pk=pk, created_by=request.user)


def _state(request: HttpRequest, job: ImportJob) -> dict:
    total = job.rows_total or 0
    percent = min(100, round(100 * job.rows_done / total)) if total else 0
    errors = Paginator(job.errors, ERRORS_PAGE_SIZE).get_page(request.GET.get("page"))
    active = job.status in ACTIVE
    return {
        "job": job,
        "active": active,
        "stale": active and job.created_at < timezone.now() - STALE_AFTER,
        "percent": percent,
        "errors_page": errors,
        "error_count": job.summary.get("error_count", len(job.errors)),
        "summary": job.summary,
    }


@login_required
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    """The user's imports, newest first (one query for the page, whatever its size)."""
    _require_importer(request)
    jobs = ImportJob.objects.filter(created_by=request.user).defer("errors")
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "clusters/imports/import_list.html", {"page": page})


@login_required
def import_create(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = apply.start_import(
                user=request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                table=form.table,
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            return redirect("clusters:import-detail", pk=job.pk)
    context = {"form": form, "guide": column_guide(), "inline_rows": apply.inline_rows()}
    return render(request, "clusters/imports/import_form.html", context)


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own(request, pk)
    return render(request, "clusters/imports/import_detail.html", _state(request, job))


@login_required
@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The state block polled while the job runs; without the trigger once it is over."""
    job = _own(request, pk)
    if not request.htmx:
        return redirect("clusters:import-detail", pk=job.pk)
    return render(request, STATE_TEMPLATE, _state(request, job))


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own(request, pk)
    try:
        job = apply.confirm_import(user=request.user, job=job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("clusters:import-detail", pk=job.pk)
    summary = job.summary
    if job.status == Status.DONE:
        messages.success(
            request,
            f"Imported: {summary.get('create', 0)} created, {summary.get('update', 0)} updated, "
            f"{summary.get('unchanged', 0)} unchanged.",
        )
    elif job.status == Status.IMPORTING:
        messages.info(request, "Importing: this page updates by itself.")
    else:
        messages.error(request, "Nothing was imported: see the errors below.")
    return redirect("clusters:import-detail", pk=job.pk)
