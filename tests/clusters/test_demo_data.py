"""``manage.py demo_data``: a complete, deterministic and idempotent demo data set."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from clusterplatform.accounts.roles import EVENT_ORGANISER, PROGRAMME_OFFICER, STAFF
from clusters import demo
from clusters.demo import names, vocabulary
from clusters.eligibility import is_eligible
from clusters.models import (
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationRole,
    Technology,
    Topic,
)
from clusters.selectors import eligibility_for

pytestmark = pytest.mark.django_db

SEED, ORGS = 7, 60
ORG_FIELDS = (
    "slug", "name", "country", "kind", "status", "acronym", "region__code", "city",
    "latitude", "longitude", "website", "website_in_english", "description", "founded_year",
    "offers", "looks_for", "target_countries", "member_count", "staff_fte", "label",
    "label_valid_until", "size_class", "turnover_band", "contact_name", "contact_email",
    "contact_phone", "verified", "verified_at", "verified_by__email", "published_at",
    "completeness",
)  # fmt: skip


def load(seed: int = SEED, orgs: int = ORGS, **options) -> str:
    out = io.StringIO()
    call_command("demo_data", seed=seed, orgs=orgs, stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict:
    """Everything the command writes, by natural key (no ids, no timestamps it does not set)."""
    user_model = get_user_model()
    return {
        "organisations": sorted(Organisation.objects.values_list(*ORG_FIELDS)),
        "terms": {
            name: sorted(
                Organisation.objects.filter(**{f"{name}__isnull": False}).values_list(
                    "slug", f"{name}__code"
                )
            )
            for name in vocabulary.M2M_FIELDS
        },
        "memberships": sorted(
            Membership.objects.values_list("cluster__slug", "member__slug", "joined")
        ),
        "roles": sorted(
            OrganisationRole.objects.values_list("user__email", "organisation__slug", "role")
        ),
        "users": sorted(
            user_model.objects.values_list(
                "email", "first_name", "last_name", "is_staff", "is_superuser", "is_active"
            )
        ),
        "groups": sorted(user_model.objects.values_list("email", "groups__name")),
        "topics": sorted(Topic.objects.values_list("code", "name")),
    }


def test_loads_a_complete_data_set():
    output = load()
    # The generated organisations; the partnerships demo adds clusters of its own (checked in
    # test_partnership_demo.py), which would skew the shares of kinds.
    generated = demo.build_demo_data(SEED, ORGS, demo.Reference.from_database())
    orgs = Organisation.objects.filter(slug__in=[o.slug for o in generated.organisations])
    total = orgs.count()

    assert total >= ORGS
    assert len(set(orgs.values_list("country", flat=True))) >= 20
    kinds = Counter(orgs.values_list("kind", flat=True))
    assert set(kinds) == set(OrganisationKind.values)
    assert 0.2 <= kinds["cluster"] / total <= 0.3
    assert 0.4 <= kinds["sme"] / total <= 0.5
    assert orgs.published().count() >= 0.8 * total
    assert orgs.filter(status="draft").exists()
    assert orgs.filter(verified=True, verified_by__email="staff@demo.example").exists()
    assert f"{total} organisations" in output
    assert "manager@demo.example" in output and demo.DEMO_PASSWORD in output

    for org in orgs.select_related("region"):
        org.full_clean()  # field lengths, URLs, e-mails, choices, constraints
        assert org.contact_name and org.contact_phone
        assert org.contact_email.endswith(".example.org")
        assert org.website == f"https://{org.slug}.example.org"
        assert org.description.count(".") >= 2
        assert org.region is None or (org.region.country == org.country.code)
        assert org.region is None or org.region.level in (2, 3)
        assert org.completeness > 0
        assert 1 <= org.sectors.count() <= 3
        assert 1 <= org.ecosystems.count() <= 2
        assert 1 <= org.technologies.count() <= 3
        assert 1 <= org.offers_topics.count() <= 4
        assert 1 <= org.looks_for_topics.count() <= 4
        assert 1 <= org.collaboration_types.count() <= 3
        assert len(org.target_countries) <= 3
        if org.is_cluster:
            assert 15 <= org.member_count <= 400
            assert 0.5 <= org.staff_fte <= 12
            assert 5 <= org.memberships.count() <= 25
            assert org.memberships.filter(member__kind__in=["sme", "rto", "university"]).count()
        elif org.kind == "sme":
            assert org.size_class and org.turnover_band
    # Regions where the country has them (GB has none).
    assert orgs.filter(region__isnull=False).count() > 0.8 * total
    assert not orgs.filter(country="GB", region__isnull=False).exists()

    # Offers and needs meet, so partner search and matchmaking find complementary partners.
    offered = set(orgs.values_list("offers_topics__code", flat=True))
    wanted = set(orgs.values_list("looks_for_topics__code", flat=True))
    assert len(offered & wanted) >= 10
    # Most clusters meet the eligibility checklist.
    clusters = list(orgs.clusters())
    assert sum(is_eligible(eligibility_for(c)) for c in clusters) >= 0.6 * len(clusters)


def test_demo_users_log_in_with_their_roles():
    load()
    request = RequestFactory().post("/")
    for demo_user in demo.DEMO_USERS:
        user = authenticate(request, username=demo_user.email, password=demo.DEMO_PASSWORD)
        assert user is not None, demo_user.email
        assert user.check_password(demo.DEMO_PASSWORD)

    users = {u.email: u for u in get_user_model().objects.all()}
    admin = users["admin@demo.example"]
    assert admin.is_superuser and admin.is_staff
    assert list(users["staff@demo.example"].groups.values_list("name", flat=True)) == [STAFF]
    assert [g.name for g in users["officer@demo.example"].groups.all()] == [PROGRAMME_OFFICER]
    assert [g.name for g in users["organiser@demo.example"].groups.all()] == [EVENT_ORGANISER]

    def roles(email):
        return set(
            OrganisationRole.objects.filter(user__email=email).values_list(
                "organisation__kind", "role"
            )
        )

    assert roles("manager@demo.example") == {("cluster", "manager"), ("sme", "manager")}
    assert roles("sme@demo.example") == {("sme", "manager")}
    assert roles("member@demo.example") == {("cluster", "member")}
    # The manager's cluster is the one the member belongs to, and it is a showcase profile.
    cluster = Organisation.objects.get(roles__user__email="manager@demo.example", kind="cluster")
    assert cluster.roles.filter(user__email="member@demo.example").exists()
    assert cluster.is_published and cluster.verified
    assert is_eligible(eligibility_for(cluster))


def test_second_run_changes_nothing():
    load()
    before = snapshot()
    password = get_user_model().objects.get(email="admin@demo.example").password

    output = load()

    assert snapshot() == before
    assert "Created: nothing. Updated: nothing." in output
    assert get_user_model().objects.get(email="admin@demo.example").password == password


def test_rerun_restores_deleted_and_edited_rows():
    load()
    before = snapshot()
    user_model = get_user_model()

    Organisation.objects.filter(kind="sme").order_by("slug")[:1].get().delete()
    Organisation.objects.clusters().order_by("slug").first().delete()
    for membership in Membership.objects.order_by("pk")[:5]:
        membership.delete()
    edited = Organisation.objects.order_by("slug").last()
    edited.name, edited.description, edited.status = "Renamed", "", "draft"
    edited.save()
    edited.sectors.clear()
    edited.technologies.add(*Technology.objects.all())
    OrganisationRole.objects.filter(user__email="member@demo.example").delete()
    officer = user_model.objects.get(email="officer@demo.example")
    officer.set_password("something-else-entirely")
    officer.is_active = False
    officer.save()
    officer.groups.clear()
    user_model.objects.filter(email="sme@demo.example").delete()

    load()

    assert snapshot() == before
    officer.refresh_from_db()
    assert officer.check_password(demo.DEMO_PASSWORD)


def test_same_seed_in_a_fresh_database_gives_the_same_data():
    load()
    before = snapshot()

    Organisation.objects.all().delete()
    Topic.objects.all().delete()
    get_user_model().objects.filter(email__endswith="@demo.example").delete()
    assert not Membership.objects.exists()

    load()

    assert snapshot() == before


def test_generation_is_deterministic_and_seed_dependent():
    ref = demo.Reference.from_database()
    first = demo.build_demo_data(SEED, ORGS, ref)
    again = demo.build_demo_data(SEED, ORGS, ref)
    other = demo.build_demo_data(SEED + 1, ORGS, ref)

    assert first == again
    names = [o.fields["name"] for o in first.organisations]
    assert len(set(names)) == len(names)
    assert len({o.slug for o in first.organisations}) == len(names)
    other_names = {o.fields["name"] for o in other.organisations}
    assert len(set(names) & other_names) < len(names) // 4


def test_different_seed_gives_different_names():
    load(seed=SEED)
    first = set(Organisation.objects.values_list("name", flat=True))
    Organisation.objects.all().delete()

    load(seed=SEED + 1)

    second = set(Organisation.objects.values_list("name", flat=True))
    assert len(second) >= ORGS
    assert len(first & second) < ORGS // 4


def test_names_are_fictional():
    data = demo.build_demo_data(42, demo.DEFAULT_ORGS, demo.Reference.from_database())
    towns = {o.fields["city"] for o in data.organisations}
    assert not {names.ascii_fold(t) for t in towns} & vocabulary.REAL_PLACES
    assert all(o.fields["contact_email"].endswith(".example.org") for o in data.organisations)


def test_default_size_meets_the_shares():
    data = demo.build_demo_data(42, demo.DEFAULT_ORGS, demo.Reference.from_database())
    kinds = Counter(o.fields["kind"] for o in data.organisations)
    assert len(data.organisations) == 320
    assert kinds["cluster"] == 80 and kinds["sme"] == 144
    assert len({o.fields["country"] for o in data.organisations}) >= 30


def test_quiet_prints_nothing_and_too_few_orgs_is_an_error():
    assert load(quiet=True) == ""
    with pytest.raises(CommandError):
        load(orgs=demo.MIN_ORGS - 1)
