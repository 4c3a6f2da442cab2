"""Suggested-partner pages: managers only, save and dismiss (htmx too), staff runs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matchmaking.models import PartnerSuggestion, SuggestionFeedback, SuggestionRun

from ..factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(cluster):
    partners = [OrganisationFactory(name=f"Partner {i}") for i in range(3)]
    for rank, partner in enumerate(partners, start=1):
        PartnerSuggestion.objects.create(
            organisation=cluster,
            suggested=partner,
            rank=rank,
            score=1 / rank,
            components={"complementarity": 0.5},
            reasons=[f"offers topic {rank}, which you look for"],
            engine_version="test",
            computed_at="2026-11-24T00:00:00Z",
        )
    return partners


def url(org, *args) -> str:
    if args:
        return reverse("matchmaking:suggestion-feedback", args=[org.slug, *args])
    return reverse("matchmaking:suggestion-list", args=[org.slug])


def test_only_managers_and_staff_see_the_list(client, cluster, listed, user, manager, staff_user):
    assert client.get(url(cluster)).status_code == 302  # log in first
    client.force_login(user)
    assert client.get(url(cluster)).status_code == 403
    client.force_login(manager)
    response = client.get(url(cluster))
    assert response.status_code == 200
    assert "offers topic 1, which you look for" in response.content.decode()
    client.force_login(staff_user)
    assert client.get(url(cluster)).status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_list_query_count_is_constant(
    client, cluster, manager, django_assert_max_num_queries, count
):
    for i in range(count):
        PartnerSuggestion.objects.create(
            organisation=cluster,
            suggested=OrganisationFactory(name=f"Many {i}"),
            rank=i + 1,
            score=1.0,
            engine_version="test",
            computed_at="2026-11-24T00:00:00Z",
        )
    client.force_login(manager)
    # session + user + roles + groups + organisation + suggestions + saved ids (+ slack)
    with django_assert_max_num_queries(10):
        response = client.get(url(cluster))
    assert len(response.context["suggestions"]) == count


def test_save_then_dismiss_with_a_reason(client, cluster, listed, manager):
    client.force_login(manager)
    first = PartnerSuggestion.objects.get(organisation=cluster, rank=1)
    response = client.post(
        url(cluster, first.pk), {"action": "saved"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "Unsave" in response.content.decode()
    assert SuggestionFeedback.objects.filter(action="saved", suggested=first.suggested).exists()
    # Dismissing without a reason is refused, and nothing is lost.
    response = client.post(
        url(cluster, first.pk), {"action": "dismissed"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert PartnerSuggestion.objects.filter(pk=first.pk).exists()
    response = client.post(
        url(cluster, first.pk),
        {"action": "dismissed", "reason": "already_work_together"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and response.content == b""
    assert not PartnerSuggestion.objects.filter(pk=first.pk).exists()
    feedback = SuggestionFeedback.objects.get(action="dismissed")
    assert feedback.reason == "already_work_together" and feedback.user == manager


def test_members_and_outsiders_cannot_act(client, cluster, listed, user):
    OrganisationFactory.add_person(cluster, role="member", user=user)
    client.force_login(user)
    first = PartnerSuggestion.objects.get(organisation=cluster, rank=1)
    response = client.post(url(cluster, first.pk), {"action": "dismissed", "reason": "other"})
    assert response.status_code == 403
    assert PartnerSuggestion.objects.filter(pk=first.pk).exists()


def test_another_organisations_suggestion_is_a_404(client, cluster, listed, manager):
    other = OrganisationFactory(name="Other Org")
    foreign = PartnerSuggestion.objects.create(
        organisation=other,
        suggested=listed[0],
        rank=1,
        score=1.0,
        engine_version="test",
        computed_at="2026-11-24T00:00:00Z",
    )
    client.force_login(manager)
    assert client.post(url(cluster, foreign.pk), {"action": "saved"}).status_code == 404


def test_staff_start_a_run_and_see_its_progress(
    client, staff_user, user, django_capture_on_commit_callbacks
):
    runs = reverse("matchmaking:run-list")
    client.force_login(user)
    assert client.get(runs).status_code == 403
    assert client.post(reverse("matchmaking:run-start")).status_code == 403
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("matchmaking:run-start"))
    run = SuggestionRun.objects.get()
    assert run.status == "done"  # the task ran eagerly on commit
    body = client.get(runs).content.decode()
    assert "<progress" in body and "Done" in body
