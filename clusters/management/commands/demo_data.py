"""``manage.py demo_data``: load the fictional demo data set (see clusters/demo/)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from clusters import demo
from clusters.demo import partnership_store as partnerships_demo
from events import demo as events_demo
from events import demo_partnership


class Command(BaseCommand):
    help = (
        "Load a fictional, deterministic demo data set: organisations of every kind across "
        "Europe, cluster memberships and one login per role (password "
        f"'{demo.DEMO_PASSWORD}'). Safe to re-run: rows are upserted by natural key. "
        "The demo logins have a published password: never run this on a production site."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help="random seed (default 42)"
        )
        parser.add_argument(
            "--orgs",
            type=int,
            default=demo.DEFAULT_ORGS,
            help=f"number of organisations (default {demo.DEFAULT_ORGS}, at least {demo.MIN_ORGS})",
        )
        parser.add_argument("--quiet", action="store_true", help="print nothing")

    def handle(self, *args, seed: int, orgs: int, quiet: bool = False, **options):
        if orgs < demo.MIN_ORGS:
            raise CommandError(f"--orgs must be at least {demo.MIN_ORGS}.")
        started = time.perf_counter()
        result = demo.load_demo_data(seed=seed, orgs=orgs)
        elapsed = time.perf_counter() - started
        partnerships_started = time.perf_counter()
        partnerships = partnerships_demo.load_demo_partnerships(result.data, seed=seed)
        partnerships_elapsed = time.perf_counter() - partnerships_started
        partnerships_line = partnerships_demo.describe(partnerships)
        events_started = time.perf_counter()
        events = events_demo.load_demo_events(result.data, seed=seed)
        linked = demo_partnership.load_demo_partnership(events.events)
        events_elapsed = time.perf_counter() - events_started
        if quiet:
            return
        stats = demo.summary(result.data)
        out = self.stdout
        out.write(
            self.style.SUCCESS(
                f"Demo data (seed {seed}) loaded in {elapsed:.1f} s: "
                f"{stats['organisations']} organisations ({stats['published']} published, "
                f"{stats['verified']} verified, {stats['labelled']} with an ESCA label), "
                f"{stats['memberships']} cluster memberships."
            )
        )
        out.write("  " + ", ".join(f"{label}: {n}" for label, n in stats["kinds"].items()))
        out.write(f"  {len(stats['countries'])} countries: {' '.join(stats['countries'])}")
        created = ", ".join(f"{n} {what}" for what, n in sorted(result.created.items()) if n)
        updated = ", ".join(f"{n} {what}" for what, n in sorted(result.updated.items()) if n)
        out.write(f"  Created: {created or 'nothing'}. Updated: {updated or 'nothing'}.")
        out.write(f"  Partnerships ({partnerships_elapsed:.1f} s): {partnerships_line}")
        out.write(f"  Events ({events_elapsed:.1f} s): {events_demo.describe(events)}")
        out.write(
            f"  A running partnership fed by the finished event ({demo_partnership.SLUG}): "
            + (", ".join(f"{n} {w}" for w, n in sorted(linked.items()) if n) or "already there")
        )
        out.write("")
        out.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD})")
        width = max(len(u.email) for u in demo.DEMO_USERS)
        out.write(f"  {'E-mail':<{width}}  Role")
        out.write(f"  {'-' * width}  {'-' * 32}")
        for user in demo.DEMO_USERS:
            out.write(f"  {user.email:<{width}}  {user.role}")
