"""Reads for the suggestions pages and API, joined so a list costs a fixed number of queries."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import PartnerSuggestion, SuggestionFeedback, SuggestionRun


def suggestions_for(organisation) -> QuerySet[PartnerSuggestion]:
    return (
        PartnerSuggestion.objects.filter(organisation=organisation)
        .select_related("suggested", "suggested__region")
        .order_by("rank")
    )


def saved_partner_ids(organisation) -> set[int]:
    return set(
        SuggestionFeedback.objects.filter(
            organisation=organisation, action=SuggestionFeedback.Action.SAVED
        ).values_list("suggested_id", flat=True)
    )


def latest_runs(limit: int = 10) -> list[SuggestionRun]:
    return list(SuggestionRun.objects.select_related("organisation")[:limit])
