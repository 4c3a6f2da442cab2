"""Participants' event pages: list, detail, registration, participants and marketplace.

Meeting requests, "my event" and ratings are in test_page_requests.py.
"""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clusters.models import Sector, Topic
from events.models import Event, MarketplaceItem, MeetingRequest, Registration

from ..factories import OrganisationFactory, UserFactory, make_event, make_participant

pytestmark = pytest.mark.django_db

LIST = reverse("events:list")


def url(name: str, event: Event, *args) -> str:
    return reverse(f"events:{name}", args=[event.slug, *args])


def html(response) -> str:
    return response.content.decode()


def past_event(**fields) -> Event:
    now = timezone.now()
    return make_event(
        starts_at=now - timedelta(days=10),
        ends_at=now - timedelta(days=9),
        registration_deadline=now - timedelta(days=12),
        windows=0,
        **fields,
    )


@pytest.fixture
def event(organiser):
    return make_event(organiser=organiser, name="Hydrogen Valley B2B")


@pytest.fixture
def alice(event) -> Registration:
    reg = make_participant(event, name="Alpha Batteries", country="DE")
    reg.interests = "Looking for recycling partners"
    reg.save()
    return reg


@pytest.fixture
def bob(event) -> Registration:
    return make_participant(event, name="Beta Hydrogen", country="FR", kind="rto")


# Event list --------------------------------------------------------------------------------


def test_list_shows_upcoming_by_default_and_past_on_its_tab(client):
    make_event(name="Future Forum")
    past_event(name="Old Forum")
    page = html(client.get(LIST))
    assert "Future Forum" in page and "Old Forum" not in page
    page = html(client.get(LIST, {"when": "past"}))
    assert "Old Forum" in page and "Future Forum" not in page
    page = html(client.get(LIST, {"when": ""}))
    assert "Old Forum" in page and "Future Forum" in page


def test_list_hides_drafts_but_not_from_their_organisers_and_staff(
    client, organiser, staff_user, user
):
    make_event(name="Secret Draft", status="draft", organiser=organiser)
    assert "Secret Draft" not in html(client.get(LIST))
    client.force_login(user)
    assert "Secret Draft" not in html(client.get(LIST))
    for viewer in (organiser, staff_user):
        client.force_login(viewer)
        assert "Secret Draft" in html(client.get(LIST))


def test_list_filters_and_names_refused_values(client):
    make_event(name="Online Pitch", format="online", kind="info_day")
    make_event(name="Onsite Meet", format="onsite")
    page = html(client.get(LIST, {"format": "online"}))
    assert "Online Pitch" in page and "Onsite Meet" not in page
    page = html(client.get(LIST, {"kind": "b2b"}))
    assert "Onsite Meet" in page and "Online Pitch" not in page
    assert "Onsite Meet" in html(client.get(LIST, {"q": "onsite"}))
    response = client.get(LIST, {"kind": "picnic", "sector": "no-such-sector"})
    assert response.status_code == 200
    page = html(response)
    assert "Some filters could not be applied" in page
    assert "<strong>kind</strong>" in page and "<strong>sector</strong>" in page
    assert "Onsite Meet" not in page


def test_list_filters_by_sector_and_country(client):
    sector = Sector.objects.order_by("code").first()
    tagged = make_event(name="Tagged Event", country="ES")
    tagged.sectors.add(sector)
    make_event(name="Plain Event", country="BE")
    page = html(client.get(LIST, {"sector": sector.code}))
    assert "Tagged Event" in page and "Plain Event" not in page
    page = html(client.get(LIST, {"country": "BE"}))
    assert "Plain Event" in page and "Tagged Event" not in page


def test_list_shows_dates_in_each_events_zone(client):
    make_event(name="Tokyo Matchmaking", time_zone="Asia/Tokyo")
    page = html(client.get(LIST))
    # make_event starts at 08:00 local time; in UTC that is 23:00 the day before.
    assert "08:00" in page and "Asia/Tokyo" in page
    assert "23:00" not in page


def test_list_empty_state(client):
    response = client.get(LIST)
    assert "No upcoming events" in html(response)
    assert not response.context["page"].object_list


@pytest.mark.parametrize("count", [5, 30])
def test_list_paginates_with_constant_queries(client, django_assert_max_num_queries, count):
    sector = Sector.objects.order_by("code").first()
    for i in range(count):
        make_event(name=f"Event {i:02d}").sectors.add(sector)
    with django_assert_max_num_queries(6):
        response = client.get(LIST)
    assert len(response.context["page"].object_list) == min(count, 25)
    assert response.context["page"].paginator.count == count


def test_list_offers_create_link_to_organisers_only(client, organiser, user):
    create = reverse("events:create")
    assert create not in html(client.get(LIST))
    client.force_login(user)
    assert create not in html(client.get(LIST))
    client.force_login(organiser)
    assert create in html(client.get(LIST))


# Event detail ------------------------------------------------------------------------------


def test_detail_for_anonymous_shows_counts_and_no_names(client, event, alice, bob):
    response = client.get(event.get_absolute_url())
    assert response.status_code == 200
    page = html(response)
    assert response.context["counts"]["participants"] == 2
    assert response.context["counts"]["countries"] == 2
    assert "Alpha Batteries" not in page and "Beta Hydrogen" not in page
    assert "Log in to register" in page
    assert not response.context["can_view_participants"]


def test_detail_of_a_draft_is_404_without_view_event(client, organiser, staff_user, user):
    draft = make_event(name="Draft Event", status="draft", organiser=organiser)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(user)
    assert client.get(draft.get_absolute_url()).status_code == 404
    for viewer in (organiser, staff_user):
        client.force_login(viewer)
        response = client.get(draft.get_absolute_url())
        assert response.status_code == 200
        assert "This event is a draft" in html(response)


def test_detail_shows_the_deadline_in_the_events_zone(client):
    tz = zoneinfo.ZoneInfo("America/New_York")
    starts = (
        (timezone.now() + timedelta(days=30))
        .astimezone(tz)
        .replace(hour=9, minute=0, second=0, microsecond=0)
    )
    deadline = (starts - timedelta(days=5)).replace(hour=17, minute=45)
    event = make_event(
        time_zone="America/New_York",
        starts_at=starts,
        ends_at=starts + timedelta(hours=8),
        registration_deadline=deadline,
        windows=0,
    )
    response = client.get(event.get_absolute_url())
    page = html(response)
    deadline_html = page.split('id="registration-deadline"')[1].split("</dd>")[0]
    assert f"{deadline:%-d %B %Y}, 17:45" in deadline_html
    assert deadline.strftime("%Z") in deadline_html  # EST or EDT
    utc = deadline.astimezone(zoneinfo.ZoneInfo("UTC"))
    assert f"{utc:%H:%M}" not in deadline_html
    assert "America/New_York" in page


def test_detail_says_why_registration_is_closed(client, user):
    event = make_event(registration_deadline=timezone.now() - timedelta(hours=1))
    client.force_login(user)
    response = client.get(event.get_absolute_url())
    page = html(response)
    assert "Registration closed on" in page and "(Europe/Brussels)" in page
    assert url("register", event) not in page


def test_detail_for_an_approved_participant_links_their_pages(client, event, alice):
    client.force_login(alice.person)
    page = html(client.get(event.get_absolute_url()))
    assert "You are registered for" in page and "Alpha Batteries" in page
    for name in ("my-event", "participants", "marketplace"):
        assert url(name, event) in page


def test_detail_for_a_pending_participant_hides_participants(client, event):
    pending = make_participant(event, status="pending")
    client.force_login(pending.person)
    page = html(client.get(event.get_absolute_url()))
    assert "Pending approval" in page and "you cannot see the participants" in page
    assert 'class="button secondary outline">Participants' not in page


def test_detail_links_organisers_to_their_pages(client, event, organiser, user):
    client.force_login(organiser)
    response = client.get(event.get_absolute_url())
    assert response.context["can_change"] and response.context["can_manage"]
    assert url("participants", event) in html(response)
    assert url("manage", event) in html(response) and url("edit", event) in html(response)
    client.force_login(user)
    response = client.get(event.get_absolute_url())
    assert not response.context["can_change"] and not response.context["can_manage"]
    assert url("manage", event) not in html(response)


# Registration ------------------------------------------------------------------------------


@pytest.fixture
def member(db):
    """A user who manages a published organisation and one draft."""
    person = UserFactory(first_name="Mia", last_name="Member")
    OrganisationFactory.add_person(OrganisationFactory(name="Gamma Labs"), user=person)
    OrganisationFactory.add_person(
        OrganisationFactory(name="Draft Works", status="draft"), user=person
    )
    return person


def test_register_requires_login(client, event):
    response = client.get(url("register", event))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_register_happy_path(client, event, member):
    client.force_login(member)
    response = client.get(url("register", event))
    page = html(response)
    orgs = [o.name for o in response.context["form"].fields["organisation"].queryset]
    assert orgs == ["Gamma Labs"]  # the draft is not offered
    assert "Day 1 morning" in page and "09:00 to 12:00" in page and "Europe/Brussels" in page
    window = event.windows.first()
    response = client.post(
        url("register", event),
        {
            "organisation": response.context["form"].fields["organisation"].queryset[0].pk,
            "availability": [window.pk],
            "max_meetings": "5",
            "topics": "fuel cells, Electrolysers",
            "interests": "Hydrogen buses",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("my-event", event)
    registration = Registration.objects.get(event=event, person=member)
    assert registration.status == "approved"
    assert registration.max_meetings == 5
    assert list(registration.availability.all()) == [window]
    assert sorted(t.name for t in registration.topics.all()) == ["Electrolysers", "fuel cells"]
    page = html(client.get(url("my-event", event)))
    assert "Hydrogen buses" in page and "Up to 5" in page


def test_register_says_which_meeting_times_one_cannot_make(client, event, member):
    from events.services.meetings import generate_slots

    slots = generate_slots(event)
    client.force_login(member)
    response = client.get(url("register", event))
    assert "Meeting times you cannot make" in html(response)
    org = response.context["form"].fields["organisation"].queryset[0]
    response = client.post(
        url("register", event), {"organisation": org.pk, "blocked_slots": [slots[0].pk]}
    )
    assert response.status_code == 302
    registration = Registration.objects.get(event=event, person=member)
    assert list(registration.blocked_slots.all()) == [slots[0]]


def test_register_with_approval_is_pending(client, member):
    event = make_event(requires_approval=True)
    client.force_login(member)
    org = OrganisationFactory._meta.model.objects.get(name="Gamma Labs")
    response = client.post(url("register", event), {"organisation": org.pk}, follow=True)
    assert "the organisers approve each registration" in html(response)
    assert Registration.objects.get(person=member).status == "pending"


def test_register_when_closed_says_why_and_writes_nothing(client, member):
    event = make_event(registration_deadline=timezone.now() - timedelta(minutes=5))
    client.force_login(member)
    response = client.get(url("register", event))
    assert "Registration closed on" in html(response)
    assert "form" not in response.context
    org = OrganisationFactory._meta.model.objects.get(name="Gamma Labs")
    response = client.post(url("register", event), {"organisation": org.pk})
    assert response.status_code == 200
    assert "Registration closed on" in html(response)
    assert not Registration.objects.exists()


def test_register_not_yet_open_shows_opening_in_events_zone(client, member):
    opens = timezone.now() + timedelta(days=2)
    event = make_event(time_zone="Asia/Tokyo", registration_opens_at=opens)
    client.force_login(member)
    page = html(client.get(url("register", event)))
    assert f"{event.local(opens):%d %B %Y at %H:%M} (Asia/Tokyo)" in page


def test_register_form_errors_name_the_field(client, event, member):
    client.force_login(member)
    stranger_org = OrganisationFactory(name="Not Mine")
    response = client.post(
        url("register", event),
        {"organisation": stranger_org.pk, "max_meetings": "999", "topics": "x" * 90},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"organisation", "max_meetings", "topics"}
    page = html(response)
    assert f"Most meetings you want: Choose at most {event.max_meetings} meetings." in page
    assert "On behalf of:" in page
    assert not Registration.objects.exists()


def test_register_service_error_lands_on_the_form(client, event, member):
    """A rule only the service knows (a registration the organisers rejected) is shown."""
    org = OrganisationFactory._meta.model.objects.get(name="Gamma Labs")
    Registration.objects.create(event=event, person=member, organisation=org, status="rejected")
    client.force_login(member)
    response = client.get(url("register", event))
    assert "The organisers declined your registration." in html(response)


def test_register_without_organisation_explains_how(client, event, user):
    client.force_login(user)
    response = client.get(url("register", event))
    page = html(response)
    assert "You need a published organisation first" in page
    assert reverse("clusters:organisation-create") in page


def test_edit_registration_updates_it(client, event, alice):
    client.force_login(alice.person)
    response = client.get(url("register", event))
    form = response.context["form"]
    assert form.fields["organisation"].disabled
    assert form.initial["interests"] == "Looking for recycling partners"
    window = event.windows.last()
    response = client.post(
        url("register", event),
        {"availability": [window.pk], "interests": "Now: electrolysers", "topics": "PEM"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.interests == "Now: electrolysers"
    assert list(alice.availability.all()) == [window]
    assert Topic.objects.filter(name="PEM").exists()


def test_cancel_registration(client, event, alice, bob):
    MeetingRequest.objects.create(event=event, sender=alice, receiver=bob)
    client.force_login(alice.person)
    assert "Cancel my registration" in html(client.get(url("register", event)))
    assert client.get(url("cancel-registration", event)).status_code == 405
    response = client.post(url("cancel-registration", event), follow=True)
    assert "Your registration is cancelled" in html(response)
    alice.refresh_from_db()
    assert alice.status == "cancelled"
    assert MeetingRequest.objects.get().status == "cancelled"
    # Registering again is possible while registration is open.
    assert "form" in client.get(url("register", event)).context


# Participants ------------------------------------------------------------------------------


def test_participants_are_only_for_participants_organisers_and_staff(
    client, event, alice, bob, organiser, staff_user, user
):
    participants = url("participants", event)
    response = client.get(participants)
    assert response.status_code == 403
    page = html(response)
    assert "Alpha Batteries" not in page and "Beta Hydrogen" not in page
    assert response.context["counts"]["participants"] == 2
    assert "Log in" in page
    client.force_login(user)
    response = client.get(participants)
    assert response.status_code == 403 and "Register to take part" in html(response)
    pending = make_participant(event, status="pending")
    client.force_login(pending.person)
    response = client.get(participants)
    assert response.status_code == 403 and "awaits the organisers' approval" in html(response)
    for viewer in (alice.person, organiser, staff_user):
        client.force_login(viewer)
        response = client.get(participants)
        assert response.status_code == 200
        page = html(response)
        assert "Alpha Batteries" in page and "Beta Hydrogen" in page
        assert pending.organisation.name not in page


def test_participant_rows_show_name_but_no_contact_data(
    client, event, alice, bob, organiser, staff_user
):
    for viewer in (None, alice.person, organiser, staff_user):
        if viewer:
            client.force_login(viewer)
        else:
            client.logout()
        for name in ("participants", "marketplace", "detail"):
            page = html(client.get(url(name, event)))
            for reg in (alice, bob):
                if reg.person != viewer:  # the nav shows the viewer's own address
                    assert reg.person.email not in page
                assert reg.organisation.contact_email not in page
                assert reg.organisation.contact_phone not in page
    client.force_login(bob.person)
    page = html(client.get(url("participants", event)))
    assert alice.person.get_full_name() in page
    assert alice.organisation.get_absolute_url() in page
    assert "Looking for recycling partners" in page


def test_participants_filters(client, event, alice, bob):
    client.force_login(alice.person)
    page = html(client.get(url("participants", event), {"kind": "rto"}))
    assert "Beta Hydrogen" in page and "Alpha Batteries" not in page
    page = html(client.get(url("participants", event), {"country": "DE"}))
    assert "Alpha Batteries" in page and "Beta Hydrogen" not in page
    page = html(client.get(url("participants", event), {"q": "recycling"}))
    assert "Alpha Batteries" in page and "Beta Hydrogen" not in page
    response = client.get(url("participants", event), {"country": "XX"})
    assert "<strong>country</strong>" in html(response)
    assert not response.context["page"].object_list
    assert "No participants match" in html(client.get(url("participants", event), {"q": "zzz"}))


def test_participant_request_buttons_follow_open_requests(client, event, alice, bob):
    carol = make_participant(event, name="Carol Cells")
    dave = make_participant(event, name="Dave Drives")
    colleague = make_participant(event)
    colleague.organisation = alice.organisation
    colleague.save()
    MeetingRequest.objects.create(event=event, sender=alice, receiver=bob)
    MeetingRequest.objects.create(event=event, sender=carol, receiver=alice)
    MeetingRequest.objects.create(event=event, sender=alice, receiver=dave, status="accepted")
    client.force_login(alice.person)
    response = client.get(url("participants", event))
    page = html(response)

    def row(reg):
        return page.split(f'id="participant-{reg.pk}"')[1].split("</li>")[0]

    assert "Request sent: waiting for their answer" in row(bob)
    assert "They asked you: answer" in row(carol)
    assert "Meeting accepted" in row(dave)
    assert "Your organisation" in row(colleague)
    assert ">You<" in row(alice)
    free = make_participant(event, name="Eve Energy")
    page = html(client.get(url("participants", event)))
    assert url("request-send", event, free.pk) in page


@pytest.mark.parametrize("count", [5, 30])
def test_participants_query_count_is_constant(
    client, event, alice, django_assert_max_num_queries, count
):
    sectors = list(Sector.objects.order_by("code")[:2])
    topic = Topic.objects.create(code="hydrogen", name="Hydrogen")
    for _ in range(count):
        reg = make_participant(event)
        reg.topics.add(topic)
        reg.organisation.sectors.set(sectors)
        MeetingRequest.objects.create(event=event, sender=alice, receiver=reg)
    client.force_login(alice.person)
    with django_assert_max_num_queries(14):
        response = client.get(url("participants", event))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count + 1, 25)
    assert response.context["page"].paginator.count == count + 1


# Marketplace -------------------------------------------------------------------------------


def test_marketplace_is_only_for_participants(client, event, alice, user, organiser):
    MarketplaceItem.objects.create(registration=alice, kind="offer", title="Battery testing lab")
    response = client.get(url("marketplace", event))
    assert response.status_code == 403
    assert "Battery testing lab" not in html(response)
    assert response.context["counts"]["marketplace_items"] == 1
    client.force_login(user)
    assert client.get(url("marketplace", event)).status_code == 403
    for viewer in (alice.person, organiser):
        client.force_login(viewer)
        response = client.get(url("marketplace", event))
        assert response.status_code == 200 and "Battery testing lab" in html(response)


def test_marketplace_create_edit_delete_own_items(client, event, alice, bob):
    client.force_login(alice.person)
    assert "Nothing in the marketplace yet" in html(client.get(url("marketplace", event)))
    response = client.post(url("item-create", event), {"kind": "offer", "title": ""})
    assert "title" in response.context["form"].errors
    assert "Title:" in html(response)
    sector = Sector.objects.order_by("code").first()
    response = client.post(
        url("item-create", event),
        {"kind": "request", "title": "Need a hydrogen tank supplier", "sectors": [sector.pk]},
        follow=True,
    )
    assert "is in the marketplace" in html(response)
    item = MarketplaceItem.objects.get()
    assert item.registration == alice and list(item.sectors.all()) == [sector]
    assert url("item-edit", event, item.pk) in html(response)
    response = client.post(
        url("item-edit", event, item.pk), {"kind": "cooperation", "title": "Joint pilot"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.kind == "cooperation" and item.title == "Joint pilot"
    # Someone else may neither edit nor delete it, and sees no edit link.
    client.force_login(bob.person)
    assert url("item-edit", event, item.pk) not in html(client.get(url("marketplace", event)))
    assert client.get(url("item-edit", event, item.pk)).status_code == 403
    assert client.post(url("item-delete", event, item.pk)).status_code == 403
    assert MarketplaceItem.objects.exists()
    client.force_login(alice.person)
    response = client.post(url("item-delete", event, item.pk), follow=True)
    assert "was removed from the marketplace" in html(response)
    assert not MarketplaceItem.objects.exists()


def test_marketplace_posting_needs_an_approved_registration(client, event, user):
    pending = make_participant(event, status="pending")
    client.force_login(pending.person)
    assert client.get(url("item-create", event)).status_code == 403
    client.force_login(user)
    assert (
        client.post(url("item-create", event), {"kind": "offer", "title": "x"}).status_code == 403
    )
    assert not MarketplaceItem.objects.exists()


def test_marketplace_filters(client, event, alice, bob):
    MarketplaceItem.objects.create(registration=alice, kind="offer", title="Cell testing")
    MarketplaceItem.objects.create(registration=bob, kind="request", title="Stack supplier")
    client.force_login(alice.person)
    page = html(client.get(url("marketplace", event), {"kind": "request"}))
    assert "Stack supplier" in page and "Cell testing" not in page
    page = html(client.get(url("marketplace", event), {"country": "DE"}))
    assert "Cell testing" in page and "Stack supplier" not in page
    response = client.get(url("marketplace", event), {"technology": "nope"})
    assert "<strong>technology</strong>" in html(response)


@pytest.mark.parametrize("count", [5, 30])
def test_marketplace_query_count_is_constant(
    client, event, alice, django_assert_max_num_queries, count
):
    sector = Sector.objects.order_by("code").first()
    for i in range(count):
        reg = make_participant(event)
        item = MarketplaceItem.objects.create(registration=reg, kind="offer", title=f"Item {i}")
        item.sectors.add(sector)
    client.force_login(alice.person)
    with django_assert_max_num_queries(14):
        response = client.get(url("marketplace", event))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 25)


def test_detail_and_list_handle_a_cancelled_event(client, user):
    event = make_event(name="Called Off", status="cancelled")
    client.force_login(user)
    page = html(client.get(event.get_absolute_url()))
    assert "This event was cancelled." in page
    assert "Called Off" in html(client.get(LIST))
