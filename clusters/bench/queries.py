"""What the search benchmark asks: representative queries in four groups, and its settings."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

BENCH_PREFIX = "bench-"
DEFAULT_ORGS = 100_000
DEFAULT_SEED = 2026
DEFAULT_REPEAT = 5
BATCH_SIZE = 5_000
TARGET_P95_MS = 100.0
PUBLISHED_SHARE = 0.9
BIG_PAGE = 100  # the API's largest page size
API_URL = "/api/organisations/"
PAGE_URL = "/organisations/"
# The simplest existing page: a template, the whole middleware stack and no SQL query for an
# anonymous visitor (no session cookie, so no session row is read).
BASELINE_URL = "/accounts/login/"
NOT_POSTGRES = (
    "bench_search measures PostgreSQL full-text search and runs only on PostgreSQL; "
    "the database is {vendor}. Set DATABASE_URL=postgres://... (make bench does)."
)


# --------------------------------------------------------------------------------------
# The queries
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchQuery:
    group: str
    params: tuple[tuple[str, str], ...]

    @property
    def querystring(self) -> str:
        return urlencode(self.params)


def _q(group: str, **params: str) -> BenchQuery:
    return BenchQuery(group, tuple(params.items()))


TEXT, TEXT_FACETS, FACETS, TYPO = "text", "text+3 facets", "facets", "typo"
GROUPS = (TEXT, TEXT_FACETS, FACETS, TYPO)
QUERIES = (
    _q(TEXT, q="photonics"),
    _q(TEXT, q="battery recycling"),
    _q(TEXT, q="hydrogen"),
    _q(TEXT, q="medical devices"),
    _q(TEXT, q="wood"),
    _q(TEXT, q="machine learning"),
    _q(TEXT, q="aquaculture"),
    _q(TEXT_FACETS, q="photonics", country="DE", sector="lighting-and-electrical-equipment",
       kind="sme"),
    _q(TEXT_FACETS, q="hydrogen", country="ES",
       sector="electric-power-generation-and-transmission", kind="cluster"),
    _q(TEXT_FACETS, q="robotics", country="IT",
       sector="production-technology-and-heavy-machinery", kind="sme"),
    _q(TEXT_FACETS, q="wood", country="AT", sector="wood-products", kind="cluster"),
    _q(TEXT_FACETS, q="digital health", country="FR", sector="medical-devices", kind="sme"),
    _q(FACETS, country="DE"),
    _q(FACETS, sector="automotive"),
    _q(FACETS, ecosystem="digital"),
    _q(FACETS, technology="robotics"),
    _q(FACETS, label="any"),
    _q(FACETS, region="DE1"),
    _q(FACETS, kind="cluster", country="FR", ecosystem="health"),
    _q(TYPO, q="fotonics"),
    _q(TYPO, q="hydrogn"),
    _q(TYPO, q="robotcs"),
    _q(TYPO, q="aerospase"),
    _q(TYPO, q="batery"),
)  # fmt: skip


# --------------------------------------------------------------------------------------
# The data set
