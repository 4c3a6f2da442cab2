"""Scheduled meetings: slots cut from the session windows, meetings in them, and the seats that
let the database itself refuse a person in two meetings at once or a table used twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .events import Event, SessionWindow
from .registrations import Registration
from .requests import MeetingRequest


class Slot(models.Model):
    """One meeting time of an event: the windows cut into meeting length plus break."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="slots")
    window = models.ForeignKey(SessionWindow, on_delete=models.CASCADE, related_name="slots")
    index = models.PositiveIntegerField(help_text="Position in the event, from 0.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["event", "index"]
        constraints = [
            models.UniqueConstraint(fields=["event", "index"], name="one_slot_per_index"),
            models.UniqueConstraint(fields=["event", "starts_at"], name="one_slot_per_start"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        start = self.event.local(self.starts_at)
        end = self.event.local(self.ends_at)
        return f"{start:%a %d %b %H:%M} to {end:%H:%M}"


class ScheduleRun(models.Model):
    """One press of "Schedule": progress while it runs, the figures when it is done."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="schedule_runs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    stage = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(
        default=dict, blank=True, help_text="Scheduled, unscheduled with reasons, bound, ratio."
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Never two runs at once for one event: they would both place the same requests.
            models.UniqueConstraint(
                fields=["event"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_schedule_run_per_event",
                violation_error_message="A scheduling run is already under way for this event.",
            ),
        ]

    def __str__(self) -> str:
        return f"Schedule of {self.event} ({self.status})"


class Meeting(models.Model):
    """An accepted request placed in a slot, at a table (on site) or online."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="meetings")
    request = models.ForeignKey(MeetingRequest, on_delete=models.CASCADE, related_name="meetings")
    # RESTRICT: a slot with meetings cannot be deleted alone, but goes with its event.
    slot = models.ForeignKey(Slot, on_delete=models.RESTRICT, related_name="meetings")
    table = models.PositiveIntegerField(null=True, blank=True, help_text="Empty when online.")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.SCHEDULED, db_index=True
    )
    locked = models.BooleanField(
        default=False, help_text="Placed or confirmed by hand: later runs never move it."
    )
    run = models.ForeignKey(
        ScheduleRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="meetings"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["slot__index", "table", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(status="scheduled"),
                name="one_scheduled_meeting_per_request",
                violation_error_message="This request already has a meeting.",
            ),
            models.UniqueConstraint(
                fields=["slot", "table"],
                condition=models.Q(status="scheduled", table__isnull=False),
                name="one_meeting_per_table_and_slot",
                violation_error_message="This table is taken in this slot.",
            ),
        ]

    def __str__(self) -> str:
        where = f"table {self.table}" if self.table else "online"
        return f"{self.request} at {self.slot} ({where})"

    @property
    def is_online(self) -> bool:
        return self.table is None


class MeetingSeat(models.Model):
    """A participant's place in a scheduled meeting: unique per participant and slot, so the
    database refuses anyone in two meetings at one time, whatever code path tries."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="seats")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="seats")
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="seats")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "slot"],
                name="one_meeting_per_person_and_slot",
                violation_error_message="This person already has a meeting at this time.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration} in {self.meeting}"
