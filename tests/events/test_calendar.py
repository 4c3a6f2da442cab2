"""The agenda as iCalendar: one VEVENT per meeting, written in the event's zone with its TZID
and VTIMEZONE, so 09:00 local stays 09:00 local across a clock change; stable UIDs, cancelled
meetings marked so, and where to go."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from events.calendar import agenda_ics, meeting_place, online_url
from events.models import Meeting, MeetingRequest, SessionWindow
from events.services import meetings

from ..factories import make_event, make_participant

pytestmark = pytest.mark.django_db

# New York moves its clocks forward on Sunday 10 March 2030; Tokyo never does.
DAYS = (datetime(2030, 3, 9).date(), datetime(2030, 3, 11).date())


def _event(organiser, zone: str, days=DAYS, **fields):
    tz = ZoneInfo(zone)
    event = make_event(
        organiser=organiser,
        windows=0,
        time_zone=zone,
        starts_at=datetime.combine(days[0], time(8), tz),
        ends_at=datetime.combine(days[-1], time(18), tz),
        registration_deadline=datetime.combine(days[0], time(8), tz) - timedelta(days=1),
        venue="Harbour Hall",
        city="Testville",
        **fields,
    )
    for day in days:
        SessionWindow.objects.create(
            event=event,
            starts_at=datetime.combine(day, time(9), tz),
            ends_at=datetime.combine(day, time(12), tz),
        )
    return event


def _agenda(organiser, event, *, online: bool = False):
    """a meets b at 09:00 on each day; returns (a, [meetings])."""
    slots = meetings.generate_slots(event)
    a = make_participant(event, name="Alpha Batteries")
    b = make_participant(event, name="Beta Cells")
    c = make_participant(event, name="Gamma Grids")
    firsts = [s for s in slots if event.local(s.starts_at).time() == time(9)]
    placed = []
    for other, slot in zip((b, c), firsts, strict=True):
        request = MeetingRequest.objects.create(
            event=event,
            sender=a,
            receiver=other,
            status="accepted",
            message="About cells",
            must_be_online=online,
        )
        table = None if online else 2
        placed.append(
            meetings.place_meeting(user=organiser, request=request, slot=slot, table=table)
        )
    return a, placed


def _parse(body: bytes) -> Calendar:
    assert body.startswith(b"BEGIN:VCALENDAR")
    return Calendar.from_ical(body)


def _feed(a):
    return Meeting.objects.filter(seats__registration=a).select_related(
        "slot", "event", "request__sender__organisation", "request__receiver__organisation"
    )


@pytest.mark.parametrize(
    ("zone", "offsets"),
    [
        ("America/New_York", (timedelta(hours=-5), timedelta(hours=-4))),
        ("Asia/Tokyo", (timedelta(hours=9), timedelta(hours=9))),
    ],
)
def test_nine_oclock_stays_nine_oclock_across_a_clock_change(organiser, zone, offsets):
    event = _event(organiser, zone)
    a, placed = _agenda(organiser, event)
    body = agenda_ics(a, _feed(a))
    calendar = _parse(body)
    items = sorted(calendar.walk("VEVENT"), key=lambda item: item.decoded("dtstart"))
    assert len(items) == 2
    for item, day, offset in zip(items, DAYS, offsets, strict=True):
        for name, clock in (("DTSTART", time(9)), ("DTEND", time(9, 20))):
            prop = item[name]
            assert prop.params["TZID"] == zone
            assert (prop.dt.date(), prop.dt.time()) == (day, clock)
            assert prop.dt.utcoffset() == offset
        assert f"DTSTART;TZID={zone}:{day:%Y%m%d}T090000".encode() in body
    # The VTIMEZONE alone (not the name looked up) gives the same offsets.
    (vtimezone,) = calendar.walk("VTIMEZONE")
    assert vtimezone["TZID"] == zone
    rules = vtimezone.to_tz(lookup_tzid=False)
    for day, offset in zip(DAYS, offsets, strict=True):
        assert datetime.combine(day, time(9), rules).utcoffset() == offset
    # And both are the moments stored in UTC.
    starts = sorted(m.slot.starts_at for m in placed)
    assert [item.decoded("dtstart") for item in items] == starts


def test_the_zone_rules_cover_events_after_2038(organiser):
    """icalendar's default VTIMEZONE stops in 2038: a summer meeting in 2040 would read as
    winter time in a calendar app that trusts the VTIMEZONE."""
    summer = (datetime(2040, 7, 2).date(),)
    event = _event(organiser, "America/New_York", days=summer)
    a, _placed = _agenda_one(organiser, event)
    (vtimezone,) = _parse(agenda_ics(a, _feed(a))).walk("VTIMEZONE")
    rules = vtimezone.to_tz(lookup_tzid=False)
    assert datetime.combine(summer[0], time(9), rules).utcoffset() == timedelta(hours=-4)


def _agenda_one(organiser, event):
    slots = meetings.generate_slots(event)
    a, b = make_participant(event), make_participant(event)
    request = MeetingRequest.objects.create(event=event, sender=a, receiver=b, status="accepted")
    return a, meetings.place_meeting(user=organiser, request=request, slot=slots[0], table=1)


def test_uids_are_stable_and_a_move_keeps_the_uid(organiser):
    event = _event(organiser, "Europe/Brussels")
    a, placed = _agenda(organiser, event)
    first = {
        str(i["UID"]): i.decoded("dtstart") for i in _parse(agenda_ics(a, _feed(a))).walk("VEVENT")
    }
    again = {
        str(i["UID"]): i.decoded("dtstart") for i in _parse(agenda_ics(a, _feed(a))).walk("VEVENT")
    }
    assert first == again and len(first) == 2
    assert all(uid.startswith("meeting-") and "@" in uid for uid in first)
    slots = meetings.generate_slots(event)
    meetings.move_meeting(user=organiser, meeting=placed[0], slot=slots[3], table=1)
    moved = {
        str(i["UID"]): i.decoded("dtstart") for i in _parse(agenda_ics(a, _feed(a))).walk("VEVENT")
    }
    assert set(moved) == set(first)
    uid = f"meeting-{placed[0].pk}@"
    (key,) = [k for k in moved if k.startswith(uid)]
    assert moved[key] == slots[3].starts_at != first[key]


def test_a_cancelled_meeting_is_sent_as_cancelled(organiser):
    event = _event(organiser, "Europe/Brussels")
    a, placed = _agenda(organiser, event)
    meetings.cancel_meeting(user=organiser, meeting=placed[1])
    # The feed lists cancelled meetings too (their seats are gone): read them by request.
    rows = Meeting.objects.filter(request__sender=a).select_related("slot", "event", "request")
    items = {str(i["UID"]).split("@")[0]: i for i in _parse(agenda_ics(a, rows)).walk("VEVENT")}
    assert items[f"meeting-{placed[0].pk}"]["STATUS"] == "CONFIRMED"
    assert items[f"meeting-{placed[1].pk}"]["STATUS"] == "CANCELLED"


def test_location_is_the_table_at_the_venue(organiser):
    event = _event(organiser, "Europe/Brussels")
    a, placed = _agenda(organiser, event)
    assert meeting_place(placed[0]) == "Table 2, Harbour Hall, Testville"
    items = _parse(agenda_ics(a, _feed(a))).walk("VEVENT")
    assert {str(i["LOCATION"]) for i in items} == {"Table 2, Harbour Hall, Testville"}
    assert {str(i["SUMMARY"]) for i in items} == {
        "Meeting with Beta Cells",
        "Meeting with Gamma Grids",
    }
    assert "About cells" in str(items[0]["DESCRIPTION"])
    assert all("URL" not in i for i in items)


def test_location_of_an_online_meeting_is_its_link(organiser):
    event = _event(
        organiser, "Europe/Brussels", online_meeting_url="https://meet.example.org/b2b-{meeting}"
    )
    a, placed = _agenda(organiser, event, online=True)
    link = f"https://meet.example.org/b2b-{placed[0].pk}"
    assert online_url(placed[0]) == link
    assert meeting_place(placed[0]) == f"Online: {link}"
    items = {str(i["UID"]).split("@")[0]: i for i in _parse(agenda_ics(a, _feed(a))).walk("VEVENT")}
    item = items[f"meeting-{placed[0].pk}"]
    assert str(item["LOCATION"]) == f"Online: {link}"
    assert str(item["URL"]) == link
    placed[0].event.online_meeting_url = ""
    assert meeting_place(placed[0]) == "Online"


def test_the_other_side_sees_their_own_counterpart(organiser):
    event = _event(organiser, "Europe/Brussels")
    _a, placed = _agenda(organiser, event)
    b = placed[0].request.receiver
    (item,) = _parse(agenda_ics(b, _feed(b))).walk("VEVENT")
    assert str(item["SUMMARY"]) == "Meeting with Alpha Batteries"


def test_an_empty_agenda_is_still_a_calendar(organiser):
    event = _event(organiser, "Europe/Brussels")
    a = make_participant(event)
    calendar = _parse(agenda_ics(a, []))
    assert calendar.walk("VEVENT") == []
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Brussels"
