"""A participant's agenda page and private calendar feed: only their own meetings, in time
order in the event's zone (Tokyo here, far from UTC), with free time, cancelled meetings
struck through, and an iCalendar feed reached by its secret token alone."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from icalendar import Calendar

from events.models import Event, Meeting, MeetingRequest, Registration, Slot
from events.services.meetings import cancel_meeting, generate_slots, place_meeting

from ..factories import UserFactory, make_event, make_participant

pytestmark = pytest.mark.django_db

DASH = "\u2013"  # between two times, as the page writes them


def html(response) -> str:
    return response.content.decode()


def agenda_url(event: Event) -> str:
    return reverse("events:agenda", args=[event.slug])


def feed_url(registration: Registration) -> str:
    return reverse("events:agenda-ics", args=[registration.feed_token])


@pytest.fixture
def event(organiser) -> Event:
    return make_event(
        organiser=organiser,
        name="Tokyo Matchmaking",
        time_zone="Asia/Tokyo",
        format="hybrid",
        tables=5,
        venue="Big Sight",
        online_meeting_url="https://meet.example.org/b2b-{meeting}",
    )


@pytest.fixture
def people(event) -> dict[str, Registration]:
    names = {"me": "Aurora Blades", "bob": "Boreal Cables", "carol": "Cirrus Labs"}
    names |= {"dave": "Delta Towers", "erin": "Eos Online"}
    return {key: make_participant(event, name=name) for key, name in names.items()}


@pytest.fixture
def slots(event) -> list[Slot]:
    return generate_slots(event)


def meet(organiser, a, b, slot, table=1, **fields) -> Meeting:
    request = MeetingRequest.objects.create(
        event=a.event, sender=a, receiver=b, status="accepted", **fields
    )
    return place_meeting(user=organiser, request=request, slot=slot, table=table)


@pytest.fixture
def agenda(organiser, people, slots) -> dict[str, Meeting]:
    """My meetings: 10:15 Boreal, 09:00 Cirrus, 09:25 Delta (cancelled), 11:30 Eos online;
    plus one between two others that is none of my business."""
    me = people["me"]
    meetings = {
        "bob": meet(organiser, people["bob"], me, slots[3], message="Export cables for Japan?"),
        "carol": meet(organiser, me, people["carol"], slots[0], table=2),
        "dave": meet(organiser, me, people["dave"], slots[1], table=3),
        "erin": meet(organiser, me, people["erin"], slots[6], table=None, must_be_online=True),
        "others": meet(organiser, people["carol"], people["dave"], slots[5], table=4),
    }
    cancel_meeting(user=organiser, meeting=meetings["dave"])
    return meetings


def test_the_agenda_lists_my_meetings_in_time_order_in_tokyo_time(
    client, event, people, agenda, slots
):
    client.force_login(people["me"].person)
    response = client.get(agenda_url(event))
    assert response.status_code == 200
    page = html(response)
    section = re.search(r'<section class="agenda".*?</section>', page, re.S).group(0)
    names = ["Cirrus Labs", "Delta Towers", "Boreal Cables", "Eos Online"]
    positions = [section.index(name) for name in names]
    assert positions == sorted(positions)
    assert "Times are in Asia/Tokyo" in section and "JST" in section
    day = slots[0].starts_at.astimezone(event.tz)
    assert day.strftime("%A") in section  # the day heading, in Tokyo's date
    carol = re.search(r'<li class="agenda-meeting" id="meeting-\d+">.*?</li>', section, re.S)
    assert f"09:00{DASH}09:20" in carol.group(0) and "Table 2" in carol.group(0)
    assert "3 meetings" in section


def test_the_agenda_shows_people_messages_tables_links_and_free_time(client, event, people, agenda):
    client.force_login(people["me"].person)
    page = html(client.get(agenda_url(event)))
    bob = re.search(rf'id="meeting-{agenda["bob"].pk}">.*?</li>', page, re.S).group(0)
    assert "Boreal Cables" in bob and people["bob"].person.get_full_name() in bob
    assert people["bob"].person.email not in page
    assert "Export cables for Japan?" in bob and "Table 1" in bob and f"10:15{DASH}10:35" in bob
    erin = re.search(rf'id="meeting-{agenda["erin"].pk}">.*?</li>', page, re.S).group(0)
    assert f"https://meet.example.org/b2b-{agenda['erin'].pk}" in erin and "Online" in erin
    dave = re.search(rf'id="meeting-{agenda["dave"].pk}">.*?</li>', page, re.S).group(0)
    assert "agenda-cancelled" in page and "<del>Delta Towers</del>" in dave
    assert "Cancelled" in dave
    free = re.findall(r'<li class="agenda-free">(.*?)</li>', page, re.S)
    # 09:20 to 10:15 (the cancelled 09:25 meeting frees it), 10:35 to 11:30: two gaps.
    assert [re.search(rf"\d\d:\d\d{DASH}\d\d:\d\d", f).group(0) for f in free] == [
        f"09:20{DASH}10:15",
        f"10:35{DASH}11:30",
    ]
    assert "Cirrus Labs</strong>" in page
    assert "data-print" in page and ">Print</button>" in page  # static/js/app.js prints
    assert f'value="http://testserver{feed_url(people["me"])}"' in page
    # Somebody else's meeting is not in my agenda.
    assert f'id="meeting-{agenda["others"].pk}"' not in page


def test_each_person_sees_their_own_agenda(client, event, people, agenda):
    client.force_login(people["bob"].person)
    page = html(client.get(agenda_url(event)))
    assert "Aurora Blades" in page
    assert "Cirrus Labs</strong>" not in page and "Eos Online" not in page
    assert feed_url(people["bob"]) in page and feed_url(people["me"]) not in page


def test_an_empty_agenda_says_so_and_counts_requests_waiting(client, event, people, organiser):
    me = people["me"]
    MeetingRequest.objects.create(event=event, sender=me, receiver=people["bob"], status="accepted")
    client.force_login(me.person)
    page = html(client.get(agenda_url(event)))
    assert "No meetings scheduled yet." in page
    assert "1 accepted request has no time yet" in page


def test_who_may_open_an_agenda(client, event, people, organiser):
    response = client.get(agenda_url(event))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(UserFactory())
    assert client.get(agenda_url(event)).status_code == 404
    client.force_login(organiser)  # organisers have no agenda of their own
    assert client.get(agenda_url(event)).status_code == 404
    pending = make_participant(event, status="pending", name="Waiting Co")
    client.force_login(pending.person)
    response = client.get(agenda_url(event))
    assert response.status_code == 403
    assert "awaits the organisers' approval" in html(response)
    assert pending.feed_token not in html(response)


def test_the_agenda_tab_is_there_for_approved_participants(client, event, people):
    client.force_login(people["me"].person)
    page = html(client.get(reverse("events:my-event", args=[event.slug])))
    assert f'href="{agenda_url(event)}"' in page
    pending = make_participant(event, status="pending", name="Waiting Co")
    client.force_login(pending.person)
    page = html(client.get(reverse("events:my-event", args=[event.slug])))
    assert f'href="{agenda_url(event)}"' not in page


@pytest.mark.parametrize("extra", [0, 5])
def test_agenda_query_count_is_constant(
    client, organiser, event, people, slots, django_assert_max_num_queries, extra
):
    me = people["me"]
    for i in range(extra):
        meet(organiser, me, make_participant(event), slots[i], table=1)
    client.force_login(me.person)
    with django_assert_max_num_queries(8):
        response = client.get(agenda_url(event))
    assert response.status_code == 200


def test_the_calendar_feed_by_token(client, event, people, agenda, slots):
    response = client.get(feed_url(people["me"]))  # no login: calendar apps cannot log in
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert 'filename="tokyo-matchmaking-agenda.ics"' in response["Content-Disposition"]
    calendar = Calendar.from_ical(response.content)
    items = {str(item["summary"]): item for item in calendar.walk("VEVENT")}
    assert set(items) == {
        "Meeting with Boreal Cables",
        "Meeting with Cirrus Labs",
        "Meeting with Delta Towers",
        "Meeting with Eos Online",
    }
    carol = items["Meeting with Cirrus Labs"]
    assert carol["dtstart"].params["TZID"] == "Asia/Tokyo"
    start = carol["dtstart"].dt
    assert (start.hour, start.minute, str(start.tzinfo)) == (9, 0, "Asia/Tokyo")
    assert start == slots[0].starts_at
    assert str(items["Meeting with Delta Towers"]["status"]) == "CANCELLED"
    assert str(carol["status"]) == "CONFIRMED"
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]


def test_the_feed_is_404_for_unknown_or_unapproved_tokens(client, event, people):
    assert client.get(reverse("events:agenda-ics", args=["not-a-token"])).status_code == 404
    pending = make_participant(event, status="pending", name="Waiting Co")
    assert client.get(feed_url(pending)).status_code == 404
    me = people["me"]
    Registration.objects.filter(pk=me.pk).update(status="cancelled")
    assert client.get(feed_url(me)).status_code == 404


def test_a_new_calendar_address_retires_the_old_one(client, event, people, agenda):
    me, bob = people["me"], people["bob"]
    old_feed, bobs_token = feed_url(me), bob.feed_token
    reset = reverse("events:agenda-feed-reset", args=[event.slug])
    client.force_login(me.person)
    assert client.get(reset).status_code == 405  # POST only
    response = client.post(reset, follow=True)
    me.refresh_from_db()
    assert me.feed_token and feed_url(me) != old_feed
    assert "the old one no longer works" in html(response)
    assert f'value="http://testserver{feed_url(me)}"' in html(response)
    client.logout()
    assert client.get(old_feed).status_code == 404
    assert client.get(feed_url(me)).status_code == 200
    bob.refresh_from_db()
    assert bob.feed_token == bobs_token  # only mine changed


def test_only_registered_people_get_a_new_calendar_address(client, event, user):
    reset = reverse("events:agenda-feed-reset", args=[event.slug])
    assert client.post(reset).status_code == 302  # log in first
    client.force_login(user)
    assert client.post(reset).status_code == 404
