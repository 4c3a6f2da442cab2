"""Exports over EXPORT_SYNC_LIMIT rows: a job row, a Celery task that writes the file, a job
page with progress and a download, each for its owner only."""

from __future__ import annotations

import io
import json
import os
from datetime import timedelta

import openpyxl
import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from celery.signals import task_postrun
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory, force_authenticate

from clusterplatform.celery import app
from clusters.exports import jobs, sources
from clusters.exports.columns import headers
from clusters.exports.responses import export_response
from clusters.exports.tasks import run_export
from clusters.models import ExportJob, Partnership
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
ROWS = 5
LIMIT = 3


@pytest.fixture(autouse=True)
def _small_limit_and_own_media(settings, tmp_path):
    settings.EXPORT_SYNC_LIMIT = LIMIT
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def partnerships():
    for i in range(ROWS):
        Partnership.objects.create(name=f"P{i}", slug=f"p{i}", type="jci", status="published")
    Partnership.objects.create(name="Hidden", slug="hidden", type="jci", status="draft")


def export_url(kind: str = "partnerships", fmt: str = "xlsx", query: str = "") -> str:
    base = reverse("clusters:export", kwargs={"kind": kind, "fmt": fmt})
    return f"{base}?{query}" if query else base


def job_url(job: ExportJob) -> str:
    return reverse("clusters:export-job", args=[job.pk])


def download_url(job: ExportJob) -> str:
    return reverse("clusters:export-download", args=[job.pk])


def sheet_rows(body: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))


def make_job(user, **fields) -> ExportJob:
    fields.setdefault("kind", "partnerships")
    fields.setdefault("format", "csv")
    return ExportJob.objects.create(created_by=user, **fields)


# --- the large-export path ---------------------------------------------------------------


def test_over_the_limit_a_job_runs_and_its_file_downloads(
    client, user, partnerships, django_capture_on_commit_callbacks
):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.get(export_url(query="type=jci&fmt=x&page=2"))
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job_url(job)
    assert len(callbacks) == 1  # the task is enqueued after the commit
    assert (job.created_by, job.kind, job.format, job.query) == (
        user,
        "partnerships",
        "xlsx",
        "type=jci",
    )
    assert job.status == "done" and job.rows_total == ROWS and job.rows_done == ROWS

    page = client.get(job_url(job)).content.decode()
    assert download_url(job) in page and "hx-trigger" not in page

    response = client.get(download_url(job))
    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="partnerships-{today}.xlsx"'
    rows = sheet_rows(b"".join(response.streaming_content))
    assert list(rows[0]) == headers("partnerships")
    assert sorted(r[1] for r in rows[1:]) == [f"P{i}" for i in range(ROWS)]  # no draft


def test_at_the_limit_it_streams(client, user):
    for i in range(LIMIT):
        Partnership.objects.create(name=f"P{i}", slug=f"p{i}", type="jci", status="published")
    client.force_login(user)
    response = client.get(export_url(fmt="csv"))
    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content).count(b"\n") == LIMIT + 1
    assert not ExportJob.objects.exists()


def test_api_clients_get_a_202_with_where_to_look(
    client, user, partnerships, django_capture_on_commit_callbacks
):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(export_url(fmt="csv"), HTTP_ACCEPT="application/json")
    assert response.status_code == 202
    body = response.json()
    job = ExportJob.objects.get()
    assert body["job"] == job.pk and body["status"] in ("pending", "running", "done")
    assert body["status_url"] == f"http://testserver{job_url(job)}"
    assert body["download_url"] == f"http://testserver{download_url(job)}"

    status = client.get(job_url(job), HTTP_ACCEPT="application/json").json()
    assert status["status"] == "done" and status["progress"] == 100 and status["rows_done"] == ROWS


def test_export_response_takes_a_drf_request_and_its_queryset(
    user, partnerships, django_capture_on_commit_callbacks
):
    """What the API's export action does: its own filtered queryset, a DRF Request."""
    factory = APIRequestFactory()
    django_request = factory.get("/api/partnerships/export.csv", {"type": "jci", "page_size": 2})
    force_authenticate(django_request, user=user)
    request = Request(django_request)
    request.user = user
    few = Partnership.objects.filter(status="published").order_by("name")[:2]
    response = export_response(request, "partnerships", "csv", queryset=few)
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].split(",") == headers("partnerships") and len(lines) == 3

    everything = Partnership.objects.filter(status="published")
    with django_capture_on_commit_callbacks(execute=True):
        response = export_response(request, "partnerships", "xlsx", queryset=everything)
    assert response.status_code == 202
    job = ExportJob.objects.get()
    assert job.query == "type=jci"  # the filters, not the page size
    assert json.loads(response.content)["job"] == job.pk


def test_anonymous_visitors_must_log_in_for_a_large_export(client, partnerships):
    response = client.get(export_url())
    assert response.status_code == 403
    assert "runs in the background and needs an account. Log in" in response.content.decode()
    response = client.get(export_url(), HTTP_ACCEPT="application/json")
    assert response.status_code == 403 and "account" in response.json()["detail"]
    assert not ExportJob.objects.exists()


# --- the job pages: owner only -----------------------------------------------------------


def test_job_pages_are_for_their_owner_only(client, user):
    job = make_job(user, status="done")
    job.file.save("x.csv", ContentFile(b"a,b\n"))
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(job_url(job)).status_code == 404
    assert client.get(download_url(job)).status_code == 404
    assert download_url(job) not in client.get(reverse("clusters:export-jobs")).content.decode()
    client.logout()
    response = client.get(download_url(job))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    response = client.get(job_url(job), HTTP_ACCEPT="application/json")
    assert response.status_code == 401


def test_api_token_opens_the_status_and_the_file(client, user, officer):
    job = make_job(user, status="done")
    job.file.save("x.csv", ContentFile(b"a,b\n"))
    token = Token.objects.create(user=user)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}", "HTTP_ACCEPT": "application/json"}
    assert client.get(job_url(job), **auth).json()["status"] == "done"
    response = client.get(download_url(job), **auth)
    assert b"".join(response.streaming_content) == b"a,b\n"
    other = Token.objects.create(user=officer)
    auth["HTTP_AUTHORIZATION"] = f"Token {other.key}"
    assert client.get(job_url(job), **auth).status_code == 404
    auth["HTTP_AUTHORIZATION"] = "Token not-a-token"
    assert client.get(job_url(job), **auth).status_code == 401


def test_running_job_page_polls_and_download_waits(client, user):
    job = make_job(user, status="running", rows_total=4000, rows_done=1000)
    client.force_login(user)
    page = client.get(job_url(job)).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="25"' in page
    partial = client.get(job_url(job), HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="export-state"') and "<html" not in partial
    response = client.get(download_url(job))
    assert response.status_code == 302 and response["Location"] == job_url(job)
    response = client.get(download_url(job), HTTP_ACCEPT="application/json")
    assert response.status_code == 409


def test_failed_job_shows_its_error(client, user):
    job = make_job(user, status="failed", error="A filter is no longer valid (sector: gone).")
    client.force_login(user)
    page = client.get(job_url(job)).content.decode()
    assert "The export failed" in page and "sector: gone" in page and "hx-trigger" not in page


def test_job_list_shows_the_users_jobs_and_an_empty_state(client, user):
    client.force_login(user)
    assert "No exports yet" in client.get(reverse("clusters:export-jobs")).content.decode()
    job = make_job(user, status="done", rows_done=12)
    page = client.get(reverse("clusters:export-jobs")).content.decode()
    assert download_url(job) in page and f'id="export-{job.pk}"' in page


# --- the task ----------------------------------------------------------------------------


def test_task_is_idempotent(user, partnerships):
    job = make_job(user, query="type=jci")
    run_export(job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.rows_done == ROWS
    first_name, finished = job.file.name, job.finished_at
    assert job.file.read().decode("utf-8-sig").count("\n") == ROWS + 1
    run_export(job.pk)  # a retry of a finished job changes nothing
    job.refresh_from_db()
    assert (job.file.name, job.finished_at) == (first_name, finished)


def test_interrupted_job_is_written_again_replacing_its_partial_file(user, partnerships):
    job = make_job(user, status="running", rows_done=2)
    job.file.save("partial.csv", ContentFile(b"half"))
    partial = job.file.path
    run_export(job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.rows_done == ROWS
    assert job.file.path != partial
    assert not os.path.exists(partial)


def test_task_reapplies_visibility_as_the_jobs_user(officer, user, partnerships):
    mine, theirs = make_job(officer), make_job(user)
    run_export(mine.pk)
    run_export(theirs.pk)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.rows_done, theirs.rows_done) == (ROWS + 1, ROWS)  # the officer sees the draft


def test_a_filter_gone_invalid_fails_the_job_naming_it(user, partnerships):
    job = make_job(user, query="sector=no-such-sector")
    run_export(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "sector" in job.error and not job.file


def test_an_inactive_account_gets_no_file(user, partnerships):
    job = make_job(user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    run_export(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and not job.file


def test_a_deleted_job_is_nothing_to_do():
    assert run_export(123456) == 0


def test_progress_is_written_as_rows_go(user, monkeypatch):
    job = make_job(user, status="running")
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 2)
    seen = []
    for _ in jobs._counted(job.pk, range(5)):
        seen.append(ExportJob.objects.get(pk=job.pk).rows_done)
    assert seen == [0, 0, 2, 2, 4]
    job.rows_total = 8
    assert jobs.progress_percent(job) == 0
    job.rows_done = 6
    assert jobs.progress_percent(job) == 75


def test_old_exports_are_purged_with_their_files(user):
    old, new = make_job(user, status="done"), make_job(user, status="done")
    old.file.save("old.csv", ContentFile(b"x"))
    running = make_job(user, status="running")
    ExportJob.objects.filter(pk__in=[old.pk, running.pk]).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    path = old.file.path
    assert jobs.purge_old_exports() == 1
    assert set(ExportJob.objects.values_list("pk", flat=True)) == {new.pk, running.pk}
    assert not os.path.exists(path)


def test_filter_params_keep_filters_only():
    params = sources.filter_params({"kind": "sme", "fmt": "csv", "page": "2", "sector": ["a", " "]})
    assert params.urlencode() == "kind=sme&sector=a"


# --- a real worker -----------------------------------------------------------------------


def _close_worker_connections(**kwargs) -> None:
    connections.close_all()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_export_task_runs_in_a_real_worker(settings):
    user = UserFactory()
    OrganisationFactory(name="Worker Export Org")
    job = ExportJob.objects.create(created_by=user, kind="organisations", format="xlsx")
    app.conf.task_always_eager = False
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            result = run_export.delay(job.pk)
            rows = result.get(timeout=60)
    finally:
        task_postrun.disconnect(_close_worker_connections)
    assert not isinstance(result, EagerResult)
    assert result.status == "SUCCESS" and rows == 1
    job.refresh_from_db()
    assert job.status == "done"
    with job.file.open("rb") as handle:
        data = sheet_rows(handle.read())
    assert list(data[0]) == headers("organisations") and data[1][1] == "Worker Export Org"
    assert str(app.conf.broker_url).startswith("redis" if django_settings.REDIS_URL else "memory")


def test_a_second_click_joins_the_export_under_way(client, user, partnerships):
    running = make_job(user, kind="partnerships", format="xlsx", query="type=jci", status="running")
    client.force_login(user)
    response = client.get(export_url(query="type=jci"))
    assert response["Location"] == job_url(running)
    assert ExportJob.objects.count() == 1
    ExportJob.objects.filter(pk=running.pk).update(created_at=timezone.now() - timedelta(hours=2))
    client.get(export_url(query="type=jci"))
    assert ExportJob.objects.count() == 2  # a stale one is not joined
