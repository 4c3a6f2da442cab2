"""Incremental suggestions benchmark: from a profile save to that organisation's fresh list.

A manager edits what their organisation looks for; the post-save signal queues
``recompute_organisation`` on commit. With ``REDIS_URL`` unset (``make bench``) the task runs
in-process at commit; with a broker and a running worker it runs there, and this measures until
the new list is stored (polling the database), queue latency included.

The baseline, measured in the same loop, is the same save with the recompute switched off: the
ratio says what fresh suggestions add to a profile save.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager

from celery import current_app
from django.db.models.signals import post_save
from django.utils import timezone

from clusters.models import SME, ClusterOrganisation, Organisation
from clusters.services import organisation_update

from . import engine, signals
from .features import linked_pairs, load_profiles
from .models import PartnerSuggestion
from .services import K, dismissed_pairs, store_suggestions

TARGET_SECONDS = 1.0
POLL_SECONDS = 0.005
TIMEOUT_SECONDS = 60.0


@contextmanager
def recompute_switched_off():
    """The save without its on-commit recompute: the baseline."""
    senders = (Organisation, ClusterOrganisation, SME)
    for sender in senders:
        post_save.disconnect(signals.profile_saved, sender=sender)
    try:
        yield
    finally:
        for sender in senders:
            post_save.connect(signals.profile_saved, sender=sender)


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median": round(statistics.median(ordered), 4),
        "p95": round(p95, 4),
        "max": round(ordered[-1], 4),
        "min": round(ordered[0], 4),
    }


def _wait_for_fresh(org_id: int, since) -> None:
    deadline = time.perf_counter() + TIMEOUT_SECONDS
    fresh = PartnerSuggestion.objects.filter(organisation_id=org_id, computed_at__gte=since)
    while not fresh.exists():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no fresh suggestions for {org_id} after {TIMEOUT_SECONDS} s")
        time.sleep(POLL_SECONDS)


def _phases(org_id: int) -> dict[str, float]:
    """Where a recompute spends its time (run directly, outside the signal)."""
    started = time.perf_counter()
    profiles = load_profiles()
    loaded = time.perf_counter()
    exclude, linked = dismissed_pairs(), linked_pairs([org_id])
    results = list(engine.suggest(profiles, k=K, only=[org_id], exclude=exclude, linked=linked))
    computed = time.perf_counter()
    for pk, suggestions in results:
        store_suggestions(pk, suggestions)
    stored = time.perf_counter()
    return {
        "load_profiles": loaded - started,
        "engine": computed - loaded,
        "store": stored - computed,
    }


def run(
    organisations: list[Organisation],
    texts: list[str],
    log: Callable[[str], None] = lambda message: None,
) -> dict:
    """Save each organisation with a new "looks for" text and time it to fresh suggestions."""
    eager = bool(current_app.conf.task_always_eager)
    end_to_end: list[float] = []
    save_only: list[float] = []
    phases: dict[str, list[float]] = {"load_profiles": [], "engine": [], "store": []}
    for i, org in enumerate(organisations):
        text = texts[i % len(texts)]
        with recompute_switched_off():
            started = time.perf_counter()
            organisation_update(organisation=org, fields={"looks_for": f"{text} (baseline)"})
            save_only.append(time.perf_counter() - started)
        since = timezone.now()
        started = time.perf_counter()
        organisation_update(organisation=org, fields={"looks_for": text})
        if not eager:
            _wait_for_fresh(org.pk, since)
        end_to_end.append(time.perf_counter() - started)
        for name, seconds in _phases(org.pk).items():
            phases[name].append(seconds)
        log(f"bench_suggestion_updates: save {i + 1}/{len(organisations)}: {end_to_end[-1]:.3f} s")
    summary = _stats(end_to_end)
    baseline = statistics.median(save_only)
    return {
        "mode": "in-process at commit (no broker)" if eager else "Celery worker via the broker",
        "saves": len(end_to_end),
        "save_to_fresh_suggestions_s": summary,
        "baseline_save_only_s": _stats(save_only),
        "ratio_median_vs_save_only": round(summary["median"] / baseline, 1) if baseline else None,
        "phases_median_s": {k: round(statistics.median(v), 4) for k, v in phases.items()},
        "target_s": TARGET_SECONDS,
        "meets_target": summary["p95"] < TARGET_SECONDS,
    }
