"""The one way an export is answered, for the pages and for the API.

    export_response(request, kind, fmt, queryset=None) -> HttpResponse

- ``request``: a Django HttpRequest (the export pages) or a DRF Request (an API action).
- ``kind``: "partnerships", "members" or "organisations" (columns.COLUMNS); ``fmt``: "csv"
  or "xlsx". Anything else is a 404.
- ``queryset``: the rows, already filtered and visible to ``request.user`` (an API action
  passes its own ``filter_queryset(get_queryset())``); None = built here from
  ``request.GET`` with the kind's FilterSet (sources.export_queryset). The query string must
  mean the same filters either way: a background job applies them again from it.

Up to EXPORT_SYNC_LIMIT rows (default 5,000): a StreamingHttpResponse, an attachment named
e.g. ``partnerships-2026-11-24.xlsx``. Above: an ExportJob run by a Celery worker; the answer
is a redirect to the job page, or for an API request (a DRF Request, or one that asks for
JSON and not HTML) a 202 with ``{"job", "status", "status_url", "download_url", ...}``.
Anonymous visitors export what they see, up to the limit; a background export needs an
account (403 saying so). A filter value the FilterSet refuses is a 400 naming the parameter.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from rest_framework.request import Request

from ..models import ExportJob
from . import jobs, sources, writers
from .columns import COLUMNS

FILTER_ERRORS_TEMPLATE = "clusters/exports/invalid.html"


def is_api_request(request: HttpRequest) -> bool:
    """A DRF Request, or a client that asks for JSON rather than a page. (``accepts`` alone
    is true for every browser, whose Accept header ends in ``*/*``.)"""
    if isinstance(request, Request):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def stream_response(kind: str, fmt: str, queryset: QuerySet) -> StreamingHttpResponse:
    """The file, written while the rows are read (flat memory)."""
    content = writers.chunks(fmt, COLUMNS[kind], sources.iterate(queryset), title=kind)
    response = StreamingHttpResponse(content, content_type=writers.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{jobs.export_filename(kind, fmt)}"'
    # Drafts and members' rows depend on who asks: never in a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


def job_urls(request: HttpRequest, job: ExportJob) -> dict[str, str]:
    return {
        "status_url": request.build_absolute_uri(reverse("clusters:export-job", args=[job.pk])),
        "download_url": request.build_absolute_uri(
            reverse("clusters:export-download", args=[job.pk])
        ),
    }


def job_json(request: HttpRequest, job: ExportJob) -> dict:
    """A job as the API and the job page's JSON answer show it."""
    return {
        "job": job.pk,
        "kind": job.kind,
        "format": job.format,
        "status": job.status,
        "rows_total": job.rows_total,
        "rows_done": job.rows_done,
        "progress": jobs.progress_percent(job),
        "error": job.error,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        **job_urls(request, job),
    }


def _invalid(request: HttpRequest, kind: str, error: ValidationError, api: bool) -> HttpResponse:
    errors = error.message_dict if hasattr(error, "error_dict") else {"filters": error.messages}
    if api:
        return JsonResponse(errors, status=400)
    query = sources.filter_params(request.GET).urlencode()
    back = list_url(kind) + (f"?{query}" if query else "")
    context = {"form": {"errors": errors}, "back_url": back}
    return render(request, FILTER_ERRORS_TEMPLATE, context, status=400)


def list_url(kind: str) -> str:
    """The list page whose filters an export of ``kind`` takes."""
    name = "organisation-list" if kind == "organisations" else "partnership-list"
    return reverse(f"clusters:{name}")


def export_response(
    request: HttpRequest, kind: str, fmt: str, queryset: QuerySet | None = None
) -> HttpResponse:
    """Stream the export, or start a background job for a large one (see the module)."""
    if kind not in sources.KINDS or fmt not in sources.FORMATS:
        raise Http404("No such export.")
    api = is_api_request(request)
    if queryset is None:
        try:
            queryset = sources.export_queryset(kind, request.user, request.GET)
        except ValidationError as error:
            return _invalid(request, kind, error, api)
    rows = queryset.count()
    if rows <= jobs.sync_limit():
        return stream_response(kind, fmt, queryset)
    if not request.user.is_authenticated:
        if api:
            return JsonResponse({"detail": jobs.LOGIN_NEEDED}, status=403)
        raise PermissionDenied(jobs.LOGIN_NEEDED)
    job = jobs.start_export(
        user=request.user,
        kind=kind,
        fmt=fmt,
        query=sources.filter_params(request.GET).urlencode(),
        rows_total=rows,
    )
    if api:
        job.refresh_from_db()  # eager mode (no broker): it may be done already
        return JsonResponse(job_json(request, job), status=202)
    return redirect("clusters:export-job", pk=job.pk)
