"""Celery tasks of the clusters app: thin wrappers that load ids and call services."""

from celery import shared_task

from . import digests, services
from .exports import tasks as export_tasks  # noqa: F401  (registers run_export, purge_old_exports)
from .imports import tasks as import_tasks  # noqa: F401  (registers validate_import, apply_import)


@shared_task(acks_late=True, ignore_result=False)
def recompute_completeness(organisation_id: int) -> int | None:
    """Idempotent: recomputing an unchanged profile writes nothing and returns the same score."""
    return services.organisation_recompute_completeness(organisation_id=organisation_id)


@shared_task(acks_late=True)
def send_saved_search_digests() -> int:
    """Weekly (celery beat, "saved-search-digests"): e-mail new matches of saved searches.

    Idempotent: one digest per search and ISO week, so a retry or a second run in the same
    week sends nothing more. Returns the number of e-mails sent.
    """
    return digests.send_weekly_digests()
