"""A matchmaking event, its session windows and its per-kind meeting limits.

Times are stored in UTC (``USE_TZ``) and shown in the event's own time zone; dates of the event
are local dates of that zone.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django_countries.fields import CountryField

from clusters.models import OrganisationKind

MIN_EXPIRY = timedelta(minutes=15)
MAX_EXPIRY = timedelta(days=10)


@functools.cache
def time_zone_names() -> frozenset[str]:
    """Read once: listing the zone database takes ~60 ms."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(f"“{value}” is not a time zone name such as Europe/Brussels.")


def validate_expiry(value: timedelta) -> None:
    if not MIN_EXPIRY <= value <= MAX_EXPIRY:
        raise ValidationError("Unanswered requests expire after between 15 minutes and 10 days.")


class EventKind(models.TextChoices):
    B2B = "b2b", "B2B matchmaking"
    CLUSTER_TO_CLUSTER = "c2c", "Cluster-to-cluster meeting"
    MISSION = "mission", "Mission abroad"
    INFO_DAY = "info_day", "Info day"


class EventFormat(models.TextChoices):
    ONSITE = "onsite", "On site"
    ONLINE = "online", "Online"
    HYBRID = "hybrid", "Hybrid"


class EventStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    REGISTRATION_CLOSED = "registration_closed", "Registration closed"
    FINISHED = "finished", "Finished"
    CANCELLED = "cancelled", "Cancelled"


class EventQuerySet(models.QuerySet):
    def visible(self) -> EventQuerySet:
        """What anyone may read: everything but drafts."""
        return self.exclude(status=EventStatus.DRAFT)

    def upcoming(self) -> EventQuerySet:
        return self.filter(ends_at__gte=timezone.now())

    def past(self) -> EventQuerySet:
        return self.filter(ends_at__lt=timezone.now())


class Event(models.Model):
    Kind = EventKind
    Format = EventFormat
    Status = EventStatus

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    kind = models.CharField(max_length=20, choices=EventKind.choices, default=EventKind.B2B)
    format = models.CharField(
        max_length=10, choices=EventFormat.choices, default=EventFormat.ONSITE
    )
    status = models.CharField(
        max_length=20, choices=EventStatus.choices, default=EventStatus.DRAFT, db_index=True
    )
    description = models.TextField(blank=True)
    venue = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = CountryField(blank=True)
    time_zone = models.CharField(
        max_length=64, default="Europe/Brussels", validators=[validate_time_zone]
    )
    starts_at = models.DateTimeField(help_text="Start of the event (stored in UTC).")
    ends_at = models.DateTimeField(help_text="End of the event (stored in UTC).")
    registration_opens_at = models.DateTimeField(null=True, blank=True)
    registration_deadline = models.DateTimeField(
        help_text="Registrations close at this moment, in the event's time zone."
    )
    meeting_minutes = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    break_minutes = models.PositiveSmallIntegerField(default=5, validators=[MaxValueValidator(120)])
    tables = models.PositiveIntegerField(
        default=20, validators=[MaxValueValidator(10_000)], help_text="Meeting tables on site."
    )
    online_meeting_url = models.CharField(
        max_length=300,
        blank=True,
        help_text="Video-call link for online meetings; {meeting} is replaced by the meeting id.",
    )
    requires_approval = models.BooleanField(
        default=False, help_text="Organisers approve each registration before it counts."
    )
    requests_need_acceptance = models.BooleanField(
        default=True, help_text="Otherwise a meeting request is accepted as soon as it is sent."
    )
    request_expiry = models.DurationField(
        default=timedelta(days=3),
        validators=[validate_expiry],
        help_text="An unanswered meeting request expires after this long.",
    )
    max_meetings = models.PositiveSmallIntegerField(
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text="Most meetings one participant may have.",
    )
    reminder_minutes = models.PositiveSmallIntegerField(
        default=10,
        validators=[MaxValueValidator(24 * 60)],
        help_text="E-mail participants this many minutes before each meeting (0: no reminder).",
    )
    organisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="organised_events", blank=True
    )
    sectors = models.ManyToManyField("clusters.Sector", blank=True, related_name="events")
    partnership = models.ForeignKey(
        "clusters.Partnership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        help_text="Its meetings and their outcomes count into the partnership's impact.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="event_ends_after_start",
                violation_error_message="The event must end after it starts.",
            ),
            models.CheckConstraint(
                condition=models.Q(registration_deadline__lte=models.F("ends_at")),
                name="event_deadline_before_end",
                violation_error_message="Registration must close before the event ends.",
            ),
            models.CheckConstraint(
                condition=models.Q(registration_opens_at__isnull=True)
                | models.Q(registration_opens_at__lt=models.F("registration_deadline")),
                name="event_registration_opens_before_deadline",
                violation_error_message="Registration must open before its deadline.",
            ),
            models.CheckConstraint(
                condition=models.Q(request_expiry__gte=MIN_EXPIRY)
                & models.Q(request_expiry__lte=MAX_EXPIRY),
                name="event_request_expiry_range",
                violation_error_message=(
                    "Unanswered requests expire after between 15 minutes and 10 days."
                ),
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("events:detail", kwargs={"slug": self.slug})

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local(self, moment):
        """A UTC moment as a wall-clock time of the event's zone."""
        return timezone.localtime(moment, self.tz) if moment else moment

    @property
    def is_visible(self) -> bool:
        return self.status != EventStatus.DRAFT

    @property
    def has_ended(self) -> bool:
        return self.ends_at <= timezone.now() or self.status == EventStatus.FINISHED

    def registration_state(self, now=None) -> tuple[bool, str]:
        """Whether a new registration is accepted now, and why not (shown to the user)."""
        now = now or timezone.now()
        if self.status == EventStatus.CANCELLED:
            return False, "This event was cancelled."
        if self.status != EventStatus.PUBLISHED:
            return False, "Registration for this event is closed."
        if self.registration_opens_at and now < self.registration_opens_at:
            opens = self.local(self.registration_opens_at)
            return False, f"Registration opens on {opens:%d %B %Y at %H:%M} ({self.time_zone})."
        if now >= self.registration_deadline:
            deadline = self.local(self.registration_deadline)
            return False, (
                f"Registration closed on {deadline:%d %B %Y at %H:%M} ({self.time_zone})."
            )
        return True, ""


class SessionWindow(models.Model):
    """A stretch of time in which meetings happen (a morning, an afternoon); the scheduler cuts
    it into slots of the event's meeting length plus break."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="windows")
    label = models.CharField(max_length=100, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="window_ends_after_start",
                violation_error_message="A session must end after it starts.",
            ),
        ]

    def __str__(self) -> str:
        start = self.event.local(self.starts_at)
        end = self.event.local(self.ends_at)
        label = f"{self.label}: " if self.label else ""
        return f"{label}{start:%a %d %b %H:%M} to {end:%H:%M}"

    @property
    def is_morning(self) -> bool:
        return self.event.local(self.starts_at).hour < 12


class KindLimit(models.Model):
    """A lower meeting limit for participants of one organisation kind (e.g. 6 for investors)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="kind_limits")
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    max_meetings = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(200)]
    )

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "kind"],
                name="one_kind_limit_per_event",
                violation_error_message="This kind already has a limit for the event.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.max_meetings}"
