"""Meeting requests between participants of an event, and the ratings of meetings held."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Greatest, Least

from .events import Event
from .registrations import Registration

OPEN_STATUSES = ("pending", "accepted")


class MeetingRequest(models.Model):
    """One participant asks another for a B2B meeting; accepted, it is scheduled later."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="meeting_requests")
    sender = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="requests_sent")
    receiver = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="requests_received"
    )
    message = models.TextField(max_length=2000, blank=True)
    # What the scheduler reads (the meeting scheduler issue): higher priority is placed first.
    priority = models.PositiveSmallIntegerField(
        choices=[(1, "Low"), (2, "Normal"), (3, "High")], default=2
    )
    part_of_day = models.CharField(
        max_length=10,
        choices=[("", "Any time"), ("morning", "Morning only"), ("afternoon", "Afternoon only")],
        blank=True,
        default="",
    )
    must_be_online = models.BooleanField(
        default=False, help_text="Meet online even at a hybrid event (no table needed)."
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Each e-mail is sent once: a retried task finds the time set and does nothing.
    received_mail_sent_at = models.DateTimeField(null=True, blank=True)
    answer_mail_sent_at = models.DateTimeField(null=True, blank=True)
    expiry_warning_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(sender=models.F("receiver")),
                name="meeting_request_not_self",
                violation_error_message="You cannot ask yourself for a meeting.",
            ),
            # One open (pending or accepted) request per pair and event, whoever sent it.
            models.UniqueConstraint(
                models.F("event"),
                Least("sender", "receiver"),
                Greatest("sender", "receiver"),
                condition=models.Q(status__in=OPEN_STATUSES),
                name="one_open_meeting_request_per_pair",
                violation_error_message="There is already an open request between you two.",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "status"]),
            models.Index(
                fields=["expires_at"],
                name="pending_request_expiry",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender.organisation} → {self.receiver.organisation} ({self.status})"

    def other(self, registration: Registration) -> Registration:
        return self.receiver if registration.pk == self.sender_id else self.sender


class MeetingRating(models.Model):
    """A participant's word on a meeting held: right after the event, and again ~6 months on.
    Agreements and MoUs rated here are the partnerships' "business cooperation cases"."""

    class Round(models.TextChoices):
        AFTER_EVENT = "after_event", "Right after the event"
        SIX_MONTHS = "six_months", "About six months later"

    class Outcome(models.TextChoices):
        NONE = "none", "No outcome"
        FOLLOW_UP = "follow_up", "Follow-up planned"
        AGREEMENT = "agreement", "Cooperation agreement reached"
        MOU = "mou", "Memorandum of understanding signed"

    request = models.ForeignKey(MeetingRequest, on_delete=models.CASCADE, related_name="ratings")
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="meeting_ratings"
    )
    round = models.CharField(max_length=12, choices=Round.choices)
    took_place = models.BooleanField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.NONE)
    comment = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["request", "round", "registration"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "registration", "round"],
                name="one_rating_per_meeting_person_round",
                violation_error_message="You already rated this meeting for this round.",
            ),
            models.CheckConstraint(
                condition=models.Q(took_place=True) | models.Q(outcome="none"),
                name="rating_outcome_needs_meeting",
                violation_error_message="A meeting that did not take place has no outcome.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration} on {self.request}: {self.outcome}"
