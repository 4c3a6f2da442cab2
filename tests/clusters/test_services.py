"""Organisation services: slugs, publishing, verification, completeness and eligibility."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from clusters import services
from clusters.eligibility import cluster_eligibility, is_eligible
from clusters.models import Organisation, OrganisationRole
from clusters.selectors import eligibility_for
from clusters.tasks import recompute_completeness

from ..factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_create_gives_unique_slugs_and_avoids_page_paths(user):
    a = services.organisation_create(
        user=user, fields={"name": "Mine", "kind": "sme", "country": "FR"}
    )
    b = services.organisation_create(
        user=user, fields={"name": "Mine", "kind": "sme", "country": "FR"}
    )
    assert a.slug == "mine-organisation"
    assert b.slug == "mine-organisation-2"
    assert OrganisationRole.objects.filter(user=user, role="manager").count() == 2


def test_create_rejects_platform_fields(user):
    with pytest.raises(ValidationError) as excinfo:
        services.organisation_create(
            user=user, fields={"name": "X", "kind": "sme", "country": "FR", "verified": True}
        )
    assert "verified" in excinfo.value.message_dict
    assert not Organisation.objects.exists()


def test_invalid_create_writes_nothing(user):
    with pytest.raises(ValidationError):
        services.organisation_create(user=user, fields={"name": "X", "kind": "sme", "country": ""})
    assert not Organisation.objects.exists()
    assert not OrganisationRole.objects.exists()


def test_publish_needs_a_description():
    org = OrganisationFactory(status="draft", description="")
    with pytest.raises(ValidationError):
        services.organisation_publish(organisation=org)
    org.description = "Something real."
    services.organisation_publish(organisation=org)
    org.refresh_from_db()
    assert org.status == "published" and org.published_at is not None


def test_only_staff_verify(user, staff_user):
    org = OrganisationFactory()
    with pytest.raises(PermissionDenied):
        services.organisation_verify(organisation=org, user=user)
    services.organisation_verify(organisation=org, user=staff_user)
    org.refresh_from_db()
    assert org.verified and org.verified_by == staff_user


def test_completeness_task_is_idempotent_and_rises_with_content(user):
    org = services.organisation_create(
        user=user, fields={"name": "Thin", "kind": "sme", "country": "FR"}
    )
    thin = recompute_completeness(org.pk)
    services.organisation_update(
        organisation=org,
        fields={
            "description": "Full profile.",
            "city": "Lyon",
            "website": "https://thin.example.org",
            "offers": "Testing",
            "looks_for": "Partners",
            "offers_topics": ["testing"],
            "looks_for_topics": ["partners"],
            "sectors": [],
        },
    )
    full = recompute_completeness(org.pk)
    assert thin < full <= 100
    assert recompute_completeness(org.pk) == full
    org.refresh_from_db()
    assert org.completeness == full


def test_completeness_runs_on_commit(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        org = services.organisation_create(
            user=user,
            fields={"name": "Hooked", "kind": "sme", "country": "FR", "city": "Nice"},
        )
    assert callbacks
    org.refresh_from_db()
    assert org.completeness > 0


def test_eligibility_checklist_counts_members_and_kinds():
    cluster = OrganisationFactory(
        kind="cluster", staff_fte=Decimal("1.0"), website_in_english=True, member_count=None
    )
    for i in range(14):
        OrganisationFactory.add_member(cluster, OrganisationFactory(kind="sme", name=f"S{i}"))
    criteria = eligibility_for(cluster)
    assert [c.met for c in criteria] == [True, False, False, True]
    OrganisationFactory.add_member(cluster, OrganisationFactory(kind="university", name="Uni"))
    assert is_eligible(eligibility_for(cluster))


def test_eligibility_uses_declared_members_and_half_fte_threshold():
    criteria = cluster_eligibility(
        staff_fte=Decimal("0.4"),
        declared_members=120,
        registered_members=3,
        member_kinds={"sme", "rto"},
        website="https://x.example.org",
        website_in_english=False,
    )
    assert [c.met for c in criteria] == [False, True, True, False]
