"""Organisers' pages: create and edit (time zones, sessions, limits), status changes, the
dashboard with bulk decisions, the participant CSV export and the outcomes page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from clusterplatform.accounts.models import User
from clusters.models import Organisation, Topic
from events.models import Event, MeetingRating, MeetingRequest, Registration, SessionWindow
from events.organiser_forms import wall_clock

from ..factories import UserFactory, make_event, make_participant

pytestmark = pytest.mark.django_db

CREATE = reverse("events:create")


def url(name: str, event: Event) -> str:
    return reverse(f"events:{name}", kwargs={"slug": event.slug})


def many_participants(event: Event, count: int, status: str = "approved") -> list[Registration]:
    """``count`` registrations in three bulk inserts (the factories hash a password each)."""
    start = Organisation.objects.count()
    orgs = Organisation.objects.bulk_create(
        Organisation(name=f"Bulk {start + i:03d}", slug=f"bulk-{start + i}", kind="sme",
                     status="published", country="DE")
        for i in range(count)
    )  # fmt: skip
    people = User.objects.bulk_create(
        User(email=f"bulk{start + i}@example.org", first_name="Bulk", password="!")
        for i in range(count)
    )
    return Registration.objects.bulk_create(
        Registration(event=event, organisation=o, person=p, status=status)
        for o, p in zip(orgs, people, strict=True)
    )


def form_data(**overrides) -> dict:
    """A valid create form: a two-day event in Tokyo, two sessions, an investor limit."""
    data = {
        "name": "Tokyo Matchmaking Days",
        "kind": "b2b",
        "format": "hybrid",
        "description": "Meet partners.",
        "venue": "Hall A",
        "city": "Tokyo",
        "country": "JP",
        "time_zone": "Asia/Tokyo",
        "starts_at": "2031-05-06T09:00",
        "ends_at": "2031-05-07T18:00",
        "registration_opens_at": "2031-03-01T00:00",
        "registration_deadline": "2031-05-04T23:59",
        "meeting_minutes": "25",
        "break_minutes": "5",
        "tables": "30",
        "online_meeting_url": "https://meet.example.org/{meeting}",
        "requires_approval": "on",
        "requests_need_acceptance": "on",
        "request_expiry_0": "2",
        "request_expiry_1": "days",
        "max_meetings": "10",
        "reminder_minutes": "15",
        "sectors": [],
        "organisers": "",
        "windows-TOTAL_FORMS": "3",
        "windows-INITIAL_FORMS": "0",
        "windows-MIN_NUM_FORMS": "0",
        "windows-MAX_NUM_FORMS": "50",
        "windows-0-date": "2031-05-06",
        "windows-0-starts": "09:00",
        "windows-0-ends": "12:30",
        "windows-0-label": "Day 1 morning",
        "windows-1-date": "2031-05-07",
        "windows-1-starts": "14:00",
        "windows-1-ends": "17:00",
        "windows-1-label": "Day 2 afternoon",
        "windows-2-date": "",
        "windows-2-starts": "",
        "windows-2-ends": "",
        "windows-2-label": "",
        "limits-limit_investor": "4",
    }
    data.update(overrides)
    return data


def test_create_converts_wall_clock_times_of_the_event_zone(client, organiser):
    other = UserFactory(email="co@example.org")
    client.force_login(organiser)
    response = client.post(CREATE, form_data(organisers="CO@example.org", sectors=["automotive"]))

    event = Event.objects.get()
    assert response.status_code == 302
    assert response.url == url("manage", event)
    assert event.status == "draft" and event.slug == "tokyo-matchmaking-days"
    # 09:00 in Tokyo (UTC+9) is midnight UTC.
    assert event.starts_at == datetime(2031, 5, 6, 0, 0, tzinfo=UTC)
    assert event.registration_deadline == datetime(2031, 5, 4, 14, 59, tzinfo=UTC)
    assert event.time_zone == "Asia/Tokyo" and event.country.code == "JP"
    assert event.request_expiry == timedelta(days=2)
    assert (event.meeting_minutes, event.tables, event.max_meetings) == (25, 30, 10)
    assert event.reminder_minutes == 15
    assert event.requires_approval and event.requests_need_acceptance
    assert set(event.organisers.all()) == {organiser, other}
    assert list(event.sectors.values_list("code", flat=True)) == ["automotive"]
    windows = list(event.windows.values_list("starts_at", "ends_at", "label"))
    assert windows == [
        (datetime(2031, 5, 6, 0, 0, tzinfo=UTC), datetime(2031, 5, 6, 3, 30, tzinfo=UTC),
         "Day 1 morning"),
        (datetime(2031, 5, 7, 5, 0, tzinfo=UTC), datetime(2031, 5, 7, 8, 0, tzinfo=UTC),
         "Day 2 afternoon"),
    ]  # fmt: skip
    assert dict(event.kind_limits.values_list("kind", "max_meetings")) == {"investor": 4}


def test_edit_shows_times_in_the_event_zone_and_saves(client, organiser):
    event = make_event(organiser=organiser, time_zone="America/New_York", windows=1)
    client.force_login(organiser)
    response = client.get(url("edit", event))
    assert response.status_code == 200
    form = response.context["forms"].form
    local_start = wall_clock(event.starts_at, event.tz)
    assert form["starts_at"].value() == local_start
    assert f'value="{local_start:%Y-%m-%dT%H:%M}"' in response.content.decode()
    assert response.context["forms"].windows.forms[0]["starts"].value().hour == 9

    day = local_start.date()
    data = form_data(
        name="Renamed",
        time_zone="America/New_York",
        starts_at=f"{day}T08:00",
        ends_at=f"{day}T18:00",
        registration_opens_at="",
        registration_deadline=f"{day - timedelta(days=1)}T12:00",
        organisers=organiser.email,
        **{
            "windows-TOTAL_FORMS": "1",
            "windows-0-date": f"{day}",
            "windows-0-starts": "10:00",
            "windows-0-ends": "11:00",
            "windows-0-label": "Only",
            "limits-limit_investor": "",
        },
    )
    response = client.post(url("edit", event), data)
    assert response.status_code == 302, response.context["forms"].form.errors
    event.refresh_from_db()
    assert event.name == "Renamed" and event.slug != "renamed"  # the address stays
    window = event.windows.get()
    assert wall_clock(window.starts_at, event.tz).hour == 10
    assert window.label == "Only"
    assert not event.kind_limits.exists()


def test_edit_keeps_unchanged_sessions(client, organiser):
    event = make_event(organiser=organiser, windows=2)
    registration = make_participant(event)
    first = event.windows.first()
    registration.availability.add(first)
    client.force_login(organiser)
    forms = client.get(url("edit", event)).context["forms"]
    data = forms.form.initial
    # Re-post what the page shows, changing only the name.
    payload = form_data(
        name="Same sessions",
        time_zone=event.time_zone,
        starts_at=f"{wall_clock(event.starts_at, event.tz):%Y-%m-%dT%H:%M}",
        ends_at=f"{wall_clock(event.ends_at, event.tz):%Y-%m-%dT%H:%M}",
        registration_opens_at="",
        registration_deadline=f"{wall_clock(event.registration_deadline, event.tz):%Y-%m-%dT%H:%M}",
        organisers=data["organisers"],
        **{"windows-TOTAL_FORMS": "2", "windows-INITIAL_FORMS": "2", "limits-limit_investor": ""},
    )
    for i, window in enumerate(event.windows.all()):
        start, end = wall_clock(window.starts_at, event.tz), wall_clock(window.ends_at, event.tz)
        payload[f"windows-{i}-date"] = f"{start:%Y-%m-%d}"
        payload[f"windows-{i}-starts"] = f"{start:%H:%M}"
        payload[f"windows-{i}-ends"] = f"{end:%H:%M}"
        payload[f"windows-{i}-label"] = window.label
    response = client.post(url("edit", event), payload)
    assert response.status_code == 302
    assert SessionWindow.objects.filter(pk=first.pk).exists()
    assert list(registration.availability.all()) == [first]


def test_pages_need_an_organiser(client, user, organiser):
    event = make_event(organiser=organiser)
    draft = make_event(status="draft", organiser=organiser)
    pages = [
        ("get", url("edit", event)),
        ("get", url("manage", event)),
        ("get", url("export-participants", event)),
        ("get", url("outcomes", event)),
        ("post", url("status", event)),
        ("post", url("decide", event)),
    ]
    for method, address in [("get", CREATE), *pages]:
        response = getattr(client, method)(address)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    client.force_login(user)
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data()).status_code == 403
    for method, address in pages:
        assert getattr(client, method)(address).status_code == 403, address
    # A draft is not even visible to others.
    assert client.get(url("manage", draft)).status_code == 404
    assert not Event.objects.filter(name="Tokyo Matchmaking Days").exists()


def test_staff_manage_any_event(client, staff_user):
    event = make_event()
    client.force_login(staff_user)
    assert client.get(url("manage", event)).status_code == 200
    assert client.get(url("edit", event)).status_code == 200


def errors_of(response) -> dict:
    forms = response.context["forms"]
    errors = dict(forms.form.errors)
    for i, row in enumerate(forms.windows.forms):
        for name, messages in row.errors.items():
            errors[f"windows-{i}-{name}"] = messages
    errors.update({f"limits-{k}": v for k, v in forms.limits.errors.items()})
    return errors


ERRORS = [
    ({"ends_at": "2031-05-06T08:00"}, "ends_at", "must end after it starts"),
    ({"registration_deadline": "2031-05-08T09:00"}, "registration_deadline", "before the event"),
    ({"registration_opens_at": "2031-05-05T00:00"}, "registration_opens_at", "before its deadline"),
    ({"request_expiry_0": "11", "request_expiry_1": "days"}, "request_expiry", "15 minutes"),
    ({"request_expiry_0": "10", "request_expiry_1": "minutes"}, "request_expiry", "15 minutes"),
    ({"request_expiry_0": "", "request_expiry_1": "days"}, "request_expiry", "required"),
    ({"windows-1-date": "2031-05-06", "windows-1-starts": "12:00"}, "windows-1-starts", "overlaps"),
    ({"windows-1-ends": "13:00"}, "windows-1-ends", "end after it starts"),
    ({"windows-1-date": "2031-05-09"}, "windows-1-date", "within the event's dates"),
    ({"time_zone": "Mars/Olympus"}, "time_zone", "valid choice"),
    # 02:30 on the last Sunday of March does not exist in Brussels: the clocks skip it.
    ({"time_zone": "Europe/Brussels", "starts_at": "2031-03-30T02:30"}, "starts_at", "not exist"),
    ({"starts_at": "yesterday"}, "starts_at", "valid date"),
    ({"organisers": "nobody@example.org"}, "organisers", "nobody@example.org"),
    ({"limits-limit_investor": "20"}, "limits-limit_investor", "no effect"),
    ({"meeting_minutes": "2"}, "meeting_minutes", "greater than or equal to 5"),
    ({"reminder_minutes": "2000"}, "reminder_minutes", "less than or equal to 1440"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), ERRORS)
def test_form_errors_name_the_field(client, organiser, overrides, field, message):
    client.force_login(organiser)
    response = client.post(CREATE, form_data(**overrides))
    assert response.status_code == 200
    errors = errors_of(response)
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"name": "x", "windows-TOTAL_FORMS": "abc"},
        form_data(**{"windows-TOTAL_FORMS": "60"}),
        form_data(request_expiry_1="weeks"),
        form_data(**{"limits-limit_sme": "-3"}),
    ],
)
def test_tampered_or_empty_posts_are_form_errors(client, organiser, data):
    client.force_login(organiser)
    response = client.post(CREATE, data)
    assert response.status_code == 200
    forms = response.context["forms"]
    assert forms.errors_found()
    assert not Event.objects.exists()


def test_create_page_renders_in_the_default_zone(client, organiser):
    client.force_login(organiser)
    response = client.get(CREATE)
    assert response.status_code == 200
    body = response.content.decode()
    assert '<option value="Europe/Brussels" selected>' in body
    assert "All dates and times are in the event's time zone" in body


def test_service_errors_land_on_the_fields(client, organiser, monkeypatch):
    from django.core.exceptions import ValidationError

    from events import services

    def refuse(**kwargs):
        raise ValidationError({"tables": "Too many tables.", "windows": "Two sessions overlap."})

    monkeypatch.setattr(services, "create_event", refuse)
    client.force_login(organiser)
    response = client.post(CREATE, form_data())
    assert response.status_code == 200
    forms = response.context["forms"]
    assert forms.form.errors["tables"] == ["Too many tables."]
    assert list(forms.windows.non_form_errors()) == ["Two sessions overlap."]
    assert "Two sessions overlap." in response.content.decode()


def status(client, event, value):
    return client.post(url("status", event), {"status": value}, follow=True)


def test_status_transitions(client, organiser):
    event = make_event(organiser=organiser, status="draft", windows=0)
    client.force_login(organiser)

    response = status(client, event, "published")
    assert "Add at least one meeting session before publishing." in response.content.decode()
    event.refresh_from_db()
    assert event.status == "draft"

    SessionWindow.objects.create(
        event=event, starts_at=event.starts_at, ends_at=event.starts_at + timedelta(hours=2)
    )
    for value in ("published", "registration_closed", "published", "finished"):
        response = status(client, event, value)
        event.refresh_from_db()
        assert event.status == value
    assert "The event is now finished." in response.content.decode()

    response = status(client, event, "published")
    assert "A finished event cannot become published." in response.content.decode()
    assert status(client, event, "nonsense").status_code == 200
    event.refresh_from_db()
    assert event.status == "finished"


def test_status_buttons_follow_the_transitions(client, organiser):
    event = make_event(organiser=organiser, status="registration_closed")
    client.force_login(organiser)
    actions = client.get(url("manage", event)).context["status_actions"]
    assert [(label, final) for _value, label, _style, final in actions] == [
        ("Reopen registration", False),
        ("Mark as finished", True),
        ("Cancel the event", True),
    ]


def test_dashboard_shows_figures_and_empty_states(client, organiser):
    event = make_event(organiser=organiser)
    client.force_login(organiser)
    body = client.get(url("manage", event)).content.decode()
    assert "Nobody has registered yet." in body
    assert "No meeting requests yet." in body

    a, b = make_participant(event, country="DE"), make_participant(event, status="pending")
    MeetingRequest.objects.create(event=event, sender=a, receiver=b, status="accepted")
    response = client.get(url("manage", event))
    figures = response.context["figures"]
    assert figures["registration_total"] == 2
    assert figures["requests"]["accepted"] == 1
    body = response.content.decode()
    assert a.organisation.name in body and b.person.email in body
    assert "<svg" in body and "<script" not in body.split("<main")[1]


@pytest.mark.parametrize("count", [3, 30])
def test_dashboard_query_count_is_constant(client, organiser, django_assert_max_num_queries, count):
    event = make_event(organiser=organiser)
    many_participants(event, count // 2)
    many_participants(event, count - count // 2, status="pending")
    client.force_login(organiser)
    # session, user, event, organiser check, 7 figures, sector choices (2), count, page
    with django_assert_max_num_queries(14):
        response = client.get(url("manage", event), {"status": ["approved", "pending"]})
    assert len(response.context["page"].object_list) == count


def test_registrations_table_filters_and_paginates_by_50(client, organiser):
    event = make_event(organiser=organiser)
    many_participants(event, 52, status="pending")
    many_participants(event, 1)
    client.force_login(organiser)
    response = client.get(url("manage", event), {"status": "pending", "page": 2})
    page = response.context["page"]
    assert page.paginator.count == 52 and len(page.object_list) == 2
    assert response.context["querystring"] == "status=pending"
    response = client.get(url("manage", event), {"status": "nonsense"})
    assert "status" in response.context["filter"].form.errors
    assert response.context["page"].paginator.count == 0


def test_bulk_approve_sends_each_mail_once(client, organiser, django_capture_on_commit_callbacks):
    event = make_event(organiser=organiser, requires_approval=True)
    pending = [make_participant(event, status="pending") for _ in range(3)]
    approved = make_participant(event)
    cancelled = make_participant(event, status="cancelled")
    client.force_login(organiser)
    ids = [r.pk for r in (*pending, approved, cancelled)]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("decide", event),
            {"action": "approve", "registrations": ids, "querystring": "status=pending"},
        )
    assert response.status_code == 302
    assert response.url == url("manage", event) + "?status=pending#registrations"
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.person.email for r in pending)
    assert Registration.objects.filter(event=event, status="approved").count() == 4
    assert Registration.objects.get(pk=cancelled.pk).status == "cancelled"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["3 registrations approved. Each participant gets an e-mail."]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("decide", event), {"action": "approve", "registrations": ids})
    assert len(mail.outbox) == 3  # nobody is told twice


def test_bulk_reject_closes_requests(client, organiser):
    event = make_event(organiser=organiser)
    a, b = make_participant(event), make_participant(event)
    request = MeetingRequest.objects.create(event=event, sender=a, receiver=b)
    client.force_login(organiser)
    response = client.post(
        url("decide", event), {"action": "reject", "registrations": [a.pk]}, follow=True
    )
    assert "1 registration rejected." in response.content.decode()
    request.refresh_from_db()
    assert request.status == "cancelled"
    assert Registration.objects.get(pk=a.pk).status == "rejected"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "approve"}, "Choose at least one registration."),
        ({"action": "approve", "registrations": ["x"]}, "not valid"),
        ({"action": "delete", "registrations": ["1"]}, "Approve selected"),
    ],
)
def test_bulk_decision_errors_are_messages(client, organiser, data, message):
    event = make_event(organiser=organiser)
    client.force_login(organiser)
    response = client.post(url("decide", event), data, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_bulk_decision_refuses_registrations_of_another_event(client, organiser):
    event, other = make_event(organiser=organiser), make_event()
    stranger = make_participant(other, status="pending")
    client.force_login(organiser)
    response = client.post(
        url("decide", event), {"action": "approve", "registrations": [stranger.pk]}, follow=True
    )
    assert "not of this event" in response.content.decode()
    assert Registration.objects.get(pk=stranger.pk).status == "pending"


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def test_csv_export_content(client, organiser):
    event = make_event(organiser=organiser, max_meetings=10)
    event.kind_limits.create(kind="investor", max_meetings=4)
    window = event.windows.first()
    a = make_participant(event, name="Alpha Optics", country="DE")
    a.person.first_name, a.person.last_name = "Ada", "Lovelace"
    a.person.save()
    a.availability.add(window)
    b = make_participant(event, status="pending", kind="investor", name="=Beta Capital")
    c = make_participant(event, status="cancelled", name="Gamma Labs")
    MeetingRequest.objects.create(event=event, sender=a, receiver=b, status="accepted")
    MeetingRequest.objects.create(event=event, sender=c, receiver=a, status="declined")
    client.force_login(organiser)

    response = client.get(url("export-participants", event))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="{event.slug}-participants.csv"' in response["Content-Disposition"]
    header, *rows = read_csv(response)
    assert header == [
        "Organisation", "Kind", "Country", "Person", "E-mail", "Status",
        "Registered at (Europe/Brussels)", "Availability", "Max meetings",
        "Meetings accepted", "Topics",
    ]  # fmt: skip
    by_org = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_org) == {"Alpha Optics", "'=Beta Capital", "Gamma Labs"}  # formula defused
    alpha = by_org["Alpha Optics"]
    assert alpha["Person"] == "Ada Lovelace" and alpha["E-mail"] == a.person.email
    assert alpha["Country"] == "Germany" and alpha["Status"] == "Approved"
    assert alpha["Availability"].startswith("Day 1 morning (")
    assert alpha["Max meetings"] == "10" and alpha["Meetings accepted"] == "1"
    local = event.local(Registration.objects.get(pk=a.pk).created_at)
    assert alpha["Registered at (Europe/Brussels)"] == f"{local:%Y-%m-%d %H:%M}"
    beta = by_org["'=Beta Capital"]
    assert beta["Status"] == "Pending approval" and beta["Kind"] == "Investor"
    assert beta["Max meetings"] == "4" and beta["Availability"] == "All sessions"
    assert by_org["Gamma Labs"]["Status"] == "Cancelled"


@pytest.mark.parametrize("count", [2, 25])
def test_csv_query_count_does_not_grow_with_rows(
    client, organiser, django_assert_max_num_queries, count
):
    event = make_event(organiser=organiser)
    event.kind_limits.create(kind="sme", max_meetings=5)
    topic = Topic.objects.create(code="lasers", name="Lasers")
    for registration in many_participants(event, count):
        registration.availability.add(*event.windows.all())
        registration.topics.add(topic)
    client.force_login(organiser)
    # session, user, event, organiser check, rows, availability, topics, kind limits
    with django_assert_max_num_queries(8):
        rows = read_csv(client.get(url("export-participants", event)))
    assert len(rows) == count + 1


def test_outcomes_page(client, organiser):
    event = make_event(organiser=organiser, status="finished")
    a, b, c = (make_participant(event) for _ in range(3))
    rated = MeetingRequest.objects.create(event=event, sender=a, receiver=b, status="accepted")
    MeetingRequest.objects.create(event=event, sender=a, receiver=c, status="accepted")
    MeetingRating.objects.create(
        request=rated, registration=a, round="after_event", took_place=True, outcome="mou",
        comment="Signed on the spot.",
    )  # fmt: skip
    client.force_login(organiser)
    response = client.get(url("outcomes", event))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures["meetings"] == 2
    assert figures["cooperation"] == {"agreements": 0, "mous": 1, "total": 1}
    assert figures["rounds"][0]["rated"] == 1
    body = response.content.decode()
    assert "Memorandum of understanding signed" in body and "Signed on the spot." in body
    assert len(response.context["rows"]) == 2
    only_rated = client.get(url("outcomes", event), {"rated": "1"})
    assert [r["meeting"].pk for r in only_rated.context["rows"]] == [rated.pk]


@pytest.mark.parametrize("count", [2, 20])
def test_outcomes_query_count_is_constant(client, organiser, django_assert_max_num_queries, count):
    event = make_event(organiser=organiser, status="finished")
    people = many_participants(event, count + 1)
    for other in people[1:]:
        request = MeetingRequest.objects.create(
            event=event, sender=people[0], receiver=other, status="accepted"
        )
        MeetingRating.objects.create(
            request=request, registration=other, round="after_event", took_place=True
        )
    client.force_login(organiser)
    # session, user, event, organiser check, 2 for the figures, count, page, ratings, + 1
    with django_assert_max_num_queries(10):
        response = client.get(url("outcomes", event), {"rated": "1"})
    assert len(response.context["rows"]) == count


def test_outcomes_empty_state(client, organiser):
    event = make_event(organiser=organiser)
    client.force_login(organiser)
    body = client.get(url("outcomes", event)).content.decode()
    assert "No meeting was accepted at this event yet." in body
