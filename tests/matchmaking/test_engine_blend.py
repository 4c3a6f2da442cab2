"""The engine with sentence-embedding vectors (matchmaking/engine_blend.py): hand-made and
random vectors, no model, no torch, no database."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaking import engine, engine_blend, quality
from matchmaking import engine_features as ef
from matchmaking.engine import WEIGHTS, suggest
from matchmaking.quality_embeddings import with_vectors

from .test_engine import cases, make_profiles, run

BLENDED = engine.ENGINE_VERSION + engine_blend.VERSION_SUFFIX


def unit(rows) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1)


def random_unit(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return unit(rng.normal(size=(n, d))), unit(rng.normal(size=(n, d)))


@pytest.fixture(scope="module")
def generated():
    return quality.generate(1200, 4).profiles  # large: min_df, max_df and strided blocks apply


def test_without_vectors_nothing_changes(generated):
    """No vectors, all-zero vectors, or vectors of one organisation only: TF-IDF alone, the
    same output to the bit, and the plain engine version."""
    plain = run(generated, k=12, chunk_size=500)
    n = len(generated.ids)
    zeros = np.zeros((n, 16), dtype=np.float32)
    assert run(with_vectors(generated, zeros, zeros.copy()), k=12, chunk_size=500) == plain
    one = zeros.copy()
    one[5] = unit([np.arange(16)])[0]
    assert run(with_vectors(generated, one, one.copy()), k=12, chunk_size=500) == plain
    assert engine.version(generated) == engine.version(with_vectors(generated, one, one))
    assert engine.version(generated) == engine.ENGINE_VERSION


def test_version_and_shapes(hand_made_vectors):
    profiles, offers, looks = hand_made_vectors
    assert engine.version(with_vectors(profiles, offers, looks)) == BLENDED
    with pytest.raises(ValueError):
        list(suggest(with_vectors(profiles, offers, None)))
    with pytest.raises(ValueError):
        list(suggest(with_vectors(profiles, offers[:3], looks[:3])))
    with pytest.raises(ValueError):
        list(suggest(with_vectors(profiles, offers, looks[:, :4])))


ROWS = [
    # 1 looks for additive manufacturing of implants; 2 offers exactly those words; 9 offers
    # 3D printing of prostheses (no word in common with 1's need) but says the same thing.
    {"id": 1, "kind": "sme", "country": "DE", "sectors": ["medical-devices"],
     "offers": "Surgical robotics.", "looks": "Additive manufacturing of titanium implants."},
    {"id": 2, "kind": "rto", "country": "FR", "offers": "Additive manufacturing of implants.",
     "looks": "Pilot customers."},
    {"id": 9, "kind": "rto", "country": "FR", "offers": "3D printing of bespoke prostheses.",
     "looks": "Hospitals to test with."},
    *({"id": i, "kind": "sme", "country": c, "offers": f"{w} services.", "looks": f"{w} buyers."}
      for i, c, w in ((3, "IT", "Titanium"), (4, "ES", "Manufacturing"), (5, "NL", "Implants"),
                      (6, "PL", "Printing"), (7, "PT", "Robotics"), (8, "AT", "Customers"))),
]  # fmt: skip


@pytest.fixture
def hand_made_vectors():
    """1's need and 9's offer point the same way (dimension 0, with a little of their own);
    every other text points its own way, 2's offer a little towards the need."""
    profiles = make_profiles(ROWS, term_names={})
    ids = profiles.ids
    n = len(ids)
    offers, looks = np.zeros((n, 2 * n + 1)), np.zeros((n, 2 * n + 1))
    offers[np.arange(n), 1 + 2 * np.arange(n)] = 1.0
    looks[np.arange(n), 2 + 2 * np.arange(n)] = 1.0
    offers[ids.index(9), 0] = looks[ids.index(1), 0] = 3.0
    offers[ids.index(2), 0] = 0.3
    return profiles, unit(offers), unit(looks)


def test_a_partner_saying_the_same_in_other_words_moves_up(hand_made_vectors):
    profiles, offers, looks = hand_made_vectors
    before = [s.partner_id for s in run(profiles, k=8)[1]]
    after = run(with_vectors(profiles, offers, looks), k=8)[1]
    assert before[0] == 2  # the same words
    assert before.index(9) > 2  # nothing in common in TF-IDF
    assert [s.partner_id for s in after][:2] == [9, 2]
    top = after[0]
    assert top.components["complementarity"] > 0.25
    assert top.score == pytest.approx(sum(WEIGHTS[c] * v for c, v in top.components.items()))
    # Reasons are the TF-IDF ones: no shared words, so no "offers ..., which you look for".
    assert not any(r.startswith("offers ") for r in top.reasons)
    assert after[1].reasons[0].startswith("offers ")  # 2's words still explain it


def test_organisations_without_vectors_fall_back_to_tfidf(hand_made_vectors):
    """Pairs where a side has no vector keep the TF-IDF complementarity exactly."""
    profiles, offers, looks = hand_made_vectors
    offers, looks = offers.copy(), looks.copy()
    missing = profiles.ids.index(2)
    offers[missing] = looks[missing] = 0
    plain = {s.partner_id: s for s in run(profiles, k=8)[1]}
    blended = {s.partner_id: s for s in run(with_vectors(profiles, offers, looks), k=8)[1]}
    assert blended[2].components == plain[2].components
    assert blended[9].components["complementarity"] > plain[9].components["complementarity"]


def _brute_force(profiles, offers, looks, k):
    """Every pair scored with explicitly centred copies of the vectors (as the benchmark that
    chose the blend did), best k per organisation."""
    f = ef.build(profiles, min_df=1, max_df=1.0, min_cooccurrence=1)
    n = f.n

    def centred(v):
        present = np.linalg.norm(v, axis=1) > 0
        out = np.where(present[:, None], v - v[present].mean(axis=0), 0)
        return unit(out)

    o, lk = centred(offers.astype(np.float64))[f.order], centred(looks.astype(np.float64))[f.order]
    has_o, has_l = np.linalg.norm(o, axis=1) > 0, np.linalg.norm(lk, axis=1) > 0
    best = {}
    for p in range(n):
        a, b = np.full(n, p), np.arange(n)
        comps, text = ef.pair_components(f, a, b, engine.BLEND)
        x = (text["a2b"] + np.clip(lk[p] @ o.T, 0, 1)) / 2
        y = (text["b2a"] + np.clip(o[p] @ lk.T, 0, 1)) / 2
        x = np.where(has_l[p] & has_o, x, text["a2b"])  # a side without vectors: TF-IDF
        y = np.where(has_o[p] & has_l, y, text["b2a"])
        comp = engine.BLEND[0] * np.maximum(x, y) + engine.BLEND[1] * np.sqrt(x * y)
        comps["complementarity"] = np.clip(comp, 0, 1)
        score = sum(WEIGHTS[c] * np.broadcast_to(comps[c], (n,)) for c in WEIGHTS)
        score[p] = -np.inf
        top = np.lexsort((f.ids, -score))[:k]
        best[int(f.ids[p])] = (f.ids[top].tolist(), score[top].tolist())
    return best


def test_the_pool_rescored_with_the_blend_agrees_with_brute_force():
    """With a pool as large as the profiles, the engine's centring without copies gives the
    scores of explicit centring, pair by pair."""
    profiles = quality.generate(300, 2).profiles
    n = len(profiles.ids)
    offers, looks = random_unit(n, 12, seed=2)
    offers[::7] = 0  # some organisations without vectors
    blended = with_vectors(profiles, offers, looks)
    got = run(blended, k=6, pool=n)
    for org, (ids, scores) in _brute_force(profiles, offers, looks, 6).items():
        assert [s.partner_id for s in got[org]] == ids
        assert [s.score for s in got[org]] == pytest.approx(scores, abs=1e-5)


def test_blended_runs_are_deterministic_whatever_the_chunks(generated):
    n = len(generated.ids)
    blended = with_vectors(generated, *random_unit(n, 24, seed=5))
    result = run(blended, k=9, chunk_size=500)
    assert run(blended, k=9, chunk_size=37) == result
    assert dict(suggest(blended, k=9, only=[generated.ids[40]])) == {
        generated.ids[40]: result[generated.ids[40]]
    }
    plain = run(generated, k=9, chunk_size=500)
    moved = sum(result[o][0].partner_id != plain[o][0].partner_id for o in plain)
    assert 0 < moved < n  # random vectors reorder some lists, not all


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.integers(0, 2**16), st.sampled_from([0.0, 0.3]))
def test_properties_with_vectors(case, seed, blank):
    profiles, exclude, k = case
    n = len(profiles.ids)
    offers, looks = random_unit(n, 6, seed)
    rng = np.random.default_rng(seed)
    offers[rng.random(n) < blank] = 0
    looks[rng.random(n) < blank] = 0
    result = list(suggest(with_vectors(profiles, offers, looks), k=k, exclude=exclude))
    ids = set(profiles.ids)
    assert [org for org, _ in result] == profiles.ids
    for org, suggestions in result:
        partners = [s.partner_id for s in suggestions]
        dismissed = (exclude.get(org, set()) & ids) - {org}
        assert org not in partners and not dismissed & set(partners)
        assert len(set(partners)) == len(partners) and set(partners) <= ids
        assert len(partners) == min(k, n - 1 - len(dismissed))
        scores = [s.score for s in suggestions]
        assert scores == sorted(scores, reverse=True)
        for s in suggestions:
            assert all(0 <= v <= 1 for v in s.components.values())
            assert s.score == pytest.approx(sum(WEIGHTS[c] * v for c, v in s.components.items()))


def test_pool_size():
    assert [engine_blend.pool_size(k) for k in (0, 10, 20)] == [0, 30, 60]
