"""How complete a profile is: the share of the fields a partner looks at that are filled in."""

from __future__ import annotations

from .models import Organisation

TEXT_FIELDS = ("acronym", "city", "website", "description", "offers", "looks_for")
SCALAR_FIELDS = ("region_id", "founded_year")
M2M_FIELDS = ("sectors", "ecosystems", "technologies", "offers_topics", "looks_for_topics")
CLUSTER_FIELDS = ("member_count", "staff_fte")


def profile_completeness(org: Organisation) -> int:
    """0-100. Counts M2M with one query each; runs in a Celery task, not in requests."""
    checks: list[bool] = [bool(getattr(org, f)) for f in TEXT_FIELDS]
    checks += [getattr(org, f) is not None for f in SCALAR_FIELDS]
    checks += [getattr(org, f).exists() for f in M2M_FIELDS]
    checks.append(bool(org.target_countries))
    if org.is_cluster:
        checks += [getattr(org, f) is not None for f in CLUSTER_FIELDS]
    return round(100 * sum(checks) / len(checks))
