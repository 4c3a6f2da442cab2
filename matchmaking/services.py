"""Computing and storing partner suggestions; feedback on them. Tasks call these."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clusters.models import Organisation

from . import engine
from .features import linked_pairs, load_profiles
from .models import PartnerSuggestion, SuggestionFeedback, SuggestionRun

K = 20


def dismissed_pairs() -> dict[int, set[int]]:
    """Pairs the engine must never suggest again."""
    pairs: dict[int, set[int]] = defaultdict(set)
    rows = SuggestionFeedback.objects.filter(action=SuggestionFeedback.Action.DISMISSED)
    for org_id, suggested_id in rows.values_list("organisation_id", "suggested_id"):
        pairs[org_id].add(suggested_id)
    return dict(pairs)


@transaction.atomic
def store_suggestions(organisation_id: int, suggestions: list[engine.Suggestion]) -> int:
    """Replace one organisation's suggestions as a whole: readers never see half a list."""
    now = timezone.now()
    PartnerSuggestion.objects.filter(organisation_id=organisation_id).delete()
    PartnerSuggestion.objects.bulk_create(
        PartnerSuggestion(
            organisation_id=organisation_id,
            suggested_id=s.partner_id,
            rank=rank,
            score=round(float(s.score), 6),
            components={k: round(float(v), 4) for k, v in s.components.items()},
            reasons=list(s.reasons),
            already_linked=s.already_linked,
            engine_version=engine.ENGINE_VERSION,
            computed_at=now,
        )
        for rank, s in enumerate(suggestions, start=1)
    )
    return len(suggestions)


def recompute_organisation(organisation_id: int) -> int:
    """Fresh suggestions for one organisation (after its profile changed); idempotent."""
    if not Organisation.objects.published().filter(pk=organisation_id).exists():
        # A draft is nobody's partner and gets no list; an unpublished profile loses its list.
        PartnerSuggestion.objects.filter(organisation_id=organisation_id).delete()
        return 0
    profiles = load_profiles()
    results = engine.suggest(
        profiles,
        k=K,
        only=[organisation_id],
        exclude=dismissed_pairs(),
        linked=linked_pairs([organisation_id]),
    )
    stored = 0
    for org_id, suggestions in results:
        stored += store_suggestions(org_id, suggestions)
    return stored


def start_full_recompute() -> tuple[SuggestionRun, bool]:
    """A queued full run, or the one already queued or running (never two at once)."""
    active = SuggestionRun.objects.filter(
        scope=SuggestionRun.Scope.FULL,
        status__in=[SuggestionRun.Status.QUEUED, SuggestionRun.Status.RUNNING],
    ).first()
    if active:
        return active, False
    try:
        with transaction.atomic():
            run = SuggestionRun.objects.create(scope=SuggestionRun.Scope.FULL)
    except IntegrityError:  # another request created it between our check and insert
        return SuggestionRun.objects.get(
            scope=SuggestionRun.Scope.FULL,
            status__in=[SuggestionRun.Status.QUEUED, SuggestionRun.Status.RUNNING],
        ), False
    from .tasks import recompute_all

    transaction.on_commit(lambda: recompute_all.delay(run.pk))
    return run, True


def run_full_recompute(run_id: int) -> SuggestionRun:
    """Recompute every published organisation in chunks, storing each chunk as it comes and
    the progress in the run row; a finished or failed run is left alone (safe to retry)."""
    run = SuggestionRun.objects.get(pk=run_id)
    if run.status in (SuggestionRun.Status.DONE, SuggestionRun.Status.FAILED):
        return run
    profiles = load_profiles()
    run.status = SuggestionRun.Status.RUNNING
    run.started_at = timezone.now()
    run.total = len(profiles.ids)
    run.done = 0
    run.engine_version = engine.ENGINE_VERSION
    run.save()

    def progress(done: int, total: int) -> None:
        SuggestionRun.objects.filter(pk=run.pk).update(done=done, total=total)

    try:
        results = engine.suggest(
            profiles,
            k=K,
            exclude=dismissed_pairs(),
            linked=linked_pairs(),
            progress=progress,
        )
        for org_id, suggestions in results:
            store_suggestions(org_id, suggestions)
        # Organisations no longer published keep no stale lists.
        PartnerSuggestion.objects.exclude(organisation_id__in=profiles.ids).delete()
    except Exception as error:
        SuggestionRun.objects.filter(pk=run.pk).update(
            status=SuggestionRun.Status.FAILED, error=repr(error)[:2000], finished_at=timezone.now()
        )
        raise
    SuggestionRun.objects.filter(pk=run.pk).update(
        status=SuggestionRun.Status.DONE, done=run.total, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


@transaction.atomic
def give_feedback(
    *, user, suggestion: PartnerSuggestion, action: str, reason: str = "", note: str = ""
) -> SuggestionFeedback:
    """Save, dismiss or mark contacted. A dismissal removes the suggestion at once, and every
    later recompute excludes the pair (see dismissed_pairs)."""
    if not user.has_perm("matchmaking.give_feedback", suggestion.organisation):
        raise PermissionDenied("Only the organisation's managers can act on its suggestions.")
    if action not in SuggestionFeedback.Action.values:
        raise ValidationError({"action": f"Unknown action “{action}”."})
    if action == SuggestionFeedback.Action.DISMISSED and not reason:
        raise ValidationError({"reason": "Say why you dismiss this suggestion."})
    if reason and reason not in SuggestionFeedback.Reason.values:
        raise ValidationError({"reason": f"Unknown reason “{reason}”."})
    feedback, _created = SuggestionFeedback.objects.update_or_create(
        organisation=suggestion.organisation,
        suggested=suggestion.suggested,
        action=action,
        defaults={"user": user, "reason": reason, "note": note[:1000]},
    )
    if action == SuggestionFeedback.Action.DISMISSED:
        suggestion.delete()
    return feedback


def unsave(*, user, suggestion: PartnerSuggestion) -> None:
    if not user.has_perm("matchmaking.give_feedback", suggestion.organisation):
        raise PermissionDenied("Only the organisation's managers can act on its suggestions.")
    SuggestionFeedback.objects.filter(
        organisation=suggestion.organisation,
        suggested=suggestion.suggested,
        action=SuggestionFeedback.Action.SAVED,
    ).delete()
