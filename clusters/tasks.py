"""Celery tasks of the clusters app: thin wrappers that load ids and call services."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=False)
def recompute_completeness(organisation_id: int) -> int | None:
    """Idempotent: recomputing an unchanged profile writes nothing and returns the same score."""
    return services.organisation_recompute_completeness(organisation_id=organisation_id)
