"""Organisation pages: listing, detail privacy, create/edit permissions, publish, verify."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clusters.models import IndustrialEcosystem, Organisation

from ..factories import OrganisationFactory

pytestmark = pytest.mark.django_db

LIST = reverse("clusters:organisation-list")


def test_home_shows_figures(client, cluster):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["clusters"] == 1


@pytest.mark.parametrize("count", [5, 50])
@pytest.mark.parametrize(
    ("params", "bound"),
    [
        ({}, 13),
        # + validating the sector and ecosystem values, one query each
        (
            {
                "q": "Listed",
                "sector": "automotive",
                "ecosystem": "mobility-transport-automotive",
                "kind": "sme",
            },
            15,
        ),
    ],
)
def test_list_page_query_count_is_constant(
    client, django_assert_max_num_queries, count, params, bound
):
    for i in range(count):
        org = OrganisationFactory(
            name=f"Listed {i:02d}", sectors=["automotive", "biopharmaceuticals"]
        )
        org.ecosystems.add(IndustrialEcosystem.objects.get(code="mobility-transport-automotive"))
    # Anonymous: count, page, sectors prefetch, 4 facet counts, 6 taxonomy pickers.
    with django_assert_max_num_queries(bound):
        response = client.get(LIST, params)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 25)


def test_list_paginates_by_25_and_keeps_filters(client):
    for i in range(30):
        OrganisationFactory(name=f"Cluster {i:02d}", kind="cluster")
    OrganisationFactory(name="Lonely SME", kind="sme")
    response = client.get(LIST, {"kind": "cluster", "page": 2})
    page = response.context["page"]
    assert page.paginator.count == 30
    assert len(page.object_list) == 5
    assert response.context["querystring"] == "kind=cluster"


def test_list_empty_state_and_bad_filter(client):
    response = client.get(LIST, {"q": "nothing-matches-this"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    response = client.get(LIST, {"sector": "no-such-sector"})
    assert response.status_code == 200
    assert "sector" in response.context["filter"].form.errors


def test_detail_hides_contact_from_anonymous_and_outsiders(client, cluster, user):
    url = cluster.get_absolute_url()
    body = client.get(url).content.decode()
    assert cluster.name in body
    assert cluster.contact_email not in body and cluster.contact_phone not in body
    client.force_login(user)
    body = client.get(url).content.decode()
    assert cluster.contact_email not in body


def test_detail_shows_contact_and_edit_to_manager(client, cluster, manager):
    client.force_login(manager)
    response = client.get(cluster.get_absolute_url())
    assert response.context["can_edit"] is True
    assert cluster.contact_email in response.content.decode()


def test_draft_is_404_for_others(client, user):
    draft = OrganisationFactory(status="draft")
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(user)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_cluster_detail_shows_eligibility_checklist(client, cluster):
    response = client.get(cluster.get_absolute_url())
    assert len(response.context["criteria"]) == 4
    assert "15 members" in response.content.decode()


def test_create_requires_login_and_makes_a_draft(client, user):
    create = reverse("clusters:organisation-create")
    assert client.get(create).status_code == 302
    client.force_login(user)
    response = client.post(
        create, {"name": "Nordic Hydrogen Cluster", "kind": "cluster", "country": "SE"}
    )
    org = Organisation.objects.get(name="Nordic Hydrogen Cluster")
    assert response.status_code == 302 and response.url == org.get_absolute_url()
    assert org.status == "draft"


def test_form_errors_name_the_field_and_keep_input(client, user):
    client.force_login(user)
    response = client.post(
        reverse("clusters:organisation-create"),
        {"name": "", "kind": "sme", "country": "SE", "city": "Malmö", "founded_year": "99"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"name", "founded_year"} <= set(errors)
    assert "Malmö" in response.content.decode()
    assert not Organisation.objects.exists()


def test_region_must_be_in_the_country(client, user):
    client.force_login(user)
    region_pk = Organisation._meta.get_field("region").related_model.objects.get(code="LT01").pk
    response = client.post(
        reverse("clusters:organisation-create"),
        {"name": "Mismatch", "kind": "sme", "country": "SE", "region": region_pk},
    )
    assert "region" in response.context["form"].errors


def test_only_managers_and_staff_edit(client, cluster, user, manager, staff_user):
    edit = reverse("clusters:organisation-edit", args=[cluster.slug])
    client.force_login(user)
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"name": "Hijacked"}).status_code == 403
    client.force_login(manager)
    assert client.get(edit).status_code == 200
    client.force_login(staff_user)
    assert client.get(edit).status_code == 200
    cluster.refresh_from_db()
    assert cluster.name != "Hijacked"


def test_manager_edit_saves(client, cluster, manager):
    client.force_login(manager)
    edit = reverse("clusters:organisation-edit", args=[cluster.slug])
    data = {
        "name": cluster.name,
        "kind": "cluster",
        "country": "DE",
        "city": "Munich",
        "description": "New text",
        "offers_topics": "testing, pilots",
    }
    response = client.post(edit, data)
    assert response.status_code == 302
    cluster.refresh_from_db()
    assert cluster.city == "Munich"
    assert sorted(t.name for t in cluster.offers_topics.all()) == ["pilots", "testing"]


def test_publish_and_verify(client, manager, cluster, staff_user):
    cluster.status = "draft"
    cluster.save()
    publish = reverse("clusters:organisation-publish", args=[cluster.slug])
    verify = reverse("clusters:organisation-verify", args=[cluster.slug])
    client.force_login(manager)
    assert client.get(publish).status_code == 405
    client.post(publish, {"publish": "1"})
    assert client.post(verify).status_code == 403
    client.force_login(staff_user)
    client.post(verify, {"verified": "1"})
    cluster.refresh_from_db()
    assert cluster.status == "published" and cluster.verified


def test_my_organisations_lists_roles(client, manager, cluster):
    client.force_login(manager)
    response = client.get(reverse("clusters:my-organisations"))
    assert [r.organisation for r in response.context["roles"]] == [cluster]


def test_manager_adds_and_removes_a_member(client, cluster, manager):
    sme = OrganisationFactory(kind="sme", name="Member SME")
    client.force_login(manager)
    add = reverse("clusters:membership-add", args=[cluster.slug])
    client.post(add, {"member": f"http://testserver{sme.get_absolute_url()}"})
    membership = cluster.memberships.get()
    assert membership.member == sme
    # Twice: a clear message, no second row, no 500.
    response = client.post(add, {"member": sme.slug}, follow=True)
    assert "already a member" in response.content.decode()
    assert cluster.memberships.count() == 1
    response = client.post(add, {"member": "no-such-org"}, follow=True)
    assert "No published organisation" in response.content.decode()
    remove = reverse("clusters:membership-remove", args=[cluster.slug, membership.pk])
    client.post(remove)
    assert not cluster.memberships.exists()


def test_outsider_cannot_add_members(client, cluster, user):
    sme = OrganisationFactory(kind="sme")
    client.force_login(user)
    response = client.post(
        reverse("clusters:membership-add", args=[cluster.slug]), {"member": sme.slug}
    )
    assert response.status_code == 403
    assert not cluster.memberships.exists()


def test_people_page_grants_and_keeps_a_manager(client, cluster, manager, user):
    people = reverse("clusters:organisation-people", args=[cluster.slug])
    client.force_login(user)
    assert client.get(people).status_code == 403
    client.force_login(manager)
    response = client.post(people, {"email": user.email.upper(), "role": "member"})
    assert response.status_code == 302
    assert cluster.roles.get(user=user).role == "member"
    response = client.post(people, {"email": "nobody@example.org", "role": "member"})
    assert "sign up first" in response.content.decode()
    own = cluster.roles.get(user=manager)
    response = client.post(people, {"revoke": own.pk}, follow=True)
    assert "at least one other manager" in response.content.decode()
    assert cluster.roles.filter(user=manager, role="manager").exists()
    assert client.post(people, {"revoke": "abc"}).status_code == 404
    member_role = cluster.roles.get(user=user)
    client.post(people, {"revoke": member_role.pk})
    assert not cluster.roles.filter(user=user).exists()
