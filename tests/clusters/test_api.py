"""The organisations API: reads, writes through services, permissions, contact privacy."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clusters.models import Organisation, OrganisationRole, Topic

from ..factories import PASSWORD, OrganisationFactory

pytestmark = pytest.mark.django_db

LIST = reverse("api:organisation-list")


def detail(org: Organisation) -> str:
    return reverse("api:organisation-detail", args=[org.pk])


def valid_payload(**overrides):
    payload = {
        "name": "Baltic Photonics Cluster",
        "kind": "cluster",
        "country": "LT",
        "region": "LT01",
        "city": "Vilnius",
        "description": "Photonics companies and labs around Vilnius.",
        "sectors": ["information-technology-and-analytical-instruments"],
        "technologies": ["photonics"],
        "offers_topics": ["laser testing", "Laser testing", "clean rooms"],
        "looks_for_topics": ["market access in Japan"],
        "target_countries": ["JP", "US"],
        "member_count": 40,
        "staff_fte": "2.5",
        "contact_name": "Ona Petraitė",
        "contact_email": "ona@example.org",
    }
    payload.update(overrides)
    return payload


class TestRead:
    def test_list_shows_published_only_to_anonymous(self, api_client, cluster):
        draft = OrganisationFactory(status="draft")
        response = api_client.get(LIST)
        assert response.status_code == 200
        slugs = [row["slug"] for row in response.json()["results"]]
        assert cluster.slug in slugs
        assert draft.slug not in slugs

    def test_manager_sees_own_draft(self, manager_client, manager, cluster):
        cluster.status = "draft"
        cluster.save()
        response = manager_client.get(LIST)
        assert [row["slug"] for row in response.json()["results"]] == [cluster.slug]

    def test_anonymous_never_sees_contact_data(self, api_client, cluster):
        for url in (LIST, detail(cluster)):
            body = api_client.get(url).content.decode()
            assert cluster.contact_email not in body
            assert cluster.contact_phone not in body
            assert "contact_name" not in body

    def test_other_logged_in_user_does_not_see_contact(self, api_client, cluster, user):
        api_client.force_authenticate(user)
        data = api_client.get(detail(cluster)).json()
        assert "contact_email" not in data

    def test_manager_and_staff_see_contact(self, manager_client, cluster, staff_user):
        assert manager_client.get(detail(cluster)).json()["contact_email"] == cluster.contact_email
        manager_client.force_authenticate(staff_user)
        assert manager_client.get(detail(cluster)).json()["contact_email"] == cluster.contact_email

    def test_unknown_filter_value_is_a_400_naming_the_parameter(self, api_client):
        response = api_client.get(LIST, {"sector": "no-such-sector"})
        assert response.status_code == 400
        assert "sector" in response.json()

    def test_filters_by_kind_and_country(self, api_client):
        OrganisationFactory(kind="cluster", country="FR", name="French Cluster")
        OrganisationFactory(kind="sme", country="FR", name="French SME")
        OrganisationFactory(kind="cluster", country="IT", name="Italian Cluster")
        response = api_client.get(LIST, {"kind": "cluster", "country": "FR"})
        assert [r["name"] for r in response.json()["results"]] == ["French Cluster"]

    @pytest.mark.parametrize("page_size", [5, 50])
    def test_list_query_count_is_constant(
        self, api_client, django_assert_max_num_queries, page_size
    ):
        for i in range(50):
            org = OrganisationFactory(name=f"Org {i:02d}", sectors=["automotive"])
            org.offers_topics.add(Topic.objects.get_or_create(code=f"t{i}", name=f"T{i}")[0])
        # count + page + 8 prefetched tag lists + region join = 10, whatever the page size.
        with django_assert_max_num_queries(10):
            response = api_client.get(LIST, {"page_size": page_size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == page_size


class TestPagination:
    def test_pages_carry_the_total_and_the_links(self, api_client):
        for i in range(7):
            OrganisationFactory(name=f"Paged {i}")
        first = api_client.get(LIST, {"page_size": 3}).json()
        assert first["count"] == 7 and len(first["results"]) == 3 and first["next"]
        last = api_client.get(LIST, {"page_size": 3, "page": 3}).json()
        assert last["count"] == 7 and [r["name"] for r in last["results"]] == ["Paged 6"]
        assert last["next"] is None

    @pytest.mark.parametrize("page", ["4", "0", "-1", "abc"])
    def test_a_page_that_does_not_exist_is_a_404(self, api_client, page):
        for i in range(7):
            OrganisationFactory(name=f"Paged {i}")
        assert api_client.get(LIST, {"page_size": 3, "page": page}).status_code == 404

    def test_an_empty_result_is_an_empty_first_page(self, api_client):
        data = api_client.get(LIST, {"q": "nothing-at-all"}).json()
        assert data["count"] == 0 and data["results"] == []


class TestWrite:
    def test_create_makes_a_draft_managed_by_the_creator(self, api_client, user):
        api_client.force_authenticate(user)
        response = api_client.post(LIST, valid_payload(), format="json")
        assert response.status_code == 201, response.json()
        data = response.json()
        assert data["status"] == "draft"
        assert data["slug"] == "baltic-photonics-cluster"
        assert data["region"] == "LT01"
        assert sorted(data["offers_topics"]) == ["clean rooms", "laser testing"]
        assert data["target_countries"] == ["JP", "US"]
        org = Organisation.objects.get(pk=data["id"])
        assert OrganisationRole.objects.filter(user=user, organisation=org, role="manager").exists()

    def test_bad_input_is_a_400_naming_every_field(self, api_client, user):
        api_client.force_authenticate(user)
        payload = valid_payload(
            name="", kind="spaceship", country="QQ", sectors=["nope"], founded_year=1200
        )
        response = api_client.post(LIST, payload, format="json")
        assert response.status_code == 400
        assert {"name", "kind", "country", "sectors", "founded_year"} <= set(response.json())
        assert not Organisation.objects.exists()

    def test_label_on_an_sme_is_rejected_by_the_model_rules(self, api_client, user):
        api_client.force_authenticate(user)
        payload = valid_payload(kind="sme", label="gold", label_valid_until="2030-01-01")
        response = api_client.post(LIST, payload, format="json")
        # The service clears cluster-only fields for other kinds instead of storing a lie.
        assert response.status_code == 201
        assert response.json()["label"] == ""
        assert response.json()["member_count"] is None

    def test_label_without_validity_is_a_400(self, api_client, user):
        api_client.force_authenticate(user)
        response = api_client.post(LIST, valid_payload(label="gold"), format="json")
        assert response.status_code == 400
        assert "valid-until" in str(response.json())
        assert not Organisation.objects.exists()

    def test_anonymous_cannot_write(self, api_client, cluster):
        assert api_client.post(LIST, valid_payload(), format="json").status_code in (401, 403)
        assert api_client.patch(detail(cluster), {"city": "X"}).status_code in (401, 403)
        assert api_client.delete(detail(cluster)).status_code in (401, 403)
        cluster.refresh_from_db()
        assert cluster.city == "Berlin"

    def test_non_manager_gets_403(self, api_client, cluster, user):
        OrganisationFactory.add_person(cluster, role="member", user=user)
        api_client.force_authenticate(user)
        assert api_client.patch(detail(cluster), {"city": "Hamburg"}).status_code == 403
        assert api_client.delete(detail(cluster)).status_code == 403
        cluster.refresh_from_db()
        assert cluster.city == "Berlin"

    def test_manager_partial_update(self, manager_client, cluster):
        response = manager_client.patch(
            detail(cluster),
            {"city": "Hamburg", "looks_for_topics": ["hydrogen storage"]},
            format="json",
        )
        assert response.status_code == 200, response.json()
        cluster.refresh_from_db()
        assert cluster.city == "Hamburg"
        assert [t.name for t in cluster.looks_for_topics.all()] == ["hydrogen storage"]

    def test_platform_fields_are_read_only(self, manager_client, cluster):
        response = manager_client.patch(
            detail(cluster), {"verified": True, "status": "draft"}, format="json"
        )
        assert response.status_code == 200
        cluster.refresh_from_db()
        assert cluster.verified is False
        assert cluster.status == "published"

    def test_manager_deletes(self, manager_client, cluster):
        assert manager_client.delete(detail(cluster)).status_code == 204
        assert not Organisation.objects.filter(pk=cluster.pk).exists()

    def test_staff_may_edit_any_profile(self, api_client, cluster, staff_user):
        api_client.force_authenticate(staff_user)
        assert api_client.patch(detail(cluster), {"city": "Bonn"}).status_code == 200

    def test_token_authentication(self, api_client, user):
        response = api_client.post(
            reverse("api:token"), {"username": user.email, "password": PASSWORD}
        )
        assert response.status_code == 200
        token = response.json()["token"]
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        response = api_client.post(LIST, valid_payload(), format="json")
        assert response.status_code == 201


class TestTaxonomies:
    @pytest.mark.parametrize(
        ("name", "code"),
        [
            ("sector", "automotive"),
            ("ecosystem", "health"),
            ("technology", "photonics"),
            ("thematic-area", "3d-printing"),
            ("emerging-industry", "biopharmaceuticals"),
            ("region", "DE1"),
        ],
    )
    def test_read_only_lookup_by_code(self, api_client, user, name, code):
        response = api_client.get(reverse(f"api:{name}-detail", args=[code]))
        assert response.status_code == 200
        assert response.json()["code"] == code
        api_client.force_authenticate(user)
        assert api_client.post(reverse(f"api:{name}-list"), {"code": "x"}).status_code == 405

    def test_regions_filter_by_parent(self, api_client):
        response = api_client.get(reverse("api:region-list"), {"parent__code": "DE1"})
        codes = [r["code"] for r in response.json()["results"]]
        assert codes and all(c.startswith("DE1") and len(c) == 4 for c in codes)


def test_anonymous_throttle_answers_429(api_client, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import AnonRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/minute"}
    original = AnonRateThrottle.THROTTLE_RATES
    AnonRateThrottle.THROTTLE_RATES = rates
    try:
        codes = [api_client.get(reverse("api:sector-list")).status_code for _ in range(4)]
    finally:
        AnonRateThrottle.THROTTLE_RATES = original
    assert codes == [200, 200, 200, 429]


def test_schema_and_docs_render_offline(api_client):
    schema = api_client.get(reverse("api:schema"))
    assert schema.status_code == 200
    assert b"/api/organisations/" in schema.content
    docs = api_client.get(reverse("api:docs"))
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    # Served by the sidecar from our own static files, never from a CDN.
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html
