"""Feature matrices behind matchmaking/engine.py (no Django): built once per ``suggest()`` call.

Everything is kept in an internal order, the profiles sorted by (country, region), so that the
geography of all candidates of one country and region is a single slice of a score row (see
``Features.runs``). ``order[p]`` is the profile index at internal position ``p``.

* Text: one TF-IDF vocabulary (sublinear tf) over the offers and looks-for documents of every
  profile: words (unigrams and bigrams within phrases, see ``words``) and topics as whole
  phrase tokens ("topic:additive manufacturing"). Two blocks, each with rows L2-normalised:
  the words and the topics, so ``text[i].looks[a] . text[i].offers[b]`` is the cosine "a looks
  for what b offers" in words (i=0) or in topics (i=1), combined 1 - (1 - w) * (1 - t).
  Separate blocks, so that a profile without topics is not penalised against one with topics.
* Tags: one binary matrix per vocabulary, rows L2-normalised: ``tags[v][a] . tags[v][b]`` is the
  cosine of the two code sets.
* Sector relatedness ``relatedness`` (value chains): positive normalised PMI of two sectors
  appearing on one profile, zero diagonal; ``sector_rel = tags["sectors"] @ relatedness``
  scaled down to norm 1 where longer, so that ``sector_rel[a] . tags["sectors"][b]`` is in
  [0, 1] without a cap (a cap would make the dense pass of the engine overestimate).
* Geography and kind: small rules and tables (``geography``, ``_KIND_FIT``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

TAG_VOCABULARIES = ("sectors", "ecosystems", "technologies", "thematic_areas")
KINDS = (
    "cluster", "sme", "large_company", "rto", "university", "incubator", "public_authority",
    "investor", "other",
)  # fmt: skip
TOPIC_PREFIX = "topic:"

# Geography of candidate B for organisation A (unweighted, in [0, 1]). Internationalisation is
# the platform's purpose, so a partner abroad scores over one at home, and one based in a
# market A targets scores highest; a partner in A's own region gets a smaller bonus (local
# ecosystem, easy to meet); the same country elsewhere gets nothing.
GEO_TARGET = 1.0
GEO_CROSS_BORDER = 0.5
GEO_SAME_REGION = 0.3
GEO_SAME_COUNTRY = 0.0

# Kind fit, symmetric; pairs not listed score KIND_FIT_DEFAULT.
KIND_FIT_DEFAULT = 0.2
_KIND_FIT = {
    ("cluster", "cluster"): 1.0,  # strategic cluster partnerships
    ("sme", "rto"): 0.9,
    ("sme", "university"): 0.8,
    ("sme", "cluster"): 0.8,
    ("cluster", "rto"): 0.6,
    ("cluster", "university"): 0.6,
    ("cluster", "large_company"): 0.6,
    ("cluster", "public_authority"): 0.6,
    ("cluster", "incubator"): 0.5,
    ("cluster", "investor"): 0.4,
    ("sme", "large_company"): 0.7,
    ("sme", "investor"): 0.7,
    ("sme", "incubator"): 0.6,
    ("sme", "sme"): 0.5,
    ("large_company", "rto"): 0.7,
    ("large_company", "university"): 0.7,
    ("large_company", "incubator"): 0.5,
    ("rto", "university"): 0.6,
    ("rto", "rto"): 0.4,
    ("university", "university"): 0.4,
    ("incubator", "investor"): 0.7,
    ("public_authority", "rto"): 0.4,
    ("public_authority", "university"): 0.4,
}


def kind_fit_matrix() -> np.ndarray:
    fit = np.full((len(KINDS) + 1, len(KINDS) + 1), KIND_FIT_DEFAULT, dtype=np.float64)
    for (a, b), value in _KIND_FIT.items():
        i, j = KINDS.index(a), KINDS.index(b)
        fit[i, j] = fit[j, i] = value
    return fit  # the last row and column: a kind outside KINDS


LABEL_VALUES = {"bronze": 1 / 3, "silver": 2 / 3, "gold": 1.0}


@dataclass
class TextBlock:
    """Looks-for and offers rows (n x V, L2 rows) of one block of the vocabulary."""

    looks: sp.csr_matrix
    offers: sp.csr_matrix
    looks_t: sp.csr_matrix  # V x n (csr of the transpose): rows @ looks_t is rows x n
    offers_t: sp.csr_matrix


@dataclass
class Features:
    n: int
    order: np.ndarray  # internal position -> profile index
    ids: np.ndarray  # organisation ids, internal order
    text: list[TextBlock]  # words, topics
    feature_names: np.ndarray  # V display names (topics with their own spelling)
    is_topic: np.ndarray  # V bool
    tags: dict[str, np.ndarray]  # vocabulary -> n x d float32, L2 rows
    tag_codes: dict[str, list[str]]
    relatedness: np.ndarray  # sectors x sectors
    sector_rel: np.ndarray  # n x sectors: tags["sectors"] @ relatedness, rows of norm <= 1
    country: np.ndarray  # n int, index into countries ("" is -1)
    region: np.ndarray  # n int, -1 for none
    targets: np.ndarray  # n x len(countries) bool
    countries: list[str]
    kind: np.ndarray  # n int, index into KINDS (len(KINDS) for unknown)
    kind_fit: np.ndarray
    label: np.ndarray  # n float, LABEL_VALUES
    runs: np.ndarray  # (r, 4): start, end, country, region of each (country, region) slice


def l2_rows(matrix: sp.spmatrix) -> sp.csr_matrix:
    """Rows scaled to unit length (empty rows stay empty); float32 csr."""
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    norms = np.sqrt(np.bincount(rows, weights=matrix.data.astype(np.float64) ** 2,
                                minlength=matrix.shape[0]))  # fmt: skip
    matrix.data /= norms[rows].astype(np.float32)
    return matrix


_TOKENS = re.compile(r"(?u)\b\w\w+\b|[.,;:!?()/]")
_BREAKS = frozenset(("and", "or"))


def words(text: str) -> list[str]:
    """Unigrams without stop words, and bigrams of consecutive ones within a phrase:
    punctuation, "and" and "or" end a phrase, stop words are skipped ("laser processing for
    medical devices, and optics" gives "laser processing", "processing medical", "medical
    devices", not "devices optics"). "processing medical" ties a technique to its application."""
    out: list[str] = []
    previous = None
    for token in _TOKENS.findall(text.lower()):
        if len(token) < 2 or token in _BREAKS:
            previous = None
        elif token not in ENGLISH_STOP_WORDS:
            out.append(token)
            if previous is not None:
                out.append(f"{previous} {token}")
            previous = token
    return out


def _norm_topic(topic: str) -> str:
    return " ".join(topic.lower().split())


def text_matrices(
    offers_text: Sequence[str],
    looks_text: Sequence[str],
    offers_topics: Sequence[Sequence[str]],
    looks_topics: Sequence[Sequence[str]],
    *,
    min_df: int,
    max_df: float,
):
    """(offers, looks, feature names, is_topic): TF-IDF csr float32 (not normalised), one
    vocabulary of words and topics."""
    n = len(offers_text)
    display: dict[str, str] = {}
    for topics in (*offers_topics, *looks_topics):
        for t in topics:
            key = _norm_topic(t)
            if key:
                display.setdefault(TOPIC_PREFIX + key, " ".join(t.split()))

    def analyze(doc: tuple[str, Sequence[str]]) -> list[str]:
        text, topics = doc
        tokens = words(text) if text else []
        tokens.extend(TOPIC_PREFIX + k for k in map(_norm_topic, topics) if k)
        return tokens

    docs = [
        *zip(offers_text, offers_topics, strict=True),
        *zip(looks_text, looks_topics, strict=True),
    ]
    vectorizer = TfidfVectorizer(
        analyzer=analyze, sublinear_tf=True, norm=None, dtype=np.float32, min_df=min_df,
        max_df=max_df,
    )  # fmt: skip
    try:
        matrix = vectorizer.fit_transform(docs)
        names = vectorizer.get_feature_names_out()
    except ValueError:  # nothing but stop words, or nothing left after pruning
        matrix, names = sp.csr_matrix((2 * n, 0), dtype=np.float32), np.array([], dtype=object)
    is_topic = np.fromiter((s.startswith(TOPIC_PREFIX) for s in names), bool, len(names))
    names = np.array([display.get(s, s) for s in names], dtype=object)
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    return matrix[:n], matrix[n:], names, is_topic


def _only(matrix: sp.csr_matrix, columns: np.ndarray) -> sp.csr_matrix:
    """The matrix with the other columns' entries dropped, rows L2-normalised."""
    kept = matrix.multiply(columns.astype(np.float32)[None, :]).tocsr()
    kept.eliminate_zeros()
    return l2_rows(kept)


def _binary(lists: Sequence[Sequence[str]]) -> tuple[sp.csr_matrix, list[str]]:
    codes = sorted({c for row in lists for c in row if c})
    index = {c: i for i, c in enumerate(codes)}
    indptr, indices = [0], []
    for row in lists:
        cols = sorted({index[c] for c in row if c})
        indices.extend(cols)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    shape = (len(lists), len(codes))
    return sp.csr_matrix((data, np.array(indices, dtype=np.int64), indptr), shape=shape), codes


def npmi_relatedness(binary: sp.csr_matrix, min_count: int) -> np.ndarray:
    """Positive normalised PMI of two codes on one profile; zero diagonal and below min_count."""
    n, d = binary.shape
    counts = (binary.T @ binary).toarray().astype(np.float64)
    if n == 0 or d == 0:
        return np.zeros((d, d), dtype=np.float32)
    p = np.diag(counts) / n
    pij = counts / n
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(pij / np.outer(p, p))
        npmi = np.where(pij >= 1, 1.0, pmi / -np.log(pij))
    rel = np.where(counts >= min_count, np.clip(npmi, 0, 1), 0.0)
    np.fill_diagonal(rel, 0)
    return np.nan_to_num(rel).astype(np.float32)


def build(profiles, *, min_df: int, max_df: float, min_cooccurrence: int) -> Features:
    n = len(profiles.ids)
    country_codes = sorted(
        {c for c in profiles.countries if c} | {c for t in profiles.target_countries for c in t}
    )
    cidx = {c: i for i, c in enumerate(country_codes)}
    country = np.array([cidx.get(c, -1) for c in profiles.countries], dtype=np.int64)
    region_codes = {r: i for i, r in enumerate(sorted({r for r in profiles.regions if r}))}
    region = np.array([region_codes.get(r, -1) for r in profiles.regions], dtype=np.int64)
    order = np.lexsort((region, country)) if n else np.zeros(0, dtype=np.int64)

    offers, looks, names, is_topic = text_matrices(
        profiles.offers_text,
        profiles.looks_for_text,
        profiles.offers_topics,
        profiles.looks_for_topics,
        min_df=min_df,
        max_df=max_df,
    )
    offers, looks = offers[order], looks[order]
    blocks = []
    for columns in (~is_topic, is_topic):
        lk, of = _only(looks, columns), _only(offers, columns)
        blocks.append(TextBlock(lk, of, lk.T.tocsr(), of.T.tocsr()))

    tags, tag_codes, relatedness = {}, {}, np.zeros((0, 0), dtype=np.float32)
    for vocab in TAG_VOCABULARIES:
        binary, codes = _binary(getattr(profiles, vocab))
        binary = binary[order]
        if vocab == "sectors":
            relatedness = npmi_relatedness(binary, min_cooccurrence)
        tags[vocab] = l2_rows(binary).toarray()
        tag_codes[vocab] = codes
    sector_rel = tags["sectors"] @ relatedness
    # At most 1 against any unit-length B row (Cauchy-Schwarz), and linear in it.
    sector_rel /= np.maximum(1, np.linalg.norm(sector_rel, axis=1, keepdims=True))

    targets = np.zeros((n, len(country_codes)), dtype=bool)
    for p, i in enumerate(order):
        for c in profiles.target_countries[i]:
            if c in cidx:
                targets[p, cidx[c]] = True
    kind_index = {k: i for i, k in enumerate(KINDS)}
    kind = np.array([kind_index.get(k, len(KINDS)) for k in profiles.kinds], dtype=np.int64)
    label = np.array([LABEL_VALUES.get(lb or "", 0.0) for lb in profiles.labels])
    country, region = country[order], region[order]
    change = np.flatnonzero((np.diff(country) != 0) | (np.diff(region) != 0)) + 1
    starts = np.concatenate([[0], change]).astype(np.int64) if n else np.zeros(0, np.int64)
    ends = np.concatenate([change, [n]]).astype(np.int64) if n else np.zeros(0, np.int64)
    runs = np.stack([starts, ends, country[starts], region[starts]], axis=1)
    return Features(
        n=n,
        order=order,
        ids=np.asarray(profiles.ids, dtype=np.int64)[order],
        text=blocks,
        feature_names=names,
        is_topic=is_topic,
        tags=tags,
        tag_codes=tag_codes,
        relatedness=relatedness,
        sector_rel=sector_rel,
        country=country,
        region=region,
        targets=targets,
        countries=country_codes,
        kind=kind[order],
        kind_fit=kind_fit_matrix(),
        label=label[order],
        runs=runs,
    )


def geography(f: Features, a: np.ndarray, b_country: np.ndarray, b_region: np.ndarray):
    """Geography of B (by country and region index) for A (internal positions), broadcast."""
    a_country, a_region = f.country[a], f.region[a]
    if f.targets.shape[1]:
        target = f.targets[a, np.maximum(b_country, 0)] & (b_country >= 0)
    else:
        target = np.zeros(np.broadcast_shapes(a.shape, b_country.shape), dtype=bool)
    known = (a_country >= 0) & (b_country >= 0)
    abroad = known & (a_country != b_country)
    same_region = ~abroad & (a_region >= 0) & (a_region == b_region)
    return np.select(
        [target, abroad, same_region, known],
        [GEO_TARGET, GEO_CROSS_BORDER, GEO_SAME_REGION, GEO_SAME_COUNTRY],
        0.0,
    )


def _rowwise(left: sp.csr_matrix, right: sp.csr_matrix, a: np.ndarray, b: np.ndarray):
    """Per pair (a[i], b[i]): the product of the two rows, feature by feature (csr, m x V)."""
    return left[a].multiply(right[b]).tocsr()


def _row_sums(products: sp.csr_matrix) -> np.ndarray:
    rows = np.repeat(np.arange(products.shape[0]), np.diff(products.indptr))
    return np.bincount(rows, weights=products.data, minlength=products.shape[0])


def _rowdot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Row by row dot products, summed column by column: the same bits for a pair whichever
    rows share its batch (BLAS and einsum may sum in another order at another position)."""
    out = np.zeros(len(x))
    for j in range(x.shape[1]):
        out += x[:, j].astype(np.float64) * y[:, j]
    return out


def pair_components(f: Features, a: np.ndarray, b: np.ndarray, blend: tuple[float, float]):
    """Exact unweighted components for pairs (internal positions), and what the reasons need:
    a2b, b2a and the products feature by feature ("need", "offer": csr, m x V)."""
    m = len(a)
    a2b, b2a = np.zeros(m), np.zeros(m)
    need = offer = sp.csr_matrix((m, len(f.feature_names)), dtype=np.float32)
    for block in f.text:  # words, topics: disjoint columns
        block_need = _rowwise(block.looks, block.offers, a, b)  # A looks for what B offers
        block_offer = _rowwise(block.offers, block.looks, a, b)  # B looks for what A offers
        x, y = _row_sums(block_need), _row_sums(block_offer)
        a2b, b2a = a2b + x - a2b * x, b2a + y - b2a * y  # 1 - (1 - words) * (1 - topics)
        need, offer = need + block_need, offer + block_offer
    comp = blend[0] * np.maximum(a2b, b2a) + blend[1] * np.sqrt(a2b * b2a)
    out = {"complementarity": np.clip(comp, 0, 1)}
    for vocab in TAG_VOCABULARIES:
        out[f"shared_{vocab}"] = np.clip(_rowdot(f.tags[vocab][a], f.tags[vocab][b]), 0, 1)
    out["value_chain"] = np.clip(_rowdot(f.sector_rel[a], f.tags["sectors"][b]), 0, 1)
    out["geography"] = geography(f, a, f.country[b], f.region[b])
    out["kind_fit"] = f.kind_fit[f.kind[a], f.kind[b]]
    out["label"] = f.label[b]
    return out, {"a2b": a2b, "b2a": b2a, "need": need, "offer": offer}
