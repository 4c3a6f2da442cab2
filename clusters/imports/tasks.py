"""Celery tasks for imports: thin wrappers over clusters/imports/apply.py.

Both are idempotent: a job that is no longer waiting for the step is left as it is, and the
write step runs in one transaction, so a task redelivered after a worker crash (acks_late)
either finds the job done or starts again from nothing written.
"""

from celery import shared_task

from . import apply


@shared_task(acks_late=True)
def validate_import(job_id: int) -> str:
    """Check a large file and store the preview (errors, counts, first rows) on the job."""
    return apply.validate_job(job_id).status


@shared_task(acks_late=True)
def apply_import(job_id: int) -> str:
    """Write a confirmed job's rows, all of them or none."""
    return apply.apply_job(job_id).status


@shared_task(acks_late=True)
def purge_old_import_files() -> int:
    """Daily (celery beat): delete uploaded files of imports older than IMPORT_KEEP_DAYS."""
    return apply.purge_old_import_files()
