"""Export pages: the download itself (streamed, or a background job), a job's progress and
file, and the user's recent jobs. Thin views over responses.py and jobs.py.

A job is its owner's alone: anyone else gets a 404, as if it did not exist. The job page and
the download also answer API clients that authenticate with a token (the 202 of an API
export points at them), in JSON where the client asks for it.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from ..models import ExportJob
from . import jobs
from .responses import export_response, is_api_request, job_json, list_url

JOBS_PAGE_SIZE = 20
JOB_STATE_TEMPLATE = "clusters/exports/includes/job_state.html"
NOT_LOGGED_IN = "Authentication credentials were not provided."


def _requester(request: HttpRequest):
    """The session's user, else the user of a valid API token, else None."""
    if request.user.is_authenticated:
        return request.user
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[0] if found else None


def _own_job(request: HttpRequest, pk: int) -> ExportJob | HttpResponse:
    user = _requester(request)
    if user is None:
        if is_api_request(request):
            return JsonResponse({"detail": NOT_LOGGED_IN}, status=401)
        return redirect_to_login(request.get_full_path())
    return get_object_or_404(ExportJob, pk=pk, created_by=user)


@require_safe
def export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """/exports/<kind>.<fmt>?<the list's filters>: the file, or its background job."""
    return export_response(request, kind, fmt)


@require_safe
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A job's progress (the partial is polled every second while it runs), then its link."""
    job = _own_job(request, pk)
    if isinstance(job, HttpResponse):
        return job
    if is_api_request(request):
        return JsonResponse(job_json(request, job))
    context = {
        "job": job,
        "progress": jobs.progress_percent(job),
        "active": job.status in jobs.ACTIVE,
        "list_url": list_url(job.kind) + (f"?{job.query}" if job.query else ""),
    }
    if request.htmx:
        return render(request, JOB_STATE_TEMPLATE, context)
    context["filters"] = list(QueryDict(job.query).lists())
    return render(request, "clusters/exports/job_detail.html", context)


@require_safe
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The finished file, as an attachment; before that, back to the job page."""
    job = _own_job(request, pk)
    if isinstance(job, HttpResponse):
        return job
    if job.status != jobs.STATUS.DONE or not job.file:
        if is_api_request(request):
            return JsonResponse(
                {"detail": "The export is not ready.", **job_json(request, job)}, status=409
            )
        return redirect("clusters:export-job", pk=job.pk)
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The file of this export was deleted.") from error
    filename = jobs.export_filename(job.kind, job.format, timezone.localdate(job.created_at))
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def job_list(request: HttpRequest) -> HttpResponse:
    """The user's exports, newest first."""
    user = _requester(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    jobs_qs = ExportJob.objects.filter(created_by=user).order_by("-created_at", "-pk")
    page = Paginator(jobs_qs, JOBS_PAGE_SIZE).get_page(request.GET.get("page"))
    for job in page.object_list:
        job.progress = jobs.progress_percent(job)
    return render(
        request,
        "clusters/exports/job_list.html",
        {"page": page, "keep_days": jobs.keep_days()},
    )
