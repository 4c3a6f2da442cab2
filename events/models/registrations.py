"""Who takes part in an event, for which organisation, when, and what they bring."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from .events import Event, SessionWindow


class Registration(models.Model):
    """A person taking part in an event for one organisation."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    organisation = models.ForeignKey(
        "clusters.Organisation", on_delete=models.CASCADE, related_name="event_registrations"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_registrations"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    availability = models.ManyToManyField(
        SessionWindow,
        blank=True,
        related_name="registrations",
        help_text="The sessions this person can meet in (none chosen: all of them).",
    )
    max_meetings = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text="At most this many meetings (never more than the event allows).",
    )
    blocked_slots = models.ManyToManyField(
        "events.Slot",
        blank=True,
        related_name="blocked_for",
        help_text="Meeting times this person cannot meet (e.g. a plenary they attend).",
    )
    topics = models.ManyToManyField("clusters.Topic", blank=True, related_name="+")
    interests = models.TextField(
        blank=True, max_length=2000, help_text="What you would like to meet about."
    )
    feed_token = models.CharField(
        max_length=64,
        unique=True,
        default=secrets.token_urlsafe,
        editable=False,
        help_text="Secret in the URL of the participant's private calendar feed.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Each e-mail is sent once: a retried task finds the time set and does nothing.
    approved_mail_sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_event_mail_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "organisation__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "person"],
                name="one_registration_per_person_and_event",
                violation_error_message="You are already registered for this event.",
            ),
        ]
        indexes = [models.Index(fields=["event", "status"])]

    def __str__(self) -> str:
        return f"{self.person} for {self.organisation} at {self.event}"

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class MarketplaceItem(models.Model):
    """What a participant offers, asks for or proposes to do together, within one event."""

    class Kind(models.TextChoices):
        OFFER = "offer", "Offer"
        REQUEST = "request", "Request"
        COOPERATION = "cooperation", "Cooperation"

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="marketplace_items"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=5000, blank=True)
    sectors = models.ManyToManyField("clusters.Sector", blank=True, related_name="+")
    technologies = models.ManyToManyField("clusters.Technology", blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"
