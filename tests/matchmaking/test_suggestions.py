"""Suggestions in the platform: stored per organisation, dismissals respected, runs tracked."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.db import connections

from clusterplatform.celery import app
from clusters.models import Organisation
from clusters.services import topics_from_names
from matchmaking import engine, services
from matchmaking.models import PartnerSuggestion, SuggestionFeedback, SuggestionRun
from matchmaking.tasks import recompute_all

from ..factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def _org(name: str, kind: str, country: str, gives=(), wants=(), **fields) -> Organisation:
    org = OrganisationFactory(name=name, kind=kind, country=country, **fields)
    org.offers_topics.set(topics_from_names(gives))
    org.looks_for_topics.set(topics_from_names(wants))
    return org


@pytest.fixture
def world():
    """A looks for laser welding, which B offers; D is A's fellow cluster member; E is noise."""
    a = _org(
        "Alpha Components",
        "sme",
        "DE",
        gives=["precision machining"],
        wants=["laser welding"],
        looks_for="We look for laser welding of thin steel sheets.",
        sectors=["automotive"],
    )
    b = _org(
        "Beta Laser Institute",
        "rto",
        "FR",
        gives=["laser welding"],
        offers="Laser welding and laser cutting pilot lines.",
        wants=["precision machining"],
        sectors=["production-technology-and-heavy-machinery"],
    )
    d = _org("Delta Fellow", "sme", "DE", gives=["laser welding"], wants=["design"])
    e = _org("Epsilon Noise", "sme", "IT", gives=["pasta"], wants=["olive oil"])
    cluster = OrganisationFactory(name="Gamma Cluster", kind="cluster", country="DE")
    OrganisationFactory.add_member(cluster, a)
    OrganisationFactory.add_member(cluster, d)
    return {"a": a, "b": b, "d": d, "e": e, "cluster": cluster}


def suggestions_for(org: Organisation) -> list[PartnerSuggestion]:
    return list(PartnerSuggestion.objects.filter(organisation=org).select_related("suggested"))


def test_recompute_one_organisation_stores_its_ranked_list(world):
    a, b = world["a"], world["b"]
    assert services.recompute_organisation(a.pk) > 0
    rows = suggestions_for(a)
    assert rows[0].suggested == b
    assert [r.rank for r in rows] == list(range(1, len(rows) + 1))
    assert all(r.suggested_id != a.pk for r in rows)
    assert rows[0].engine_version == engine.ENGINE_VERSION
    assert set(rows[0].components) == set(engine.WEIGHTS)
    assert any("laser welding" in reason for reason in rows[0].reasons)
    # Only the organisation asked for was recomputed.
    assert not PartnerSuggestion.objects.exclude(organisation=a).exists()


def test_recompute_is_idempotent_and_replaces_the_list(world):
    a = world["a"]
    services.recompute_organisation(a.pk)
    first = [(r.suggested_id, r.rank) for r in suggestions_for(a)]
    services.recompute_organisation(a.pk)
    assert [(r.suggested_id, r.rank) for r in suggestions_for(a)] == first


def test_fellow_members_are_flagged_not_new(world):
    services.recompute_organisation(world["a"].pk)
    flags = {r.suggested_id: r.already_linked for r in suggestions_for(world["a"])}
    assert flags.get(world["d"].pk) is True
    assert flags.get(world["b"].pk) is False


def test_a_dismissed_partner_never_comes_back(world, django_capture_on_commit_callbacks):
    a, b = world["a"], world["b"]
    SuggestionFeedback.objects.create(
        organisation=a,
        suggested=b,
        action=SuggestionFeedback.Action.DISMISSED,
        reason=SuggestionFeedback.Reason.ALREADY_WORK_TOGETHER,
    )
    services.recompute_organisation(a.pk)
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = services.start_full_recompute()  # the task runs eagerly on commit
    assert b.pk not in {r.suggested_id for r in suggestions_for(a)}
    run.refresh_from_db()
    assert run.status == SuggestionRun.Status.DONE


def test_a_draft_gets_no_list_and_is_nobodys_partner(world):
    a, b = world["a"], world["b"]
    services.recompute_organisation(a.pk)
    b.status = Organisation.Status.DRAFT
    b.save()
    services.recompute_organisation(b.pk)
    assert suggestions_for(b) == []
    services.recompute_organisation(a.pk)
    assert b.pk not in {r.suggested_id for r in suggestions_for(a)}


def test_full_run_tracks_progress_and_covers_everyone(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run, created = services.start_full_recompute()
    assert created
    run.refresh_from_db()
    published = Organisation.objects.published().count()
    assert (run.status, run.total, run.done, run.percent) == ("done", published, published, 100)
    covered = set(PartnerSuggestion.objects.values_list("organisation_id", flat=True))
    assert covered == set(Organisation.objects.published().values_list("pk", flat=True))


def test_only_one_full_run_at_a_time(world):
    running = SuggestionRun.objects.create(
        scope=SuggestionRun.Scope.FULL, status=SuggestionRun.Status.RUNNING
    )
    run, created = services.start_full_recompute()
    assert (run.pk, created) == (running.pk, False)


def test_a_failing_run_is_marked_failed_with_the_error(world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(engine, "suggest", broken)
    run = SuggestionRun.objects.create(scope=SuggestionRun.Scope.FULL)
    with pytest.raises(RuntimeError):
        services.run_full_recompute(run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and "engine exploded" in run.error
    # A finished (failed) run is not restarted by a retry of the same task.
    assert services.run_full_recompute(run.pk).status == "failed"


def test_a_profile_change_queues_its_recompute(world, django_capture_on_commit_callbacks):
    a = world["a"]
    with django_capture_on_commit_callbacks(execute=True):
        a.description = "Now with more laser welding."
        a.save()
    assert suggestions_for(a)


def test_nightly_run_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["suggestions-nightly"]
    assert entry["task"] == "matchmaking.tasks.nightly_recompute"


def _close_connections(**kwargs) -> None:
    connections.close_all()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_full_recompute_through_a_real_worker(world):
    run = SuggestionRun.objects.create(scope=SuggestionRun.Scope.FULL)
    app.conf.task_always_eager = False
    task_postrun.connect(_close_connections, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            done = recompute_all.delay(run.pk).get(timeout=60)
    finally:
        task_postrun.disconnect(_close_connections)
    run.refresh_from_db()
    assert run.status == "done" and done == run.total > 0
    assert PartnerSuggestion.objects.filter(organisation=world["a"]).exists()
