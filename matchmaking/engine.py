"""Partner suggestions: for each organisation, the k others that complement it best.

Plain Python, numpy, scipy and scikit-learn; no Django (matchmaking/features.py builds the
``Profiles`` from the database, matchmaking/services.py stores the suggestions). The interface
is fixed by matchmaking/engine_contract.md. Measured by ``manage.py bench_suggestions``
(matchmaking/quality.py): the weights, BLEND and MAX_DF below won there.

Score: ``sum(WEIGHTS[c] * components[c])``, every component unweighted in [0, 1].

* ``complementarity``: what A looks for against what B offers, both ways. TF-IDF over all offers
  and looks-for texts, topics as whole phrases (engine_features). ``a2b``: A's looks-for against
  B's offers, ``1 - (1 - words cosine) * (1 - topics cosine)`` (either counts, both more: this
  beat the larger of the two and a single space); ``b2a`` the other way;
  combined ``BLEND[0] * max(a2b, b2a) + BLEND[1] * sqrt(a2b * b2a)``: a strong one-way need
  counts (the geometric mean alone lost two thirds of recall), a need met both ways more.
* ``shared_sectors`` / ``_ecosystems`` / ``_technologies`` / ``_thematic_areas``: cosine of the
  two code sets.
* ``value_chain``: different but related sectors (cross-sectoral value chains), from how often
  two sectors appear on one profile (positive normalised PMI, zero diagonal): A's relatedness to
  each sector (scaled to length <= 1) against B's sectors (unit length).
* ``geography``: B based in one of A's target countries 1, abroad 0.5, in A's own region 0.3,
  elsewhere in A's country 0: internationalisation first (engine_features.GEO_*).
* ``kind_fit``: cluster-cluster 1, SME-RTO 0.9, SME-cluster 0.8, ... (engine_features).
* ``label``: B's cluster management excellence label (gold 1, silver 2/3, bronze 1/3).

From LARGE profiles up, terms and topics on one document only or on more than MAX_DF of them
are dropped: common ones ("partner search") say little about who complements whom, cost
O(df**2) in the sparse products, and dropping them measured better.

Computation, block by block, never n x n: a block holds at most BLOCK_CELLS float32 scores
(rows x n), computed as (1) one matrix product for the tag, value-chain, kind and label
components, on features rounded to multiples of 2**-q (q as fine as float32 allows for the sum
of these weights: every partial sum is exact, so a pair scores the same in any block), (2) the
geography, one slice per country (profiles are kept sorted by country and region) and one per
row for its region, (3) complementarity from the sparse products of the block's rows with all
profiles, combined through two scratch buffers in O(non-zeros). Self and excluded pairs are
-inf. The best k + margin candidates of each row come from the maxima of strided column blocks
(one pass, then ``argpartition`` over a few thousand values); they are rescored exactly
(engine_features.pair_components), sorted by (score desc, partner id asc) and cut to k. The
dense scores differ from the exact ones by the rounding only (< 0.001; the margin absorbs it,
and the tests compare with brute force). Reasons are built for the final k only
(engine_reasons). The cyclic garbage collector pauses while a block's objects are built (at
100,000 profiles it otherwise costs a third of the time).

Optional sentence embeddings (``Profiles.offers_vectors`` / ``looks_for_vectors``): a larger
candidate pool per organisation is re-scored with the complementarity's text similarity blended
from TF-IDF and the embeddings (engine_blend), then cut to k; without them nothing changes.

Dismissed pairs (``exclude``) never come back. Already linked pairs (``linked``: members of one
cluster, partners) are ranked like the others and flagged ``already_linked=True``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from . import engine_blend as eb
from . import engine_features as ef
from .engine_reasons import reasons_for, tables

ENGINE_VERSION = "tfidf-1"  # blended runs: ENGINE_VERSION + engine_blend.VERSION_SUFFIX

WEIGHTS: dict[str, float] = {
    "complementarity": 0.60,
    "shared_sectors": 0.04,
    "shared_ecosystems": 0.04,
    "shared_technologies": 0.04,
    "shared_thematic_areas": 0.02,
    "value_chain": 0.09,
    "geography": 0.07,
    "kind_fit": 0.07,
    "label": 0.03,
}
BLEND = (0.7, 0.3)  # complementarity: weights of the one-way maximum and the geometric mean
LARGE = 1000  # profiles from which rare terms (min_df=2) and frequent ones (MAX_DF) drop
MAX_DF = 0.01  # share of documents above which a term is too common to tell partners apart
BLOCK_CELLS = 1 << 25  # dense scores per block: 32 Mi float32 = 128 MiB


@dataclass
class Profiles:
    ids: list[int]
    kinds: list[str]
    countries: list[str]
    regions: list[str]
    sectors: list[list[str]]
    ecosystems: list[list[str]]
    technologies: list[list[str]]
    thematic_areas: list[list[str]]
    offers_text: list[str]
    looks_for_text: list[str]
    offers_topics: list[list[str]]
    looks_for_topics: list[list[str]]
    target_countries: list[list[str]]
    labels: list[str]
    term_names: dict[str, dict[str, str]] = field(default_factory=dict)
    # Optional sentence embeddings (n x d float32, unit rows, zero rows for organisations
    # without them), both or neither: see engine_blend.
    offers_vectors: np.ndarray | None = None
    looks_for_vectors: np.ndarray | None = None


@dataclass(slots=True)
class Suggestion:
    organisation_id: int
    partner_id: int
    score: float
    components: dict[str, float]
    reasons: list[str]
    already_linked: bool = False


def version(profiles: Profiles) -> str:
    """The engine version suggest() uses for these profiles (stored with the suggestions)."""
    blended = eb.vectors_of(profiles) is not None
    return ENGINE_VERSION + eb.VERSION_SUFFIX if blended else ENGINE_VERSION


def suggest(
    profiles: Profiles,
    *,
    k: int = 20,
    only: Sequence[int] | None = None,
    exclude: Mapping[int, set[int]] | None = None,
    linked: Mapping[int, set[int]] | None = None,
    chunk_size: int = 2000,
    progress: Callable[[int, int], None] | None = None,
    weights: Mapping[str, float] | None = None,
    blend: tuple[float, float] = BLEND,
    max_df: float | None = None,
    pool: int | None = None,
) -> Iterator[tuple[int, list[Suggestion]]]:
    """(organisation id, its top k, best first) for each organisation in ``only`` (default:
    all, in profile order; unknown ids are skipped), chunk by chunk. ``chunk_size`` is how
    many organisations go between two ``progress(done, total)`` calls; memory is bounded by
    BLOCK_CELLS whatever it is. ``weights``, ``blend``, ``max_df`` and ``pool`` (candidates
    re-scored with the embeddings, engine_blend.pool_size) override the defaults (for
    measurements)."""
    weights = dict(WEIGHTS if weights is None else weights)
    k, chunk_size = max(0, int(k)), max(1, int(chunk_size))
    if set(weights) != set(WEIGHTS):
        raise ValueError(f"weights must have the keys {sorted(WEIGHTS)}")
    n = len(profiles.ids)
    large = n >= LARGE
    with _gc_paused():
        f = ef.build(
            profiles,
            min_df=2 if large else 1,
            max_df=(MAX_DF if max_df is None else max_df) if large else 1.0,
            min_cooccurrence=2 if large else 1,
        )
        position = {int(i): p for p, i in enumerate(f.ids.tolist())}
        wanted = profiles.ids if only is None else [i for i in dict.fromkeys(only) if i in position]
        rows = np.array([position[int(i)] for i in wanted], dtype=np.int64)
        if not len(rows):
            return
        vectors = eb.vectors_of(profiles)
        dense = None if vectors is None else eb.prepare(*vectors, f.order)
        run = _Run(f, k, weights, blend, exclude or {}, linked or {}, position,
                   profiles.term_names or {}, min(chunk_size, len(rows)), dense, pool)  # fmt: skip
    total = len(rows)
    for start in range(0, total, chunk_size):
        chunk = rows[start : start + chunk_size]
        for b0 in range(0, len(chunk), run.block):
            a = chunk[b0 : b0 + run.block]
            with _gc_paused():  # millions of small objects: no collections while building them
                results = run.finish(a, *run.candidates(a))
            yield from results
        if progress is not None:
            progress(min(start + chunk_size, total), total)


@contextmanager
def _gc_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Run:
    """One suggest() call: features, the dense matrix product's operands and the buffers."""

    def __init__(self, f, k, weights, blend, exclude, linked, position, names, rows_at_most,
                 dense, pool):  # fmt: skip
        self.f, self.k, self.weights, self.blend = f, k, weights, blend
        self.exclude, self.linked, self.position = exclude, linked, position
        self.names, self.dense = tables(f, names), dense
        n = f.n
        self.kk = min(k + max(10, k // 2), n)  # candidates rescored exactly per row
        if dense is not None and k:  # the pool re-scored with the embeddings
            self.kk = min(max(self.kk, eb.pool_size(k) if pool is None else pool), n)
        self.bs = int(max(1, min(32, n // (4 * self.kk))))  # strided column blocks of bs
        self.npad = -(-n // self.bs) * self.bs
        self.x, self.y = _linear_features(f, weights, self.npad)
        self.block = max(1, min(rows_at_most, BLOCK_CELLS // self.npad))
        self.scores = np.empty((self.block, self.npad), dtype=np.float32)
        self.scratch_a2b = np.zeros(self.block * self.npad, dtype=np.float32)
        self.scratch_b2a = np.zeros(self.block * self.npad, dtype=np.float32)
        countries = f.runs[:, 2]
        change = np.flatnonzero(np.diff(countries) != 0) + 1
        self.country_runs = np.stack(
            [np.r_[0, change], np.r_[change, len(countries)]], axis=1
        )  # indices into f.runs
        self.run_of = np.repeat(np.arange(len(f.runs)), f.runs[:, 1] - f.runs[:, 0])

    def candidates(self, a: np.ndarray):
        """Rows and columns (internal positions) of the best kk candidates of each row of a,
        invalid ones (self, excluded, padding) left out."""
        f, w, n = self.f, self.weights, self.f.n
        c = len(a)
        scores = self.scores[:c]
        np.matmul(self.x[a], self.y.T, out=scores)
        scores[:, n:] = -np.inf
        # Geography: by country, one slice per country; A's own region, one slice per row.
        runs = f.runs
        first = runs[self.country_runs[:, 0]]
        geo = w["geography"] * ef.geography(
            f, a[:, None], first[:, 2][None, :], np.full((1, len(first)), -2)
        ).astype(np.float32)
        for j, (r0, r1) in enumerate(self.country_runs):
            scores[:, runs[r0, 0] : runs[r1 - 1, 1]] += geo[:, j : j + 1]
        bonus = np.float32(w["geography"] * (ef.GEO_SAME_REGION - ef.GEO_SAME_COUNTRY))
        has_region = f.region[a] >= 0
        if f.targets.shape[1]:  # A targeting its own country: geography is 1 already
            has_region &= ~(f.targets[a, np.maximum(f.country[a], 0)] & (f.country[a] >= 0))
        for r in np.flatnonzero(has_region).tolist():
            s0, s1 = runs[self.run_of[a[r]], :2]
            scores[r, s0:s1] += bonus
        self._add_complementarity(a, scores)
        scores[np.arange(c), a] = -np.inf
        ex_r, ex_c = [], []
        for r, p in enumerate(a.tolist()):
            dismissed = self.exclude.get(int(f.ids[p]))
            if dismissed:
                cols = [self.position[i] for i in dismissed if i in self.position]
                ex_r.extend([r] * len(cols))
                ex_c.extend(cols)
        if ex_r:
            scores[np.array(ex_r), np.array(ex_c)] = -np.inf
        cols = _top_columns(scores, self.kk, self.bs)
        valid = np.isfinite(np.take_along_axis(scores, cols, axis=1))
        r_idx = np.broadcast_to(np.arange(c)[:, None], cols.shape)[valid]
        return r_idx, cols[valid]

    def _add_complementarity(self, a: np.ndarray, scores: np.ndarray) -> None:
        """scores += w * (b0 * max(a2b, b2a) + b1 * sqrt(a2b * b2a)) on the pairs sharing a
        word or topic (a2b = 1 - (1 - words cosine) * (1 - topics cosine)), through two zeroed
        scratch buffers indexed like ``scores``: O(non-zeros), no sparse set operations."""
        f, npad = self.f, self.npad
        b0, b1 = (np.float32(v) for v in self.blend)
        wc = np.float32(self.weights["complementarity"])
        offsets = np.arange(len(a), dtype=np.int64) * npad
        keys = []
        for block in f.text:
            for rows, cols, scratch in (
                (block.looks, block.offers_t, self.scratch_a2b),  # A looks for what B offers
                (block.offers, block.looks_t, self.scratch_b2a),
            ):
                product = rows[a] @ cols  # len(a) x n
                k = np.repeat(offsets, np.diff(product.indptr)) + product.indices
                seen = scratch[k]  # the words' cosine when this is the topics' block
                scratch[k] = seen + product.data - seen * product.data
                keys.append(k)
        if not keys:
            return
        k = np.concatenate(keys)  # repeated keys are harmless: every write below is the same
        vab, vba = self.scratch_a2b[k], self.scratch_b2a[k]
        flat = scores.reshape(-1)
        flat[k] = flat[k] + wc * (b0 * np.maximum(vab, vba) + b1 * np.sqrt(vab * vba))
        self.scratch_a2b[k] = 0
        self.scratch_b2a[k] = 0

    def finish(self, a, cand_rows, cand_cols) -> list[tuple[int, list[Suggestion]]]:
        return _finish(self.f, a, cand_rows, cand_cols, self.k, self.weights, self.blend,
                       self.linked, self.names, self.dense)  # fmt: skip


def _linear_features(f: ef.Features, weights: Mapping[str, float], npad: int):
    """A-side x (n x D) and B-side y (npad x D, Fortran order) with x[a] . y[b] = the weighted
    tag, value-chain, kind and label components, rounded (see below)."""
    n = f.n
    nk = f.kind_fit.shape[0]
    left = [
        weights["shared_sectors"] * f.tags["sectors"] + weights["value_chain"] * f.sector_rel,
        *(weights[f"shared_{v}"] * f.tags[v] for v in ef.TAG_VOCABULARIES[1:]),
        weights["kind_fit"] * f.kind_fit[f.kind],
        np.full((n, 1), weights["label"]),
    ]
    right = [
        *(f.tags[v] for v in ef.TAG_VOCABULARIES),
        np.eye(nk)[f.kind],
        f.label[:, None],
    ]
    # Multiples of 2**-q, q as fine as float32's 24 bits allow for sums up to the weights' total
    # (all terms are >= 0): every partial sum is exact, whatever the order of summation.
    total = 1.01 * sum(w for c, w in weights.items() if c not in ("complementarity", "geography"))
    quantum = 2.0 ** min(12, max(6, (24 - int(np.ceil(np.log2(max(total, 1e-3))))) // 2))
    x = (np.round(np.hstack(left) * quantum) / quantum).astype(np.float32)
    y = np.zeros((npad, x.shape[1]), dtype=np.float32, order="F")
    y[:n] = np.round(np.hstack(right) * quantum) / quantum
    return np.ascontiguousarray(x), y


def _top_columns(scores: np.ndarray, kk: int, bs: int) -> np.ndarray:
    """Columns of the kk largest scores of each row (in no order)."""
    c, npad = scores.shape
    if npad <= kk:
        return np.broadcast_to(np.arange(npad), (c, npad)).copy()
    m = npad // bs
    if bs == 1 or m <= kk:
        return np.argpartition(scores, npad - kk, axis=1)[:, npad - kk :]
    # Strided blocks: block j holds columns j, j + m, j + 2m, ...; the kk blocks with the
    # largest maxima hold the kk largest scores (each holds one score >= the kk-th maximum).
    maxima = scores.reshape(c, bs, m).max(axis=1)
    blocks = np.argpartition(maxima, m - kk, axis=1)[:, m - kk :]
    cols = (blocks[:, :, None] + m * np.arange(bs)[None, None, :]).reshape(c, -1)
    values = np.take_along_axis(scores, cols, axis=1)
    best = np.argpartition(values, values.shape[1] - kk, axis=1)[:, values.shape[1] - kk :]
    return np.take_along_axis(cols, best, axis=1)


def _finish(f, a, cand_rows, cand_cols, k, weights, blend, linked, names, dense=None):
    """Exact scores of the candidates, the best k of each row sorted, with their reasons."""
    pa, pb = a[cand_rows], cand_cols
    comps, text = ef.pair_components(f, pa, pb, blend)
    if dense is not None:  # reasons still name the TF-IDF terms (text stays as it is)
        comps["complementarity"] = eb.complementarity(dense, pa, pb, text["a2b"], text["b2a"],
                                                      blend)  # fmt: skip
    keys = list(WEIGHTS)
    values = np.column_stack([np.broadcast_to(comps[c], pa.shape) for c in keys])
    score = np.zeros(len(pa))
    for i, c in enumerate(keys):  # column by column: the same bits in any block
        score += weights[c] * values[:, i]
    partner = f.ids[pb]
    order = np.lexsort((partner, -score, cand_rows))
    ranked_rows = cand_rows[order]
    rank = np.arange(len(order)) - np.searchsorted(ranked_rows, ranked_rows)
    keep = order[rank < k]
    reasons = reasons_for(
        f, pa[keep], pb[keep], {c: values[keep, i] for i, c in enumerate(keys)},
        text["need"][keep], text["offer"][keep], text["a2b"][keep], text["b2a"][keep],
        weights, names,
    )  # fmt: skip
    kept_rows = cand_rows[keep].tolist()
    partners, scores, vals = partner[keep].tolist(), score[keep].tolist(), values[keep].tolist()
    out: list[list[Suggestion]] = [[] for _ in range(len(a))]
    org_ids = f.ids[a].tolist()
    for j, r in enumerate(kept_rows):
        org, pid = org_ids[r], partners[j]
        links = linked.get(org, ())
        out[r].append(
            Suggestion(
                org, pid, scores[j], dict(zip(keys, vals[j], strict=True)), reasons[j], pid in links
            )
        )
    return list(zip(org_ids, out, strict=True))
