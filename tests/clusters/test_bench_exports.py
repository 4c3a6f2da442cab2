"""``manage.py bench_exports``: refuses SQLite, exports every row in each format, reports
time and peak RSS per format and the 200 MB target."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from clusters import bench
from clusters.bench import exports as export_bench
from clusters.models import Organisation

ON_POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]
ROWS = 40
SEED = 11


def run(**options) -> dict:
    out, err = StringIO(), StringIO()
    call_command("bench_exports", stdout=out, stderr=err, **options)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_needs_postgresql(monkeypatch):
    if ON_POSTGRES:
        monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="runs only on PostgreSQL; the database is sqlite"):
        call_command("bench_exports", rows=ROWS, repeat=1, stdout=StringIO())
    assert not Organisation.objects.filter(slug__startswith=bench.BENCH_PREFIX).exists()


def _check(report: dict, rows: int) -> None:
    assert report["rows"] == rows
    for fmt in ("csv", "xlsx"):
        figures = report["formats"][fmt]
        assert figures["rows"] == rows and figures["bytes"] > 1000
        assert figures["seconds_median"] > 0 and len(figures["seconds"]) == report["repeat"]
        assert figures["peak_rss_mb"] >= figures["rss_before_export_mb"] > 10
    assert report["baseline_query_only"]["rows"] == rows
    assert report["baseline_query_only"]["bytes"] == 0
    assert report["xlsx_peak_rss_mb"] == report["formats"]["xlsx"]["peak_rss_mb"]
    assert report["targets"]["every run exported every row"] is True
    assert report["targets"]["xlsx_peak_rss_mb < 200"] is (report["xlsx_peak_rss_mb"] < 200)


@pytest.mark.skipif(not ON_POSTGRES, reason="builds its set with PostgreSQL's COPY")
@pytest.mark.django_db
def test_in_process_builds_then_reuses_a_larger_set():
    report = run(rows=ROWS, repeat=2, seed=SEED, in_process=True)
    _check(report, ROWS)
    assert report["reused"] is False and report["fresh_process_per_run"] is False
    # A smaller export reuses the set and leaves it whole (bench_search's set is kept).
    smaller = run(rows=ROWS // 2, repeat=1, seed=SEED, in_process=True)
    _check(smaller, ROWS // 2)
    assert smaller["reused"] is True
    assert Organisation.objects.filter(slug__startswith=f"bench-{SEED}-").count() == ROWS


@pytest.mark.skipif(not ON_POSTGRES, reason="builds its set with PostgreSQL's COPY")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_each_run_in_a_fresh_process_sees_the_same_database():
    report = run(rows=ROWS, repeat=1, seed=SEED)
    _check(report, ROWS)
    assert report["fresh_process_per_run"] is True
    assert report["database"]["name"] == connection.settings_dict["NAME"]


def test_peak_rss_is_read():
    assert export_bench.peak_rss_mib() > 10
