"""``manage.py bench_suggestion_updates``: seconds from a profile save to fresh suggestions."""

from __future__ import annotations

import json
import platform

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from clusters import bench
from matchmaking import bench_updates


class Command(BaseCommand):
    help = (
        "Build (or reuse) N synthetic organisations on PostgreSQL, then save the profiles of a "
        "few and time each save until its organisation's partner suggestions are fresh; "
        "prints one JSON document (progress on stderr)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--orgs", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=bench.DEFAULT_SEED)
        parser.add_argument("--repeat", type=int, default=9, help="saves to time (default 9)")

    def handle(self, *args, orgs: int, seed: int, repeat: int, **options):
        if repeat < 1:
            raise CommandError("--repeat must be at least 1.")
        log = self.stderr.write if options["verbosity"] > 0 else (lambda message: None)
        build = bench.ensure_dataset(orgs, seed=seed, log=log)
        candidates = bench.bench_organisations().filter(status="published").order_by("pk")
        total = candidates.count()
        if total == 0:
            raise CommandError("No published organisations in the bench set.")
        step = max(total // repeat, 1)
        ids = list(candidates.values_list("pk", flat=True)[::step])[:repeat]
        organisations = [candidates.get(pk=pk) for pk in ids]
        # New "looks for" texts borrowed from other organisations' offers: realistic changes.
        texts = [
            t for t in candidates.exclude(offers="").values_list("offers", flat=True)[:repeat] if t
        ] or ["additive manufacturing and digital twins for medical devices"]
        result = bench_updates.run(organisations, texts, log=log)
        result = {
            "benchmark": "bench_suggestion_updates",
            "orgs": build.orgs,
            "published": total,
            "dataset_reused": build.reused,
            "database": connection.vendor,
            "python": platform.python_version(),
            **result,
        }
        self.stdout.write(json.dumps(result, indent=2))
