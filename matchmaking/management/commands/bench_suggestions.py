"""``manage.py bench_suggestions``: speed and quality of the partner suggestions, as JSON.

No database: the organisations are generated (matchmaking/quality.py). Each speed size runs in
a fresh Python process, so that its peak RSS is its own; ``--embeddings`` adds the engine with
sentence embeddings (matchmaking/quality_embeddings.py).
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from clusterplatform.measure import int_list
from matchmaking import quality


class Command(BaseCommand):
    help = (
        "Time a full recompute of the partner suggestions on synthetic organisations (wall "
        "time, peak RSS) and measure their quality against planted complementary partners "
        "(recall@10, precision@10, NDCG@10 of the engine, of baselines and of an oracle); "
        "prints one JSON document."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="10000,100000",
                            help="organisations per speed run (default 10000,100000)")  # fmt: skip
        parser.add_argument("--quality-sizes", default="2000,5000",
                            help="organisations per quality run (default 2000,5000)")  # fmt: skip
        parser.add_argument("--seeds", default="1,2,3",
                            help="generator seeds of the quality runs (default 1,2,3)")  # fmt: skip
        parser.add_argument("--k", type=int, default=20, help="suggestions per organisation")
        parser.add_argument(
            "--shapes",
            default=",".join(quality.SHAPES),
            help=f"generator shapes (default {','.join(quality.SHAPES)})",
        )
        parser.add_argument(
            "--no-variants", action="store_true", help="skip the variants of the engine"
        )
        parser.add_argument(
            "--embeddings",
            action="store_true",
            help="also measure the engine with sentence embeddings blended in: its quality "
            "against the engine alone (needs pip install .[embeddings]; reported as not "
            "installed otherwise) and, at each speed size, the re-scoring's time and memory "
            "with random vectors",
        )

    def handle(
        self, *args, sizes, quality_sizes, seeds, k, shapes, no_variants, embeddings, **options
    ):
        shape_names = [s for s in shapes.split(",") if s]
        unknown = set(shape_names) - set(quality.SHAPES)
        if unknown:
            raise CommandError(f"unknown shapes: {', '.join(sorted(unknown))}")
        seed_list = int_list(seeds)
        if not seed_list:
            raise CommandError("--seeds needs at least one seed")
        log = self.stderr.write if options["verbosity"] > 0 else (lambda message: None)
        result = quality.benchmark(
            sizes=int_list(sizes),
            quality_sizes=int_list(quality_sizes),
            seeds=seed_list,
            k=k,
            shapes=shape_names,
            variants=not no_variants,
            embeddings=embeddings,
            log=log,
        )
        self.stdout.write(json.dumps(result, indent=2))
