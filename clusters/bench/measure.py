"""Timing: search requests interleaved with a trivial page, medians and percentiles."""

from __future__ import annotations

import itertools
import math
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ..models import Organisation
from .dataset import require_postgres
from .queries import (
    API_URL,
    BASELINE_URL,
    BIG_PAGE,
    DEFAULT_REPEAT,
    GROUPS,
    PAGE_URL,
    QUERIES,
    TARGET_P95_MS,
)

# --------------------------------------------------------------------------------------


def summarise(seconds: list[float]) -> dict[str, float | int]:
    """p50 (median), p95 (nearest rank) and max, in milliseconds."""
    ms = sorted(s * 1000 for s in seconds)
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(ms[math.ceil(0.95 * len(ms)) - 1], 2),
        "max_ms": round(ms[-1], 2),
    }


def _addresses() -> Iterator[str]:
    """A new client address per request: the API's anonymous throttle (120/minute) counts
    per address, and a benchmark makes hundreds of requests a minute. The throttle's cache
    round trip stays in the measurement."""
    for n in itertools.count(1):
        yield f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


@dataclass
class Target:
    name: str
    url: str
    samples: list[float] = field(default_factory=list)
    sql: list[dict[str, str]] = field(default_factory=list)
    results: int | None = None


class Runner:
    def __init__(self) -> None:
        self.client = Client(HTTP_HOST="localhost")
        self.addresses = _addresses()

    def get(self, url: str):
        self.client.cookies.clear()  # an anonymous first visit each time
        response = self.client.get(url, REMOTE_ADDR=next(self.addresses))
        if response.status_code != 200:
            raise CommandError(f"GET {url} answered {response.status_code}, not 200.")
        return response

    def time(self, target: Target) -> None:
        started = time.perf_counter()
        self.get(target.url)
        target.samples.append(time.perf_counter() - started)

    def capture(self, target: Target):
        with CaptureQueriesContext(connection) as context:
            response = self.get(target.url)
        target.sql = list(context.captured_queries)
        return response


def run_benchmark(repeat: int = DEFAULT_REPEAT, queries=QUERIES) -> dict[str, Any]:
    """Time every query ``repeat`` times on the API and the page, and the baseline between."""
    require_postgres()
    if repeat < 1:
        raise CommandError("--repeat must be at least 1.")
    runner = Runner()
    api = [Target("api", f"{API_URL}?{q.querystring}") for q in queries]
    page = [Target("page", f"{PAGE_URL}?{q.querystring}") for q in queries]
    baseline = Target("baseline", BASELINE_URL)

    for target in (*api, *page, baseline):  # warm-up: templates, caches, plans
        runner.get(target.url)
    # Interleaved, so that a noisy moment hits searches and baseline alike.
    for _ in range(repeat):
        for api_target, page_target in zip(api, page, strict=True):
            runner.time(api_target)
            runner.time(page_target)
            runner.time(baseline)
    # Query counts in a separate pass: capturing SQL has a cost of its own.
    for target in api:
        target.results = runner.capture(target).json()["count"]
    for target in (*page, baseline):
        runner.capture(target)
    # No query per row: a page of 100 rows costs the API as many queries as a page of 25.
    big_pages = [Target("api", f"{t.url}&page_size={BIG_PAGE}") for t in api]
    for target in big_pages:
        runner.capture(target)

    report_api = _report(api, queries)
    report_api["queries_per_request"][f"same_with_page_size_{BIG_PAGE}"] = all(
        len(a.sql) == len(b.sql) for a, b in zip(api, big_pages, strict=True)
    )
    report_page = _report(page, queries)
    report_baseline = {
        "url": BASELINE_URL,
        "view": "django.contrib.auth.views.LoginView (template, no SQL query)",
        **summarise(baseline.samples),
        "queries_per_request": len(baseline.sql),
    }

    def ratio(report: dict, key: str) -> float:
        return round(report["overall"][key] / report_baseline[key], 2)

    return {
        "api": report_api,
        "page": report_page,
        "baseline": report_baseline,
        "ratios": {
            "api_p50": ratio(report_api, "p50_ms"),
            "api_p95": ratio(report_api, "p95_ms"),
            "page_p50": ratio(report_page, "p50_ms"),
            "page_p95": ratio(report_page, "p95_ms"),
        },
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": max(report_api["overall"]["p95_ms"], report_page["overall"]["p95_ms"])
        < TARGET_P95_MS,
        "queries": [
            {
                "group": q.group,
                "query": q.querystring,
                "results": a.results,
                "api": {**summarise(a.samples), "sql": len(a.sql), "slowest_sql_ms": _slowest(a)},
                "page": {**summarise(p.samples), "sql": len(p.sql), "slowest_sql_ms": _slowest(p)},
            }
            for q, a, p in zip(queries, api, page, strict=True)
        ],
    }


def _slowest(target: Target) -> float:
    return round(max((float(q["time"]) for q in target.sql), default=0.0) * 1000, 1)


def _report(targets: list[Target], queries) -> dict[str, Any]:
    counts = [len(t.sql) for t in targets]
    by_group: dict[str, list[float]] = {group: [] for group in GROUPS}
    for query, target in zip(queries, targets, strict=True):
        by_group[query.group].extend(target.samples)
    return {
        "url": targets[0].url.split("?")[0],
        "overall": summarise([s for t in targets for s in t.samples]),
        "groups": {group: summarise(samples) for group, samples in by_group.items()},
        "queries_per_request": {"min": min(counts), "max": max(counts)},
    }


def explain(queries=QUERIES, top: int = 3) -> list[tuple[str, float, str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest SQL statement of the ``top`` slowest API
    requests (one timed request each): (url, statement ms, plan)."""
    require_postgres()
    runner = Runner()
    timed = []
    for query in queries:
        target = Target("api", f"{API_URL}?{query.querystring}")
        runner.get(target.url)
        started = time.perf_counter()
        runner.capture(target)
        timed.append((time.perf_counter() - started, target))
    plans = []
    for _, target in sorted(timed, key=lambda item: item[0], reverse=True)[:top]:
        statement = max(target.sql, key=lambda q: float(q["time"]))
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        plans.append((target.url, float(statement["time"]) * 1000, plan))
    return plans


def environment() -> dict[str, Any]:
    settings_db = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
        cursor.execute(
            "SELECT pg_relation_size(%s) / 1048576, pg_total_relation_size(%s) / 1048576",
            [Organisation._meta.db_table] * 2,
        )
        heap_mb, total_mb = cursor.fetchone()
    return {
        "vendor": connection.vendor,
        "name": settings_db["NAME"],
        "host": settings_db.get("HOST") or "local socket",
        "server_version": version,
        "shared_buffers": shared_buffers,
        "organisation_table_mb": {"heap": heap_mb, "with_indexes": total_mb},
        "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        "debug": settings.DEBUG,
        "date": date.today().isoformat(),
    }
