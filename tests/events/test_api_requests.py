"""The meeting-requests API: send (mutual requests accept), answer, cancel, rate; by role.

In ``world`` the "participant" and the "other participant" are two approved participants of
one event; requests are between them unless a test says otherwise.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Event, MeetingRating, MeetingRequest

from ..factories import make_event, make_participant
from .test_api import as_role, client_for, personal_data, refused, world

__all__ = ["world"]  # fixtures shared with test_api.py

pytestmark = pytest.mark.django_db

REQUESTS = reverse("api:meeting-request-list")
ROLE_CODES = [
    ("anonymous", None),
    ("participant", 200),
    ("other_participant", 403),
    ("unrelated", 404),
    ("organiser", 404),
    ("staff", 404),
]


def request_url(meeting: MeetingRequest, action: str | None = None) -> str:
    return reverse(f"api:meeting-request-{action or 'detail'}", args=[meeting.pk])


@pytest.fixture
def incoming(world) -> MeetingRequest:
    """The other participant asked the participant for a meeting."""
    return services.send_request(
        user=world.other.person, sender=world.other, receiver=world.mine, message="Coffee?"
    )


def end_event(event: Event) -> None:
    """Move the event into the past (rating opens when it has ended)."""
    now = timezone.now()
    Event.objects.filter(pk=event.pk).update(
        registration_deadline=now - timedelta(days=5),
        starts_at=now - timedelta(days=4),
        ends_at=now - timedelta(days=3),
    )


class TestSend:
    def test_a_request_asks_for_a_part_of_the_day(self, world):
        response = as_role(world, "participant").post(
            REQUESTS, {"receiver": world.other.pk, "part_of_day": "morning"}
        )
        assert response.status_code == 201, response.json()
        assert MeetingRequest.objects.get(pk=response.json()["id"]).part_of_day == "morning"
        bad = as_role(world, "participant").post(
            REQUESTS, {"receiver": world.other.pk, "part_of_day": "night"}
        )
        assert bad.status_code == 400 and "part_of_day" in bad.json()

    def test_send_a_request(self, world):
        response = as_role(world, "participant").post(
            REQUESTS, {"receiver": world.other.pk, "message": "Shall we talk lasers?"}
        )
        assert response.status_code == 201, response.json()
        data = response.json()
        assert data["status"] == "pending" and data["direction"] == "outgoing"
        assert data["sender"]["registration"] == world.mine.pk
        assert data["receiver"]["organisation"]["name"] == "Other Oy"
        assert data["event"]["time_zone"] == "Europe/Brussels"
        assert data["expires_at"].endswith("Z")
        theirs = as_role(world, "other_participant").get(REQUESTS).json()["results"]
        assert [(r["id"], r["direction"]) for r in theirs] == [(data["id"], "incoming")]

    def test_asking_back_accepts_their_request_with_a_200(self, world, incoming):
        response = as_role(world, "participant").post(REQUESTS, {"receiver": world.other.pk})
        assert response.status_code == 200
        data = response.json()
        assert data["id"] == incoming.pk
        assert data["status"] == "accepted" and data["direction"] == "incoming"
        assert MeetingRequest.objects.count() == 1

    def test_event_without_acceptance_books_at_once(self, world):
        Event.objects.filter(pk=world.event.pk).update(requests_need_acceptance=False)
        response = as_role(world, "participant").post(REQUESTS, {"receiver": world.other.pk})
        assert response.status_code == 201 and response.json()["status"] == "accepted"

    def test_anonymous_cannot_send(self, world):
        from rest_framework.test import APIClient

        response = APIClient().post(REQUESTS, {"receiver": world.other.pk})
        assert refused(response, "anonymous")

    @pytest.mark.parametrize(
        ("case", "field"),
        [
            ("duplicate", "receiver"),
            ("own_organisation", "receiver"),
            ("myself", "receiver"),
            ("not_in_event", "receiver"),
            ("unknown_receiver", "receiver"),
            ("pending_receiver", "receiver"),
            ("pending_sender", "sender"),
            ("long_message", "message"),
        ],
    )
    def test_refusals_are_400s_naming_the_field(self, world, case, field):
        sender, receiver, message = world.mine.person, world.other.pk, "Hello"
        if case == "duplicate":
            client_for(sender).post(REQUESTS, {"receiver": receiver})
        elif case == "own_organisation":
            colleague = make_participant(world.event)
            colleague.organisation = world.mine.organisation
            colleague.save()
            receiver = colleague.pk
        elif case == "myself":
            receiver = world.mine.pk
        elif case == "not_in_event":
            sender = world.people["unrelated"]
        elif case == "unknown_receiver":
            receiver = 999999
        elif case == "pending_receiver":
            receiver = make_participant(world.event, status="pending").pk
        elif case == "pending_sender":
            sender = make_participant(world.event, status="pending").person
        elif case == "long_message":
            message = "x" * 2001
        before = MeetingRequest.objects.count()
        response = client_for(sender).post(REQUESTS, {"receiver": receiver, "message": message})
        assert response.status_code == 400
        assert field in response.json(), response.json()
        assert MeetingRequest.objects.count() == before

    def test_request_in_a_cancelled_event_names_the_event(self, world):
        Event.objects.filter(pk=world.event.pk).update(status="cancelled")
        response = as_role(world, "participant").post(REQUESTS, {"receiver": world.other.pk})
        assert response.status_code == 400 and "event" in response.json()


class TestRead:
    @pytest.mark.parametrize(
        ("role", "code"),
        [
            (role, 200 if role in ("participant", "other_participant") else code)
            for role, code in ROLE_CODES
        ],
    )
    def test_retrieve_by_role(self, world, incoming, role, code):
        response = as_role(world, role).get(request_url(incoming))
        if code is None:
            assert refused(response, role)
        else:
            assert response.status_code == code

    @pytest.mark.parametrize("role", ["unrelated", "organiser", "staff"])
    def test_others_list_none_of_them(self, world, incoming, role):
        response = as_role(world, role).get(REQUESTS)
        assert response.status_code == 200 and response.json()["results"] == []

    def test_list_is_mine_and_filters(self, world, incoming):
        third = make_participant(world.event)
        services.send_request(user=third.person, sender=third, receiver=world.other)
        mine = services.send_request(user=world.mine.person, sender=world.mine, receiver=third)
        client = as_role(world, "participant")

        def ids(**query) -> list[int]:
            response = client.get(REQUESTS, query)
            assert response.status_code == 200
            return [row["id"] for row in response.json()["results"]]

        assert ids() == [mine.pk, incoming.pk]  # newest first; not third → other
        assert ids(direction="incoming") == [incoming.pk]
        assert ids(direction="outgoing") == [mine.pk]
        assert ids(event=world.event.slug) == [mine.pk, incoming.pk]
        assert ids(event=make_event().slug) == []
        assert ids(status="accepted") == []
        assert client.get(REQUESTS, {"status": "maybe"}).status_code == 400

    def test_no_contact_data_in_requests(self, world, incoming):
        for role in ("participant", "other_participant"):
            body = as_role(world, role).get(REQUESTS).content.decode()
            for secret in personal_data(world.mine) + personal_data(world.other):
                assert secret not in body

    @pytest.mark.parametrize("rows", [5, 30])
    def test_query_count_is_constant(self, world, rows, django_assert_max_num_queries):
        expires = timezone.now() + timedelta(days=1)
        for _ in range(rows):
            sender = make_participant(world.event)
            MeetingRequest.objects.create(
                event=world.event, sender=sender, receiver=world.mine, expires_at=expires
            )
        client = as_role(world, "participant")
        # count, page (everything joined in).
        with django_assert_max_num_queries(2):
            response = client.get(REQUESTS, {"page_size": 50})
        assert len(response.json()["results"]) == rows


class TestAnswer:
    @pytest.mark.parametrize(("role", "code"), ROLE_CODES)
    def test_accept_by_role(self, world, incoming, role, code):
        response = as_role(world, role).post(request_url(incoming, "accept"))
        incoming.refresh_from_db()
        if code == 200:
            assert response.status_code == 200
            assert response.json()["status"] == incoming.status == "accepted"
        else:
            assert refused(response, role) if code != 404 else response.status_code == 404
            assert incoming.status == "pending"

    def test_accept_twice_is_a_400(self, world, incoming):
        client = as_role(world, "participant")
        assert client.post(request_url(incoming, "accept")).status_code == 200
        response = client.post(request_url(incoming, "accept"))
        assert response.status_code == 400 and "status" in response.json()

    @pytest.mark.parametrize(("role", "code"), ROLE_CODES)
    def test_decline_by_role(self, world, incoming, role, code):
        response = as_role(world, role).post(request_url(incoming, "decline"))
        incoming.refresh_from_db()
        if code == 200:
            assert response.status_code == 200 and incoming.status == "declined"
        else:
            assert refused(response, role) if code != 404 else response.status_code == 404
            assert incoming.status == "pending"

    def test_cancel_pending_is_for_the_sender(self, world, incoming):
        response = as_role(world, "participant").post(request_url(incoming, "cancel"))
        assert response.status_code == 400 and "status" in response.json()
        response = as_role(world, "other_participant").post(request_url(incoming, "cancel"))
        assert response.status_code == 200 and response.json()["status"] == "cancelled"

    @pytest.mark.parametrize("role", ["unrelated", "organiser", "staff"])
    def test_cancel_is_hidden_from_others(self, world, incoming, role):
        assert as_role(world, role).post(request_url(incoming, "cancel")).status_code == 404

    def test_either_side_calls_off_an_accepted_meeting(self, world, incoming):
        services.answer_request(user=world.mine.person, request=incoming, accept=True)
        response = as_role(world, "participant").post(request_url(incoming, "cancel"))
        assert response.status_code == 200 and response.json()["status"] == "cancelled"


class TestRate:
    @pytest.fixture
    def held(self, world, incoming) -> MeetingRequest:
        services.answer_request(user=world.mine.person, request=incoming, accept=True)
        end_event(world.event)
        return incoming

    PAYLOAD = {"round": "after_event", "took_place": True, "outcome": "agreement"}

    @pytest.mark.parametrize(
        ("role", "code"),
        [(role, 200 if role == "other_participant" else code) for role, code in ROLE_CODES],
    )
    def test_rate_by_role(self, world, held, role, code):
        response = as_role(world, role).post(request_url(held, "rate"), self.PAYLOAD)
        if code == 200:
            assert response.status_code == 200, response.json()
            assert response.json()["outcome"] == "agreement"
            assert MeetingRating.objects.get(request=held).registration.person_id == (
                world.people[role].pk
            )
        else:
            assert refused(response, role) if code != 404 else response.status_code == 404
            assert not MeetingRating.objects.exists()

    def test_rating_again_corrects_it(self, world, held):
        client = as_role(world, "participant")
        client.post(request_url(held, "rate"), self.PAYLOAD)
        payload = {**self.PAYLOAD, "outcome": "mou", "comment": "Signed in March."}
        assert client.post(request_url(held, "rate"), payload).status_code == 200
        rating = MeetingRating.objects.get()
        assert (rating.outcome, rating.comment) == ("mou", "Signed in March.")

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"round": "six_months"}, "round"),  # opens months after the event
            ({"round": "next_year"}, "round"),
            ({"took_place": False, "outcome": "mou"}, "outcome"),
            ({"took_place": None}, "took_place"),
        ],
    )
    def test_bad_rating_is_a_400_naming_the_field(self, world, held, payload, field):
        response = as_role(world, "participant").post(
            request_url(held, "rate"), {**self.PAYLOAD, **payload}, format="json"
        )
        assert response.status_code == 400 and field in response.json(), response.json()
        assert not MeetingRating.objects.exists()

    def test_rating_before_the_event_ends_is_refused(self, world, incoming):
        services.answer_request(user=world.mine.person, request=incoming, accept=True)
        response = as_role(world, "participant").post(request_url(incoming, "rate"), self.PAYLOAD)
        assert response.status_code == 400 and "round" in response.json()

    def test_only_accepted_meetings_are_rated(self, world, incoming):
        end_event(world.event)
        response = as_role(world, "participant").post(request_url(incoming, "rate"), self.PAYLOAD)
        assert response.status_code == 400 and "request" in response.json()
