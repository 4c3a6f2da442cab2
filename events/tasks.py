"""Celery tasks for events: thin, idempotent, acknowledged after they finish."""

from celery import shared_task

from . import notifications, services


@shared_task(acks_late=True)
def notify_registration(registration_id: int) -> int:
    return notifications.notify_registration(registration_id)


@shared_task(acks_late=True)
def notify_meeting_request(request_id: int) -> int:
    return notifications.notify_meeting_request(request_id)


@shared_task(acks_late=True)
def expire_meeting_requests() -> int:
    """Celery beat, every 5 minutes: expire unanswered requests, warn those about to."""
    warned = notifications.warn_expiring_requests()
    return services.expire_requests() + warned
