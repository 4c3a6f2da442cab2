"""Search benchmark: a synthetic set of organisations on PostgreSQL, and timed searches.

``manage.py bench_search`` (and ``make bench``) builds or reuses the set, then times the API
(``/api/organisations/``) and the search page (``/organisations/``) over representative
queries with Django's test client, in-process and anonymous (what the public sees). A trivial
page with no SQL query (the login form) is timed in the same loop, interleaved with the
searches, so that the ratios stay meaningful on a noisy machine.

The synthetic organisations are found again by their slug, ``bench-<seed>-<index>``. Building
is deterministic: organisation *i* of a seed is the same whatever ``--orgs`` asks for, so a
larger set tops up a smaller one and a smaller one is trimmed.
"""

from .dataset import bench_organisations, bench_slug, drop_dataset, ensure_dataset, require_postgres
from .measure import environment, explain, run_benchmark, summarise
from .queries import (
    BENCH_PREFIX,
    DEFAULT_ORGS,
    DEFAULT_REPEAT,
    DEFAULT_SEED,
    GROUPS,
    QUERIES,
    TEXT,
    TYPO,
)

__all__ = [
    "BENCH_PREFIX",
    "DEFAULT_ORGS",
    "DEFAULT_REPEAT",
    "DEFAULT_SEED",
    "GROUPS",
    "QUERIES",
    "TEXT",
    "TYPO",
    "bench_organisations",
    "bench_slug",
    "drop_dataset",
    "ensure_dataset",
    "environment",
    "explain",
    "require_postgres",
    "run_benchmark",
    "summarise",
]
