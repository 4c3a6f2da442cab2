"""Partner suggestions computed in the background, the feedback on them, and the runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SuggestionRun(models.Model):
    """One recompute (all organisations, or one): status and progress shown to staff."""

    class Scope(models.TextChoices):
        FULL = "full", "All organisations"
        ORGANISATION = "organisation", "One organisation"
        EMBEDDINGS = "embeddings", "Profile embeddings"  # filled before a full run (optional)

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    scope = models.CharField(max_length=20, choices=Scope.choices)
    organisation = models.ForeignKey(
        "clusters.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    engine_version = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # At most one full recompute queued or running: a second request joins it.
            models.UniqueConstraint(
                fields=["scope"],
                condition=models.Q(scope="full", status__in=["queued", "running"]),
                name="one_active_full_run",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


class ProfileEmbedding(models.Model):
    """Sentence embeddings of one organisation's offers and looks-for texts (the optional
    extra, matchmaking/embeddings.py): float32 bytes, re-encoded only when the encoded texts
    (``text_hash``) or the model change. The engine blends them into the complementarity."""

    organisation = models.OneToOneField(
        "clusters.Organisation", on_delete=models.CASCADE, related_name="profile_embedding"
    )
    model_name = models.CharField(max_length=100)
    text_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the exact texts encoded (offers, looks for)."
    )
    offers_vector = models.BinaryField()
    looks_for_vector = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Embedding of {self.organisation} ({self.model_name})"


class PartnerSuggestion(models.Model):
    """``suggested`` is a good partner for ``organisation``; replaced as a whole per recompute."""

    organisation = models.ForeignKey(
        "clusters.Organisation", on_delete=models.CASCADE, related_name="suggestions"
    )
    suggested = models.ForeignKey(
        "clusters.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()
    components = models.JSONField(default=dict)
    reasons = models.JSONField(default=list)
    already_linked = models.BooleanField(
        default=False, help_text="Already a fellow member or partner: shown, not as new."
    )
    engine_version = models.CharField(max_length=40)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["organisation", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "suggested"], name="one_suggestion_per_pair"
            ),
            models.CheckConstraint(
                condition=~models.Q(organisation=models.F("suggested")), name="no_self_suggestion"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.suggested} for {self.organisation} (#{self.rank})"


class SuggestionFeedback(models.Model):
    """What an organisation's people did with a suggestion; a dismissal is never undone by a
    recompute (the engine is told to exclude the pair)."""

    class Action(models.TextChoices):
        SAVED = "saved", "Saved"
        DISMISSED = "dismissed", "Dismissed"
        CONTACTED = "contacted", "Contacted"

    class Reason(models.TextChoices):
        ALREADY_WORK_TOGETHER = "already_work_together", "We already work together"
        NOT_RELEVANT = "not_relevant", "Not relevant for us"
        WRONG_PROFILE = "wrong_profile", "Their profile is out of date or wrong"
        OTHER = "other", "Another reason"

    organisation = models.ForeignKey(
        "clusters.Organisation", on_delete=models.CASCADE, related_name="suggestion_feedback"
    )
    suggested = models.ForeignKey(
        "clusters.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    reason = models.CharField(max_length=30, choices=Reason.choices, blank=True)
    note = models.TextField(blank=True, max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "suggested", "action"], name="one_feedback_per_action"
            ),
            models.CheckConstraint(
                condition=~models.Q(action="dismissed") | ~models.Q(reason=""),
                name="dismissal_has_reason",
                violation_error_message="Say why you dismiss this suggestion.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.get_action_display().lower()} {self.suggested}"


class ContactRequest(models.Model):
    """One organisation asks another to get in touch; accepted, it reveals both contacts."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    sender = models.ForeignKey(
        "clusters.Organisation", on_delete=models.CASCADE, related_name="contact_requests_sent"
    )
    recipient = models.ForeignKey(
        "clusters.Organisation",
        on_delete=models.CASCADE,
        related_name="contact_requests_received",
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # Each e-mail is sent once: a retried task finds the time set and does nothing.
    received_mail_sent_at = models.DateTimeField(null=True, blank=True)
    answer_mail_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(sender=models.F("recipient")),
                name="contact_request_not_self",
                violation_error_message="An organisation cannot contact itself.",
            ),
            models.UniqueConstraint(
                fields=["sender", "recipient"],
                condition=models.Q(status="pending"),
                name="one_pending_contact_request_per_pair",
                violation_error_message="A request to this organisation is already waiting.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender} → {self.recipient} ({self.get_status_display()})"
