"""Celery tasks for events: thin, idempotent, acknowledged after they finish.

A lock conflict (PostgreSQL aborts one side of a deadlock, e.g. the expiry run and a
participant leaving the event, both closing the same requests) is retried: every task here can
run again safely.
"""

from celery import shared_task
from django.db import OperationalError

from . import notifications, services

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": 5, "max_retries": 3}


@shared_task(acks_late=True, **RETRY)
def notify_registration(registration_id: int) -> int:
    return notifications.notify_registration(registration_id)


@shared_task(acks_late=True, **RETRY)
def notify_event_cancelled(event_id: int) -> int:
    return notifications.notify_event_cancelled(event_id)


@shared_task(acks_late=True, **RETRY)
def notify_meeting_request(request_id: int) -> int:
    return notifications.notify_meeting_request(request_id)


@shared_task(acks_late=True, **RETRY)
def expire_meeting_requests() -> int:
    """Celery beat, every 5 minutes: expire unanswered requests, warn those about to."""
    warned = notifications.warn_expiring_requests()
    return services.expire_requests() + warned


@shared_task(acks_late=True)
def schedule_event(run_id: int) -> int:
    """Place the event's accepted requests into slots and tables (one ScheduleRun)."""
    from . import schedule_runs

    return schedule_runs.run_schedule(run_id).result.get("new_meetings", 0)


@shared_task(acks_late=True)
def send_meeting_reminders() -> int:
    """Celery beat, every minute: e-mail both people shortly before each meeting, once."""
    from . import reminders

    return reminders.send_due_reminders()
