"""Profiles from the database as the plain arrays the engine reads (a fixed number of queries)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone
from django_countries import countries

from clusters.models import Membership, Organisation

from .engine import Profiles

TAGS = {
    "sectors": "sector",
    "ecosystems": "industrialecosystem",
    "technologies": "technology",
    "thematic_areas": "thematicarea",
}
TOPICS = {"offers_topics": "topic", "looks_for_topics": "topic"}


def _grouped(field: str, target: str, value: str) -> dict[int, list[str]]:
    through = Organisation._meta.get_field(field).remote_field.through
    grouped: dict[int, list[str]] = defaultdict(list)
    rows = through.objects.filter(organisation__status=Organisation.Status.PUBLISHED)
    for org_id, item in rows.values_list("organisation_id", f"{target}__{value}").iterator(
        chunk_size=20_000
    ):
        grouped[org_id].append(item)
    return grouped


def load_profiles() -> Profiles:
    """Every published organisation: the candidates, and those we compute for."""
    today = timezone.localdate()
    rows = list(
        Organisation.objects.published()
        .order_by("pk")
        .values_list(
            "pk",
            "kind",
            "country",
            "region__code",
            "offers",
            "looks_for",
            "target_countries",
            "label",
            "label_valid_until",
        )
    )
    tags = {field: _grouped(field, target, "code") for field, target in TAGS.items()}
    topics = {field: _grouped(field, target, "name") for field, target in TOPICS.items()}
    names = {
        field: dict(
            Organisation._meta.get_field(field).related_model.objects.values_list("code", "name")
        )
        for field in TAGS
    }
    names["countries"] = dict(countries)
    ids = [r[0] for r in rows]
    return Profiles(
        ids=ids,
        kinds=[r[1] for r in rows],
        countries=[r[2] or "" for r in rows],
        regions=[r[3] or "" for r in rows],
        sectors=[tags["sectors"].get(i, []) for i in ids],
        ecosystems=[tags["ecosystems"].get(i, []) for i in ids],
        technologies=[tags["technologies"].get(i, []) for i in ids],
        thematic_areas=[tags["thematic_areas"].get(i, []) for i in ids],
        offers_text=[r[4] or "" for r in rows],
        looks_for_text=[r[5] or "" for r in rows],
        offers_topics=[topics["offers_topics"].get(i, []) for i in ids],
        looks_for_topics=[topics["looks_for_topics"].get(i, []) for i in ids],
        target_countries=[[c for c in (r[6] or "").split(",") if c] for r in rows],
        labels=[r[7] if r[7] and r[8] and r[8] >= today else "" for r in rows],
        term_names=names,
    )


def linked_pairs(ids: Iterable[int] | None = None) -> dict[int, set[int]]:
    """Organisations already working together: a cluster and its members, and fellow members
    of one cluster (partners in one partnership join them when partnerships exist)."""
    linked: dict[int, set[int]] = defaultdict(set)
    members: dict[int, list[int]] = defaultdict(list)
    for cluster_id, member_id in Membership.objects.values_list("cluster_id", "member_id"):
        linked[cluster_id].add(member_id)
        linked[member_id].add(cluster_id)
        members[cluster_id].append(member_id)
    wanted = set(ids) if ids is not None else None
    for group in members.values():
        for org in group:
            if wanted is None or org in wanted:
                linked[org].update(m for m in group if m != org)
    return dict(linked)
