"""``manage.py bench_exports``: wall time and peak RSS of the CSV and XLSX exports of N
organisations, as JSON (see clusters/bench/exports.py)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from clusters.bench import DEFAULT_SEED
from clusters.bench import exports as export_bench


class Command(BaseCommand):
    help = (
        "Build (or reuse) the synthetic organisations of bench_search on PostgreSQL, then "
        "export them as CSV and XLSX, each run in a fresh process, and print JSON: rows, "
        "median wall time per format, peak RSS per format, the RSS of the same query without "
        "a file (baseline) and the target (XLSX under 200 MB). Use a database of its own "
        "(make bench does)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rows",
            type=int,
            default=export_bench.DEFAULT_ROWS,
            help=f"organisations to export (default {export_bench.DEFAULT_ROWS})",
        )
        parser.add_argument(
            "--repeat",
            type=int,
            default=export_bench.DEFAULT_REPEAT,
            help=f"runs per format, median reported (default {export_bench.DEFAULT_REPEAT})",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"seed of the synthetic set (default {DEFAULT_SEED}, bench_search's)",
        )
        parser.add_argument(
            "--in-process",
            action="store_true",
            help="run in this process (quicker, but peak RSS is then not per format)",
        )

    def handle(self, *args, rows, repeat, seed, in_process, **options):
        log = self.stderr.write if options["verbosity"] > 0 else (lambda message: None)
        result = export_bench.benchmark(
            rows=rows, seed=seed, repeat=repeat, in_process=in_process, log=log
        )
        self.stdout.write(json.dumps(result, indent=2))
