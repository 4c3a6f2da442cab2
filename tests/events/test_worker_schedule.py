"""Scheduling through a real Celery worker (Redis in CI, the in-memory broker without REDIS_URL):
the run is enqueued after commit, the worker stores the meetings, and a redelivered task finds
the run done and adds nothing."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from celery.signals import task_postrun
from django.conf import settings
from django.db import connections

from clusterplatform.celery import app
from events import schedule_runs, tasks
from events.models import Meeting, MeetingRequest, MeetingSeat, ScheduleRun

from ..factories import make_event, make_participant


def _close_worker_connections(**kwargs) -> None:
    # The worker thread opens its own database connection; close it so the test database
    # can be flushed and dropped afterwards.
    connections.close_all()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_schedule_runs_in_a_real_worker_and_stores_meetings(organiser):
    event = make_event(organiser=organiser, tables=2)
    people = [make_participant(event) for _ in range(6)]
    for i, a in enumerate(people):
        for b in people[i + 1 : i + 3]:
            MeetingRequest.objects.create(event=event, sender=a, receiver=b, status="accepted")
    app.conf.task_always_eager = False
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            # Commits at once (no surrounding transaction): its on-commit hook enqueues the run.
            run, created = schedule_runs.start_schedule(user=organiser, event=event)
            # The same task again, as a redelivery would: the solo worker runs it second.
            again = tasks.schedule_event.delay(run.pk)
            new = again.get(timeout=120)
    finally:
        task_postrun.disconnect(_close_worker_connections)
    assert created
    assert not isinstance(again, EagerResult) and again.status == "SUCCESS"
    run.refresh_from_db()
    assert run.status == ScheduleRun.Status.DONE, run.error
    assert new == run.result["new_meetings"] == Meeting.objects.count() == 9
    assert set(Meeting.objects.values_list("run_id", flat=True)) == {run.pk}
    assert MeetingSeat.objects.count() == 18
    assert ScheduleRun.objects.count() == 1
    # In CI this is the Redis broker the platform uses in production.
    assert str(app.conf.broker_url).startswith("redis" if settings.REDIS_URL else "memory")
