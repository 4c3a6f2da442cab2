"""``manage.py bench_search``: refuses SQLite, builds and reuses its set, reports sane figures."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.template import Template
from django.test.utils import _TestState

from clusters import bench
from clusters.models import Organisation

pytestmark = pytest.mark.django_db
ON_POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]
ORGS = 300


@pytest.fixture
def production_rendering(monkeypatch):
    """Templates render as in production, not instrumented for ``response.context``.

    The test environment copies the context of every template it renders; the search page
    renders hundreds of small ones, which makes it several times slower here and the test
    slow with it.
    """
    saved = getattr(_TestState, "saved_data", None)
    if saved is not None:
        monkeypatch.setattr(Template, "_render", saved.template_render)


def run(**options) -> dict:
    out, err = StringIO(), StringIO()
    call_command("bench_search", stdout=out, stderr=err, **options)
    return json.loads(out.getvalue())


def test_needs_postgresql(monkeypatch):
    # On SQLite as it is; on PostgreSQL the connection pretends to be SQLite.
    if ON_POSTGRES:
        monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="runs only on PostgreSQL; the database is sqlite"):
        call_command("bench_search", orgs=ORGS, repeat=1, stdout=StringIO())
    with pytest.raises(CommandError, match="only on PostgreSQL"):
        call_command("bench_search", drop=True, stdout=StringIO())
    assert not Organisation.objects.filter(slug__startswith=bench.BENCH_PREFIX).exists()


def test_percentiles():
    summary = bench.summarise([i / 1000 for i in range(1, 21)])  # 1..20 ms
    assert summary == {"n": 20, "p50_ms": 10.5, "p95_ms": 19.0, "max_ms": 20.0}
    assert bench.summarise([0.005]) == {"n": 1, "p50_ms": 5.0, "p95_ms": 5.0, "max_ms": 5.0}


@pytest.mark.skipif(not ON_POSTGRES, reason="measures PostgreSQL full-text search")
def test_builds_measures_and_reuses(production_rendering):
    report = run(orgs=ORGS, repeat=1, seed=7)

    bench_orgs = Organisation.objects.filter(slug__startswith=bench.BENCH_PREFIX)
    assert bench_orgs.count() == ORGS
    assert report["orgs"] == ORGS and report["reused"] is False
    assert report["database"]["vendor"] == "postgresql"
    # ~90% published, kinds mixed, several countries, tags linked, documents built.
    assert 0.8 * ORGS < bench_orgs.filter(status="published").count() < ORGS
    assert bench_orgs.filter(kind="cluster").count() > 0.15 * ORGS
    assert bench_orgs.filter(kind="sme").count() > 0.35 * ORGS
    assert bench_orgs.values("country").distinct().count() > 20
    assert not bench_orgs.filter(search_vector__isnull=True).exists()
    assert not bench_orgs.filter(sectors=None).exists()
    assert not bench_orgs.filter(offers_topics=None).exists()

    queries = len(bench.QUERIES)
    assert queries >= 20
    for target in ("api", "page"):
        assert set(report[target]["groups"]) == set(bench.GROUPS)
        assert report[target]["overall"]["n"] == queries
        for figures in (report[target]["overall"], *report[target]["groups"].values()):
            assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]
    assert report["baseline"]["n"] == queries
    assert report["baseline"]["queries_per_request"] == 0
    assert report["ratios"]["api_p50"] > 1
    assert report["meets_target"] is (
        max(report["api"]["overall"]["p95_ms"], report["page"]["overall"]["p95_ms"])
        < report["target_p95_ms"]
    )

    by_group: dict[str, list[dict]] = {}
    for query in report["queries"]:
        by_group.setdefault(query["group"], []).append(query)
    assert all(q["results"] > 0 for q in by_group[bench.TEXT])
    assert all(q["results"] > 0 for q in by_group[bench.TYPO])

    # No query per row: the count does not grow with the page size, and the only variation
    # between queries is the lookup that validates a tag parameter (or none for no result).
    api_counts = report["api"]["queries_per_request"]
    assert api_counts["same_with_page_size_100"] is True
    with_results = {q["api"]["sql"] for q in report["queries"] if q["results"]}
    assert max(with_results) - min(with_results) <= 1

    again = run(orgs=ORGS, repeat=1, seed=7)
    assert again["reused"] is True
    assert again["build_seconds"] < 1
    assert [q["results"] for q in again["queries"]] == [q["results"] for q in report["queries"]]

    # A smaller set is trimmed, not rebuilt; --drop removes it.
    first = set(bench_orgs.filter(slug__lt=bench.bench_slug(7, 100)).values_list("pk", "name"))
    bench.ensure_dataset(100, seed=7)
    assert set(bench_orgs.values_list("pk", "name")) == first
    assert run(drop=True) == {"dropped": 100}
    assert not bench_orgs.exists()
