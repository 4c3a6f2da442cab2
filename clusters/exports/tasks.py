"""Celery tasks of the exports: thin wrappers over jobs.py, idempotent, acknowledged late.

A worker discovers them through ``clusters.tasks`` (which imports this module).
"""

from __future__ import annotations

from celery import shared_task

from . import jobs


@shared_task(acks_late=True)
def run_export(job_id: int) -> int:
    """Write one ExportJob's file; a job done or failed already is left as it is."""
    job = jobs.run_export_job(job_id)
    return job.rows_done if job is not None else 0


@shared_task(acks_late=True)
def purge_old_exports() -> int:
    """Daily (celery beat): delete finished exports older than EXPORT_KEEP_DAYS."""
    return jobs.purge_old_exports()
