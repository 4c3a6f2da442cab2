"""Sentence embeddings blended into the complementarity (matchmaking/engine.py); no Django.

Optional: ``Profiles.offers_vectors`` and ``looks_for_vectors`` (n x d float32, rows of unit
length, zero for an organisation without vectors; matchmaking/embeddings.py encodes them,
matchmaking/services.py stores them, matchmaking/features.py loads them). Without them the
engine is TF-IDF only and its results do not change by a bit.

With them, the engine takes a larger candidate pool per organisation (``pool_size``: the best
by the TF-IDF total), scores it exactly, and replaces each direction's text similarity of the
complementarity (a2b: A's looks-for against B's offers; b2a the other way) by the mean of the
TF-IDF one and the cosine of the centred embeddings (negatives 0), then re-sorts and keeps k.
A direction where either side has no vector keeps its TF-IDF similarity alone (profiles not
embedded yet). Centred: each side minus the mean vector of that side over the organisations
that have one, normalised again, which removes what every profile text shares ("partners",
"Europe", the phrasing of a form); raw cosines of all-MiniLM-L6-v2 lost to TF-IDF, centred
ones blended with it won (``manage.py bench_suggestions --embeddings``, matchmaking/quality.py:
NDCG@10 +0.05 to +0.08 and recall@10 +0.001 to +0.02 over the engine alone, every shape, at
2,000 and 5,000 organisations; about +1 s and +60 MiB for a full run at 10,000).

Centring copies nothing: (l - mL) . (o - mO) = l.o - l.mO - mL.o + mL.mO, the per-row terms
computed once, so the only per-pair work is l.o, on the pool's pairs only, in batches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # engine imports this module
    from .engine import Profiles

VERSION_SUFFIX = "+emb-1"  # appended to engine.ENGINE_VERSION for blended runs
# Candidates re-scored per organisation: 3 k (the engine's k + margin if larger). Measured at
# k = 10 against pools of 20, 50, 100 and 200 (bench_suggestions --embeddings, 2,000 and 5,000
# organisations): 30 was best or equal everywhere; 20 lost recall where profiles have no tags,
# and 100 or more lost a little (far down the TF-IDF ranking the embeddings add mostly noise).
POOL_FACTOR = 3
PAIR_BATCH = 8192  # pairs per batch of gathered rows (8192 x 384 float32 = 12 MiB)
MIN_CENTRED_NORM = 1e-6  # a vector (almost) equal to its side's mean says nothing


def pool_size(k: int) -> int:
    return POOL_FACTOR * max(0, k)


def vectors_of(profiles: Profiles) -> tuple[np.ndarray, np.ndarray] | None:
    """The profiles' (offers, looks-for) vectors if they can change a score: given, of the
    right shape, and some organisation's looks-for facing another's offers. None otherwise."""
    offers, looks = profiles.offers_vectors, profiles.looks_for_vectors
    if offers is None and looks is None:
        return None
    n = len(profiles.ids)
    if offers is None or looks is None or offers.ndim != 2 or offers.shape != looks.shape:
        raise ValueError("offers_vectors and looks_for_vectors: both or neither, n x d each")
    if offers.shape[0] != n:
        raise ValueError(f"vectors for {offers.shape[0]} organisations, profiles for {n}")
    has_offers, has_looks = _present(offers), _present(looks)
    o, lk = np.flatnonzero(has_offers), np.flatnonzero(has_looks)
    if not len(o) or not len(lk) or (len(o) == len(lk) == 1 and o[0] == lk[0]):
        return None
    return offers, looks


def _present(vectors: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", vectors, vectors) > 0


@dataclass
class Blend:
    """The vectors (the caller's arrays, profile order) and their per-row centring terms."""

    offers: np.ndarray
    looks: np.ndarray
    order: np.ndarray  # internal position -> profile index (engine_features.Features.order)
    looks_mo: np.ndarray  # l . mO, per profile (float64)
    offers_ml: np.ndarray  # o . mL
    looks_norm: np.ndarray  # |l - mL|, 0 where there is no usable vector
    offers_norm: np.ndarray  # |o - mO|
    ml_mo: float  # mL . mO


def prepare(offers: np.ndarray, looks: np.ndarray, order: np.ndarray) -> Blend:
    offers = np.asarray(offers, dtype=np.float32)
    looks = np.asarray(looks, dtype=np.float32)
    has_offers, has_looks = _present(offers), _present(looks)
    mean_o = _mean(offers, has_offers)
    mean_l = _mean(looks, has_looks)
    return Blend(
        offers=offers,
        looks=looks,
        order=order,
        looks_mo=(looks @ mean_o.astype(np.float32)).astype(np.float64),
        offers_ml=(offers @ mean_l.astype(np.float32)).astype(np.float64),
        looks_norm=_centred_norms(looks, has_looks, mean_l),
        offers_norm=_centred_norms(offers, has_offers, mean_o),
        ml_mo=float(mean_l @ mean_o),
    )


def _mean(vectors: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Mean of the non-zero rows (zero rows add nothing to the sum), float64."""
    count = int(present.sum())
    return vectors.sum(axis=0, dtype=np.float64) / max(count, 1)


def _centred_norms(vectors: np.ndarray, present: np.ndarray, mean: np.ndarray) -> np.ndarray:
    squares = np.einsum("ij,ij->i", vectors, vectors).astype(np.float64)
    cross = (vectors @ mean.astype(np.float32)).astype(np.float64)
    norms = np.sqrt(np.maximum(squares - 2 * cross + mean @ mean, 0))
    return np.where(present & (norms > MIN_CENTRED_NORM), norms, 0.0)


def _dots(left: np.ndarray, right: np.ndarray, a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """left[a[i]] . right[c[i]] for each pair. Pairs come grouped by a (the candidates of one
    organisation follow each other): each group's left row is read once, its right rows as a
    padded grid, about PAIR_BATCH pairs at a time (a third of the time of gathering both sides
    per pair). The same bits for a pair in any group or batch (einsum sums each dot alike)."""
    if not len(a):
        return np.zeros(0)
    starts = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
    counts = np.diff(np.r_[starts, len(a)])
    group = np.repeat(np.arange(len(starts)), counts)
    slot = np.arange(len(a)) - starts[group]
    grid = np.full((len(starts), int(counts.max())), c[0])
    grid[group, slot] = c
    out = np.empty(grid.shape, dtype=np.float32)
    batch = max(1, PAIR_BATCH // grid.shape[1])
    for g in range(0, len(starts), batch):
        rows = slice(g, g + batch)
        out[rows] = np.einsum("rkd,rd->rk", right[grid[rows]], left[a[starts[rows]]])
    return out[group, slot].astype(np.float64)


def _cosines(b: Blend, a: np.ndarray, c: np.ndarray, a_looks: bool) -> np.ndarray:
    """Centred cosine, negatives 0, of A's looks-for and C's offers (``a_looks``) or of A's
    offers and C's looks-for, for profile indices a[i], c[i]; NaN where a side has no vector."""
    looks = (b.looks, b.looks_norm, b.looks_mo)
    offers = (b.offers, b.offers_norm, b.offers_ml)
    (left, left_norm, left_m), (right, right_norm, right_m) = (
        (looks, offers) if a_looks else (offers, looks)
    )
    out = np.full(len(a), np.nan)
    ok = np.flatnonzero((left_norm[a] > 0) & (right_norm[c] > 0))
    i, j = a[ok], c[ok]
    dots = _dots(left, right, i, j)
    centred = (dots - left_m[i] - right_m[j] + b.ml_mo) / (left_norm[i] * right_norm[j])
    out[ok] = np.clip(centred, 0, 1)
    return out


def complementarity(
    b: Blend,
    pa: np.ndarray,
    pb: np.ndarray,
    a2b: np.ndarray,
    b2a: np.ndarray,
    blend: tuple[float, float],
) -> np.ndarray:
    """The complementarity of pairs (internal positions pa, pb) from their TF-IDF a2b and b2a,
    each averaged with the embeddings' cosine where both sides have vectors."""
    a, c = b.order[pa], b.order[pb]
    directions = []
    for tfidf, a_looks in ((a2b, True), (b2a, False)):
        cosine = _cosines(b, a, c, a_looks)
        directions.append(np.where(np.isnan(cosine), tfidf, (tfidf + cosine) / 2))
    x, y = directions
    return np.clip(blend[0] * np.maximum(x, y) + blend[1] * np.sqrt(x * y), 0, 1)
