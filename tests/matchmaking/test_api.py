"""Suggestions API: managers only, feedback validated, dismissals final."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matchmaking.models import PartnerSuggestion, SuggestionFeedback

from ..factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def suggestion(cluster):
    return PartnerSuggestion.objects.create(
        organisation=cluster,
        suggested=OrganisationFactory(name="API Partner"),
        rank=1,
        score=0.9,
        components={"complementarity": 0.8},
        reasons=["offers laser welding, which you look for"],
        engine_version="test",
        computed_at="2026-11-24T00:00:00Z",
    )


def test_list_is_for_managers_and_hides_contact_data(
    api_client, cluster, suggestion, manager, user
):
    url = reverse("api:organisation-suggestions", args=[cluster.pk])
    assert api_client.get(url).status_code in (401, 403)
    api_client.force_authenticate(user)
    assert api_client.get(url).status_code == 403
    api_client.force_authenticate(manager)
    data = api_client.get(url).json()
    row = data["results"][0]
    assert row["suggested"]["name"] == "API Partner" and row["reasons"]
    assert "contact_email" not in str(data)


def test_feedback_validation_and_dismissal(api_client, suggestion, manager, user):
    url = reverse("api:suggestion-feedback", args=[suggestion.pk])
    api_client.force_authenticate(user)
    assert api_client.post(url, {"action": "saved"}).status_code == 404
    api_client.force_authenticate(manager)
    response = api_client.post(url, {"action": "dismissed"})
    assert response.status_code == 400 and "reason" in response.json()
    assert api_client.post(url, {"action": "bogus"}).status_code == 400
    response = api_client.post(url, {"action": "dismissed", "reason": "not_relevant"})
    assert response.status_code == 201
    assert not PartnerSuggestion.objects.filter(pk=suggestion.pk).exists()
    assert SuggestionFeedback.objects.filter(action="dismissed", reason="not_relevant").exists()
