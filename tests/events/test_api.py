"""The events API: events, registrations and the marketplace, by role.

Roles: anonymous, the approved participant whose rows are under test, another approved
participant, an unrelated logged-in user, the event's organiser and staff. Hidden objects are
404s, visible but forbidden ones 403s; anonymous writes are refused as not authenticated (DRF
answers 403 while session authentication comes first in the settings, 401 if token does).
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clusterplatform.accounts.models import User
from clusters.models import Sector
from events.models import Event, MarketplaceItem, Registration

from ..factories import OrganisationFactory, make_event, make_participant

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "participant", "other_participant", "unrelated", "organiser", "staff"]
EVENTS = reverse("api:event-list")


@pytest.fixture
def world(organiser, staff_user, user):
    event = make_event(organiser=organiser, name="Hydrogen Days")
    mine = make_participant(event, name="Mine GmbH")
    other = make_participant(event, name="Other Oy")
    return SimpleNamespace(
        event=event,
        mine=mine,
        other=other,
        people={
            "anonymous": None,
            "participant": mine.person,
            "other_participant": other.person,
            "unrelated": user,
            "organiser": organiser,
            "staff": staff_user,
        },
    )


def client_for(person: User | None) -> APIClient:
    """A client for ``person``, loaded afresh (as each real request would) so permission
    caches on the user object never outlive what the test changes."""
    client = APIClient()
    if person is not None:
        client.force_authenticate(User.objects.get(pk=person.pk))
    return client


def as_role(world, role: str) -> APIClient:
    return client_for(world.people[role])


def refused(response, role: str) -> bool:
    """403 for a logged-in user; not-authenticated (401 or 403 by the settings) for anonymous."""
    if role == "anonymous":
        return (
            response.status_code in (401, 403)
            and response.data["detail"].code == "not_authenticated"
        )
    return response.status_code == 403


def event_url(event: Event, *parts: str) -> str:
    if not parts:
        return reverse("api:event-detail", args=[event.pk])
    return reverse("api:event-status", args=[event.pk])


def registrations_url(event: Event, pk: int | None = None, action: str | None = None) -> str:
    if action == "decide":
        return reverse("api:event-registration-decide", args=[event.pk])
    if pk is None:
        return reverse("api:event-registration-list", args=[event.pk])
    name = f"api:event-registration-{action or 'detail'}"
    return reverse(name, args=[event.pk, pk])


def marketplace_url(event: Event, pk: int | None = None) -> str:
    if pk is None:
        return reverse("api:marketplace-item-list", args=[event.pk])
    return reverse("api:marketplace-item-detail", args=[event.pk, pk])


def personal_data(registration: Registration) -> list[str]:
    org = registration.organisation
    return [registration.person.email, org.contact_email, org.contact_phone]


def _local(day_offset: int, hour: int) -> str:
    """A wall-clock time in Brussels in May, two years on (always UTC+02:00, CEST)."""
    year = timezone.now().year + 2
    return f"{year}-05-{4 + day_offset:02d}T{hour:02d}:00:00+02:00"


def event_payload(**overrides):
    payload = {
        "name": "Photonics B2B",
        "kind": "b2b",
        "format": "hybrid",
        "city": "Brussels",
        "country": "BE",
        "time_zone": "Europe/Brussels",
        "starts_at": _local(0, 8),
        "ends_at": _local(1, 18),
        "registration_deadline": _local(-1, 23),
        "sectors": ["automotive"],
        "windows": [
            {"starts_at": _local(0, 9), "ends_at": _local(0, 12), "label": "Morning"},
            {"starts_at": _local(1, 14), "ends_at": _local(1, 17), "label": ""},
        ],
        "kind_limits": {"investor": 6},
        "request_expiry": "P2D",
    }
    payload.update(overrides)
    return payload


# Events -------------------------------------------------------------------------------------


class TestEventReads:
    @pytest.mark.parametrize(
        ("role", "sees_draft"),
        [
            ("anonymous", False),
            ("participant", False),
            ("other_participant", False),
            ("unrelated", False),
            ("organiser", True),
            ("staff", True),
        ],
    )
    def test_list_shows_drafts_only_to_their_organisers_and_staff(self, world, role, sees_draft):
        draft = make_event(organiser=world.people["organiser"], status="draft", name="Draft Day")
        response = as_role(world, role).get(EVENTS)
        assert response.status_code == 200
        ids = [row["id"] for row in response.json()["results"]]
        assert world.event.pk in ids
        assert (draft.pk in ids) is sees_draft
        detail = as_role(world, role).get(event_url(draft))
        assert detail.status_code == (200 if sees_draft else 404)

    @pytest.mark.parametrize("role", ROLES)
    def test_anyone_reads_a_published_event_with_its_counts(self, world, role):
        MarketplaceItem.objects.create(registration=world.mine, kind="offer", title="Lasers")
        data = as_role(world, role).get(event_url(world.event)).json()
        assert data["counts"] == {
            "participants": 2,
            "organisations": 2,
            "countries": 1,
            "marketplace_items": 1,
            "meetings": 0,
        }
        # The organisers' user ids for those who manage it; the meeting link for those in it.
        assert ("organisers" in data) is (role in ("organiser", "staff"))
        assert ("online_meeting_url" in data) is (role != "unrelated" and role != "anonymous")
        mine = {"participant": world.mine, "other_participant": world.other}.get(role)
        expected = {"id": mine.pk, "status": "approved"} if mine else None
        assert data["my_registration"] == expected

    def test_times_are_utc_with_the_event_zone_alongside(self, world):
        data = APIClient().get(event_url(world.event)).json()
        assert data["time_zone"] == "Europe/Brussels"
        assert data["starts_at"].endswith("Z")
        window = world.event.windows.first()
        first = data["windows"][0]
        assert first["starts_at"] == window.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert world.event.local(window.starts_at).hour == 9  # 09:00 in Brussels
        assert data["request_expiry"] == "P3DT00H00M00S"

    def test_filters_are_the_event_filterset(self, world):
        make_event(name="Cleantech Mission", kind="mission", country="FR")
        response = APIClient().get(EVENTS, {"kind": "mission"})
        assert [row["name"] for row in response.json()["results"]] == ["Cleantech Mission"]
        assert APIClient().get(EVENTS, {"kind": "party"}).status_code == 400

    @pytest.mark.parametrize("rows", [3, 30])
    def test_list_query_count_is_constant(self, world, rows, django_assert_max_num_queries):
        for i in range(rows):
            make_participant(make_event(name=f"Event {i:02d}"))
        client = as_role(world, "organiser")
        # groups, organised events, registrations; count, page, prefetches of sectors,
        # windows, kind limits and organisers.
        with django_assert_max_num_queries(9):
            response = client.get(EVENTS, {"page_size": 50})
        data = response.json()
        assert data["count"] == rows + 1
        assert data["results"][-1]["participant_count"] == 1
        assert data["results"][-1]["counts"] is None


class TestEventWrites:
    @pytest.mark.parametrize("role", ROLES)
    def test_create_is_for_organisers_and_staff(self, world, role):
        response = as_role(world, role).post(EVENTS, event_payload(), format="json")
        if role in ("organiser", "staff"):
            assert response.status_code == 201, response.json()
            data = response.json()
            assert data["status"] == "draft"
            assert data["slug"] == "photonics-b2b"
            assert data["organisers"] == [world.people[role].pk]
            assert data["kind_limits"] == {"investor": 6}
            assert data["sectors"] == ["automotive"]
            assert data["request_expiry"] == "P2DT00H00M00S"
            # 09:00 in Brussels (+02:00) is 07:00 UTC.
            assert data["windows"][0]["starts_at"].endswith("T07:00:00Z")
            assert data["windows"][0]["label"] == "Morning"
            assert data["counts"]["participants"] == 0
        else:
            assert refused(response, role)
            assert not Event.objects.filter(name="Photonics B2B").exists()

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            (
                {"windows": [{"starts_at": _local(0, 12), "ends_at": _local(0, 9)}]},
                "windows",
            ),
            (
                {"windows": [{"starts_at": _local(3, 9), "ends_at": _local(3, 12)}]},
                "windows",
            ),
            (
                {
                    "windows": [
                        {"starts_at": _local(0, 9), "ends_at": _local(0, 12)},
                        {"starts_at": _local(0, 11), "ends_at": _local(0, 13)},
                    ]
                },
                "windows",
            ),
            ({"starts_at": _local(0, 8)[:-6]}, "starts_at"),  # no offset: ambiguous
            ({"ends_at": _local(-2, 8)}, "ends_at"),
            ({"registration_deadline": _local(3, 8)}, "registration_deadline"),
            ({"request_expiry": "00:05:00"}, "request_expiry"),
            ({"request_expiry": "P11D"}, "request_expiry"),
            ({"time_zone": "Mars/Olympus"}, "time_zone"),
            ({"kind_limits": {"dragon": 3}}, "kind_limits"),
            ({"kind_limits": {"investor": 0}}, "kind_limits"),
            ({"sectors": ["no-such-sector"]}, "sectors"),
            ({"name": ""}, "name"),
        ],
    )
    def test_bad_input_is_a_400_naming_the_field(self, world, overrides, field):
        client = as_role(world, "organiser")
        response = client.post(EVENTS, event_payload(**overrides), format="json")
        assert response.status_code == 400
        assert field in response.json(), response.json()
        assert not Event.objects.exclude(pk=world.event.pk).exists()

    @pytest.mark.parametrize(
        ("role", "code"),
        [
            ("anonymous", None),
            ("participant", 403),
            ("other_participant", 403),
            ("unrelated", 403),
            ("organiser", 200),
            ("staff", 200),
        ],
    )
    def test_partial_update_by_role(self, world, role, code):
        response = as_role(world, role).patch(
            event_url(world.event), {"venue": "Tour & Taxis"}, format="json"
        )
        world.event.refresh_from_db()
        if code == 200:
            assert response.status_code == 200, response.json()
            assert response.json()["venue"] == world.event.venue == "Tour & Taxis"
        else:
            assert refused(response, role)
            assert world.event.venue == ""

    def test_hidden_draft_is_a_404_for_writers_too(self, world):
        world.event.status = "draft"
        world.event.save()
        response = as_role(world, "unrelated").patch(event_url(world.event), {"venue": "X"})
        assert response.status_code == 404

    def test_update_replaces_windows_and_limits_and_checks_expiry(self, world):
        client = as_role(world, "organiser")
        kept = world.event.windows.first()
        day = world.event.local(kept.starts_at).date()
        windows = [
            {"starts_at": kept.starts_at.isoformat(), "ends_at": kept.ends_at.isoformat()},
            {
                "starts_at": f"{day}T14:00:00{world.event.local(kept.starts_at):%z}",
                "ends_at": f"{day}T16:00:00{world.event.local(kept.starts_at):%z}",
            },
        ]
        response = client.patch(
            event_url(world.event),
            {"windows": windows, "kind_limits": {"rto": 4}},
            format="json",
        )
        assert response.status_code == 200, response.json()
        data = response.json()
        assert data["windows"][0]["id"] == kept.pk  # unchanged windows keep ids
        assert len(data["windows"]) == 2
        assert data["kind_limits"] == {"rto": 4}
        response = client.patch(event_url(world.event), {"request_expiry": "PT10M"})
        assert response.status_code == 400 and "request_expiry" in response.json()

    def test_put_is_not_offered(self, world):
        response = as_role(world, "organiser").put(event_url(world.event), event_payload())
        assert response.status_code == 405

    @pytest.mark.parametrize("role", ROLES)
    def test_status_action_by_role(self, world, role):
        url = event_url(world.event, "status")
        response = as_role(world, role).post(url, {"status": "registration_closed"})
        world.event.refresh_from_db()
        if role in ("organiser", "staff"):
            assert response.status_code == 200
            assert response.json()["status"] == world.event.status == "registration_closed"
        else:
            assert refused(response, role)
            assert world.event.status == "published"

    def test_status_transitions_are_checked(self, world):
        client = as_role(world, "organiser")
        url = event_url(world.event, "status")
        assert client.post(url, {"status": "finished"}).status_code == 200
        response = client.post(url, {"status": "published"})
        assert response.status_code == 400 and "status" in response.json()
        response = client.post(url, {"status": "party"})
        assert response.status_code == 400 and "status" in response.json()

    def test_publishing_needs_a_session(self, world):
        draft = make_event(organiser=world.people["organiser"], status="draft", windows=0)
        response = as_role(world, "organiser").post(
            event_url(draft, "status"), {"status": "published"}
        )
        assert response.status_code == 400 and "session" in str(response.json()["status"])


# Registrations ------------------------------------------------------------------------------


class TestRegistrationList:
    @pytest.mark.parametrize(
        ("role", "code"),
        [
            ("anonymous", None),
            ("participant", 200),
            ("other_participant", 200),
            ("unrelated", 403),
            ("organiser", 200),
            ("staff", 200),
        ],
    )
    def test_list_by_role(self, world, role, code):
        pending = make_participant(world.event, status="pending", name="Pending AB")
        response = as_role(world, role).get(registrations_url(world.event))
        if code is None or code == 403:
            assert refused(response, role)
            return
        assert response.status_code == 200
        ids = {row["id"] for row in response.json()["results"]}
        assert {world.mine.pk, world.other.pk} <= ids
        # Organisers and staff see every status; participants the approved only.
        assert (pending.pk in ids) is (role in ("organiser", "staff"))

    def test_hidden_event_is_a_404(self, world):
        draft = make_event(status="draft")
        for role in ("anonymous", "participant", "unrelated"):
            assert as_role(world, role).get(registrations_url(draft)).status_code == 404
        assert as_role(world, "staff").get(registrations_url(draft)).status_code == 200

    @pytest.mark.parametrize("role", ["participant", "other_participant"])
    def test_participants_never_see_contact_data(self, world, role):
        response = as_role(world, role).get(registrations_url(world.event))
        body = response.content.decode()
        for registration in (world.mine, world.other):
            for secret in personal_data(registration):
                assert secret not in body
        row = response.json()["results"][0]
        assert row["contact"] is None and row["person_name"]
        detail = as_role(world, role).get(registrations_url(world.event, world.other.pk))
        assert world.other.person.email not in detail.content.decode()

    @pytest.mark.parametrize("role", ["organiser", "staff"])
    def test_organisers_and_staff_see_contact_data(self, world, role):
        rows = as_role(world, role).get(registrations_url(world.event)).json()["results"]
        mine = next(row for row in rows if row["id"] == world.mine.pk)
        assert mine["contact"] == {
            "person_email": world.mine.person.email,
            "organisation_email": world.mine.organisation.contact_email,
            "organisation_phone": world.mine.organisation.contact_phone,
        }

    def test_organisers_filter_by_status_and_participants_get_approved_only(self, world):
        pending = make_participant(world.event, status="pending")
        url = registrations_url(world.event)
        rows = as_role(world, "organiser").get(url, {"status": "pending"}).json()["results"]
        assert [row["id"] for row in rows] == [pending.pk]
        rows = as_role(world, "participant").get(url, {"status": "pending"}).json()["results"]
        assert rows == []
        assert as_role(world, "organiser").get(url, {"status": "nope"}).status_code == 400

    @pytest.mark.parametrize("rows", [5, 30])
    @pytest.mark.parametrize("role", ["participant", "organiser"])
    def test_query_count_is_constant(self, world, rows, role, django_assert_max_num_queries):
        for _ in range(rows - 2):
            registration = make_participant(world.event, sectors=["automotive"])
            registration.availability.set(world.event.windows.all()[:1])
        client = as_role(world, role)
        # event, rules lookups (registrations, organised events; groups unless organiser),
        # count, page, four prefetches (topics, availability, blocked slots, sectors).
        with django_assert_max_num_queries(10):
            response = client.get(registrations_url(world.event), {"page_size": 50})
        assert response.json()["count"] == rows
        assert len(response.json()["results"]) == rows


class TestRegister:
    @pytest.fixture
    def newcomer(self, world):
        """The unrelated user, with a published organisation of their own."""
        person = world.people["unrelated"]
        org = OrganisationFactory(name="Newcomer SAS", country="FR")
        OrganisationFactory.add_person(org, role="member", user=person)
        return SimpleNamespace(person=person, org=org)

    def test_register_yourself(self, world, newcomer):
        window = world.event.windows.first()
        response = client_for(newcomer.person).post(
            registrations_url(world.event),
            {
                "organisation": newcomer.org.pk,
                "availability": [window.pk],
                "max_meetings": 5,
                "topics": ["fuel cells", "Fuel cells", "electrolysers"],
                "interests": "Buying electrolysers.",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        data = response.json()
        assert data["status"] == "approved"
        assert data["organisation"]["name"] == "Newcomer SAS"
        assert data["availability"] == [window.pk]
        assert sorted(data["topics"]) == ["electrolysers", "fuel cells"]
        assert data["contact"] is None
        registration = Registration.objects.get(pk=data["id"])
        assert registration.person == newcomer.person and registration.max_meetings == 5

    def test_register_with_blocked_meeting_times(self, world, newcomer):
        from events.services.meetings import generate_slots

        slots = generate_slots(world.event)
        client = client_for(newcomer.person)
        response = client.post(
            registrations_url(world.event),
            {"organisation": newcomer.org.pk, "blocked_slots": [slots[0].pk]},
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["blocked_slots"] == [slots[0].pk]
        other = make_event(name="Elsewhere")
        foreign = generate_slots(other)[0]
        response = client.patch(
            registrations_url(world.event, response.json()["id"]),
            {"blocked_slots": [foreign.pk]},
            format="json",
        )
        assert response.status_code == 400 and "blocked_slots" in response.json()

    def test_needs_approval_makes_it_pending(self, world, newcomer):
        Event.objects.filter(pk=world.event.pk).update(requires_approval=True)
        response = client_for(newcomer.person).post(
            registrations_url(world.event), {"organisation": newcomer.org.pk}
        )
        assert response.status_code == 201 and response.json()["status"] == "pending"

    def test_anonymous_cannot_register(self, world, newcomer):
        response = APIClient().post(registrations_url(world.event), {"organisation": 1})
        assert refused(response, "anonymous")

    def test_closed_registration_in_a_non_utc_zone_names_the_deadline_there(self, newcomer):
        deadline = timezone.now() - timedelta(hours=1)
        event = make_event(time_zone="America/New_York", registration_deadline=deadline)
        response = client_for(newcomer.person).post(
            registrations_url(event), {"organisation": newcomer.org.pk}
        )
        assert response.status_code == 400
        message = str(response.json()["event"])
        assert "America/New_York" in message
        assert f"{event.local(deadline):%H:%M}" in message  # New York's clock, not UTC's
        assert not Registration.objects.filter(event=event).exists()

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"organisation": "theirs"}, "organisation"),
            ({"organisation": 999999}, "organisation"),
            ({"availability": "foreign"}, "availability"),
            ({"max_meetings": 13}, "max_meetings"),
            ({"max_meetings": 0}, "max_meetings"),
            ({"topics": "not-a-list"}, "topics"),
        ],
    )
    def test_bad_input_is_a_400_naming_the_field(self, world, newcomer, payload, field):
        payload = {"organisation": newcomer.org.pk, **payload}
        if payload["organisation"] == "theirs":
            payload["organisation"] = world.mine.organisation.pk
        if payload.get("availability") == "foreign":
            payload["availability"] = [make_event().windows.first().pk]
        response = client_for(newcomer.person).post(
            registrations_url(world.event), payload, format="json"
        )
        assert response.status_code == 400
        assert field in response.json(), response.json()
        assert not Registration.objects.filter(person=newcomer.person).exists()

    def test_registering_twice_is_a_400(self, world):
        response = as_role(world, "participant").post(
            registrations_url(world.event), {"organisation": world.mine.organisation.pk}
        )
        assert response.status_code == 400
        assert "already registered" in str(response.json()["event"])

    def test_hidden_event_is_a_404(self, world, newcomer):
        draft = make_event(status="draft")
        response = client_for(newcomer.person).post(
            registrations_url(draft), {"organisation": newcomer.org.pk}
        )
        assert response.status_code == 404


class TestRegistrationChanges:
    @pytest.mark.parametrize(
        ("role", "code"),
        [
            ("anonymous", None),
            ("participant", 200),
            ("other_participant", 403),
            ("unrelated", 404),
            ("organiser", 200),
            ("staff", 200),
        ],
    )
    def test_patch_by_role(self, world, role, code):
        window = world.event.windows.first()
        world.mine.availability.set([window])
        response = as_role(world, role).patch(
            registrations_url(world.event, world.mine.pk),
            {"interests": "Hydrogen valleys", "topics": ["storage"]},
            format="json",
        )
        world.mine.refresh_from_db()
        if code == 200:
            assert response.status_code == 200, response.json()
            assert world.mine.interests == "Hydrogen valleys"
            assert [t.name for t in world.mine.topics.all()] == ["storage"]
            # Left out: kept as it was.
            assert list(world.mine.availability.all()) == [window]
        elif code == 404:
            assert response.status_code == 404
        else:
            assert refused(response, role)
            assert world.mine.interests == ""

    def test_patch_validation_names_the_field(self, world):
        client = as_role(world, "participant")
        url = registrations_url(world.event, world.mine.pk)
        response = client.patch(url, {"max_meetings": 50}, format="json")
        assert response.status_code == 400 and "max_meetings" in response.json()
        foreign = make_event().windows.first()
        response = client.patch(url, {"availability": [foreign.pk]}, format="json")
        assert response.status_code == 400 and "availability" in response.json()

    def test_pending_registrant_reads_and_edits_only_their_own(self, world):
        pending = make_participant(world.event, status="pending")
        client = client_for(pending.person)
        assert client.get(registrations_url(world.event, pending.pk)).status_code == 200
        assert client.get(registrations_url(world.event, world.mine.pk)).status_code == 404
        assert client.get(registrations_url(world.event)).status_code == 403

    @pytest.mark.parametrize(
        ("role", "code"),
        [
            ("anonymous", None),
            ("participant", 200),
            ("other_participant", 403),
            ("unrelated", 404),
            ("organiser", 200),
            ("staff", 200),
        ],
    )
    def test_cancel_by_role(self, world, role, code):
        url = registrations_url(world.event, world.mine.pk, "cancel")
        response = as_role(world, role).post(url)
        world.mine.refresh_from_db()
        if code == 200:
            assert response.status_code == 200
            assert response.json()["status"] == world.mine.status == "cancelled"
        elif code == 404:
            assert response.status_code == 404
        else:
            assert refused(response, role)
            assert world.mine.status == "approved"

    @pytest.mark.parametrize("role", ROLES)
    def test_decide_is_for_organisers_and_staff(self, world, role):
        pending = [make_participant(world.event, status="pending") for _ in range(2)]
        response = as_role(world, role).post(
            registrations_url(world.event, action="decide"),
            {"ids": [r.pk for r in pending], "approve": True},
            format="json",
        )
        statuses = set(
            Registration.objects.filter(pk__in=[r.pk for r in pending]).values_list(
                "status", flat=True
            )
        )
        if role in ("organiser", "staff"):
            assert response.status_code == 200
            assert response.json() == {"changed": 2}
            assert statuses == {"approved"}
        else:
            assert refused(response, role)
            assert statuses == {"pending"}

    @pytest.mark.parametrize("ids", [[], "foreign", ["x"]])
    def test_decide_names_the_ids_field(self, world, ids):
        if ids == "foreign":
            ids = [make_participant(make_event(), status="pending").pk]
        response = as_role(world, "organiser").post(
            registrations_url(world.event, action="decide"),
            {"ids": ids, "approve": False},
            format="json",
        )
        assert response.status_code == 400 and "ids" in response.json()


# Marketplace --------------------------------------------------------------------------------


class TestMarketplace:
    @pytest.fixture
    def item(self, world):
        return MarketplaceItem.objects.create(
            registration=world.mine, kind="offer", title="Laser welding", description="Fast."
        )

    @pytest.mark.parametrize(
        ("role", "code"),
        [
            ("anonymous", None),
            ("participant", 200),
            ("other_participant", 200),
            ("unrelated", 403),
            ("organiser", 200),
            ("staff", 200),
        ],
    )
    def test_list_by_role(self, world, item, role, code):
        response = as_role(world, role).get(marketplace_url(world.event))
        if code != 200:
            assert refused(response, role)
            return
        rows = response.json()["results"]
        assert [row["id"] for row in rows] == [item.pk]
        assert rows[0]["organisation"]["name"] == "Mine GmbH"
        for secret in personal_data(world.mine):
            assert secret not in response.content.decode()

    def test_filters_and_hidden_event(self, world, item):
        MarketplaceItem.objects.create(registration=world.other, kind="request", title="Funding")
        client = as_role(world, "participant")
        rows = client.get(marketplace_url(world.event), {"kind": "request"}).json()["results"]
        assert [row["title"] for row in rows] == ["Funding"]
        assert client.get(marketplace_url(world.event), {"sector": "nope"}).status_code == 400
        assert client.get(marketplace_url(make_event(status="draft"))).status_code == 404

    def test_participant_posts_an_item(self, world):
        response = as_role(world, "participant").post(
            marketplace_url(world.event),
            {"kind": "cooperation", "title": "Joint pilot", "sectors": ["automotive"]},
            format="json",
        )
        assert response.status_code == 201, response.json()
        data = response.json()
        assert data["registration"] == world.mine.pk and data["sectors"] == ["automotive"]
        assert MarketplaceItem.objects.get(pk=data["id"]).registration == world.mine

    @pytest.mark.parametrize(
        ("payload", "field"),
        [({"kind": "gift", "title": "X"}, "kind"), ({"kind": "offer", "title": ""}, "title")],
    )
    def test_bad_item_is_a_400(self, world, payload, field):
        response = as_role(world, "participant").post(marketplace_url(world.event), payload)
        assert response.status_code == 400 and field in response.json()
        assert not MarketplaceItem.objects.exists()

    @pytest.mark.parametrize("role", ["anonymous", "unrelated", "organiser"])
    def test_only_participants_post(self, world, role):
        response = as_role(world, role).post(
            marketplace_url(world.event), {"kind": "offer", "title": "Spam"}
        )
        assert refused(response, role)
        assert not MarketplaceItem.objects.exists()

    @pytest.mark.parametrize(
        ("role", "code"),
        [
            ("anonymous", None),
            ("participant", 200),
            ("other_participant", 403),
            ("unrelated", 403),
            ("organiser", 200),
            ("staff", 200),
        ],
    )
    def test_edit_and_delete_by_role(self, world, item, role, code):
        client = as_role(world, role)
        url = marketplace_url(world.event, item.pk)
        response = client.patch(url, {"title": "Laser cutting"}, format="json")
        item.refresh_from_db()
        if code == 200:
            assert response.status_code == 200 and item.title == "Laser cutting"
            assert client.delete(url).status_code == 204
            assert not MarketplaceItem.objects.filter(pk=item.pk).exists()
        else:
            assert refused(response, role) and item.title == "Laser welding"
            assert refused(client.delete(url), role)
            assert MarketplaceItem.objects.filter(pk=item.pk).exists()

    @pytest.mark.parametrize("rows", [5, 30])
    def test_query_count_is_constant(self, world, rows, django_assert_max_num_queries):
        registrations = [world.mine, world.other]
        for i in range(rows):
            item = MarketplaceItem.objects.create(
                registration=registrations[i % 2], kind="offer", title=f"Item {i}"
            )
            item.sectors.set(Sector.objects.filter(code="automotive"))
        client = as_role(world, "participant")
        # event, the user's registrations, count, page, sectors, technologies.
        with django_assert_max_num_queries(6):
            response = client.get(marketplace_url(world.event), {"page_size": 50})
        assert len(response.json()["results"]) == rows
