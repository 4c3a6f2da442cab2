"""Long exports and imports run by Celery workers: their state, progress and files.

A row per job lets the page poll progress (htmx) from any web process, and lets the worker
that runs it be on another machine; PostgreSQL stays the one source of truth.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class JobStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a worker"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ExportJob(models.Model):
    """An export too large to stream in the request (over EXPORT_SYNC_LIMIT rows)."""

    class Kind(models.TextChoices):
        PARTNERSHIPS = "partnerships", "Partnerships"
        MEMBERS = "members", "Partnership members"
        ORGANISATIONS = "organisations", "Organisations"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    Status = JobStatus

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(max_length=15, choices=Kind.choices)
    format = models.CharField(max_length=4, choices=Format.choices)
    # The filters as a query string, applied again by the worker with the same FilterSet.
    query = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.format}) #{self.pk}"


class ImportJob(models.Model):
    """An uploaded CSV/XLSX file: validated for a preview, then imported in one transaction."""

    class Kind(models.TextChoices):
        ORGANISATIONS = "organisations", "Organisations"
        PARTNERSHIPS = "partnerships", "Partnerships with members"

    class Status(models.TextChoices):
        VALIDATING = "validating", "Checking the file"
        VALID = "valid", "Ready to import"
        INVALID = "invalid", "Has errors"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    kind = models.CharField(max_length=15, choices=Kind.choices)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VALIDATING)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    # [{"row": 7, "column": "country", "message": "..."}]: row numbers as a spreadsheet shows them.
    errors = models.JSONField(default=list, blank=True)
    # Preview and outcome: {"create": n, "update": n, "unchanged": n, "rows": [first rows]}.
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import #{self.pk} ({self.original_name})"
