"""Event e-mails through a real Celery worker (Redis in CI, the in-memory broker without
REDIS_URL): enqueued after commit, sent once even when the task is delivered twice."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from celery.signals import task_postrun
from django.core import mail
from django.db import connections

from clusterplatform.celery import app
from events import services, tasks

from ..factories import make_event, make_participant


def _close_worker_connections(**kwargs) -> None:
    # The worker thread opens its own database connection; close it so the test database
    # can be flushed and dropped afterwards.
    connections.close_all()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_request_mail_through_a_real_worker_is_sent_once():
    event = make_event()
    a, b = make_participant(event), make_participant(event)
    app.conf.task_always_eager = False
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            # Commits at once (no surrounding transaction): its on-commit hook enqueues the mail.
            request = services.send_request(user=a.person, sender=a, receiver=b)
            # The same task again, as a redelivery would: the solo worker runs it second.
            again = tasks.notify_meeting_request.delay(request.pk)
            assert again.get(timeout=30) == 0
            beat = tasks.expire_meeting_requests.delay()
            assert beat.get(timeout=30) == 0
    finally:
        task_postrun.disconnect(_close_worker_connections)
    assert not isinstance(again, EagerResult) and again.status == "SUCCESS"
    assert [m.to for m in mail.outbox] == [[b.person.email]]
    request.refresh_from_db()
    assert request.received_mail_sent_at is not None
