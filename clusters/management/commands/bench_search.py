"""``manage.py bench_search``: search latency on a synthetic data set (see clusters/bench/)."""

from __future__ import annotations

import json
import warnings

from django.core.management.base import BaseCommand

from clusters import bench


class Command(BaseCommand):
    help = (
        "Build (or reuse) a synthetic set of organisations on PostgreSQL, slugs 'bench-...', "
        "then time the search API and page over representative queries and print JSON: "
        "p50/p95/max latency, SQL queries per request and ratios to a trivial page. "
        "Use a database of its own (make bench does)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--orgs",
            type=int,
            default=bench.DEFAULT_ORGS,
            help=f"organisations in the set (default {bench.DEFAULT_ORGS})",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=bench.DEFAULT_SEED,
            help=f"random seed of the set (default {bench.DEFAULT_SEED})",
        )
        parser.add_argument(
            "--repeat",
            type=int,
            default=bench.DEFAULT_REPEAT,
            help=f"timed runs of each query (default {bench.DEFAULT_REPEAT})",
        )
        parser.add_argument(
            "--rebuild", action="store_true", help="delete the set and build it again"
        )
        parser.add_argument(
            "--drop", action="store_true", help="delete the set and exit (measures nothing)"
        )
        parser.add_argument(
            "--explain",
            type=int,
            default=0,
            metavar="N",
            help="also print to stderr EXPLAIN (ANALYZE, BUFFERS) of the slowest SQL "
            "statement of the N slowest API queries",
        )

    def handle(self, *args, orgs, seed, repeat, rebuild, drop, explain, **options):
        bench.require_postgres()
        # WhiteNoise warns once that STATIC_ROOT does not exist (no collectstatic): noise here.
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        if drop:
            deleted = bench.drop_dataset()
            self.stdout.write(json.dumps({"dropped": deleted}))
            return
        log = self.stderr.write if options["verbosity"] > 0 else (lambda message: None)
        build = bench.ensure_dataset(orgs, seed=seed, rebuild=rebuild, log=log)
        result = {
            "orgs": build.orgs,
            "seed": seed,
            "database": bench.environment(),
            "reused": build.reused,
            "build_seconds": round(build.seconds, 2),
            "repeat": repeat,
            **bench.run_benchmark(repeat=repeat),
        }
        self.stdout.write(json.dumps(result, indent=2))
        for url, ms, plan in bench.explain(top=explain) if explain else ():
            self.stderr.write(f"\n-- {url}: slowest statement {ms:.1f} ms\n{plan}")
