"""Exports too large for a request (over EXPORT_SYNC_LIMIT rows) run as Celery tasks: an
ExportJob row holds the filters, the progress the job page polls, and the finished file.

Runs are idempotent: a job already done or failed is left as it is, and a job whose worker
died (a redelivered task, acks_late) is written again from the start, replacing any partial
file. The worker applies the filters again as the job's user, so it exports what that user
sees at run time, never more.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from ..models import ExportJob
from . import sources, writers
from .columns import COLUMNS

logger = logging.getLogger(__name__)

STATUS = ExportJob.Status
ACTIVE = (STATUS.PENDING, STATUS.RUNNING)
# An export takes seconds to a few minutes; one still waiting after this has lost its task.
STALE_AFTER = timedelta(minutes=30)
# rows_done is written every this many rows: the page moves, the database barely notices.
PROGRESS_EVERY = 1000
LOGIN_NEEDED = (
    "This export has more rows than can be downloaded at once: it runs in the background "
    "and needs an account. Log in, or narrow the filters."
)


def sync_limit() -> int:
    """Rows up to which an export streams in the request (settings.EXPORT_SYNC_LIMIT)."""
    return int(getattr(settings, "EXPORT_SYNC_LIMIT", 5000))


def keep_days() -> int:
    """Days a finished export's file is kept (settings.EXPORT_KEEP_DAYS)."""
    return int(getattr(settings, "EXPORT_KEEP_DAYS", 7))


def export_filename(kind: str, fmt: str, day: date | None = None) -> str:
    """e.g. partnerships-2026-11-24.xlsx"""
    return f"{kind}-{(day or timezone.localdate()).isoformat()}.{fmt}"


def progress_percent(job: ExportJob) -> int:
    if job.status == STATUS.DONE:
        return 100
    if not job.rows_total:
        return 0
    return min(99, int(100 * job.rows_done / job.rows_total))


def start_export(*, user, kind: str, fmt: str, query: str, rows_total: int | None) -> ExportJob:
    """A pending job, its task enqueued once the job row is committed; or the same export of
    the same user already under way."""
    if not user or not user.is_authenticated:
        raise PermissionDenied(LOGIN_NEEDED)
    if kind not in sources.KINDS:
        raise ValidationError({"kind": f"Unknown export {kind!r}."})
    if fmt not in sources.FORMATS:
        raise ValidationError({"fmt": f"Unknown format {fmt!r}: csv or xlsx."})
    # A second click while the same export is under way joins it (a job left pending by a
    # lost task is not joined for ever: after STALE_AFTER a new one starts).
    same = ExportJob.objects.filter(
        created_by=user,
        kind=kind,
        format=fmt,
        query=query,
        status__in=ACTIVE,
        created_at__gte=timezone.now() - STALE_AFTER,
    ).first()
    if same is not None:
        return same
    job = ExportJob.objects.create(
        created_by=user, kind=kind, format=fmt, query=query, rows_total=rows_total
    )
    from .tasks import run_export

    # Robust: without a broker the task runs right here (eager); its failure is recorded on
    # the job (the page shows it) and must not turn the download click into a 500.
    transaction.on_commit(lambda: run_export.delay(job.pk), robust=True)
    return job


def _fail(job: ExportJob, message: str) -> ExportJob:
    ExportJob.objects.filter(pk=job.pk).update(
        status=STATUS.FAILED, error=message[:2000], finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def _counted(job_pk: int, objects):
    """The objects, writing rows_done to the job every PROGRESS_EVERY rows."""
    for done, obj in enumerate(objects, 1):
        yield obj
        if done % PROGRESS_EVERY == 0:
            ExportJob.objects.filter(pk=job_pk).update(rows_done=done)


def _error_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in error.message_dict.items())
    return " ".join(error.messages)


def run_export_job(job_id: int) -> ExportJob | None:
    """Write the job's file to default_storage; None if the job no longer exists."""
    job = ExportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        return None
    claimed = ExportJob.objects.filter(pk=job.pk, status__in=ACTIVE).update(
        status=STATUS.RUNNING, rows_done=0, error="", finished_at=None
    )
    if not claimed:
        return job  # done or failed already: a retry changes nothing
    user = job.created_by
    if not user.is_active:
        return _fail(job, "The account that asked for this export is no longer active.")
    try:
        queryset = sources.export_queryset(job.kind, user, QueryDict(job.query))
        total = queryset.count()
        ExportJob.objects.filter(pk=job.pk).update(rows_total=total)
        rows = _counted(job.pk, sources.iterate(queryset))
        with tempfile.TemporaryFile() as tmp:
            writers.write_file(job.format, COLUMNS[job.kind], rows, tmp, title=job.kind)
            tmp.seek(0)
            if job.file:
                job.file.delete(save=False)  # a partial file of an interrupted run
            job.file.save(
                export_filename(job.kind, job.format, timezone.localdate(job.created_at)),
                File(tmp),
                save=False,
            )
    except ValidationError as error:
        return _fail(job, f"A filter is no longer valid ({_error_text(error)}).")
    except Exception as error:
        logger.exception("Export job %s failed", job.pk)
        _fail(job, f"The export failed: {error!r}")
        raise
    ExportJob.objects.filter(pk=job.pk).update(
        status=STATUS.DONE,
        rows_total=total,
        rows_done=total,
        file=job.file.name,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


def purge_old_exports(days: int | None = None) -> int:
    """Delete finished jobs older than ``days`` (EXPORT_KEEP_DAYS) with their files: exports
    hold what their user could see then, and are not kept for ever. Returns jobs deleted."""
    cutoff = timezone.now() - timedelta(days=keep_days() if days is None else days)
    old = ExportJob.objects.filter(created_at__lt=cutoff).exclude(status__in=ACTIVE)
    deleted = 0
    for job in old.iterator(chunk_size=500):
        if job.file:
            job.file.delete(save=False)
        job.delete()
        deleted += 1
    return deleted
