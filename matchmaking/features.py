"""Profiles from the database as the plain arrays the engine reads (a fixed number of queries)."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
from django.conf import settings
from django.utils import timezone
from django_countries import countries

from clusters.models import Membership, Organisation

from . import embeddings
from .engine import Profiles
from .models import ProfileEmbedding

TAGS = {
    "sectors": "sector",
    "ecosystems": "industrialecosystem",
    "technologies": "technology",
    "thematic_areas": "thematicarea",
}
TOPICS = {"offers_topics": "topic", "looks_for_topics": "topic"}


def embeddings_enabled() -> bool:
    """Whether suggestions blend sentence embeddings: MATCHMAKING_EMBEDDINGS is not false and
    the extra is installed (``auto``, the default, means just that)."""
    value = str(getattr(settings, "MATCHMAKING_EMBEDDINGS", "auto")).strip().lower()
    return value not in ("0", "false", "no", "off") and embeddings.available()


def _grouped(
    field: str, target: str, value: str, ids: Iterable[int] | None = None
) -> dict[int, list[str]]:
    through = Organisation._meta.get_field(field).remote_field.through
    grouped: dict[int, list[str]] = defaultdict(list)
    rows = through.objects.filter(organisation__status=Organisation.Status.PUBLISHED)
    if ids is not None:
        rows = rows.filter(organisation_id__in=list(ids))
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
    profiles = Profiles(
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
    if embeddings_enabled():
        _attach_vectors(profiles)
    return profiles


# Vectors kept between recomputes in this process: organisation id -> (text hash, updated_at,
# offers, looks-for). Fetching every stored vector costs more than the rest of load_profiles
# (bytea: 0.35 s at 10,000 organisations, ten times that at 100,000); a profile change then
# fetches only its own. n x 2 x 1.5 KiB per process (29 MiB at 10,000 organisations).
_vectors: dict[int, tuple[str, object, np.ndarray, np.ndarray]] = {}
_vectors_lock = threading.Lock()
FETCH_BY_ID = 2000  # more vectors missing than this: fetch them all in one query


def clear_vector_cache() -> None:
    with _vectors_lock:
        _vectors.clear()


def _attach_vectors(profiles: Profiles) -> None:
    """The stored embeddings in profile order, zero rows where there are none or where the
    profile's texts changed since (its hash differs: TF-IDF alone until encoded again). One
    query (id, hash, time) when this process holds every vector already, one more otherwise."""
    position = {org_id: p for p, org_id in enumerate(profiles.ids)}
    stored = ProfileEmbedding.objects.filter(model_name=embeddings.MODEL_NAME)
    current = {}
    for org_id, digest, updated in stored.values_list(
        "organisation_id", "text_hash", "updated_at"
    ).iterator(chunk_size=20_000):
        p = position.get(org_id)
        if p is not None and digest == embeddings.text_hash(*_texts_at(profiles, p)):
            current[org_id] = (digest, updated)
    with _vectors_lock:
        for org_id in [o for o in _vectors if o not in current]:
            del _vectors[org_id]
        missing = [o for o, key in current.items() if _vectors.get(o, (None, None))[:2] != key]
        if missing:
            rows = stored if len(missing) > FETCH_BY_ID else stored.filter(
                organisation_id__in=missing
            )  # fmt: skip
            for org_id, digest, updated, offers, looks in rows.values_list(
                "organisation_id", "text_hash", "updated_at", "offers_vector", "looks_for_vector"
            ).iterator(chunk_size=2000):
                if current.get(org_id) == (digest, updated) and len(offers) == len(looks):
                    _vectors[org_id] = (
                        digest, updated,
                        np.frombuffer(bytes(offers), dtype=embeddings.VECTOR_DTYPE),
                        np.frombuffer(bytes(looks), dtype=embeddings.VECTOR_DTYPE),
                    )  # fmt: skip
        found = [(position[o], _vectors[o]) for o in current if o in _vectors]
    if not found:
        return
    d = found[0][1][2].shape[0]
    offers = np.zeros((len(profiles.ids), d), dtype=np.float32)
    looks = np.zeros_like(offers)
    for p, (_digest, _updated, o, lk) in found:
        if o.shape[0] == d:  # another dimension: not this model's
            offers[p], looks[p] = o, lk
    profiles.offers_vectors, profiles.looks_for_vectors = offers, looks


def _texts_at(profiles: Profiles, p: int) -> tuple[str, str]:
    return profile_texts(
        profiles.offers_text[p],
        profiles.offers_topics[p],
        profiles.looks_for_text[p],
        profiles.looks_for_topics[p],
    )


def profile_texts(
    offers: str, offers_topics: Sequence[str], looks_for: str, looks_for_topics: Sequence[str]
) -> tuple[str, str]:
    """The (offers, looks-for) texts encoded for a profile."""
    return (
        embeddings.profile_texts(offers, offers_topics),
        embeddings.profile_texts(looks_for, looks_for_topics),
    )


def embedding_texts(ids: Iterable[int] | None = None) -> dict[int, tuple[str, str]]:
    """Published organisation id -> the (offers, looks-for) texts to encode (three queries)."""
    ids = None if ids is None else list(ids)
    rows = Organisation.objects.published().order_by("pk")
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    topics = {field: _grouped(field, target, "name", ids) for field, target in TOPICS.items()}
    return {
        pk: profile_texts(
            offers or "",
            topics["offers_topics"].get(pk, []),
            looks_for or "",
            topics["looks_for_topics"].get(pk, []),
        )
        for pk, offers, looks_for in rows.values_list("pk", "offers", "looks_for")
    }


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
