"""How good and how fast are the partner suggestions (matchmaking/engine.py)? No Django.

* ``generate(n, seed, ...)``: synthetic profiles with planted complementary partners. Each
  planted group is a seeker A that looks for a specific topic ("additive manufacturing for
  medical devices") and 1-15 providers B that offer it, in sectors of the same value chain as
  A's but not A's own, mostly in another country. The rest is background: profiles of one line
  of business (a theme: sectors, ecosystems, technologies, topics, as in
  clusters/demo/vocabulary.py), some mixed across themes (``noise``), offering and looking for
  topics from the same words. Decoys offer a group's topic too but from an unrelated line of
  business at home. The ground truth: A's partners are its providers, each provider's is A.
* ``evaluate``: recall@10, precision@10, NDCG@10 against the ground truth, and the oracle
  ceiling of recall@10 (mean of min(1, 10 / true partners)).
* Baselines ranked on the same data: random, shared sectors only (Jaccard), and the plain
  symmetric TF-IDF cosine of the whole profile text.
* ``bench_suggestions --embeddings`` (matchmaking/quality_embeddings.py): the engine with
  sentence-embedding vectors of the generated texts against the engine alone in the same run
  (encoding needs ``pip install .[embeddings]``, reported as not installed otherwise), and each
  speed size again with random unit vectors (the re-scoring's cost; no extra needed).
* ``measure_speed``: a full recompute (every organisation, k suggestions each, consumed) with
  its wall time and the process's peak RSS. ``python -m matchmaking.quality speed N SEED K
  [vectors]`` runs it in a fresh process (manage.py bench_suggestions does, one per size).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer

from clusterplatform.measure import peak_rss_mib

from . import engine
from . import quality_embeddings as qe
from .quality_data import generate

AT = 10  # the cut-off of every metric


def evaluate(ranked: Mapping[int, Sequence[int]], truth: Mapping[int, set[int]]) -> dict:
    """Mean recall@10, precision@10, NDCG@10 over the organisations with true partners, and
    the ceiling of recall@10 (an oracle ranking every true partner first)."""
    discounts = 1 / np.log2(np.arange(2, AT + 2))
    recall, precision, ndcg, ceiling = [], [], [], []
    for org, partners in truth.items():
        hits = np.array([p in partners for p in list(ranked.get(org, ()))[:AT]], dtype=bool)
        found = int(hits.sum())
        recall.append(found / len(partners))
        precision.append(found / AT)
        ndcg.append(discounts[: len(hits)][hits].sum() / discounts[: min(len(partners), AT)].sum())
        ceiling.append(min(1.0, AT / len(partners)))
    return {
        "recall@10": round(float(np.mean(recall)), 4) if recall else None,
        "precision@10": round(float(np.mean(precision)), 4) if precision else None,
        "ndcg@10": round(float(np.mean(ndcg)), 4) if ndcg else None,
        "ceiling_recall@10": round(float(np.mean(ceiling)), 4) if ceiling else None,
    }


def _ranked_by(
    scores: Callable[[np.ndarray], np.ndarray], rows: np.ndarray, ids: np.ndarray, seed: int
) -> dict[int, list[int]]:
    """Top 10 of each row by a dense score (chunk of rows -> chunk x n), random tie-break."""
    rng = np.random.default_rng(seed)
    ranked = {}
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        s = np.asarray(scores(chunk), dtype=np.float64)
        s = s + 1e-9 * rng.random(s.shape)
        s[np.arange(len(chunk)), chunk] = -np.inf
        top = np.argpartition(s, s.shape[1] - AT, axis=1)[:, -AT:]
        top = np.take_along_axis(top, np.argsort(-np.take_along_axis(s, top, 1), 1), 1)
        ranked.update({int(ids[r]): ids[t].tolist() for r, t in zip(chunk, top, strict=True)})
    return ranked


def baselines(profiles: engine.Profiles, orgs: Sequence[int], seed: int) -> dict[str, dict]:
    """Top 10 per organisation of ``orgs`` for each baseline: {name: {org: [partners]}}."""
    ids = np.asarray(profiles.ids)
    index = {int(i): p for p, i in enumerate(ids)}
    rows = np.array([index[o] for o in orgs], dtype=np.int64)
    n = len(ids)
    codes = sorted({c for s in profiles.sectors for c in s})
    col = {c: j for j, c in enumerate(codes)}
    pairs = [(r, col[c]) for r, s in enumerate(profiles.sectors) for c in set(s)]
    sectors = sp.csr_matrix(
        (np.ones(len(pairs)), ([p[0] for p in pairs], [p[1] for p in pairs])), shape=(n, len(codes))
    )
    sizes = np.asarray(sectors.sum(axis=1)).ravel()

    def jaccard(chunk):
        inter = (sectors[chunk] @ sectors.T).toarray()
        union = sizes[chunk][:, None] + sizes[None, :] - inter
        return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)

    docs = [
        " ".join([o, lf, *ot, *lt])
        for o, lf, ot, lt in zip(profiles.offers_text, profiles.looks_for_text,
                                 profiles.offers_topics, profiles.looks_for_topics, strict=True)
    ]  # fmt: skip
    text = TfidfVectorizer(sublinear_tf=True, stop_words="english", ngram_range=(1, 2))
    matrix = text.fit_transform(docs).tocsr()

    noise = np.random.default_rng(seed)

    def rand(chunk):
        return noise.random((len(chunk), n))

    return {
        "random": _ranked_by(rand, rows, ids, seed),
        "shared_sectors": _ranked_by(jaccard, rows, ids, seed),
        "tfidf_symmetric": _ranked_by(lambda c: (matrix[c] @ matrix.T).toarray(), rows, ids, seed),
    }


def engine_ranked(profiles: engine.Profiles, orgs: Sequence[int], **options) -> dict:
    return {
        org: [s.partner_id for s in suggestions]
        for org, suggestions in engine.suggest(profiles, k=AT, only=list(orgs), **options)
    }


def measure_quality(
    n: int,
    seed: int,
    shape: Mapping | None = None,
    variants: Mapping[str, dict] | None = None,
    *,
    embeddings: bool = False,
    pools: Mapping[str, int] | None = None,
    cache: dict | None = None,
) -> dict:
    """Engine (and ``variants``: name -> suggest() options) against the baselines; with
    ``embeddings`` (the extra installed) also the engine with the texts' vectors (qe.EMBEDDED,
    and ``pools``: name -> pool size), and what encoding cost (``cache``: text key -> vector,
    kept between runs, so a text is encoded once)."""
    started = time.perf_counter()
    data = generate(n, seed, **(shape or {}))
    orgs = sorted(data.truth)
    sizes = [len(p) for p in data.truth.values()]
    result = {
        **data.params,
        "orgs_with_partners": len(orgs),
        "mean_true_partners": round(float(np.mean(sizes)), 2) if sizes else 0,
    }
    metrics = {"engine": evaluate(engine_ranked(data.profiles, orgs), data.truth)}
    for name, options in (variants or {}).items():
        metrics[name] = evaluate(engine_ranked(data.profiles, orgs, **options), data.truth)
    for name, ranked in baselines(data.profiles, orgs, seed).items():
        metrics[name] = evaluate(ranked, data.truth)
    if embeddings:
        cache = {} if cache is None else cache
        known = len(cache)
        encode_started = time.perf_counter()
        offers, looks = qe.embedded_sides(data.profiles, cache)
        encoded = time.perf_counter()
        blended = qe.with_vectors(data.profiles, offers, looks)
        metrics[qe.EMBEDDED] = evaluate(engine_ranked(blended, orgs), data.truth)
        ranked = time.perf_counter()
        for name, pool in (pools or {}).items():
            metrics[name] = evaluate(engine_ranked(blended, orgs, pool=pool), data.truth)
        result["embeddings"] = {
            "texts": 2 * len(data.profiles.ids),
            "texts_encoded": len(cache) - known,
            "encode_seconds": round(encoded - encode_started, 2),
            "rank_seconds": round(ranked - encoded, 2),  # the engine with the vectors
        }
    result["metrics"] = metrics
    engine_recall = metrics["engine"]["recall@10"] or 0
    shared = metrics["shared_sectors"]["recall@10"] or 0
    result["engine_vs_shared_sectors"] = round(engine_recall / shared, 2) if shared else None
    result["engine_share_of_ceiling"] = round(
        engine_recall / (metrics["engine"]["ceiling_recall@10"] or 1), 4
    )
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def measure_speed(
    n: int, seed: int = 1, k: int = 20, chunk_size: int = 2000, vectors: bool = False
) -> dict:
    """A full recompute of n generated profiles: all suggestions built and consumed. Peak RSS
    is the whole process's (profiles included): run it in a fresh process per size. With
    ``vectors``, random unit embeddings for every profile (the blended engine's cost)."""
    started = time.perf_counter()
    data = generate(n, seed)
    profiles = data.profiles
    if vectors:
        profiles = qe.with_vectors(profiles, *qe.random_vectors(n, seed))
    generated = time.perf_counter()
    rss_profiles = peak_rss_mib()
    suggestions = orgs = 0
    for _, found in engine.suggest(profiles, k=k, chunk_size=chunk_size):
        orgs += 1
        suggestions += len(found)
    finished = time.perf_counter()
    return {
        "n": n,
        "seed": seed,
        "k": k,
        "engine_version": engine.version(profiles),
        "organisations": orgs,
        "suggestions": suggestions,
        "generate_seconds": round(generated - started, 2),
        "wall_seconds": round(finished - generated, 2),
        "peak_rss_mib": peak_rss_mib(),
        "rss_after_generate_mib": rss_profiles,
    }


# Generator shapes reported by the benchmark (see generate()).
SHAPES = {
    "default": {},
    "hard": {"noise": 0.6, "decoy_rate": 1.0, "abroad": 0.5, "overlap": 0.5, "filler": 1.0},
    "untagged": {"tagged": 0.3},  # 70% of profiles with free text only
}
_ONLY_TEXT = {c: float(c == "complementarity") for c in engine.WEIGHTS}
# What else was tried, measured on the default shape next to the engine.
VARIANTS = {
    "blend_max_only": {"blend": (1.0, 0.0)},
    "blend_geometric_mean_only": {"blend": (0.0, 1.0)},
    "no_max_df": {"max_df": 1.0},
    "complementarity_only": {"weights": _ONLY_TEXT},
    "no_value_chain": {"weights": {**engine.WEIGHTS, "value_chain": 0.0}},
    "no_geography": {"weights": {**engine.WEIGHTS, "geography": 0.0}},
}


def speed_in_subprocess(n: int, seed: int, k: int, vectors: bool = False) -> dict:
    """measure_speed in a fresh interpreter, so that its peak RSS is its own."""
    extra = ["vectors"] if vectors else []
    done = subprocess.run(
        [sys.executable, "-m", "matchmaking.quality", "speed", str(n), str(seed), str(k), *extra],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"speed run for n={n} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(float(np.mean(values)), 4) if values else None


def benchmark(
    *,
    sizes: Sequence[int],
    quality_sizes: Sequence[int],
    seeds: Sequence[int],
    k: int,
    shapes: Sequence[str] = tuple(SHAPES),
    variants: bool = True,
    embeddings: bool = False,
    log: Callable[[str], None] = lambda message: None,
) -> dict:
    """The whole report of ``manage.py bench_suggestions``: speed, quality and the targets;
    with ``embeddings``, the engine with the texts' embeddings against it, the re-scoring's
    speed, and what encoding costs (or, without the extra, that it is not installed)."""
    speed = []
    for n in sizes:
        log(f"speed: {n} organisations in a fresh process")
        speed.append(speed_in_subprocess(n, seeds[0] if seeds else 1, k))
        if embeddings:
            log(f"speed: {n} organisations with random embeddings in a fresh process")
            row = speed_in_subprocess(n, seeds[0] if seeds else 1, k, vectors=True)
            speed[-1]["blended"] = qe.blended_speed(speed[-1], row, k)
    embedding_report = qe.start(log, peak_rss_mib) if embeddings else None
    with_embeddings = isinstance(embedding_report, dict)
    cache: dict = {}
    runs = []
    for shape in shapes:
        for n in quality_sizes:
            for seed in seeds:
                log(f"quality: shape {shape}, {n} organisations, seed {seed}")
                extra = VARIANTS if variants and shape == "default" else None
                measured = measure_quality(
                    n, seed, SHAPES[shape], extra, embeddings=with_embeddings,
                    pools=qe.POOLS if variants else None, cache=cache,
                )  # fmt: skip
                runs.append({"shape": shape, **measured})
    summary = {}
    for shape in shapes:
        mine = [r for r in runs if r["shape"] == shape]
        methods = list(mine[0]["metrics"]) if mine else []
        summary[shape] = {
            method: {
                metric: _mean(r["metrics"][method][metric] for r in mine)
                for metric in ("recall@10", "precision@10", "ndcg@10")
            }
            for method in methods
        }
        summary[shape]["ceiling_recall@10"] = _mean(
            r["metrics"]["engine"]["ceiling_recall@10"] for r in mine
        )
    targets = {}
    for row in speed:
        if row["n"] == 100_000:
            targets["100k_under_60_seconds"] = row["wall_seconds"] < 60
            targets["100k_under_2_GiB"] = row["peak_rss_mib"] < 2048
    for shape in shapes:
        mine = [r for r in runs if r["shape"] == shape]
        if mine:
            targets[f"{shape}: recall@10 >= 2 x shared sectors"] = all(
                r["metrics"]["engine"]["recall@10"]
                >= 2 * r["metrics"]["shared_sectors"]["recall@10"]
                for r in mine
            )
            targets[f"{shape}: recall@10 >= 90% of the ceiling"] = all(
                r["engine_share_of_ceiling"] >= 0.9 for r in mine
            )
    if with_embeddings:
        embedding_report = qe.finish(embedding_report, runs, peak_rss_mib())
    report = {} if embedding_report is None else {"embeddings": embedding_report}
    return {
        **report,
        "engine_version": engine.ENGINE_VERSION,
        "weights": engine.WEIGHTS,
        "blend": engine.BLEND,
        "max_df": engine.MAX_DF,
        "k": k,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__,
        },
        "speed": speed,
        "quality": {"summary": summary, "runs": runs},
        "targets": targets,
    }


if __name__ == "__main__":  # python -m matchmaking.quality speed N SEED K [vectors]
    if (
        len(sys.argv) not in (5, 6)
        or sys.argv[1] != "speed"
        or sys.argv[5:] not in ([], ["vectors"])
    ):
        sys.exit("usage: python -m matchmaking.quality speed N SEED K [vectors]")
    n, seed, k = (int(v) for v in sys.argv[2:5])
    print(json.dumps(measure_speed(n, seed, k, vectors=sys.argv[5:] == ["vectors"])))
