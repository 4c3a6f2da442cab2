"""Partnership services and permissions: who may create, edit, publish and see a partnership."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from clusters.models import Partnership, PartnershipMember
from clusters.partnerships.services import (
    create_partnership,
    publish_partnership,
    set_members,
    update_partnership,
)
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
Role = PartnershipMember.Role


@pytest.fixture
def partner():
    return OrganisationFactory(kind="cluster")


@pytest.fixture
def partner_manager(partner):
    """Manages a member organisation that is not the coordinator."""
    return OrganisationFactory.add_person(partner, role="manager")


@pytest.fixture
def partnership(officer, cluster, partner):
    return create_partnership(
        user=officer,
        fields={"name": "Green Bridges", "type": "escp_4i"},
        members=[
            (cluster, Role.COORDINATOR, date(2024, 1, 1)),
            (partner, Role.PARTNER, None),
        ],
    )


def _fresh(user):
    """The same user without the cached roles (as on the next request)."""
    return type(user).objects.get(pk=user.pk)


# --- create ---------------------------------------------------------------------------


def test_officer_creates_a_draft_with_members_and_coordinator(partnership, cluster, partner):
    assert partnership.status == Partnership.Status.DRAFT
    assert partnership.slug == "green-bridges"
    assert partnership.coordinator == cluster
    roles = dict(partnership.memberships.values_list("organisation_id", "role"))
    assert roles == {cluster.pk: Role.COORDINATOR, partner.pk: Role.PARTNER}


def test_slugs_stay_unique(officer, cluster, partnership):
    second = create_partnership(
        user=officer,
        fields={"name": "Green Bridges", "type": "escp_4i"},
        members=[(cluster, Role.COORDINATOR, None)],
    )
    assert second.slug == "green-bridges-2"


def test_coordinator_argument_is_added_as_coordinator_member(staff_user, cluster, partner):
    p = create_partnership(
        user=staff_user,
        fields={"name": "Alps", "type": "jci"},
        members=[(partner, Role.PARTNER, None)],
        coordinator=cluster,
    )
    assert p.coordinator == cluster
    assert p.memberships.get(organisation=cluster).role == Role.COORDINATOR


def test_coordinator_listed_with_another_role_is_refused(officer, cluster):
    with pytest.raises(ValidationError) as exc:
        create_partnership(
            user=officer,
            fields={"name": "Alps", "type": "jci"},
            members=[(cluster, Role.PARTNER, None)],
            coordinator=cluster,
        )
    assert "members" in exc.value.message_dict


@pytest.mark.parametrize("who", ["manager", "partner_manager", "user", "anonymous"])
def test_only_officers_and_staff_create(request, who, cluster):
    user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        create_partnership(
            user=user,
            fields={"name": "X", "type": "jci"},
            members=[(cluster, Role.COORDINATOR, None)],
        )
    assert not Partnership.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "", "type": "jci"}, "name"),
        ({"name": "X", "type": "nope"}, "type"),
        ({"name": "X", "type": "jci", "eu_budget": -1}, "eu_budget"),
        (
            {
                "name": "X",
                "type": "jci",
                "starts_on": date(2024, 5, 1),
                "ends_on": date(2024, 1, 1),
            },
            "ends_on",
        ),
        ({"name": "X", "type": "jci", "status": "published"}, "status"),
    ],
)
def test_bad_fields_name_the_field_and_write_nothing(officer, cluster, fields, field):
    with pytest.raises(ValidationError) as exc:
        create_partnership(user=officer, fields=fields, members=[(cluster, Role.COORDINATOR, None)])
    assert field in exc.value.message_dict
    assert not Partnership.objects.exists()
    assert not PartnershipMember.objects.exists()


# --- members --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "roles",
    [
        [Role.PARTNER, Role.PARTNER],  # no coordinator
        [Role.COORDINATOR, Role.COORDINATOR],  # two
        [Role.COORDINATOR, "chief"],  # unknown role
    ],
)
def test_members_need_exactly_one_coordinator(officer, partnership, cluster, partner, roles):
    with pytest.raises(ValidationError) as exc:
        set_members(
            user=officer,
            partnership=partnership,
            members=[(cluster, roles[0], None), (partner, roles[1], None)],
        )
    assert "members" in exc.value.message_dict
    assert partnership.memberships.count() == 2  # unchanged


def test_member_listed_twice_is_refused(officer, partnership, cluster):
    with pytest.raises(ValidationError) as exc:
        set_members(
            user=officer,
            partnership=partnership,
            members=[(cluster, Role.COORDINATOR, None), (cluster, Role.PARTNER, None)],
        )
    assert "members" in exc.value.message_dict


def test_set_members_replaces_the_list_and_moves_the_coordinator(
    manager, partnership, cluster, partner
):
    third = OrganisationFactory()
    set_members(
        user=manager,
        partnership=partnership,
        members=[(partner, Role.COORDINATOR, None), (third, Role.ASSOCIATE, date(2025, 2, 1))],
    )
    partnership.refresh_from_db()
    assert partnership.coordinator == partner
    roles = dict(partnership.memberships.values_list("organisation_id", "role"))
    assert roles == {partner.pk: Role.COORDINATOR, third.pk: Role.ASSOCIATE}
    # The former coordinator's manager has lost the right to edit.
    with pytest.raises(PermissionDenied):
        update_partnership(user=_fresh(manager), partnership=partnership, fields={"acronym": "X"})


@pytest.mark.parametrize("who", ["partner_manager", "user", "anonymous"])
def test_set_members_refused_to_others(request, who, partnership, cluster):
    user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        set_members(user=user, partnership=partnership, members=[(cluster, Role.COORDINATOR, None)])
    assert partnership.memberships.count() == 2


# --- update and publish ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "officer", "staff_user"])
def test_coordinator_managers_officers_and_staff_edit(request, who, partnership):
    user = request.getfixturevalue(who)
    update_partnership(user=user, partnership=partnership, fields={"acronym": "GB"})
    partnership.refresh_from_db()
    assert partnership.acronym == "GB"


@pytest.mark.parametrize("who", ["partner_manager", "user", "anonymous"])
def test_others_do_not_edit_or_publish(request, who, partnership):
    user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        update_partnership(user=user, partnership=partnership, fields={"acronym": "GB"})
    with pytest.raises(PermissionDenied):
        publish_partnership(user=user, partnership=partnership)
    partnership.refresh_from_db()
    assert partnership.acronym == ""
    assert partnership.status == Partnership.Status.DRAFT


def test_update_refuses_the_slug_and_names_bad_fields(officer, partnership):
    with pytest.raises(ValidationError) as exc:
        update_partnership(user=officer, partnership=partnership, fields={"slug": "other"})
    assert "slug" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        update_partnership(user=officer, partnership=partnership, fields={"eu_budget": -5})
    assert "eu_budget" in exc.value.message_dict


def test_publish_and_unpublish(manager, partnership):
    publish_partnership(user=manager, partnership=partnership)
    partnership.refresh_from_db()
    assert partnership.status == Partnership.Status.PUBLISHED
    publish_partnership(user=manager, partnership=partnership, publish=False)
    partnership.refresh_from_db()
    assert partnership.status == Partnership.Status.DRAFT


def test_publishing_needs_a_coordinator(officer, partnership):
    Partnership.objects.filter(pk=partnership.pk).update(coordinator=None)
    with pytest.raises(ValidationError) as exc:
        publish_partnership(user=officer, partnership=partnership)
    assert "coordinator" in exc.value.message_dict


# --- view -----------------------------------------------------------------------------


def test_draft_is_seen_by_members_people_officers_and_staff(
    partnership, manager, partner, partner_manager, officer, staff_user
):
    member_person = OrganisationFactory.add_person(partner, role="member")
    for user in (manager, partner_manager, member_person, officer, staff_user):
        assert user.has_perm("clusters.view_partnership", partnership), user
    for user in (UserFactory(), AnonymousUser()):
        assert not user.has_perm("clusters.view_partnership", partnership)


def test_published_is_seen_by_everyone(partnership, officer):
    publish_partnership(user=officer, partnership=partnership)
    partnership.refresh_from_db()
    assert AnonymousUser().has_perm("clusters.view_partnership", partnership)
    assert UserFactory().has_perm("clusters.view_partnership", partnership)


def test_report_permissions_per_role(partnership, manager, partner_manager, officer, staff_user):
    assert manager.has_perm("clusters.submit_report", partnership)
    for user in (partner_manager, officer, staff_user, AnonymousUser()):
        assert not user.has_perm("clusters.submit_report", partnership)
    for user in (officer, staff_user):
        assert user.has_perm("clusters.decide_report", partnership)
    for user in (manager, partner_manager, AnonymousUser()):
        assert not user.has_perm("clusters.decide_report", partnership)
    assert not manager.has_perm("clusters.add_partnership")
    assert officer.has_perm("clusters.add_partnership")
