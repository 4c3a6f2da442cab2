"""Import jobs: upload, validate (preview), confirm, and write everything or nothing.

A small file is validated and imported within the request; a larger one (over
``IMPORT_INLINE_ROWS`` rows) by a Celery worker, while the page polls the job row. Writing
happens in ONE transaction that validates the file again against the database as it is then:
any error rolls back every row. Both steps are safe to run twice (a job that is no longer
waiting for a step is left as it is), so a redelivered task does nothing more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import ImportJob
from . import organisations, partnerships, readers
from .plan import Plan, RowFailed
from .readers import Table

logger = logging.getLogger(__name__)

Status = ImportJob.Status
KINDS: dict[str, Any] = {
    ImportJob.Kind.ORGANISATIONS: organisations,
    ImportJob.Kind.PARTNERSHIPS: partnerships,
}
# Errors stored on a job (and shown); the total is in summary["error_count"].
MAX_STORED_ERRORS = 1000
PROGRESS_EVERY = 250
FAILED_MESSAGE = "The import stopped on an unexpected error; nothing was written."
CONFLICT_MESSAGE = (
    "Someone else saved the same organisation or partnership while this file was imported; "
    "nothing was written. Upload the file again to check it against the new data."
)
NOT_READY = {
    Status.VALIDATING: "The file is still being checked.",
    Status.INVALID: "The file has errors: correct it and upload it again.",
    Status.IMPORTING: "This import is already running.",
    Status.DONE: "This file was imported already.",
    Status.FAILED: "This import failed: upload the file again.",
}


def may_import(user) -> bool:
    """Imports write many profiles at once: programme officers and platform staff only
    (the clusters.import_data rule, which the navigation checks too)."""
    return user.has_perm("clusters.import_data")


def inline_rows() -> int:
    return getattr(settings, "IMPORT_INLINE_ROWS", 2000)


def validate_table(kind: str, table: Table, user, *, progress=None) -> Plan:
    return KINDS[kind].validate(table, user, progress=progress)


def _progress(job: ImportJob) -> Callable[[int], None]:
    last = [0]

    def report(done: int) -> None:
        if done - last[0] >= PROGRESS_EVERY or done == job.rows_total:
            last[0] = done
            ImportJob.objects.filter(pk=job.pk).update(rows_done=done)

    return report


def _finish(job: ImportJob, status: str, plan: Plan, **summary: Any) -> ImportJob:
    job.status = status
    job.errors = plan.errors[:MAX_STORED_ERRORS]
    job.summary = {**plan.summary(), **summary}
    job.finished_at = timezone.now()
    if status != Status.FAILED:
        job.rows_done = job.rows_total or 0
    job.save(update_fields=["status", "errors", "summary", "finished_at", "rows_done"])
    return job


def _fail(job: ImportJob, message: str) -> ImportJob:
    plan = Plan()
    plan.error(None, "", message)
    return _finish(job, Status.FAILED, plan)


def _read(job: ImportJob) -> Table:
    with job.file.open("rb") as handle:
        return readers.read_table(handle, job.original_name)


def start_import(*, user, kind: str, upload: UploadedFile, table: Table) -> ImportJob:
    """A job for an uploaded file (already read by the form): validated now when small,
    else by a worker once this transaction commits."""
    if not may_import(user):
        raise PermissionDenied("Only programme officers and platform staff import data.")
    if kind not in KINDS:
        raise ValidationError({"kind": "Choose what the file holds."})
    upload.seek(0)
    job = ImportJob.objects.create(
        created_by=user,
        kind=kind,
        file=upload,
        original_name=(upload.name or "upload")[:255],
        rows_total=len(table),
    )
    if len(table) <= inline_rows():
        return validate_job(job.pk, table=table)
    from .tasks import validate_import

    transaction.on_commit(lambda: validate_import.delay(job.pk), robust=True)
    return job


def validate_job(job_id: int, *, table: Table | None = None) -> ImportJob:
    """The preview: every error by row and column, and what the import would do."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != Status.VALIDATING:
        return job
    # Inline (in the upload request) nobody polls yet: no progress writes, _finish sets it.
    progress = _progress(job) if table is None else None
    try:
        table = table if table is not None else _read(job)
        plan = validate_table(job.kind, table, job.created_by, progress=progress)
    except readers.FileError as error:
        plan = Plan()
        plan.error(None, "", str(error))
    except Exception:
        logger.exception("Validating import job %s failed", job.pk)
        return _fail(job, "The file could not be checked because of an unexpected error.")
    return _finish(job, Status.VALID if plan.valid else Status.INVALID, plan)


def confirm_import(*, user, job: ImportJob) -> ImportJob:
    """Start writing a valid job: now when small, else by a worker."""
    if job.created_by_id != user.pk or not may_import(user):
        raise PermissionDenied("This is not your import.")
    claimed = ImportJob.objects.filter(pk=job.pk, status=Status.VALID).update(
        status=Status.IMPORTING, rows_done=0
    )
    if not claimed:
        job.refresh_from_db()
        raise ValidationError({"status": NOT_READY.get(job.status, "This import cannot start.")})
    if (job.rows_total or 0) <= inline_rows():
        return apply_job(job.pk)
    from .tasks import apply_import

    transaction.on_commit(lambda: apply_import.delay(job.pk), robust=True)
    job.refresh_from_db()
    return job


def _row_errors(plan: Plan, failure: RowFailed) -> None:
    error = failure.error
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for column, messages in error.message_dict.items():
            column = "" if column == "__all__" else column
            for message in messages:
                plan.error(failure.row, column, message)
    else:
        message = " ".join(getattr(error, "messages", [str(error)]))
        plan.error(failure.row, "", message)


class _Rollback(Exception):
    pass


def apply_job(job_id: int) -> ImportJob:
    """Validate again and write every row in one transaction, or nothing at all."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != Status.IMPORTING:
        return job
    module = KINDS[job.kind]
    plan = Plan()
    if not may_import(job.created_by):  # the role was taken away since the confirmation
        plan.error(None, "", "You may no longer import data: nothing was written.")
        return _finish(job, Status.INVALID, plan)
    try:
        table = _read(job)
        with transaction.atomic():
            plan = module.validate(table, job.created_by)
            if not plan.valid:
                raise _Rollback
            try:
                module.write(plan, job.created_by)
            except RowFailed as failure:
                _row_errors(plan, failure)
                raise _Rollback from failure
    except readers.FileError as error:
        plan.error(None, "", str(error))
        return _finish(job, Status.INVALID, plan)
    except _Rollback:
        return _finish(job, Status.INVALID, plan, rolled_back=True)
    except IntegrityError:
        # Someone saved the same identifier between the check and the write.
        plan = Plan()
        plan.error(None, "", CONFLICT_MESSAGE)
        return _finish(job, Status.INVALID, plan, rolled_back=True)
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        return _fail(job, FAILED_MESSAGE)
    return _finish(job, Status.DONE, plan)


FINISHED = (
    ImportJob.Status.DONE,
    ImportJob.Status.INVALID,
    ImportJob.Status.FAILED,
)


def purge_old_import_files(days: int | None = None) -> int:
    """Delete the uploaded files of finished imports older than IMPORT_KEEP_DAYS: the job row
    (who imported what, the counts and errors) stays as the record; the file is not kept for
    ever. A file checked but never confirmed counts as finished after the same delay.
    Returns the number of files deleted."""
    keep = getattr(settings, "IMPORT_KEEP_DAYS", 30) if days is None else days
    cutoff = timezone.now() - timedelta(days=keep)
    old = ImportJob.objects.filter(created_at__lt=cutoff).exclude(file="")
    old = old.filter(status__in=(*FINISHED, ImportJob.Status.VALID))
    deleted = 0
    for job in old.iterator(chunk_size=500):
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
        deleted += 1
    return deleted
