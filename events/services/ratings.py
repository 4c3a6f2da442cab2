"""Participants rate the meetings they had: right after the event and about six months on."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import MeetingRating, MeetingRequest, Registration

# The second round opens about five months after the event, so a reminder sent "six months on"
# finds it open; it stays open for good.
SIX_MONTHS_OPENS_AFTER = timedelta(days=150)


def rating_round_open(request: MeetingRequest, round: str, now=None) -> bool:
    now = now or timezone.now()
    # In UTC: days added to a zoned time are wall-clock days, an hour off across a DST change.
    ended = request.event.ends_at.astimezone(UTC)
    if round == MeetingRating.Round.AFTER_EVENT:
        return now >= ended
    return now >= ended + SIX_MONTHS_OPENS_AFTER


@transaction.atomic
def rate_meeting(
    *,
    user,
    request: MeetingRequest,
    round: str,
    took_place: bool,
    outcome: str = MeetingRating.Outcome.NONE,
    comment: str = "",
    now=None,
) -> MeetingRating:
    """Record (or correct) the user's rating of one accepted meeting for one round."""
    request = MeetingRequest.objects.select_related("event", "sender", "receiver").get(
        pk=request.pk
    )
    mine: Registration | None = None
    for side in (request.sender, request.receiver):
        if side.person_id == user.pk:
            mine = side
    if mine is None:
        raise PermissionDenied("Only the two participants rate their meeting.")
    if request.status != MeetingRequest.Status.ACCEPTED:
        raise ValidationError({"request": "Only accepted meetings can be rated."})
    if round not in MeetingRating.Round.values:
        raise ValidationError({"round": f"Unknown round “{round}”."})
    if outcome not in MeetingRating.Outcome.values:
        raise ValidationError({"outcome": f"Unknown outcome “{outcome}”."})
    if not rating_round_open(request, round, now):
        when = (
            "after the event"
            if round == MeetingRating.Round.AFTER_EVENT
            else "about six months after the event"
        )
        raise ValidationError({"round": f"This rating opens {when}."})
    if not took_place and outcome != MeetingRating.Outcome.NONE:
        raise ValidationError({"outcome": "A meeting that did not take place has no outcome."})
    rating, _created = MeetingRating.objects.update_or_create(
        request=request,
        registration=mine,
        round=round,
        defaults={
            "took_place": took_place,
            "outcome": outcome,
            "comment": (comment or "").strip()[:2000],
        },
    )
    return rating
