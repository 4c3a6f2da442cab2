"""Creating, editing and publishing partnerships through the pages: permissions per role,
errors that name the field or the member line, and refused edits that write nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from clusters.models import Call, Partnership, PartnershipMember, Programme, Sector
from clusters.partnerships import services
from clusters.partnerships.forms import PartnershipForm
from clusters.partnerships.services import create_partnership
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
Role = PartnershipMember.Role
CREATE = reverse("clusters:partnership-create")


def edit_url(p: Partnership) -> str:
    return reverse("clusters:partnership-edit", kwargs={"slug": p.slug})


def publish_url(p: Partnership) -> str:
    return reverse("clusters:partnership-publish", kwargs={"slug": p.slug})


@pytest.fixture
def partner():
    return OrganisationFactory(kind="sme", country="FR", name="Partner SME", slug="partner-sme")


@pytest.fixture
def partner_manager(partner):
    """Manages a member organisation, not the coordinator."""
    return OrganisationFactory.add_person(partner, role="manager")


@pytest.fixture
def coordinator_member(cluster):
    """A member (not manager) of the coordinating organisation."""
    return OrganisationFactory.add_person(cluster, role="member")


@pytest.fixture
def outsider(db):
    return OrganisationFactory.add_person(OrganisationFactory(name="Elsewhere"), role="manager")


@pytest.fixture
def draft(officer, cluster, partner):
    return create_partnership(
        user=officer,
        fields={"name": "Green Bridges", "type": "escp_4i", "starts_on": date(2024, 1, 1)},
        members=[(cluster, Role.COORDINATOR, date(2024, 1, 1)), (partner, Role.PARTNER, None)],
    )


def form_data(cluster, partner, **changes) -> dict:
    data = {
        "name": "Green Bridges",
        "acronym": "GB",
        "type": "escp_4i",
        "phase": "implementation",
        "starts_on": "2024-01-01",
        "ends_on": "2025-12-31",
        "eu_budget": "300000",
        "members": f"{cluster.slug}, coordinator, 2024-01-01\n{partner.slug}, partner",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def snapshot(p: Partnership) -> tuple:
    p = Partnership.objects.get(pk=p.pk)
    members = sorted(p.memberships.values_list("organisation_id", "role", "joined_on"))
    return (p.name, p.acronym, p.phase, p.ends_on, p.eu_budget, p.updated_at, members)


# --- permissions ----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, draft):
    for url in (edit_url(draft), CREATE):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert client.post(publish_url(draft)).status_code == 302
    assert Partnership.objects.get(pk=draft.pk).status == Partnership.Status.DRAFT


@pytest.mark.parametrize("who", ["partner_manager", "coordinator_member"])
def test_members_who_do_not_manage_the_coordinator_get_403(client, request, draft, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(edit_url(draft)).status_code == 403
    assert client.post(edit_url(draft), {"name": "Taken over"}).status_code == 403
    assert client.post(publish_url(draft)).status_code == 403
    assert Partnership.objects.get(pk=draft.pk).name == "Green Bridges"


def test_outsiders_do_not_even_see_a_draft(client, outsider, draft):
    client.force_login(outsider)
    assert client.get(edit_url(draft)).status_code == 404
    assert client.post(publish_url(draft)).status_code == 404


@pytest.mark.parametrize("who", ["manager", "officer", "staff_user"])
def test_coordinator_managers_officers_and_staff_may_edit(client, request, draft, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(edit_url(draft))
    assert response.status_code == 200
    assert response.context["form"]["name"].value() == "Green Bridges"
    assert "partner-sme, partner" in response.content.decode()


@pytest.mark.parametrize("who", ["manager", "outsider"])
def test_only_officers_and_staff_create(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, {"name": "Mine"}).status_code == 403
    assert not Partnership.objects.exists()


# --- create and edit ------------------------------------------------------------------------


def test_officer_creates_a_draft(client, officer, cluster, partner):
    programme = Programme.objects.create(code="cgi", name="Clusters Go International")
    call = Call.objects.create(programme=programme, code="CGI-2016", name="CGI 2016", year=2016)
    client.force_login(officer)
    assert client.get(CREATE).status_code == 200
    data = form_data(
        cluster,
        partner,
        name="Blue Growth",
        call=str(call.pk),
        target_countries=["JP", "CN"],
        sectors=[str(Sector.objects.get(code="automotive").pk)],
    )
    response = client.post(CREATE, data)
    p = Partnership.objects.get(name="Blue Growth")
    assert response.status_code == 302
    assert response["Location"] == reverse("clusters:partnership-detail", args=[p.slug])
    assert p.status == Partnership.Status.DRAFT
    assert p.programme == programme  # taken from the call
    assert p.coordinator == cluster
    assert p.target_countries == "JP,CN"
    assert list(p.sectors.values_list("code", flat=True)) == ["automotive"]
    roles = dict(p.memberships.values_list("organisation__slug", "role"))
    assert roles == {cluster.slug: Role.COORDINATOR, partner.slug: Role.PARTNER}


def test_coordinator_manager_edits_fields_and_members(client, manager, draft, cluster, partner):
    newcomer = OrganisationFactory(name="Newcomer", slug="newcomer", country="IT")
    client.force_login(manager)
    members = (
        f"{cluster.slug}, coordinator, 2024-01-01\n"
        f"https://platform.example/organisations/{partner.slug}/, associate\n"
        "\n"
        "newcomer"
    )
    response = client.post(edit_url(draft), form_data(cluster, partner, members=members))
    assert response.status_code == 302
    p = Partnership.objects.get(pk=draft.pk)
    assert (p.acronym, p.phase, p.ends_on) == ("GB", "implementation", date(2025, 12, 31))
    roles = dict(p.memberships.values_list("organisation__slug", "role"))
    assert roles == {cluster.slug: "coordinator", partner.slug: "associate", "newcomer": "partner"}
    assert newcomer.pk in set(p.memberships.values_list("organisation_id", flat=True))


def test_unchanged_members_are_not_rewritten(client, officer, draft, cluster, partner):
    before = set(draft.memberships.values_list("pk", flat=True))
    client.force_login(officer)
    response = client.post(edit_url(draft), form_data(cluster, partner, name="Renamed"))
    assert response.status_code == 302
    assert set(draft.memberships.values_list("pk", flat=True)) == before
    assert Partnership.objects.get(pk=draft.pk).name == "Renamed"


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"name": ""}, "name", "This field is required."),
        ({"ends_on": "2023-01-01"}, "ends_on", "A partnership ends after it starts."),
        ({"eu_budget": "-5"}, "eu_budget", "greater than or equal to 0"),
        ({"type": "bogus"}, "type", "Select a valid choice."),
        ({"website": "not a url"}, "website", "Enter a valid URL."),
        ({"target_countries": ["XX"]}, "target_countries", "Select a valid choice."),
        ({"members": "partner-sme, partner"}, "members", "give one line the role coordinator"),
        ({"members": "{c}, coordinator\nnobody-here, partner"}, "members", "Line 2: no organ"),
        ({"members": "{c}, coordinator\npartner-sme, boss"}, "members", "Line 2: unknown role"),
        ({"members": "{c}, coordinator\npartner-sme, partner, 31/12/2024"}, "members", "Line 2"),
        ({"members": "{c}, coordinator\n\npartner-sme\npartner-sme"}, "members", "Line 4:"),
        ({"members": "{c}, coordinator\npartner-sme, coordinator"}, "members", "lines 1, 2"),
    ],
)
def test_an_invalid_edit_names_the_field_and_writes_nothing(
    client, officer, draft, cluster, partner, changes, field, message
):
    if "members" in changes:
        changes = {"members": changes["members"].replace("{c}", cluster.slug)}
    before = snapshot(draft)
    client.force_login(officer)
    response = client.post(edit_url(draft), form_data(cluster, partner, **changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert snapshot(draft) == before
    # The page keeps its own title while the typed name is refused.
    assert "<h1>Edit Green Bridges</h1>" in response.content.decode()


def test_a_call_of_another_programme_is_refused(client, officer, draft, cluster, partner):
    cgi = Programme.objects.create(code="cgi", name="Clusters Go International")
    excel = Programme.objects.create(code="excel", name="Cluster Excellence")
    call = Call.objects.create(programme=excel, code="EX-1", name="Excellence 1", year=2015)
    before = snapshot(draft)
    client.force_login(officer)
    response = client.post(
        edit_url(draft), form_data(cluster, partner, programme=str(cgi.pk), call=str(call.pk))
    )
    assert "This call belongs to Cluster Excellence." in response.context["form"].errors["call"]
    assert snapshot(draft) == before


def test_a_refused_member_list_undoes_the_field_changes(
    client, officer, draft, cluster, partner, monkeypatch
):
    """update_partnership and set_members run in one transaction: never half-written."""

    def refuse(**kwargs):
        raise ValidationError({"members": "Refused by the service."})

    monkeypatch.setattr(services, "set_members", refuse)
    before = snapshot(draft)
    client.force_login(officer)
    data = form_data(cluster, partner, name="Half Written", members=f"{cluster.slug}, coordinator")
    response = client.post(edit_url(draft), data)
    assert response.status_code == 200
    assert response.context["form"].errors["members"] == ["Refused by the service."]
    assert snapshot(draft) == before


def test_draft_organisations_of_others_cannot_be_added(client, manager, draft, cluster, partner):
    OrganisationFactory(name="Hidden", slug="hidden", status="draft")
    client.force_login(manager)
    members = f"{cluster.slug}, coordinator\n{partner.slug}\nhidden"
    response = client.post(edit_url(draft), form_data(cluster, partner, members=members))
    assert "Line 3: no organisation you can see" in response.context["form"].errors["members"][0]


def test_existing_draft_members_stay_editable(client, officer, cluster):
    hidden = OrganisationFactory(name="Hidden", slug="hidden", status="draft")
    p = create_partnership(
        user=officer,
        fields={"name": "With Hidden", "type": "other"},
        members=[(cluster, Role.COORDINATOR, None), (hidden, Role.PARTNER, None)],
    )
    form = PartnershipForm(
        {"name": "With Hidden", "type": "other", "members": f"{cluster.slug}, coordinator\nhidden"},
        instance=p,
    )
    assert form.is_valid(), form.errors
    assert not form.members_changed()


# --- publish --------------------------------------------------------------------------------


def test_coordinator_manager_publishes_and_unpublishes(client, manager, draft):
    client.force_login(manager)
    response = client.post(publish_url(draft), {"publish": "1"})
    assert response.status_code == 302
    assert Partnership.objects.get(pk=draft.pk).status == Partnership.Status.PUBLISHED
    client.post(publish_url(draft), {"publish": "0"})
    assert Partnership.objects.get(pk=draft.pk).status == Partnership.Status.DRAFT


def test_publish_needs_post_and_a_csrf_token(manager, draft):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.get(publish_url(draft)).status_code == 405
    assert client.post(publish_url(draft), {"publish": "1"}).status_code == 403
    assert Partnership.objects.get(pk=draft.pk).status == Partnership.Status.DRAFT
    page = client.get(reverse("clusters:partnership-detail", args=[draft.slug]))
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()


def test_publishing_without_a_coordinator_gives_a_message(client, officer, draft):
    Partnership.objects.filter(pk=draft.pk).update(coordinator=None)
    client.force_login(officer)
    response = client.post(publish_url(draft), {"publish": "1"}, follow=True)
    assert "Name a coordinator before publishing." in response.content.decode()
    assert Partnership.objects.get(pk=draft.pk).status == Partnership.Status.DRAFT


# --- the member lines -----------------------------------------------------------------------


def test_member_lines_parse_roles_dates_and_addresses(cluster, partner):
    form = PartnershipForm(
        {
            "name": "Lines",
            "type": "other",
            "members": (
                f"  {cluster.slug} , Coordinator , 2024-02-29\n"
                f"/organisations/{partner.slug}/, Associated partner"
            ),
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["members"] == [
        (cluster, Role.COORDINATOR, date(2024, 2, 29)),
        (partner, Role.ASSOCIATE, None),
    ]


def test_member_line_errors_are_all_reported_with_their_line(cluster):
    form = PartnershipForm(
        {
            "name": "Lines",
            "type": "other",
            "members": f"{cluster.slug}, coordinator, x, y\n, partner",
        }
    )
    assert not form.is_valid()
    errors = form.errors["members"]
    assert errors[0].startswith("Line 1: write")
    assert errors[1] == "Line 2: the organisation is missing."
