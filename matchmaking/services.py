"""Computing and storing partner suggestions and the optional profile embeddings; feedback on
the suggestions. Tasks call these."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clusters.models import Organisation

from . import embeddings, engine
from .features import embedding_texts, embeddings_enabled, linked_pairs, load_profiles
from .models import PartnerSuggestion, ProfileEmbedding, SuggestionFeedback, SuggestionRun

logger = logging.getLogger(__name__)

K = 20
EMBED_BATCH = 256  # profiles encoded (and stored) at a time
# A full run encodes for at most this long (some 30,000 profiles on two busy cores), the rest
# the next night: well within the broker's one-hour visibility timeout, after which a task not
# yet acknowledged is delivered again. Profiles not encoded yet are matched by TF-IDF alone.
EMBED_BUDGET_SECONDS = 30 * 60


def dismissed_pairs() -> dict[int, set[int]]:
    """Pairs the engine must never suggest again."""
    pairs: dict[int, set[int]] = defaultdict(set)
    rows = SuggestionFeedback.objects.filter(action=SuggestionFeedback.Action.DISMISSED)
    for org_id, suggested_id in rows.values_list("organisation_id", "suggested_id"):
        pairs[org_id].add(suggested_id)
    return dict(pairs)


@transaction.atomic
def store_suggestions(
    organisation_id: int,
    suggestions: list[engine.Suggestion],
    engine_version: str = engine.ENGINE_VERSION,
) -> int:
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
            engine_version=engine_version,
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
    _embed_quietly([organisation_id])
    profiles = load_profiles()
    version = engine.version(profiles)
    results = engine.suggest(
        profiles,
        k=K,
        only=[organisation_id],
        exclude=dismissed_pairs(),
        linked=linked_pairs([organisation_id]),
    )
    stored = 0
    for org_id, suggestions in results:
        stored += store_suggestions(org_id, suggestions, version)
    return stored


def embed_organisation(organisation_id: int) -> bool:
    """Encode one published profile's texts when the extra is on and they (or the model)
    changed since they were last encoded; True if it did. Idempotent."""
    return embed_profiles([organisation_id]) > 0


def embed_profiles(
    ids: Iterable[int] | None = None, *, track: bool = False, budget: float | None = None
) -> int:
    """Encode the published profiles (of ``ids``, default all) that have no embedding of the
    current model for their current texts, EMBED_BATCH at a time, each batch stored as it
    comes; how many were encoded. Nothing without the extra or with MATCHMAKING_EMBEDDINGS
    off. ``track``: progress in a SuggestionRun (scope embeddings) when there is work;
    ``budget``: seconds after which no new batch starts."""
    if not embeddings_enabled():
        return 0
    texts = embedding_texts(ids)
    stored = ProfileEmbedding.objects.filter(model_name=embeddings.MODEL_NAME)
    if ids is not None:
        stored = stored.filter(organisation_id__in=list(texts))
    hashes = dict(stored.values_list("organisation_id", "text_hash"))
    digests = {pk: embeddings.text_hash(*t) for pk, t in texts.items()}
    todo = [(pk, t, digests[pk]) for pk, t in texts.items() if hashes.get(pk) != digests[pk]]
    if not todo:
        return 0
    run = None
    if track:
        run = SuggestionRun.objects.create(
            scope=SuggestionRun.Scope.EMBEDDINGS,
            status=SuggestionRun.Status.RUNNING,
            total=len(todo),
            started_at=timezone.now(),
        )
    deadline = None if budget is None else time.monotonic() + budget
    done = 0
    try:
        for start in range(0, len(todo), EMBED_BATCH):
            if deadline is not None and time.monotonic() > deadline:
                break
            batch = todo[start : start + EMBED_BATCH]
            vectors = embeddings.encode([t[0] for _, t, _ in batch] + [t[1] for _, t, _ in batch])
            _store_embeddings(batch, vectors[: len(batch)], vectors[len(batch) :])
            done = start + len(batch)
            if run is not None:
                SuggestionRun.objects.filter(pk=run.pk).update(done=done)
    except Exception as error:
        if run is not None:
            SuggestionRun.objects.filter(pk=run.pk).update(
                status=SuggestionRun.Status.FAILED,
                error=repr(error)[:2000],
                finished_at=timezone.now(),
            )
        raise
    if run is not None:
        SuggestionRun.objects.filter(pk=run.pk).update(
            status=SuggestionRun.Status.DONE, finished_at=timezone.now()
        )
    return done


def _store_embeddings(batch, offers, looks) -> None:
    """Insert or replace the embeddings of a batch of (organisation id, texts, text hash)."""
    ProfileEmbedding.objects.bulk_create(
        [
            ProfileEmbedding(
                organisation_id=pk,
                model_name=embeddings.MODEL_NAME,
                text_hash=digest,
                offers_vector=embeddings.to_bytes(o),
                looks_for_vector=embeddings.to_bytes(lk),
            )
            for (pk, _texts, digest), o, lk in zip(batch, offers, looks, strict=True)
        ],
        update_conflicts=True,
        unique_fields=["organisation"],
        update_fields=[
            "model_name", "text_hash", "offers_vector", "looks_for_vector", "updated_at"
        ],
    )  # fmt: skip


def _embed_quietly(ids: Iterable[int] | None = None, **options) -> None:
    """Embed before computing suggestions; a failure of the optional extra is logged, not
    raised: the suggestions then use the embeddings stored before, or TF-IDF alone."""
    try:
        embed_profiles(ids, **options)
    except Exception:
        logger.exception("Profile embeddings failed; suggestions go on without the new ones")


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
    the progress in the run row; a finished or failed run is left alone (safe to retry).
    With the extra on, the profiles without an up-to-date embedding are encoded first, in a
    run of their own (most nights none: each profile change encodes its own; the first night
    after installing the extra, as many as EMBED_BUDGET_SECONDS allows)."""
    run = SuggestionRun.objects.get(pk=run_id)
    if run.status in (SuggestionRun.Status.DONE, SuggestionRun.Status.FAILED):
        return run
    runs = SuggestionRun.objects.filter(pk=run.pk)
    runs.update(status=SuggestionRun.Status.RUNNING, started_at=timezone.now(), done=0)

    def progress(done: int, total: int) -> None:
        runs.update(done=done, total=total)

    try:
        _embed_quietly(track=True, budget=EMBED_BUDGET_SECONDS)
        profiles = load_profiles()
        version = engine.version(profiles)
        runs.update(total=len(profiles.ids), engine_version=version)
        results = engine.suggest(
            profiles,
            k=K,
            exclude=dismissed_pairs(),
            linked=linked_pairs(),
            progress=progress,
        )
        for org_id, suggestions in results:
            store_suggestions(org_id, suggestions, version)
        # Organisations no longer published keep no stale lists.
        PartnerSuggestion.objects.exclude(organisation_id__in=profiles.ids).delete()
    except Exception as error:
        runs.update(
            status=SuggestionRun.Status.FAILED, error=repr(error)[:2000], finished_at=timezone.now()
        )
        raise
    runs.update(
        status=SuggestionRun.Status.DONE, done=len(profiles.ids), finished_at=timezone.now()
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
