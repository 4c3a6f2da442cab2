"""A participant's agenda as an iCalendar feed (RFC 5545), correct in the event's time zone.

Each meeting is a VEVENT with a stable UID (so calendar apps update it when it moves) and its
start and end written in the event's zone with a TZID, plus a VTIMEZONE built by icalendar
from the zone's rules; a cancelled meeting is sent as STATUS:CANCELLED so that it disappears.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import Event, Meeting, Registration

PRODID = "-//Cluster Collaboration Platform//Agenda//EN"


def meeting_place(meeting: Meeting) -> str:
    event = meeting.event
    if meeting.is_online:
        url = online_url(meeting)
        return f"Online: {url}" if url else "Online"
    venue = ", ".join(p for p in (event.venue, event.city) if p)
    return f"Table {meeting.table}" + (f", {venue}" if venue else "")


def online_url(meeting: Meeting) -> str:
    template = meeting.event.online_meeting_url
    return template.replace("{meeting}", str(meeting.pk)) if template else ""


def agenda_ics(registration: Registration, meetings: Iterable[Meeting]) -> bytes:
    """The calendar of one participant's meetings in one event."""
    from icalendar import Calendar
    from icalendar import Event as VEvent

    event: Event = registration.event
    tz = event.tz
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{event.name}: my meetings")
    calendar.add("x-wr-timezone", event.time_zone)
    host = settings.SITE_URL.split("://")[-1].split("/")[0] or "localhost"
    now = timezone.now()
    days = [event.local(event.starts_at).date(), event.local(event.ends_at).date()]
    for meeting in meetings:
        if meeting.event_id == event.pk:
            meeting.event = event  # one event object: no query per meeting for its place
        other = meeting.request.other(registration)
        item = VEvent()
        item.add("uid", f"meeting-{meeting.pk}@{host}")
        item.add("dtstamp", now)
        item.add("last-modified", meeting.updated_at)
        days.append(event.local(meeting.slot.starts_at).date())
        item.add("dtstart", timezone.localtime(meeting.slot.starts_at, tz))
        item.add("dtend", timezone.localtime(meeting.slot.ends_at, tz))
        item.add("summary", f"Meeting with {other.organisation.name}")
        item.add("location", meeting_place(meeting))
        lines = [f"{event.name}", f"With {other.organisation.name}"]
        if meeting.request.message:
            lines.append(meeting.request.message)
        item.add("description", "\n".join(lines))
        if meeting.is_online and online_url(meeting):
            item.add("url", online_url(meeting))
        cancelled = meeting.status == Meeting.Status.CANCELLED
        item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        item.add("sequence", int(meeting.updated_at.timestamp()) % 2_000_000_000)
        calendar.add_component(item)
    # The zone's rules for the days the calendar spans (icalendar's default range stops in
    # 2038 and writes every clock change since 1970).
    calendar.add_missing_timezones(
        first_date=min(days) - timedelta(days=1), last_date=max(days) + timedelta(days=2)
    )
    return calendar.to_ical()
