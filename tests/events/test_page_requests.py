"""Meeting-request pages: send, answer (plain and htmx), cancel, "my event" and ratings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event, MeetingRating, MeetingRequest, Registration
from events.services.ratings import SIX_MONTHS_OPENS_AFTER

from ..factories import make_event, make_participant

pytestmark = pytest.mark.django_db


def url(name: str, event: Event, *args) -> str:
    return reverse(f"events:{name}", args=[event.slug, *args])


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def event(organiser):
    return make_event(organiser=organiser, name="Wind Days")


@pytest.fixture
def alice(event) -> Registration:
    return make_participant(event, name="Alpha Blades")


@pytest.fixture
def bob(event) -> Registration:
    return make_participant(event, name="Beta Turbines")


def action(event: Event, request: MeetingRequest, name: str) -> str:
    return url("request-action", event, request.pk, name)


def test_send_then_accept_through_the_pages(client, event, alice, bob):
    client.force_login(alice.person)
    response = client.get(url("request-send", event, bob.pk))
    page = html(response)
    assert "Request a meeting with Beta Turbines" in page
    assert bob.person.get_full_name() in page and bob.person.email not in page
    assert "expires after 3 days" in page
    response = client.post(
        url("request-send", event, bob.pk), {"message": "Let us talk blades."}, follow=True
    )
    assert "Your request was sent to Beta Turbines" in html(response)
    assert "(Europe/Brussels)" in html(response)
    request = MeetingRequest.objects.get()
    assert (request.sender, request.receiver, request.status) == (alice, bob, "pending")
    assert request.message == "Let us talk blades."
    # Alice sees it among her requests; she cannot accept it herself.
    page = html(client.get(url("my-event", event)))
    assert 'id="outgoing"' in page and "Let us talk blades." in page
    assert client.post(action(event, request, "accept")).status_code == 403
    # Bob sees it to answer, and accepts.
    client.force_login(bob.person)
    page = html(client.get(url("my-event", event)))
    incoming = page.split('id="incoming"')[1].split("</ul>")[0]
    assert "Alpha Blades" in incoming and action(event, request, "accept") in incoming
    response = client.post(action(event, request, "accept"), follow=True)
    assert "Meeting accepted." in html(response)
    request.refresh_from_db()
    assert request.status == "accepted" and request.answered_by == bob.person
    client.force_login(alice.person)
    page = html(client.get(url("my-event", event)))
    assert "Alpha Blades" not in page.split('id="accepted"')[0].split("Meetings agreed")[-1]
    assert "Beta Turbines" in page.split('id="accepted"')[1].split("</ul>")[0]


def test_asking_back_accepts_their_request(client, event, alice, bob):
    theirs = MeetingRequest.objects.create(event=event, sender=bob, receiver=alice)
    client.force_login(alice.person)
    page = html(client.get(url("request-send", event, bob.pk)))
    assert "They have already asked you" in page and "Accept their request" in page
    response = client.post(url("request-send", event, bob.pk), {"message": ""}, follow=True)
    assert "They had already asked you: meeting accepted" in html(response)
    theirs.refresh_from_db()
    assert theirs.status == "accepted" and MeetingRequest.objects.count() == 1


def test_event_without_acceptance_accepts_at_once(client, alice, bob, event):
    Event.objects.filter(pk=event.pk).update(requests_need_acceptance=False)
    client.force_login(alice.person)
    response = client.post(url("request-send", event, bob.pk), {}, follow=True)
    assert "this event confirms requests at once" in html(response)
    assert MeetingRequest.objects.get().status == "accepted"


def test_sending_twice_is_a_form_error_not_a_500(client, event, alice, bob):
    client.force_login(alice.person)
    client.post(url("request-send", event, bob.pk), {"message": "Hi"})
    response = client.get(url("request-send", event, bob.pk))
    assert "Your request to them is waiting" in html(response)
    response = client.post(url("request-send", event, bob.pk), {"message": "Hi again"})
    assert response.status_code == 200
    assert "Your request to them is still waiting." in html(response)
    assert response.context["form"].non_field_errors()
    response = client.post(url("request-send", event, bob.pk), {"message": "x" * 2001})
    assert "message" in response.context["form"].errors
    assert MeetingRequest.objects.count() == 1


def test_only_approved_participants_send_requests(client, event, bob, user):
    pending = make_participant(event, status="pending")
    for viewer in (pending.person, user):
        client.force_login(viewer)
        assert client.get(url("request-send", event, bob.pk)).status_code == 403
        assert client.post(url("request-send", event, bob.pk), {}).status_code == 403
    client.logout()
    response = client.post(url("request-send", event, bob.pk), {})
    assert response.status_code == 302 and "/login/" in response["Location"]
    # Nor can anyone ask a participant who is not approved.
    client.force_login(bob.person)
    assert client.get(url("request-send", event, pending.pk)).status_code == 404
    assert not MeetingRequest.objects.exists()


def test_asking_yourself_goes_back_to_the_list(client, event, alice):
    client.force_login(alice.person)
    response = client.get(url("request-send", event, alice.pk), follow=True)
    assert "That is you" in html(response)


def test_decline_and_cancel(client, event, alice, bob):
    request = MeetingRequest.objects.create(event=event, sender=alice, receiver=bob)
    client.force_login(bob.person)
    # The receiver declines; cancelling is for the sender.
    response = client.post(action(event, request, "cancel"), follow=True)
    assert "Decline the request instead" in html(response)
    response = client.post(action(event, request, "decline"), follow=True)
    assert "Request declined." in html(response)
    request.refresh_from_db()
    assert request.status == "declined"
    page = html(client.get(url("my-event", event)))
    assert "Alpha Blades" in page.split('id="history"')[1]
    # Acting again is a message, not a 500.
    response = client.post(action(event, request, "accept"), follow=True)
    assert response.status_code == 200 and "already declined" in html(response)
    # A new request, withdrawn by its sender.
    second = MeetingRequest.objects.create(event=event, sender=alice, receiver=bob)
    client.force_login(alice.person)
    response = client.post(action(event, second, "cancel"), follow=True)
    assert "Cancelled." in html(response)
    second.refresh_from_db()
    assert second.status == "cancelled"


def test_either_side_calls_off_an_accepted_meeting(client, event, alice, bob):
    request = MeetingRequest.objects.create(
        event=event, sender=alice, receiver=bob, status="accepted"
    )
    client.force_login(bob.person)
    client.post(action(event, request, "cancel"))
    request.refresh_from_db()
    assert request.status == "cancelled"


def test_wrong_person_gets_403_and_bad_actions_404(client, event, alice, bob, organiser):
    request = MeetingRequest.objects.create(event=event, sender=alice, receiver=bob)
    carol = make_participant(event)
    for viewer in (carol.person, organiser):
        client.force_login(viewer)
        for name in ("accept", "decline", "cancel"):
            assert client.post(action(event, request, name)).status_code == 403
    client.force_login(bob.person)
    assert client.post(action(event, request, "approve")).status_code == 404
    assert client.get(action(event, request, "accept")).status_code == 405
    other = make_event(name="Other Event")
    assert client.post(action(other, request, "accept")).status_code == 404
    request.refresh_from_db()
    assert request.status == "pending"


def test_htmx_accept_returns_the_row(client, event, alice, bob):
    request = MeetingRequest.objects.create(
        event=event, sender=alice, receiver=bob, message="Hello"
    )
    client.force_login(bob.person)
    response = client.post(action(event, request, "accept"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    row = html(response)
    assert "<html" not in row
    assert row.strip().startswith(
        f'<li class="request-row request-accepted" id="request-{request.pk}"'
    )
    assert "Accepted" in row and "Call off" in row
    assert action(event, request, "accept") not in row
    # Nothing waits in the session for the next full page.
    assert "Meeting accepted." not in html(client.get(url("my-event", event)))
    # An error comes back inside the row, still swappable.
    response = client.post(action(event, request, "decline"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "This request is already accepted." in html(response)


def test_expired_request_cannot_be_accepted(client, event, alice, bob):
    request = MeetingRequest.objects.create(
        event=event,
        sender=alice,
        receiver=bob,
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    client.force_login(bob.person)
    page = html(client.get(url("my-event", event)))
    assert "Expired" in page and action(event, request, "accept") not in page
    response = client.post(action(event, request, "accept"), follow=True)
    assert "This request has expired." in html(response)


def test_my_event_needs_a_registration(client, event, user):
    client.force_login(user)
    response = client.get(url("my-event", event), follow=True)
    assert "You are not registered for this event." in html(response)
    client.logout()
    assert client.get(url("my-event", event)).status_code == 302


def test_my_event_shows_registration_and_pending_state(client, event):
    pending = make_participant(event, status="pending")
    client.force_login(pending.person)
    page = html(client.get(url("my-event", event)))
    assert "awaits the organisers' approval" in page
    assert "In every session" in page
    assert url("register", event) in page


@pytest.mark.parametrize("count", [3, 15])
def test_my_event_query_count_is_constant(
    client, event, alice, django_assert_max_num_queries, count
):
    for i in range(count):
        other = make_participant(event)
        MeetingRequest.objects.create(event=event, sender=other, receiver=alice)
        MeetingRequest.objects.create(
            event=event, sender=alice, receiver=make_participant(event), status="accepted"
        )
        MeetingRequest.objects.create(
            event=event, sender=alice, receiver=other, status="declined", message=str(i)
        )
    client.force_login(alice.person)
    with django_assert_max_num_queries(14):
        response = client.get(url("my-event", event))
    assert len(response.context["incoming"]) == count
    assert len(response.context["accepted"]) == count
    assert len(response.context["history"]) == count


# Ratings -----------------------------------------------------------------------------------


@pytest.fixture
def finished(organiser):
    now = timezone.now()
    return make_event(
        organiser=organiser,
        name="Past Summit",
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=2),
        registration_deadline=now - timedelta(days=5),
        windows=0,
    )


@pytest.fixture
def held(finished) -> MeetingRequest:
    return MeetingRequest.objects.create(
        event=finished,
        sender=make_participant(finished, name="Sender Org"),
        receiver=make_participant(finished, name="Receiver Org"),
        status="accepted",
    )


def test_rating_opens_after_the_event(client, event, alice, bob):
    request = MeetingRequest.objects.create(
        event=event, sender=alice, receiver=bob, status="accepted"
    )
    client.force_login(alice.person)
    response = client.get(url("request-rate", event, request.pk))
    assert "Rating opens when the event has ended." in html(response)
    assert "form" not in response.context
    assert url("request-rate", event, request.pk) not in html(client.get(url("my-event", event)))


def test_rate_and_edit_a_meeting_after_the_event(client, finished, held):
    client.force_login(held.sender.person)
    page = html(client.get(url("my-event", finished)))
    rate = url("request-rate", finished, held.pk)
    assert rate in page and "Call off" not in page
    response = client.get(rate)
    assert response.context["form"].fields["round"].choices == [
        ("after_event", "Right after the event")
    ]
    response = client.post(
        rate,
        {"round": "after_event", "took_place": "yes", "outcome": "agreement", "comment": "Good"},
        follow=True,
    )
    assert "your rating is saved" in html(response)
    rating = MeetingRating.objects.get()
    assert (rating.registration, rating.round, rating.took_place, rating.outcome) == (
        held.sender,
        "after_event",
        True,
        "agreement",
    )
    assert "Cooperation agreement reached" in html(response)
    # The second visit shows the rating to edit.
    response = client.get(rate)
    assert "You rated this meeting already" in html(response)
    assert response.context["form"].initial["outcome"] == "agreement"
    client.post(rate, {"round": "after_event", "took_place": "yes", "outcome": "mou"})
    assert MeetingRating.objects.get().outcome == "mou"


def test_rating_errors_name_the_field(client, finished, held):
    client.force_login(held.receiver.person)
    rate = url("request-rate", finished, held.pk)
    response = client.post(rate, {"round": "after_event", "took_place": "no", "outcome": "mou"})
    assert response.status_code == 200
    assert "outcome" in response.context["form"].errors
    assert "Outcome: A meeting that did not take place has no outcome." in html(response)
    response = client.post(rate, {"round": "six_months", "took_place": "yes", "outcome": "none"})
    assert "round" in response.context["form"].errors
    assert not MeetingRating.objects.exists()


def test_six_months_round_when_open(client, organiser):
    now = timezone.now()
    old = make_event(
        organiser=organiser,
        starts_at=now - SIX_MONTHS_OPENS_AFTER - timedelta(days=3),
        ends_at=now - SIX_MONTHS_OPENS_AFTER - timedelta(days=2),
        registration_deadline=now - SIX_MONTHS_OPENS_AFTER - timedelta(days=5),
        windows=0,
    )
    request = MeetingRequest.objects.create(
        event=old,
        sender=make_participant(old),
        receiver=make_participant(old),
        status="accepted",
    )
    client.force_login(request.sender.person)
    rate = url("request-rate", old, request.pk)
    assert f"{rate}?round=six_months" in html(client.get(url("my-event", old)))
    response = client.get(rate, {"round": "six_months"})
    assert response.context["round"] == "six_months"
    client.post(rate, {"round": "six_months", "took_place": "yes", "outcome": "follow_up"})
    assert MeetingRating.objects.get().round == "six_months"


def test_only_the_two_participants_rate(client, finished, held, organiser):
    stranger = make_participant(finished)
    for viewer in (stranger.person, organiser):
        client.force_login(viewer)
        rate = url("request-rate", finished, held.pk)
        assert client.get(rate).status_code == 403
        assert client.post(rate, {"round": "after_event", "took_place": "yes"}).status_code == 403
    declined = MeetingRequest.objects.create(
        event=finished, sender=held.sender, receiver=stranger, status="declined"
    )
    client.force_login(held.sender.person)
    response = client.get(url("request-rate", finished, declined.pk), follow=True)
    assert "Only accepted meetings can be rated." in html(response)
    assert not MeetingRating.objects.exists()
