"""The suggestion engine (matchmaking/engine.py) on hand-made and random profiles; no database."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaking import engine, quality
from matchmaking import engine_features as ef
from matchmaking.engine import WEIGHTS, Profiles, suggest

NAMES = {
    "ecosystems": {"health": "Health", "mobility": "Mobility"},
    "countries": {"JP": "Japan", "FR": "France", "DE": "Germany"},
    "sectors": {"medical-devices": "Medical devices"},
}


def make_profiles(rows: list[dict], term_names=NAMES) -> Profiles:
    defaults = {
        "kind": "sme", "country": "DE", "region": "", "sectors": [], "ecosystems": [],
        "technologies": [], "thematic_areas": [], "offers": "", "looks": "", "offers_topics": [],
        "looks_topics": [], "targets": [], "label": "",
    }  # fmt: skip
    rows = [{**defaults, **r} for r in rows]
    return Profiles(
        ids=[r["id"] for r in rows],
        kinds=[r["kind"] for r in rows],
        countries=[r["country"] for r in rows],
        regions=[r["region"] for r in rows],
        sectors=[r["sectors"] for r in rows],
        ecosystems=[r["ecosystems"] for r in rows],
        technologies=[r["technologies"] for r in rows],
        thematic_areas=[r["thematic_areas"] for r in rows],
        offers_text=[r["offers"] for r in rows],
        looks_for_text=[r["looks"] for r in rows],
        offers_topics=[r["offers_topics"] for r in rows],
        looks_for_topics=[r["looks_topics"] for r in rows],
        target_countries=[r["targets"] for r in rows],
        labels=[r["label"] for r in rows],
        term_names=term_names,
    )


@pytest.fixture
def hand_made() -> Profiles:
    """SME 1 needs additive manufacturing of implants; RTO 2 offers it (abroad). 3 is 1's twin
    (same tags, same needs), 4 offers additive manufacturing for aircraft, 5 is a Japanese
    cluster with a label, 6-8 are unrelated."""
    return make_profiles([
        {"id": 1, "kind": "sme", "country": "DE", "region": "DE21", "sectors": ["medical-devices"],
         "ecosystems": ["health"], "technologies": ["robotics"],
         "offers": "We offer surgical robotics and motion control.",
         "looks": "We look for partners in additive manufacturing of titanium implants.",
         "offers_topics": ["surgical robotics"], "looks_topics": ["additive manufacturing"],
         "targets": ["JP"]},
        {"id": 2, "kind": "rto", "country": "FR", "sectors": ["biopharmaceuticals"],
         "ecosystems": ["health"], "technologies": ["advanced-manufacturing"],
         "offers": "Additive manufacturing of titanium implants and testing facilities.",
         "looks": "Pilot customers for our implant printing line.",
         "offers_topics": ["additive manufacturing", "testing facilities"],
         "looks_topics": ["pilot customers"]},
        {"id": 3, "kind": "sme", "country": "DE", "region": "DE21", "sectors": ["medical-devices"],
         "ecosystems": ["health"], "technologies": ["robotics"],
         "offers": "We offer surgical robotics.", "looks": "Additive manufacturing of implants.",
         "offers_topics": ["surgical robotics"], "looks_topics": ["additive manufacturing"]},
        {"id": 4, "kind": "sme", "country": "IT", "sectors": ["aerospace-vehicles-and-defence"],
         "ecosystems": ["aerospace-defence"], "offers": "Additive manufacturing for aircraft.",
         "looks": "Composite materials.", "offers_topics": ["aerospace additive manufacturing"],
         "looks_topics": ["composite materials"]},
        {"id": 5, "kind": "cluster", "country": "JP", "sectors": ["medical-devices",
         "biopharmaceuticals"], "ecosystems": ["health"],
         "offers": "Market entry support in Japan.", "looks": "Partner search.",
         "offers_topics": ["market entry support"],
         "looks_topics": ["partner search"], "label": "gold"},
        {"id": 6, "kind": "university", "country": "ES", "sectors": ["apparel"],
         "ecosystems": ["textile"], "offers": "Smart textiles research.",
         "looks": "Textile recycling.", "offers_topics": ["smart textiles"]},
        {"id": 7, "kind": "investor", "country": "NL", "sectors": ["financial-services"],
         "offers": "Seed funding.", "looks": "Investment readiness.",
         "offers_topics": ["seed funding"]},
        {"id": 8, "kind": "sme", "country": "PL", "sectors": ["medical-devices",
         "biopharmaceuticals"], "ecosystems": ["health"], "offers": "Clinical trials.",
         "looks": "Digital health.", "offers_topics": ["clinical trials"]},
    ])  # fmt: skip


def run(profiles, **options) -> dict[int, list[engine.Suggestion]]:
    return dict(suggest(profiles, **options))


def test_the_complementary_partner_ranks_first_with_the_topic_as_first_reason(hand_made):
    top = run(hand_made, k=5)[1][0]
    assert top.partner_id == 2
    assert top.reasons[0] == "offers additive manufacturing, which you look for"
    assert "both in the Health ecosystem" in top.reasons
    assert top.components["complementarity"] > 0.3
    # And the other way round: 2 looks for nothing 1 offers, but 1 needs what 2 offers.
    assert run(hand_made, k=5)[2][0].partner_id == 1
    assert run(hand_made, k=5)[2][0].reasons[0].startswith("looks for additive manufacturing")


def test_target_market_and_label_reasons(hand_made):
    by_partner = {s.partner_id: s for s in run(hand_made, k=7)[1]}
    reasons = by_partner[5].reasons
    assert "active in Japan, your target market" in reasons
    assert len(reasons) <= 4
    assert by_partner[5].components["geography"] == 1
    assert by_partner[5].components["label"] == 1


def test_a_dismissed_partner_never_returns_and_a_linked_one_is_flagged(hand_made):
    result = run(hand_made, k=7, exclude={1: {2, 999}}, linked={1: {3}})
    partners = [s.partner_id for s in result[1]]
    assert 2 not in partners and 1 not in partners
    assert len(partners) == 6  # everybody but itself and the dismissed one
    assert {s.partner_id for s in result[1] if s.already_linked} == {3}
    # Exclusion is per organisation: 2 still gets 1.
    assert 1 in [s.partner_id for s in result[2]]


def test_scores_are_the_weighted_components(hand_made):
    for suggestions in run(hand_made, k=7).values():
        for s in suggestions:
            assert set(s.components) == set(WEIGHTS)
            assert all(0 <= v <= 1 for v in s.components.values())
            assert s.score == pytest.approx(sum(WEIGHTS[c] * v for c, v in s.components.items()))


def test_only_restricts_the_output_in_its_order_and_skips_unknown_ids(hand_made):
    result = list(suggest(hand_made, k=3, only=[5, 2, 999, 5]))
    assert [org for org, _ in result] == [5, 2]
    assert dict(result)[2] == run(hand_made, k=3)[2]


def test_progress_and_chunks(hand_made):
    calls = []
    result = run(hand_made, k=4, chunk_size=3, progress=lambda done, total: calls.append(done))
    assert calls == [3, 6, 8]
    assert list(result) == [1, 2, 3, 4, 5, 6, 7, 8]  # profile order
    assert result == run(hand_made, k=4, chunk_size=1000)


def test_edge_cases(hand_made):
    assert list(suggest(make_profiles([]))) == []
    assert list(suggest(make_profiles([{"id": 1}]))) == [(1, [])]
    blank = make_profiles([{"id": i, "country": ""} for i in range(1, 5)], term_names={})
    result = run(blank, k=2)
    assert all(len(s) == 2 for s in result.values())
    assert all(not s.reasons or all(s.reasons) for v in result.values() for s in v)
    assert run(hand_made, k=0) == {i: [] for i in range(1, 9)}
    with pytest.raises(ValueError):
        list(suggest(hand_made, weights={"complementarity": 1.0}))


def test_dense_pass_agrees_with_brute_force():
    """The top k from the block pass equal an exact scoring of every pair (sampled rows)."""
    data = quality.generate(1200, 4)  # large enough for min_df, max_df and strided blocks
    profiles, k = data.profiles, 7
    result = run(profiles, k=k, chunk_size=500)
    f = ef.build(profiles, min_df=2, max_df=engine.MAX_DF, min_cooccurrence=2)
    w = np.array(list(WEIGHTS.values()))
    n = len(profiles.ids)
    for p in range(0, n, 37):
        comps, _ = ef.pair_components(f, np.full(n, p), np.arange(n), engine.BLEND)
        score = np.column_stack([np.broadcast_to(comps[c], (n,)) for c in WEIGHTS]) @ w
        score[p] = -np.inf
        best = np.lexsort((f.ids, -score))[:k]
        got = result[int(f.ids[p])]
        assert [s.partner_id for s in got] == f.ids[best].tolist()
        assert [s.score for s in got] == pytest.approx(score[best].tolist(), abs=1e-9)
    assert run(profiles, k=k, chunk_size=37) == result  # blocks of another size, same bits


# ------------------------------------------------------------------------------------------
# Properties over random small profile sets
# ------------------------------------------------------------------------------------------

WORDS = ["laser", "welding", "robotics", "battery", "recycling", "food", "safety", "testing",
         "cloud", "textiles", "hydrogen", "funding"]  # fmt: skip
TOPICS = ["laser welding", "battery recycling", "food safety", "cloud migration", "seed funding"]
words = st.lists(st.sampled_from(WORDS), max_size=5).map(" ".join)
topics = st.lists(st.sampled_from(TOPICS), max_size=2)
codes = st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=2)
profile = st.fixed_dictionaries({
    "kind": st.sampled_from([*ef.KINDS, "unknown"]),
    "country": st.sampled_from(["DE", "FR", "IT", ""]),
    "region": st.sampled_from(["", "R1", "R2"]),
    "sectors": codes, "ecosystems": codes, "technologies": codes, "thematic_areas": codes,
    "offers": words, "looks": words, "offers_topics": topics, "looks_topics": topics,
    "targets": st.lists(st.sampled_from(["DE", "FR", "JP"]), max_size=2),
    "label": st.sampled_from(["", "", "gold", "bronze"]),
})  # fmt: skip


@st.composite
def cases(draw):
    rows = draw(st.lists(profile, min_size=1, max_size=12))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=len(rows), max_size=len(rows),
                        unique=True))  # fmt: skip
    profiles = make_profiles([{**r, "id": i} for r, i in zip(rows, ids, strict=True)])
    exclude = {
        i: set(draw(st.lists(st.sampled_from([*ids, 99_999]), max_size=4)))
        for i in draw(st.lists(st.sampled_from(ids), max_size=3))
    }
    return profiles, exclude, draw(st.integers(1, 8))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_properties(case):
    profiles, exclude, k = case
    ids = set(profiles.ids)
    result = list(suggest(profiles, k=k, exclude=exclude, chunk_size=1000))
    assert [org for org, _ in result] == profiles.ids
    for org, suggestions in result:
        partners = [s.partner_id for s in suggestions]
        dismissed = (exclude.get(org, set()) & ids) - {org}
        assert org not in partners
        assert not dismissed & set(partners)
        assert len(set(partners)) == len(partners) and set(partners) <= ids
        assert len(partners) == min(k, len(ids) - 1 - len(dismissed))
        scores = [s.score for s in suggestions]
        assert scores == sorted(scores, reverse=True)
        for s in suggestions:
            assert s.organisation_id == org
            assert set(s.components) == set(WEIGHTS)
            assert all(0 <= v <= 1 and math.isfinite(v) for v in s.components.values())
            assert len(s.reasons) <= 4 and all(s.reasons)
    # Deterministic, and the same whatever the chunks.
    assert list(suggest(profiles, k=k, exclude=exclude, chunk_size=1000)) == result
    assert list(suggest(profiles, k=k, exclude=exclude, chunk_size=3)) == result
