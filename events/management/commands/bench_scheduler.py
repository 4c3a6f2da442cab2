"""``manage.py bench_scheduler``: the meeting scheduler against its bound and first fit, as JSON.

No database: the instances are generated (events/scheduling_generate.py). Each instance runs in
a fresh Python process (events/scheduling_bench.py), so that its peak RSS is its own; progress
goes to stderr, the report to stdout.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from clusterplatform.measure import int_list
from events import scheduling_bench


class Command(BaseCommand):
    help = (
        "Schedule generated events (300/1,000/3,000 participants, bipartite and general "
        "request graphs, roomy and tight tables, and a König family whose optimum places "
        "every request) and report weight, upper bound, ratio, idle gaps, wall time and peak "
        "RSS of the scheduler and of an input-order first fit, checked by an independent "
        "validator; prints one JSON document."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sizes",
            default="300,1000,3000",
            help="participants per instance (default 300,1000,3000)",
        )
        parser.add_argument("--seeds", default="1", help="generator seeds (default 1)")
        parser.add_argument("--slots", default="18,36", help="slots per event (default 18,36)")
        parser.add_argument(
            "--time-limit",
            type=float,
            default=10.0,
            help="seconds per solver call and for the search (default 10)",
        )
        parser.add_argument(
            "--repeats",
            type=int,
            default=3,
            help="timed runs at 3,000+ participants, median reported",
        )
        parser.add_argument(
            "--slot-lp-upto",
            type=int,
            default=300,
            help="solve the slot-indexed LP up to this many participants",
        )
        parser.add_argument(
            "--no-variants",
            action="store_true",
            help="skip the variants (run at the largest size otherwise)",
        )
        parser.add_argument(
            "--in-process",
            action="store_true",
            help="measure in this process (peak RSS then covers all runs)",
        )
        parser.add_argument(
            "--quick",
            action="store_true",
            help="one small instance per family, in process (for tests)",
        )

    def handle(self, *args, **options):
        sizes, seeds, slots = (int_list(options[k]) for k in ("sizes", "seeds", "slots"))
        if options["quick"]:
            sizes, seeds, slots = [40], [1], [18]
        if not (sizes and seeds and slots) or min(sizes + slots) <= 0:
            raise CommandError("--sizes, --seeds and --slots need positive values")
        if options["time_limit"] <= 0 or options["repeats"] <= 0:
            raise CommandError("--time-limit and --repeats must be positive")
        log = self.stderr.write if options["verbosity"] > 0 else (lambda message: None)
        result = scheduling_bench.benchmark(
            sizes=sizes,
            slots=slots,
            seeds=seeds,
            time_limit=options["time_limit"],
            repeats=1 if options["quick"] else options["repeats"],
            slot_lp_upto=options["slot_lp_upto"],
            variants=not options["no_variants"],
            in_process=options["in_process"] or options["quick"],
            log=log,
        )
        self.stdout.write(json.dumps(result, indent=2))
