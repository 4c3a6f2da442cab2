"""Celery tasks for suggestions: thin, idempotent, acknowledged after they finish."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def recompute_all(run_id: int) -> int:
    """Full recompute of one SuggestionRun; a rerun of a finished run does nothing."""
    return services.run_full_recompute(run_id).done


@shared_task(acks_late=True)
def recompute_organisation(organisation_id: int) -> int:
    """After a profile change: its embedding first when the extra is on and its texts changed
    (services.recompute_organisation does), then its suggestions."""
    return services.recompute_organisation(organisation_id)


@shared_task(acks_late=True)
def embed_organisation(organisation_id: int) -> bool:
    """Encode one profile's texts if the extra is on and they changed; otherwise nothing."""
    return services.embed_organisation(organisation_id)


@shared_task(acks_late=True)
def nightly_recompute() -> int:
    """Celery beat, nightly: start a full run unless one is already queued or running."""
    run, _created = services.start_full_recompute()
    return run.pk


@shared_task(acks_late=True)
def notify_contact_request(request_id: int) -> int:
    """E-mail the recipient's managers (new request) or the sender's (answer); each once."""
    from . import contacts

    return contacts.notify(request_id)
