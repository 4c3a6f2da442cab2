"""Short human-readable reasons for suggested pairs (matchmaking/engine.py), vectorised per block.

Each kind of reason has a weight, its contribution to the score (weights[component] times the
component); the reasons of a pair are those contributing at least MIN_CONTRIBUTION, largest
first, at most MAX_REASONS. Text reasons name the best shared feature: a shared topic if there
is one, else the TF-IDF term with the largest product.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from . import engine_features as ef

MAX_REASONS = 4
MIN_CONTRIBUTION = 0.01

_KIND_NAMES = {
    "cluster": "a cluster organisation",
    "sme": "an SME",
    "large_company": "a large company",
    "rto": "a research and technology organisation",
    "university": "a university",
    "incubator": "an incubator",
    "public_authority": "a public authority",
    "investor": "an investor",
    "other": "an organisation",
}
# What partner kind B brings to A: (A kind or None for any, B kind) -> phrase.
_KIND_ROLES = {
    ("cluster", "cluster"): "a partner for a strategic cluster partnership",
    (None, "cluster"): "a way into its members and network",
    (None, "rto"): "a partner for R&D and testing",
    (None, "university"): "a partner for research and skills",
    ("cluster", "sme"): "a potential member",
    ("large_company", "sme"): "a potential supplier or innovation partner",
    ("rto", "sme"): "a company to take research to market",
    ("university", "sme"): "a company to take research to market",
    ("investor", "sme"): "a potential investment",
    ("incubator", "sme"): "a start-up to support",
    (None, "sme"): "a business partner",
    (None, "large_company"): "a potential pilot customer",
    (None, "incubator"): "support for start-ups and scale-ups",
    (None, "investor"): "a possible source of funding",
    (None, "public_authority"): "support and funding programmes",
}
_TAG_PHRASES = {
    "sectors": "both work in {}",
    "ecosystems": "both in the {} ecosystem",
    "technologies": "both work with {}",
    "thematic_areas": "both in the {} thematic area",
}
_LABELS = {1: "bronze", 2: "silver", 3: "gold"}


@dataclass
class Tables:
    """Display names as arrays, indexed like the features: built once per suggest() call."""

    features: np.ndarray  # V
    tags: dict[str, np.ndarray]  # vocabulary -> name per code
    countries: np.ndarray
    kinds: np.ndarray  # (kinds + 1) x (kinds + 1): what partner kind B brings to A, or ""


def tables(f: ef.Features, names: Mapping[str, Mapping[str, str]]) -> Tables:
    def named(vocab: str, codes: list[str]) -> np.ndarray:
        known = names.get(vocab, {})
        return np.array([known.get(c, c) for c in codes] + [""], dtype=object)

    kinds = (*ef.KINDS, None)
    phrases = np.empty((len(kinds), len(kinds)), dtype=object)
    for i, a in enumerate(kinds):
        for j, b in enumerate(kinds):
            role = _KIND_ROLES.get((a, b)) or _KIND_ROLES.get((None, b))
            phrases[i, j] = f"{_KIND_NAMES[b]}: {role}" if b and role else ""
    return Tables(
        features=f.feature_names,
        tags={v: named(v, f.tag_codes[v]) for v in ef.TAG_VOCABULARIES},
        countries=named("countries", f.countries),
        kinds=phrases,
    )


def best_features(products: sp.csr_matrix, is_topic: np.ndarray) -> np.ndarray:
    """Per row, the feature with the largest product, topics first (-1 for an empty row)."""
    m = products.shape[0]
    best = np.full(m, -1, dtype=np.int64)
    if products.nnz == 0:
        return best
    key = products.data + 10.0 * is_topic[products.indices]
    rows = np.repeat(np.arange(m), np.diff(products.indptr))
    order = np.lexsort((products.indices, -key, rows))
    ranked = rows[order]
    first = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    best[ranked[first]] = products.indices[order[first]]
    return best


def _first_shared(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    shared = (left > 0) & (right > 0)
    if shared.shape[1] == 0:
        return np.zeros(len(left), dtype=bool), np.zeros(len(left), dtype=np.int64)
    return shared.any(axis=1), shared.argmax(axis=1)


def reasons_for(
    f: ef.Features,
    a: np.ndarray,
    b: np.ndarray,
    comps: Mapping[str, np.ndarray],
    need: sp.csr_matrix,
    offer: sp.csr_matrix,
    a2b: np.ndarray,
    b2a: np.ndarray,
    weights: Mapping[str, float],
    names: Tables,
) -> list[list[str]]:
    """Reasons for the pairs (a[i], b[i]) (internal positions), most important first."""
    m = len(a)
    if m == 0:
        return []
    need_best = best_features(need, f.is_topic)
    offer_best = best_features(offer, f.is_topic)
    kinds = [
        ("need", weights["complementarity"] * a2b * (need_best >= 0)),
        ("offer", 0.9 * weights["complementarity"] * b2a * (offer_best >= 0)),
        *((v, weights[f"shared_{v}"] * comps[f"shared_{v}"]) for v in ef.TAG_VOCABULARIES),
        ("value_chain", weights["value_chain"] * comps["value_chain"]),
        ("geography", weights["geography"] * comps["geography"]),
        ("kind_fit", weights["kind_fit"] * comps["kind_fit"] * (comps["kind_fit"] >= 0.5)),
        ("label", weights["label"] * comps["label"]),
    ]
    contrib = np.column_stack([np.broadcast_to(c, (m,)) for _, c in kinds])
    contrib = np.where(contrib >= MIN_CONTRIBUTION, contrib, 0)
    order = np.argsort(-contrib, axis=1, kind="stable")[:, :MAX_REASONS]
    shown = np.take_along_axis(contrib, order, axis=1) > 0
    texts = np.empty((m, len(kinds)), dtype=object)
    for t, (kind, _) in enumerate(kinds):
        rows = np.flatnonzero(((order == t) & shown).any(axis=1))
        if len(rows):
            texts[rows, t] = _texts(f, kind, a[rows], b[rows], need_best[rows],
                                    offer_best[rows], comps, rows, names)  # fmt: skip
    orders, shows = order.tolist(), shown.tolist()
    return [
        [row[j] for j, ok in zip(o, s, strict=True) if ok and row[j]]
        for row, o, s in zip(texts.tolist(), orders, shows, strict=True)
    ]


def _texts(f, kind, a, b, need_best, offer_best, comps, rows, names: Tables) -> list[str]:
    if kind == "need":
        return [f"offers {x}, which you look for" for x in names.features[need_best].tolist()]
    if kind == "offer":
        return [f"looks for {x}, which you offer" for x in names.features[offer_best].tolist()]
    if kind in _TAG_PHRASES:
        _, first = _first_shared(f.tags[kind][a], f.tags[kind][b])
        return list(map(_TAG_PHRASES[kind].format, names.tags[kind][first].tolist()))
    if kind == "value_chain":
        sectors = names.tags["sectors"]
        theirs = (f.sector_rel[a] * f.tags["sectors"][b]).argmax(axis=1)
        yours = ((f.tags["sectors"][a] > 0) * f.relatedness[:, theirs].T).argmax(axis=1)
        return [
            f"works in {j}, related to your {i}"
            for i, j in zip(sectors[yours].tolist(), sectors[theirs].tolist(), strict=True)
        ]
    if kind == "geography":
        countries = names.countries[f.country[b]].tolist()  # index -1: ""
        return [
            f"active in {c}, your target market"
            if v >= ef.GEO_TARGET
            else f"based in {c}: a cross-border partner"
            if v >= ef.GEO_CROSS_BORDER
            else "in your region"
            for v, c in zip(comps["geography"][rows].tolist(), countries, strict=True)
        ]
    if kind == "kind_fit":
        return names.kinds[f.kind[a], f.kind[b]].tolist()
    return [  # label
        f"holds the {_LABELS.get(round(3 * v), '')} cluster management excellence label"
        for v in f.label[b].tolist()
    ]
