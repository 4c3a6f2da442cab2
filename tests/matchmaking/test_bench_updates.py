"""``manage.py bench_suggestion_updates``: each timed save leaves fresh suggestions behind."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from clusters import bench
from matchmaking.models import PartnerSuggestion

pytestmark = pytest.mark.django_db
ON_POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]


def test_refuses_sqlite():
    if ON_POSTGRES:
        pytest.skip("the refusal is for SQLite; on PostgreSQL the next test runs the bench")
    with pytest.raises(CommandError, match="only on PostgreSQL"):
        call_command("bench_suggestion_updates", orgs=20, repeat=1, stdout=StringIO())


@pytest.mark.skipif(not ON_POSTGRES, reason="the bench set is built with PostgreSQL-only SQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_times_saves_to_fresh_suggestions():
    # Real commits: each save's on-commit recompute runs (eagerly, see conftest) as in production.
    out = StringIO()
    call_command("bench_suggestion_updates", orgs=120, repeat=3, stdout=out, stderr=StringIO())
    result = json.loads(out.getvalue())
    assert result["orgs"] == 120 and result["saves"] == 3
    timing = result["save_to_fresh_suggestions_s"]
    assert 0 < timing["min"] <= timing["median"] <= timing["max"]
    assert result["baseline_save_only_s"]["median"] > 0
    assert set(result["phases_median_s"]) == {"load_profiles", "engine", "store"}
    assert isinstance(result["meets_target"], bool)
    # The saved organisations really got lists (the timing measured something real).
    saved = bench.bench_organisations().filter(looks_for__gt="").order_by("pk")
    with_lists = PartnerSuggestion.objects.filter(organisation__in=saved).values("organisation")
    assert with_lists.distinct().count() >= 3


def test_rejects_zero_repeat():
    with pytest.raises(CommandError, match="--repeat must be at least 1"):
        call_command("bench_suggestion_updates", orgs=10, repeat=0, stdout=StringIO())
