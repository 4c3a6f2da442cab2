"""Loading: upsert the generated data set by natural key, in one transaction."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count
from django.utils.text import slugify

from ..completeness import profile_completeness
from ..models import (
    Membership,
    Organisation,
    OrganisationRole,
    OrganisationStatus,
)
from ..search import refresh_search_vectors
from ..services import TOPIC_FIELDS, topics_from_names
from .generate import DemoData, Reference, build_demo_data
from .vocabulary import (
    DEFAULT_ORGS,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DEMO_USERS,
    EPOCH,
    M2M_FIELDS,
    SCALAR_FIELDS,
    STAFF_USER,
    Kind,
)

# --------------------------------------------------------------------------------------
# Loading (upsert by natural key)
# --------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    data: DemoData
    created: Counter = field(default_factory=Counter)  # what was inserted, by model
    updated: Counter = field(default_factory=Counter)  # what was changed, by model


def load_demo_data(seed: int = DEFAULT_SEED, orgs: int = DEFAULT_ORGS) -> LoadResult:
    """Build the data set for ``seed`` and upsert it; one transaction, safe to re-run."""
    with transaction.atomic():
        ref = Reference.from_database()
        data = build_demo_data(seed, orgs, ref)
        result = LoadResult(data=data)
        users = _upsert_users(result)
        ids = _upsert_organisations(data, users, result)
        _sync_terms(data, ids, result)
        _upsert_memberships(data, ids, result)
        _upsert_roles(data, ids, users, result)
        _store_completeness(list(ids.values()), result)
        # bulk_create skips signals: rebuild the search documents of the whole set at once.
        refresh_search_vectors(ids.values())
    return result


def _upsert_users(result: LoadResult) -> dict[str, Any]:
    user_model = get_user_model()
    existing = {
        u.email: u for u in user_model.objects.filter(email__in=[d.email for d in DEMO_USERS])
    }
    # One hash for all accounts: hashing is slow by design, and the password is public.
    checked: dict[str, bool] = {}
    encoded = None
    users = {}
    for demo in DEMO_USERS:
        wanted = {
            "first_name": demo.first_name,
            "last_name": demo.last_name,
            "is_staff": demo.is_staff,
            "is_superuser": demo.is_superuser,
            "is_active": True,
        }
        user = existing.get(demo.email)
        if user is None:
            user = user_model(email=demo.email, **wanted)
            changed = True
            result.created["user"] += 1
        else:
            changed = any(getattr(user, k) != v for k, v in wanted.items())
            for key, value in wanted.items():
                setattr(user, key, value)
        if user.password not in checked:
            checked[user.password] = bool(user.password) and check_password(
                DEMO_PASSWORD, user.password
            )
        if not checked[user.password]:
            encoded = encoded or make_password(DEMO_PASSWORD)
            user.password = encoded
            checked[encoded] = True
            changed = True
        if changed:
            if user.pk:
                result.updated["user"] += 1
            user.save()
        groups = [Group.objects.get_or_create(name=name)[0] for name in demo.groups]
        if {g.pk for g in groups} != set(user.groups.values_list("pk", flat=True)):
            user.groups.set(groups)
            result.updated["user groups"] += 1
        users[demo.email] = user
    return users


def _upsert_organisations(data: DemoData, users: dict, result: LoadResult) -> dict[str, int]:
    staff = users[STAFF_USER.email]
    for position, slug in enumerate(data.verified):
        spec = next(o for o in data.organisations if o.slug == slug)
        spec.fields["verified"] = True
        spec.fields["verified_by_id"] = staff.pk
        spec.fields["verified_at"] = datetime.combine(EPOCH, time(10), UTC) + timedelta(
            hours=position
        )

    slugs = [o.slug for o in data.organisations]
    existing = {o.slug: o for o in Organisation.objects.filter(slug__in=slugs)}
    new, changed = [], []
    for spec in data.organisations:
        org = existing.get(spec.slug)
        if org is None:
            new.append(Organisation(slug=spec.slug, **spec.fields))
            continue
        if any(_differs(org, name, value) for name, value in spec.fields.items()):
            for name, value in spec.fields.items():
                setattr(org, name, value)
            changed.append(org)
    Organisation.objects.bulk_create(new, batch_size=200)
    Organisation.objects.bulk_update(changed, SCALAR_FIELDS, batch_size=100)
    result.created["organisation"] += len(new)
    result.updated["organisation"] += len(changed)
    return dict(Organisation.objects.filter(slug__in=slugs).values_list("slug", "pk"))


def _differs(org: Organisation, name: str, value: Any) -> bool:
    current = getattr(org, name)
    if name == "country":
        return current.code != value
    if name == "target_countries":
        return sorted(c.code for c in current) != value
    return current != value


def _sync_terms(data: DemoData, ids: dict[str, int], result: LoadResult) -> None:
    """Each demo profile gets exactly its generated terms (extra ones are removed)."""
    topic_names = [t for o in data.organisations for f in TOPIC_FIELDS for t in o.terms[f]]
    # By code: an existing topic may spell the name differently ("Additive Manufacturing").
    topic_ids = {t.code: t.pk for t in topics_from_names(topic_names)}
    for name in M2M_FIELDS:
        m2m = Organisation._meta.get_field(name)
        through = m2m.remote_field.through
        source, target = f"{m2m.m2m_field_name()}_id", f"{m2m.m2m_reverse_field_name()}_id"
        if name in TOPIC_FIELDS:
            lookup, key = topic_ids, _topic_code
        else:
            lookup, key = dict(m2m.related_model.objects.values_list("code", "pk")), str
        wanted = {
            (ids[o.slug], lookup[key(value)]) for o in data.organisations for value in o.terms[name]
        }
        rows = through.objects.filter(**{f"{source}__in": list(ids.values())}).values_list(
            "pk", source, target
        )
        have = {(s, t): pk for pk, s, t in rows}
        extra = [pk for pair, pk in have.items() if pair not in wanted]
        if extra:
            through.objects.filter(pk__in=extra).delete()
            result.updated[name] += len(extra)
        missing = sorted(wanted - have.keys())
        through.objects.bulk_create(
            [through(**{source: s, target: t}) for s, t in missing], batch_size=500
        )
        result.created[name] += len(missing)


def _topic_code(name: str) -> str:
    """The code topics_from_names gives a topic name."""
    return slugify(" ".join(name.split()))[:80]


def _upsert_memberships(data: DemoData, ids: dict[str, int], result: LoadResult) -> None:
    wanted = {(ids[c], ids[m]): joined for c, m, joined in data.memberships}
    clusters = {c for c, _ in wanted}
    have = {
        (m.cluster_id, m.member_id): m for m in Membership.objects.filter(cluster_id__in=clusters)
    }
    new, changed = [], []
    for (cluster, member), joined in sorted(wanted.items()):
        membership = have.get((cluster, member))
        if membership is None:
            new.append(Membership(cluster_id=cluster, member_id=member, joined=joined))
        elif membership.joined != joined:
            membership.joined = joined
            changed.append(membership)
    Membership.objects.bulk_create(new, batch_size=500)
    Membership.objects.bulk_update(changed, ["joined"], batch_size=500)
    result.created["membership"] += len(new)
    result.updated["membership"] += len(changed)


def _upsert_roles(data: DemoData, ids: dict[str, int], users: dict, result: LoadResult) -> None:
    for email, slug, role in data.roles:
        grant, created = OrganisationRole.objects.get_or_create(
            user=users[email], organisation_id=ids[slug], defaults={"role": role}
        )
        if created:
            result.created["organisation role"] += 1
        elif grant.role != role:
            grant.role = role
            grant.save(update_fields=["role"])
            result.updated["organisation role"] += 1


def _store_completeness(org_ids: list[int], result: LoadResult) -> None:
    """bulk_create sends no post_save signal, so the score is computed here, not by Celery."""
    orgs = Organisation.objects.filter(pk__in=org_ids).prefetch_related(
        "sectors", "ecosystems", "technologies", "offers_topics", "looks_for_topics"
    )
    by_score: dict[int, list[int]] = defaultdict(list)
    for org in orgs:
        score = profile_completeness(org)
        if score != org.completeness:
            by_score[score].append(org.pk)
    for score, pks in sorted(by_score.items()):
        Organisation.objects.filter(pk__in=pks).update(completeness=score)
        result.updated["completeness"] += len(pks)


def summary(data: DemoData) -> dict[str, Any]:
    """Counts for the command's report, from the database (so they show what is stored)."""
    slugs = [o.slug for o in data.organisations]
    orgs = Organisation.objects.filter(slug__in=slugs)
    kinds = dict(orgs.order_by().values_list("kind").annotate(n=Count("pk")))
    return {
        "organisations": orgs.count(),
        "published": orgs.filter(status=OrganisationStatus.PUBLISHED).count(),
        "kinds": {label: kinds.get(value, 0) for value, label in Kind.choices},
        "countries": sorted({str(c) for c in orgs.values_list("country", flat=True)}),
        "memberships": Membership.objects.filter(cluster__slug__in=slugs).count(),
        "labelled": orgs.exclude(label="").count(),
        "verified": orgs.filter(verified=True).count(),
    }
