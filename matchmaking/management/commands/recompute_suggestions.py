"""``manage.py recompute_suggestions``: a full recompute in this process (demo data, cron)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from matchmaking import services
from matchmaking.models import SuggestionRun


class Command(BaseCommand):
    help = "Recompute every published organisation's partner suggestions now, in this process."

    def handle(self, *args, **options) -> None:
        try:
            with transaction.atomic():
                run = SuggestionRun.objects.create(scope=SuggestionRun.Scope.FULL)
        except IntegrityError as error:
            raise CommandError("A full recompute is already queued or running.") from error
        run = services.run_full_recompute(run.pk)
        self.stdout.write(
            f"Suggestions recomputed for {run.done} organisations "
            f"({run.get_status_display().lower()}, engine {run.engine_version})."
        )
