"""Import pages: who may use them, upload with form errors, preview, confirm, progress polling
and the list's query count. The import logic itself: test_imports.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from clusters.models import ImportJob, Organisation

from .test_imports import csv_bytes, org_rows, upload, xlsx_bytes

pytestmark = pytest.mark.django_db
NEW = reverse("clusters:import-create")
LIST = reverse("clusters:import-list")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def post_file(client, data: bytes, name: str = "orgs.csv", kind: str = "organisations"):
    return client.post(NEW, {"kind": kind, "file": SimpleUploadedFile(name, data)})


def detail(job) -> str:
    return reverse("clusters:import-detail", args=[job.pk])


# --- who may use them ------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(NEW)
    assert response.status_code == 302 and "/login" in response.url


@pytest.mark.parametrize("name", ["import-list", "import-create"])
def test_people_who_are_not_officers_or_staff_get_403(client, manager, name):
    client.force_login(manager)
    assert client.get(reverse(f"clusters:{name}")).status_code == 403
    response = post_file(client, csv_bytes(org_rows()))
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("name", ["import-detail", "import-progress", "import-confirm"])
def test_another_persons_job_is_a_404(officer_client, staff_user, name):
    job = upload(staff_user, "organisations", csv_bytes(org_rows()))
    url = reverse(f"clusters:{name}", args=[job.pk])
    response = officer_client.post(url) if name == "import-confirm" else officer_client.get(url)
    assert response.status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALID  # not imported by the other person


def test_staff_may_import(client, staff_user):
    client.force_login(staff_user)
    assert client.get(NEW).status_code == 200


# --- upload, preview, confirm ----------------------------------------------------------------


def test_upload_preview_and_confirm(officer_client, officer):
    response = post_file(officer_client, csv_bytes(org_rows()))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == detail(job)
    assert (job.created_by, job.original_name, job.rows_total) == (officer, "orgs.csv", 6)

    page = officer_client.get(detail(job)).content.decode()
    assert "The file has no errors" in page
    assert 'id="import-confirm"' in page and "Import 6 changes" in page
    assert "Import Org 0" in page  # the preview
    assert "hx-trigger" not in page  # nothing to poll
    assert not Organisation.objects.filter(slug__startswith="import-org").exists()

    response = officer_client.post(reverse("clusters:import-confirm", args=[job.pk]), follow=True)
    assert "Imported: 6 created, 0 updated, 0 unchanged." in response.content.decode()
    assert Organisation.objects.filter(slug__startswith="import-org").count() == 6
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE


def test_confirm_is_post_only(officer_client, officer):
    job = upload(officer, "organisations", csv_bytes(org_rows()))
    assert officer_client.get(reverse("clusters:import-confirm", args=[job.pk])).status_code == 405


def test_errors_are_listed_by_row_and_column_without_a_confirm_button(officer_client):
    rows = org_rows()
    rows[6][5] = "no-such-sector"
    post_file(officer_client, csv_bytes(rows))
    job = ImportJob.objects.get()
    page = officer_client.get(detail(job)).content.decode()
    assert "Nothing will be imported" in page
    assert '<td class="num">7</td><td><code>sectors</code></td>' in page
    assert "no-such-sector" in page
    assert 'id="import-confirm"' not in page
    response = officer_client.post(reverse("clusters:import-confirm", args=[job.pk]), follow=True)
    assert "The file has errors: correct it and upload it again." in response.content.decode()
    assert not Organisation.objects.filter(slug__startswith="import-org").exists()


def test_many_errors_are_paginated(officer_client):
    rows = org_rows(60, sector="nope")
    post_file(officer_client, csv_bytes(rows))
    job = ImportJob.objects.get()
    first = officer_client.get(detail(job)).content.decode()
    assert "Page 1 of 2" in first and first.count("Unknown sectors code") == 50
    second = officer_client.get(detail(job) + "?page=2").content.decode()
    assert second.count("Unknown sectors code") == 10


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"PK\x03\x04 broken", "orgs.xlsx", "could not be opened as an XLSX workbook"),
        (b"%PDF-1.7", "orgs.pdf", "Upload a CSV or an XLSX file."),
        (b"name\n", "orgs.csv", "column names but no rows"),
    ],
)
def test_unreadable_files_are_form_errors(officer_client, data, name, message):
    response = post_file(officer_client, data, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_xlsx_upload(officer_client):
    post_file(officer_client, xlsx_bytes(org_rows(3)), "orgs.xlsx")
    job = ImportJob.objects.get()
    assert (job.status, job.summary["create"]) == (ImportJob.Status.VALID, 3)


def test_upload_page_documents_the_columns(officer_client):
    page = officer_client.get(NEW).content.decode()
    assert 'enctype="multipart/form-data"' in page and "csrfmiddlewaretoken" in page
    for key in ("label_valid_until", "coordinator", "joined_on", "member_countries"):
        assert f"<code>{key}</code>" in page


# --- large files: a worker, and a page that polls ----------------------------------------------


def test_a_large_file_is_checked_by_a_worker_while_the_page_polls(
    officer_client, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_INLINE_ROWS = 2
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_file(officer_client, csv_bytes(org_rows()))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.VALIDATING
    progress = reverse("clusters:import-progress", args=[job.pk])
    page = officer_client.get(detail(job)).content.decode()
    assert f'hx-get="{progress}"' in page and 'hx-trigger="every 1s"' in page
    assert "0 of 6 rows checked" in page

    for callback in callbacks:
        callback()  # the worker runs the task
    partial = officer_client.get(progress, headers={"HX-Request": "true"}).content.decode()
    assert 'id="import-state"' in partial and "<html" not in partial
    assert "hx-trigger" not in partial and 'id="import-confirm"' in partial
    assert officer_client.get(progress).status_code == 302  # not htmx: the full page


# --- the list --------------------------------------------------------------------------------


def test_list_shows_only_my_jobs(officer_client, officer, staff_user):
    mine = upload(officer, "organisations", csv_bytes(org_rows()), "mine.csv")
    upload(staff_user, "organisations", csv_bytes(org_rows()), "theirs.csv")
    page = officer_client.get(LIST).content.decode()
    assert f'id="import-{mine.pk}"' in page and "mine.csv" in page
    assert "theirs.csv" not in page


def test_empty_list(officer_client):
    assert "No imports yet" in officer_client.get(LIST).content.decode()


@pytest.mark.parametrize("jobs", [1, 20])
def test_list_runs_a_constant_number_of_queries(
    officer_client, officer, jobs, django_assert_max_num_queries
):
    for i in range(jobs):
        ImportJob.objects.create(
            created_by=officer,
            kind="organisations",
            file=f"imports/x{i}.csv",
            original_name=f"x{i}.csv",
            status="done",
            summary={"create": 1, "update": 0, "unchanged": 0},
        )
    with django_assert_max_num_queries(6):
        response = officer_client.get(LIST)
    assert response.content.decode().count('id="import-') == jobs


def test_officer_without_the_role_any_more_gets_403(client, officer):
    job = upload(officer, "organisations", csv_bytes(org_rows()))
    officer.groups.clear()
    client.force_login(officer)
    assert client.get(detail(job)).status_code == 403


def test_a_job_waiting_for_long_says_so(officer_client, officer):
    job = ImportJob.objects.create(
        created_by=officer, kind="organisations", file="imports/x.csv", original_name="x.csv"
    )
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=1))
    page = officer_client.get(detail(job)).content.decode()
    assert "the background worker may be down" in page
    fresh = upload(officer, "organisations", csv_bytes(org_rows()))
    assert (
        "the background worker may be down"
        not in officer_client.get(detail(fresh)).content.decode()
    )


def test_old_uploaded_files_are_deleted_and_the_record_kept(officer_client, officer):
    from datetime import timedelta

    from django.utils import timezone

    from clusters.imports.tasks import purge_old_import_files

    post_file(officer_client, csv_bytes(org_rows()))
    old = ImportJob.objects.get()
    post_file(officer_client, csv_bytes(org_rows()), name="recent.csv")
    recent = ImportJob.objects.exclude(pk=old.pk).get()
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    path = old.file.path

    assert purge_old_import_files() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.file and old.rows_total == 6  # the record stays
    assert recent.file and recent.file.storage.exists(recent.file.name)
    import os

    assert not os.path.exists(path)


def test_officers_pages_link_to_imports_and_nobody_else_sees_the_link(client, officer, user):
    listing = reverse("clusters:partnership-list")
    client.force_login(user)
    assert reverse("clusters:import-list") not in client.get(listing).content.decode()
    client.force_login(officer)
    assert reverse("clusters:import-list") in client.get(listing).content.decode()
    for page in ("clusters:dashboard", "clusters:report-queue", "clusters:import-list"):
        html = client.get(reverse(page)).content.decode()
        assert 'aria-label="Programme monitoring"' in html, page
        assert f'href="{reverse("clusters:dashboard")}"' in html, page
