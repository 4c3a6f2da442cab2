"""Organisers create and edit events: permissions, dates, session windows, kind limits, status."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from clusterplatform.accounts.roles import EVENT_ORGANISER
from events import services
from events.models import Event, EventStatus, KindLimit, SessionWindow
from events.services.event_admin import TRANSITIONS

from ..factories import UserFactory, make_event, make_participant

pytestmark = pytest.mark.django_db


TZ = zoneinfo.ZoneInfo("Europe/Brussels")


def _day(offset: int = 30):
    return (timezone.now() + timedelta(days=offset)).astimezone(TZ).date()


def _at(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), TZ)


def _fields(**over) -> dict:
    day = _day()
    fields = {
        "name": "Battery Days",
        "kind": "b2b",
        "format": "onsite",
        "time_zone": "Europe/Brussels",
        "starts_at": _at(day, 8),
        "ends_at": _at(day + timedelta(days=1), 18),
        "registration_deadline": _at(day - timedelta(days=1), 23, 59),
    }
    fields.update(over)
    return fields


def _windows(day=None) -> list[tuple[datetime, datetime, str]]:
    day = day or _day()
    return [
        (_at(day, 9), _at(day, 12), "Morning"),
        (_at(day + timedelta(days=1), 14), _at(day + timedelta(days=1), 17), "Afternoon"),
    ]


def _errors(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# -- create ---------------------------------------------------------------------------------


def test_organiser_creates_a_draft_they_organise(organiser):
    event = services.create_event(
        user=organiser, fields=_fields(status="published", slug="x"), windows=_windows()
    )
    assert event.status == EventStatus.DRAFT  # status and slug are not the caller's to set
    assert event.slug == "battery-days"
    assert list(event.organisers.all()) == [organiser]
    assert [w.label for w in event.windows.all()] == ["Morning", "Afternoon"]
    again = services.create_event(user=organiser, fields=_fields())
    assert again.slug == "battery-days-2"


def test_staff_create_events(staff_user):
    assert services.create_event(user=staff_user, fields=_fields()).pk


@pytest.mark.parametrize("who", ["user", "officer", "manager"])
def test_others_cannot_create_events(request, who):
    with pytest.raises(PermissionDenied):
        services.create_event(user=request.getfixturevalue(who), fields=_fields())
    assert not Event.objects.exists()


def test_dates_are_checked_and_the_error_names_the_field(organiser):
    day = _day()
    cases = {
        "ends_at": {"ends_at": _at(day, 7)},
        "registration_deadline": {"registration_deadline": _at(day + timedelta(days=2), 9)},
        "registration_opens_at": {
            "registration_opens_at": _at(day - timedelta(days=1), 23, 59),
        },
        "time_zone": {"time_zone": "Mars/Olympus_Mons"},
        "request_expiry": {"request_expiry": timedelta(minutes=5)},
        "max_meetings": {"max_meetings": 0},
        "name": {"name": ""},
    }
    for field, over in cases.items():
        with pytest.raises(ValidationError) as excinfo:
            services.create_event(user=organiser, fields=_fields(**over))
        assert field in _errors(excinfo), (field, _errors(excinfo))
        # The constraint's message moved to its field; none is left without one.
        assert "__all__" not in _errors(excinfo)
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "windows, message",
    [
        ([(_at(_day(), 12), _at(_day(), 9), "")], "must end after it starts"),
        ([(_at(_day(), 7), _at(_day(), 9), "")], "within the event"),
        (
            [(_at(_day() + timedelta(days=1), 17), _at(_day() + timedelta(days=1), 19), "")],
            "within",
        ),
        (
            [(_at(_day(), 9), _at(_day(), 12), "A"), (_at(_day(), 11), _at(_day(), 13), "B")],
            "overlap",
        ),
        ([(_at(_day(), 9), _at(_day(), 12), "x" * 101)], "100 characters"),
        ([(None, _at(_day(), 12), "")], "start and an end"),
    ],
)
def test_bad_windows_are_refused_and_nothing_is_written(organiser, windows, message):
    with pytest.raises(ValidationError) as excinfo:
        services.create_event(user=organiser, fields=_fields(), windows=windows)
    assert message in _errors(excinfo)["windows"][0]
    assert not Event.objects.exists() and not SessionWindow.objects.exists()


def test_touching_windows_do_not_overlap_and_naive_times_are_local(organiser):
    day = _day()
    naive = datetime.combine(day, time(13, 0))
    event = services.create_event(
        user=organiser,
        fields=_fields(),
        windows=[(_at(day, 9), _at(day, 12), "A"), (_at(day, 12), naive, "B")],
    )
    assert [event.local(w.ends_at).hour for w in event.windows.all()] == [12, 13]


def test_kind_limits_are_stored_and_checked(organiser):
    event = services.create_event(
        user=organiser, fields=_fields(), kind_limits={"investor": 4, "sme": None}
    )
    assert list(event.kind_limits.values_list("kind", "max_meetings")) == [("investor", 4)]
    for limits in ({"astronaut": 3}, {"investor": 0.5}, {"investor": 201}, {"investor": "x"}):
        with pytest.raises(ValidationError) as excinfo:
            services.update_event(user=organiser, event=event, fields={}, kind_limits=limits)
        assert "kind_limits" in _errors(excinfo)
    services.update_event(user=organiser, event=event, fields={}, kind_limits={"rto": 2})
    assert list(KindLimit.objects.values_list("kind", "max_meetings")) == [("rto", 2)]


def test_kind_limit_lowers_a_participants_maximum(organiser):
    event = make_event(organiser=organiser, max_meetings=10)
    services.update_event(user=organiser, event=event, fields={}, kind_limits={"investor": 3})
    investor = make_participant(event, kind="investor")
    sme = make_participant(event, kind="sme")
    assert services.effective_max_meetings(investor) == 3
    assert services.effective_max_meetings(sme) == 10
    sme.max_meetings = 5
    assert services.effective_max_meetings(sme) == 5


# -- update ---------------------------------------------------------------------------------


def test_only_organisers_of_the_event_and_staff_update_it(organiser, staff_user, user):
    event = make_event(organiser=organiser)
    with pytest.raises(PermissionDenied):
        services.update_event(user=user, event=event, fields={"name": "Mine now"})
    services.update_event(user=staff_user, event=event, fields={"name": "Renamed"})
    event.refresh_from_db()
    assert event.name == "Renamed"
    assert event.slug.startswith("test-event")  # links keep working after a rename


def test_an_organiser_of_another_event_cannot_update(organiser):
    event = make_event(organiser=organiser)
    stranger = UserFactory()
    stranger.groups.add(Group.objects.get(name=EVENT_ORGANISER))
    services.create_event(user=stranger, fields=_fields())  # an organiser, of another event
    with pytest.raises(PermissionDenied):
        services.update_event(user=stranger, event=event, fields={"name": "No"})


def test_unchanged_windows_are_kept_so_availability_survives(organiser):
    event = make_event(organiser=organiser, windows=2)
    first, second = event.windows.all()
    registration = make_participant(event)
    registration.availability.set([first, second])
    keep = (first.starts_at, first.ends_at, "Renamed morning")
    moved = (second.starts_at + timedelta(hours=1), second.ends_at + timedelta(hours=1), "Later")
    services.update_event(user=organiser, event=event, fields={}, windows=[keep, moved])
    windows = list(event.windows.all())
    assert windows[0].pk == first.pk and windows[0].label == "Renamed morning"
    assert windows[1].pk != second.pk and windows[1].label == "Later"
    assert list(registration.availability.all()) == [windows[0]]
    # Without windows, the windows are left alone.
    services.update_event(user=organiser, event=event, fields={"name": "Same windows"})
    assert list(event.windows.all()) == windows


def test_a_window_with_scheduled_meetings_stays(organiser):
    from events.models import Meeting, MeetingRequest, Slot

    event = make_event(organiser=organiser, windows=2)
    first, second = event.windows.all()
    a, b = make_participant(event), make_participant(event)
    request = MeetingRequest.objects.create(event=event, sender=a, receiver=b, status="accepted")
    slot = Slot.objects.create(
        event=event,
        window=first,
        index=0,
        starts_at=first.starts_at,
        ends_at=first.starts_at + timedelta(minutes=20),
    )
    meeting = Meeting.objects.create(event=event, request=request, slot=slot, table=1)
    keep_second = [(second.starts_at, second.ends_at, second.label)]
    with pytest.raises(ValidationError) as excinfo:
        services.update_event(user=organiser, event=event, fields={}, windows=keep_second)
    assert "move or cancel them first" in _errors(excinfo)["windows"][0]
    assert event.windows.count() == 2
    # A cancelled meeting does not hold the window: it goes with it.
    Meeting.objects.filter(pk=meeting.pk).update(status="cancelled")
    services.update_event(user=organiser, event=event, fields={}, windows=keep_second)
    assert list(event.windows.all()) == [second]
    assert not Meeting.objects.exists()


def test_new_dates_must_still_hold_the_windows(organiser):
    event = make_event(organiser=organiser, windows=2)
    with pytest.raises(ValidationError) as excinfo:
        services.update_event(
            user=organiser, event=event, fields={"ends_at": event.starts_at + timedelta(hours=6)}
        )
    assert "windows" in _errors(excinfo)
    event.refresh_from_db()
    assert event.windows.count() == 2


def test_update_refuses_bad_values_naming_the_field(organiser):
    event = make_event(organiser=organiser)
    with pytest.raises(ValidationError) as excinfo:
        services.update_event(
            user=organiser, event=event, fields={"ends_at": event.starts_at - timedelta(hours=1)}
        )
    assert "ends_at" in _errors(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.update_event(user=organiser, event=event, fields={"organisers": []})
    assert "organisers" in _errors(excinfo)
    event.refresh_from_db()
    assert list(event.organisers.all()) == [organiser]


# -- status ---------------------------------------------------------------------------------

ALLOWED = [(a, b) for a, targets in TRANSITIONS.items() for b in targets]
REFUSED = [
    (a, b)
    for a in EventStatus.values
    for b in EventStatus.values
    if a != b and b not in TRANSITIONS[a]
]


@pytest.mark.parametrize("start, target", ALLOWED)
def test_every_allowed_status_transition(organiser, start, target):
    event = make_event(organiser=organiser, status=start)
    services.set_event_status(user=organiser, event=event, status=target)
    event.refresh_from_db()
    assert event.status == target


@pytest.mark.parametrize("start, target", REFUSED)
def test_every_refused_status_transition(organiser, start, target):
    event = make_event(organiser=organiser, status=start)
    with pytest.raises(ValidationError) as excinfo:
        services.set_event_status(user=organiser, event=event, status=target)
    assert "cannot become" in _errors(excinfo)["status"][0]
    event.refresh_from_db()
    assert event.status == start


def test_finished_and_cancelled_are_final():
    assert not TRANSITIONS[EventStatus.FINISHED] and not TRANSITIONS[EventStatus.CANCELLED]
    assert ("draft", "finished") in REFUSED and ("registration_closed", "draft") in REFUSED


def test_an_event_with_participants_does_not_go_back_to_draft(organiser):
    event = make_event(organiser=organiser)
    make_participant(event, status="cancelled")
    services.set_event_status(user=organiser, event=event, status="draft")
    services.set_event_status(user=organiser, event=event, status="published")
    make_participant(event, status="pending")
    with pytest.raises(ValidationError) as excinfo:
        services.set_event_status(user=organiser, event=event, status="draft")
    assert "registrations" in _errors(excinfo)["status"][0]
    event.refresh_from_db()
    assert event.status == "published"


def test_status_rules(organiser, user):
    event = make_event(organiser=organiser, status="draft", windows=0)
    info_day = make_event(organiser=organiser, status="draft", windows=0, kind="info_day")
    with pytest.raises(ValidationError) as excinfo:
        services.set_event_status(user=organiser, event=event, status="party")
    assert "status" in _errors(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.set_event_status(user=organiser, event=event, status="published")
    assert "session" in _errors(excinfo)["status"][0]
    with pytest.raises(PermissionDenied):
        services.set_event_status(user=user, event=event, status="cancelled")
    # The same status again is no change and no error.
    assert services.set_event_status(user=organiser, event=event, status="draft").status == "draft"
    services.set_event_status(user=organiser, event=info_day, status="published")
    info_day.refresh_from_db()
    assert info_day.status == "published"


@pytest.mark.django_db
def test_cancelling_an_event_calls_off_its_pending_requests(organiser):
    from events import services
    from events.models import MeetingRequest

    event = make_event(organiser=organiser)
    a, b, c = (make_participant(event) for _ in range(3))
    pending = services.send_request(user=a.person, sender=a, receiver=b)
    accepted = services.send_request(user=c.person, sender=c, receiver=a)
    services.answer_request(user=a.person, request=accepted, accept=True)
    services.set_event_status(user=organiser, event=event, status="cancelled")
    pending.refresh_from_db()
    accepted.refresh_from_db()
    assert pending.status == MeetingRequest.Status.CANCELLED
    assert accepted.status == MeetingRequest.Status.ACCEPTED  # history kept; no meeting held


@pytest.mark.django_db
def test_the_creator_always_organises_their_event(organiser):
    from events import services

    other = UserFactory()
    event = services.create_event(
        user=organiser,
        fields=_fields(organisers=[other]),
    )
    assert set(event.organisers.all()) == {organiser, other}


def test_an_event_has_its_meeting_times_as_soon_as_it_has_sessions(organiser):
    from events import services

    day = _day()
    event = services.create_event(
        user=organiser,
        fields=_fields(meeting_minutes=25, break_minutes=5),
        windows=[(_at(day, 9), _at(day, 11), "Morning")],
    )
    assert event.slots.count() == 4  # 09:00, 09:30, 10:00, 10:30
    services.update_event(user=organiser, event=event, fields={"meeting_minutes": 55})
    assert event.slots.count() == 2
