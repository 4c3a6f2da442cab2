"""Saved organisation searches and the weekly e-mail digests sent for them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

# A normalised querystring is short (each filter value is a code); the cap keeps the
# (user, query) unique index well inside PostgreSQL's b-tree row limit.
QUERY_MAX_LENGTH = 2000
NAME_MAX_LENGTH = 120


class SavedSearch(models.Model):
    """A user's organisation search, stored as its normalised querystring.

    ``query`` holds only OrganisationFilterSet parameters, without page, ordering and empty
    values, keys and values sorted (see clusters/saved_searches.py): the same search saved
    twice is the same string, which the unique constraint recognises.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    query = models.CharField(
        max_length=QUERY_MAX_LENGTH,
        blank=True,
        help_text="Normalised querystring of the organisation search (empty: all organisations).",
    )
    digest = models.BooleanField(
        "weekly e-mail digest",
        default=True,
        help_text="E-mail the user new organisations matching this search once a week.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name_plural = "saved searches"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "query"],
                name="saved_search_unique_query_per_user",
                violation_error_message="You already saved this search.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        """The search page with this search applied."""
        url = reverse("clusters:organisation-list")
        return f"{url}?{self.query}" if self.query else url


class SavedSearchDigest(models.Model):
    """One row per saved search and ISO week in which the digest ran.

    The unique constraint on (saved_search, week) is what makes the weekly digest idempotent:
    a second run in the same week, even a concurrent one, cannot insert its row and so sends
    nothing. ``organisation_count`` 0 records a week that had nothing new (no e-mail sent).
    """

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="digests")
    week = models.DateField(help_text="Monday of the ISO week this digest covers.")
    sent_at = models.DateTimeField(
        help_text="When the digest ran: new organisations are those published since the "
        "previous digest's time, up to this one."
    )
    organisation_count = models.PositiveIntegerField(
        default=0, help_text="New matching organisations (0: nothing was sent)."
    )

    class Meta:
        ordering = ["-week", "pk"]
        get_latest_by = "sent_at"
        constraints = [
            models.UniqueConstraint(
                fields=["saved_search", "week"],
                name="saved_search_digest_once_per_week",
                violation_error_message="This search already had its digest this week.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.saved_search} · week of {self.week:%Y-%m-%d}"
