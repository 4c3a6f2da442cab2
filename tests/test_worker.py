"""A task through a real Celery worker (Redis in CI, the in-memory broker without REDIS_URL)."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from celery.signals import task_postrun
from django.conf import settings
from django.db import connections

from clusterplatform.celery import app
from clusters.models import Organisation
from clusters.tasks import recompute_completeness

from .factories import OrganisationFactory


def _close_worker_connections(**kwargs) -> None:
    # The worker thread opens its own database connection; close it so the test database
    # can be flushed and dropped afterwards.
    connections.close_all()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_completeness_task_runs_in_a_real_worker():
    org = OrganisationFactory(name="Worker Test Org", city="Ghent", website="https://w.example.org")
    Organisation.objects.filter(pk=org.pk).update(completeness=0)
    app.conf.task_always_eager = False
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            result = recompute_completeness.delay(org.pk)
            score = result.get(timeout=30)
    finally:
        task_postrun.disconnect(_close_worker_connections)
    assert not isinstance(result, EagerResult)
    assert result.status == "SUCCESS"
    assert score > 0
    org.refresh_from_db()
    assert org.completeness == score
    # In CI this is the Redis broker the platform uses in production.
    assert str(app.conf.broker_url).startswith("redis" if settings.REDIS_URL else "memory")
