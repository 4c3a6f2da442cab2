"""Contact requests: managers send and answer, each e-mail once, contacts revealed on accept."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from matchmaking import contacts
from matchmaking.models import ContactRequest, SuggestionFeedback

from ..factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(cluster, manager):
    """``manager`` runs ``cluster``; ``other_manager`` runs ``target``."""
    target = OrganisationFactory(name="Target Org", contact_email="boss@target.example.org")
    other_manager = OrganisationFactory.add_person(target, role="manager")
    return cluster, manager, target, other_manager


def test_request_accept_reveals_contacts_and_mails_once(
    client, pair, django_capture_on_commit_callbacks
):
    cluster, manager, target, other_manager = pair
    client.force_login(manager)
    detail = target.get_absolute_url()
    assert "boss@target.example.org" not in client.get(detail).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("matchmaking:contact-create", args=[target.slug]),
            {"sender": cluster.pk, "message": "Let us build a battery value chain."},
        )
    assert response.status_code == 302
    request = ContactRequest.objects.get()
    assert [m.to for m in mail.outbox] == [[other_manager.email]]
    assert SuggestionFeedback.objects.filter(action="contacted", suggested=target).exists()
    # The sender cannot answer its own request.
    answer = reverse("matchmaking:contact-answer", args=[request.pk])
    assert client.post(answer, {"answer": "accept"}).status_code == 403
    client.force_login(other_manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(answer, {"answer": "accept"})
    request.refresh_from_db()
    assert request.status == "accepted" and request.answered_by == other_manager
    assert [m.to for m in mail.outbox][-1] == [manager.email]
    # Retrying the notification sends nothing more.
    assert contacts.notify(request.pk) == 0 and len(mail.outbox) == 2
    # Both sides now see each other's contact person.
    assert cluster.contact_email in client.get(cluster.get_absolute_url()).content.decode()
    client.force_login(manager)
    assert "boss@target.example.org" in client.get(detail).content.decode()
    # Answering twice is refused with a message, not a 500.
    client.force_login(other_manager)
    response = client.post(answer, {"answer": "decline"}, follow=True)
    assert "already accepted" in response.content.decode()


def test_one_pending_request_per_pair_and_no_self_contact(client, pair):
    cluster, manager, target, _ = pair
    client.force_login(manager)
    url = reverse("matchmaking:contact-create", args=[target.slug])
    client.post(url, {"sender": cluster.pk, "message": "Hello"})
    response = client.post(url, {"sender": cluster.pk, "message": "Hello again"})
    assert response.status_code == 200
    assert "already waiting" in response.content.decode()
    assert ContactRequest.objects.count() == 1
    response = client.post(url, {"sender": cluster.pk, "message": "   "})
    assert "message" in response.context["form"].errors


def test_declined_request_reveals_nothing(client, pair, django_capture_on_commit_callbacks):
    cluster, manager, target, other_manager = pair
    request = contacts.send_request(user=manager, sender=cluster, recipient=target, message="Hello")
    contacts.answer_request(user=other_manager, request=request, accept=False)
    client.force_login(manager)
    assert "boss@target.example.org" not in client.get(target.get_absolute_url()).content.decode()


def test_inbox_lists_received_and_sent(client, pair):
    cluster, manager, target, other_manager = pair
    contacts.send_request(user=manager, sender=cluster, recipient=target, message="Hi there")
    client.force_login(other_manager)
    response = client.get(reverse("matchmaking:contact-list"))
    assert [r.sender for r in response.context["incoming"]] == [cluster]
    assert "Hi there" in response.content.decode()
    client.force_login(manager)
    response = client.get(reverse("matchmaking:contact-list"))
    assert [r.recipient for r in response.context["outgoing"]] == [target]


def test_only_managers_send(client, pair, user):
    _cluster, _manager, target, _ = pair
    client.force_login(user)  # manages nothing
    response = client.get(reverse("matchmaking:contact-create", args=[target.slug]))
    assert response.status_code == 302
    assert not ContactRequest.objects.exists()


def test_contact_requests_api(api_client, pair, user, django_capture_on_commit_callbacks):
    cluster, manager, target, other_manager = pair
    url = reverse("api:contact-request-list")
    assert api_client.get(url).status_code in (401, 403)
    api_client.force_authenticate(user)
    response = api_client.post(url, {"sender": cluster.pk, "recipient": target.pk, "message": "x"})
    assert response.status_code == 403  # manages nothing
    api_client.force_authenticate(manager)
    response = api_client.post(url, {"sender": cluster.pk, "recipient": target.pk, "message": ""})
    assert response.status_code == 400 and "message" in response.json()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            url, {"sender": cluster.pk, "recipient": target.pk, "message": "Hello"}
        )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    again = api_client.post(url, {"sender": cluster.pk, "recipient": target.pk, "message": "Hi"})
    assert again.status_code == 400
    # The sender may not accept; an outsider does not even see it.
    assert api_client.post(reverse("api:contact-request-accept", args=[pk])).status_code == 403
    api_client.force_authenticate(user)
    assert api_client.post(reverse("api:contact-request-accept", args=[pk])).status_code == 404
    assert api_client.get(url).json()["count"] == 0
    api_client.force_authenticate(other_manager)
    assert api_client.get(url).json()["count"] == 1
    response = api_client.post(reverse("api:contact-request-accept", args=[pk]))
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    response = api_client.post(reverse("api:contact-request-decline", args=[pk]))
    assert response.status_code == 400
