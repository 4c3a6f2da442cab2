"""Export benchmark: wall time and peak memory of the CSV and XLSX exports of N organisations.

The organisations are the search benchmark's synthetic set (dataset.py: ``bench-<seed>-<i>``,
built or reused). Each run happens in a fresh Python process, so that its peak RSS (VmHWM) is
its own and not the parent's or an earlier run's: one process per format and repeat, plus a
baseline process that runs the same query and reads every row without writing a file (what the
rows alone cost). A run uses the code of a real export: ``sources`` (the export's queryset, its
prefetches, chunked reads) and ``writers`` (the chunks a response streams), writing the chunks
to /dev/null.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db import connection
from django.http import QueryDict

from clusterplatform.measure import peak_rss_mib

from .dataset import bench_organisations, bench_slug, ensure_dataset
from .queries import BENCH_PREFIX, DEFAULT_SEED

FORMATS = ("csv", "xlsx")
BASELINE = "query"  # the baseline "format": read the rows, write nothing
TARGET_XLSX_PEAK_RSS_MB = 200.0
DEFAULT_ROWS = 100_000
DEFAULT_REPEAT = 3
ROOT = Path(__file__).resolve().parent.parent.parent
NOT_POSTGRES = (
    "bench_exports builds its organisations with PostgreSQL's COPY and runs only on "
    "PostgreSQL; the database is {vendor}. Set DATABASE_URL=postgres://... (make bench does)."
)


def rows_queryset(rows: int, seed: int):
    """Organisations 0..rows-1 of the bench set, as the organisation export reads them (a
    platform-staff user sees drafts too: every row is exported)."""
    from clusterplatform.accounts.models import User

    from ..exports import sources

    everyone = User(email="bench@example.org", is_staff=True)  # never saved
    return sources.organisations(everyone, QueryDict()).filter(
        slug__startswith=f"{BENCH_PREFIX}{seed}-", slug__lt=bench_slug(seed, rows)
    )


def measure(spec: dict) -> dict:
    """One run in this process: the export of ``spec["fmt"]`` (or the baseline), timed."""
    from ..exports import sources, writers
    from ..exports.columns import ORGANISATION_COLUMNS

    if spec.get("database"):  # the parent's database (in tests, the test database)
        connection.settings_dict["NAME"] = spec["database"]
    rss_start = peak_rss_mib()
    fmt = spec["fmt"]
    started = time.perf_counter()
    rows = written = 0
    queryset = rows_queryset(spec["rows"], spec["seed"])

    def counted():
        nonlocal rows
        for obj in sources.iterate(queryset):
            rows += 1
            yield obj

    if fmt == BASELINE:
        for _obj in counted():
            pass
    else:
        with open(os.devnull, "wb") as sink:
            for chunk in writers.chunks(fmt, ORGANISATION_COLUMNS, counted(), title="bench"):
                written += len(chunk)
                sink.write(chunk)
    seconds = time.perf_counter() - started
    return {
        "fmt": fmt,
        "rows": rows,
        "bytes": written,
        "seconds": round(seconds, 3),
        "peak_rss_mb": peak_rss_mib(),
        "rss_before_mb": rss_start,
    }


def measure_in_subprocess(spec: dict) -> dict:
    code = (
        "import json, sys, django; django.setup(); "
        "from clusters.bench.exports import measure; "
        "print(json.dumps(measure(json.loads(sys.argv[1]))))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clusterplatform.settings"}
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(spec)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise CommandError(f"bench_exports run {spec} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def ensure_rows(rows: int, seed: int, log: Callable[[str], None]) -> dict:
    """Organisations 0..rows-1 of the seed: reused when all there (a larger set, e.g. the
    search benchmark's, is kept), built or topped up otherwise."""
    if connection.vendor != "postgresql":
        raise CommandError(NOT_POSTGRES.format(vendor=connection.vendor))
    if rows < 1:
        raise CommandError("--rows must be at least 1.")
    started = time.perf_counter()
    present = (
        bench_organisations()
        .filter(slug__startswith=f"{BENCH_PREFIX}{seed}-", slug__lt=bench_slug(seed, rows))
        .count()
    )
    if present == rows:
        return {"reused": True, "build_seconds": round(time.perf_counter() - started, 2)}
    build = ensure_dataset(rows, seed=seed, log=log)
    return {"reused": build.reused, "build_seconds": round(build.seconds, 2)}


def _summary(runs: list[dict]) -> dict[str, Any]:
    seconds = [r["seconds"] for r in runs]
    median = statistics.median(seconds)
    return {
        "rows": runs[0]["rows"],
        "bytes": runs[0]["bytes"],
        "seconds_median": round(median, 3),
        "seconds": seconds,
        "rows_per_second": round(runs[0]["rows"] / median) if median else None,
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "rss_before_export_mb": max(r["rss_before_mb"] for r in runs),
    }


def benchmark(
    *,
    rows: int = DEFAULT_ROWS,
    seed: int = DEFAULT_SEED,
    repeat: int = DEFAULT_REPEAT,
    in_process: bool = False,
    log: Callable[[str], None] = lambda message: None,
) -> dict:
    """The whole report of ``manage.py bench_exports``."""
    built = ensure_rows(rows, seed, log)
    run = measure if in_process else measure_in_subprocess
    database = connection.settings_dict["NAME"]
    load_before = os.getloadavg()
    results: dict[str, list[dict]] = {name: [] for name in (BASELINE, *FORMATS)}
    for i in range(max(1, repeat)):
        for name in results:
            log(f"bench_exports: {name} of {rows} rows, run {i + 1}/{repeat}")
            results[name].append(
                run({"fmt": name, "rows": rows, "seed": seed, "database": database})
            )
    summary = {name: _summary(runs) for name, runs in results.items()}
    xlsx_peak = summary["xlsx"]["peak_rss_mb"]
    return {
        "rows": rows,
        "seed": seed,
        "repeat": repeat,
        "fresh_process_per_run": not in_process,
        **built,
        "database": {"vendor": connection.vendor, "name": database},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_before": [round(v, 2) for v in load_before],
            "load_average_after": [round(v, 2) for v in os.getloadavg()],
        },
        "formats": {fmt: summary[fmt] for fmt in FORMATS},
        "baseline_query_only": summary[BASELINE],
        "xlsx_peak_rss_mb": xlsx_peak,
        "xlsx_peak_rss_over_baseline_mb": round(xlsx_peak - summary[BASELINE]["peak_rss_mb"], 1),
        "targets": {
            f"xlsx_peak_rss_mb < {TARGET_XLSX_PEAK_RSS_MB:.0f}": xlsx_peak
            < TARGET_XLSX_PEAK_RSS_MB,
            "every run exported every row": all(
                r["rows"] == rows for runs in results.values() for r in runs
            ),
        },
    }
