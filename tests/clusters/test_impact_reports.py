"""Impact reports: the workflow per role and status, validation naming its field, periods
that never overlap, and the figures that a partnership's events add up to."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from clusters.models import ImpactReport, PartnershipMember
from clusters.partnerships.impact_reports import (
    approve_report,
    create_report,
    event_figures,
    return_report,
    submit_report,
    update_report,
)
from clusters.partnerships.services import create_partnership
from events.models import MeetingRating
from events.services import answer_request, rate_meeting, send_request
from tests.factories import OrganisationFactory, make_event, make_participant

pytestmark = pytest.mark.django_db
Status = ImpactReport.Status
Role = PartnershipMember.Role
H1 = (date(2024, 1, 1), date(2024, 6, 30))
H2 = (date(2024, 7, 1), date(2024, 12, 31))


@pytest.fixture
def partner():
    return OrganisationFactory(kind="cluster")


@pytest.fixture
def partner_manager(partner):
    """Manages a member organisation that is not the coordinator."""
    return OrganisationFactory.add_person(partner, role="manager")


@pytest.fixture
def partnership(officer, cluster, partner):
    return create_partnership(
        user=officer,
        fields={"name": "Green Bridges", "type": "escp_4i"},
        members=[(cluster, Role.COORDINATOR, None), (partner, Role.PARTNER, None)],
    )


@pytest.fixture
def report(manager, partnership):
    return create_report(
        user=manager,
        partnership=partnership,
        period_start=H1[0],
        period_end=H1[1],
        figures={"smes_reached": 40, "smes_supported": 12, "c2c_events": 2},
        notes="First half",
    )


def _set_status(report, status):
    ImpactReport.objects.filter(pk=report.pk).update(status=status)
    report.refresh_from_db()
    return report


def _user(request, who):
    return AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)


# --- create and update ----------------------------------------------------------------


def test_coordinator_manager_creates_a_draft(report):
    assert report.status == Status.DRAFT
    assert (report.smes_reached, report.smes_supported, report.c2c_events) == (40, 12, 2)
    assert report.b2b_meetings == 0  # no events: nothing rolled up
    assert report.notes == "First half"


@pytest.mark.parametrize("who", ["partner_manager", "officer", "staff_user", "user", "anonymous"])
def test_others_cannot_create(request, who, partnership):
    with pytest.raises(PermissionDenied):
        create_report(
            user=_user(request, who), partnership=partnership, period_start=H1[0], period_end=H1[1]
        )
    assert not ImpactReport.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"figures": {"smes_reached": -1}}, "smes_reached"),
        ({"figures": {"mous": -3}}, "mous"),
        ({"figures": {"b2b_meetings": "many"}}, "b2b_meetings"),
        ({"figures": {"c2c_events": 1.5}}, "c2c_events"),
        ({"figures": {"smes_reached": 5, "smes_supported": 6}}, "smes_supported"),
        ({"figures": {"visitors": 3}}, "visitors"),
        ({"period_end": date(2023, 12, 31)}, "period_end"),
        ({"period_start": None}, "period_start"),
    ],
)
def test_validation_names_the_field(manager, partnership, kwargs, field):
    arguments = {"period_start": H1[0], "period_end": H1[1], **kwargs}
    with pytest.raises(ValidationError) as exc:
        create_report(user=manager, partnership=partnership, **arguments)
    assert field in exc.value.message_dict
    assert not ImpactReport.objects.exists()


@pytest.mark.parametrize(
    "period",
    [
        H1,  # the same
        (date(2024, 6, 30), date(2024, 9, 30)),  # shares the last day
        (date(2023, 7, 1), date(2024, 1, 1)),  # shares the first day
        (date(2024, 3, 1), date(2024, 3, 31)),  # inside
        (date(2023, 1, 1), date(2025, 1, 1)),  # around
    ],
)
def test_overlapping_periods_are_refused(manager, report, period):
    with pytest.raises(ValidationError) as exc:
        create_report(
            user=manager,
            partnership=report.partnership,
            period_start=period[0],
            period_end=period[1],
        )
    assert "period_start" in exc.value.message_dict
    assert ImpactReport.objects.count() == 1


def test_adjacent_periods_and_other_partnerships_are_fine(manager, officer, report, cluster):
    create_report(
        user=manager, partnership=report.partnership, period_start=H2[0], period_end=H2[1]
    )
    other = create_partnership(
        user=officer,
        fields={"name": "Other", "type": "jci"},
        members=[(cluster, Role.COORDINATOR, None)],
    )
    create_report(user=manager, partnership=other, period_start=H1[0], period_end=H1[1])
    assert ImpactReport.objects.count() == 3


def test_update_cannot_move_a_period_onto_another(manager, report):
    second = create_report(
        user=manager, partnership=report.partnership, period_start=H2[0], period_end=H2[1]
    )
    with pytest.raises(ValidationError) as exc:
        update_report(user=manager, report=second, period_start=date(2024, 6, 1))
    assert "period_start" in exc.value.message_dict
    second.refresh_from_db()
    assert second.period_start == H2[0]
    # Its own period may change freely.
    update_report(user=manager, report=report, period_end=date(2024, 5, 31))
    report.refresh_from_db()
    assert report.period_end == date(2024, 5, 31)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the exclusion constraint exists on PostgreSQL only (migration clusters 0007); "
    "other databases rely on the services' check",
)
def test_postgresql_constraint_refuses_overlaps_written_directly(partnership):
    ImpactReport.objects.create(partnership=partnership, period_start=H1[0], period_end=H1[1])
    with pytest.raises(IntegrityError), transaction.atomic():
        ImpactReport.objects.create(
            partnership=partnership, period_start=date(2024, 6, 1), period_end=H2[1]
        )
    assert ImpactReport.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the exclusion constraint exists on PostgreSQL only (migration clusters 0007)",
)
def test_postgresql_constraint_violation_becomes_a_period_error(manager, report, monkeypatch):
    """A concurrent writer that slipped past the Python check gets the same field error."""
    from clusters.partnerships import impact_reports

    monkeypatch.setattr(impact_reports, "_validate", lambda report: None)
    with pytest.raises(ValidationError) as exc:
        create_report(
            user=manager, partnership=report.partnership, period_start=H1[0], period_end=H2[1]
        )
    assert "period_start" in exc.value.message_dict
    assert ImpactReport.objects.count() == 1


def test_manager_updates_a_draft_and_a_returned_report(manager, officer, report):
    update_report(user=manager, report=report, figures={"mous": 3}, notes="  More ")
    report.refresh_from_db()
    assert (report.mous, report.notes, report.smes_reached) == (3, "More", 40)
    submit_report(user=manager, report=report)
    return_report(user=officer, report=report, comment="Check the SMEs")
    update_report(user=manager, report=report, figures={"smes_reached": 50})
    report.refresh_from_db()
    assert report.smes_reached == 50


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED])
def test_submitted_and_approved_reports_are_not_edited(manager, report, status):
    _set_status(report, status)
    with pytest.raises(ValidationError) as exc:
        update_report(user=manager, report=report, figures={"mous": 9})
    assert "status" in exc.value.message_dict
    report.refresh_from_db()
    assert report.mous == 0


def test_update_validates_against_stored_figures(manager, report):
    with pytest.raises(ValidationError) as exc:
        update_report(user=manager, report=report, figures={"smes_reached": 11})
    assert "smes_supported" in exc.value.message_dict
    report.refresh_from_db()
    assert report.smes_reached == 40


@pytest.mark.parametrize("who", ["partner_manager", "officer", "staff_user", "user", "anonymous"])
def test_others_cannot_update_or_submit(request, who, report):
    user = _user(request, who)
    with pytest.raises(PermissionDenied):
        update_report(user=user, report=report, figures={"mous": 9})
    with pytest.raises(PermissionDenied):
        submit_report(user=user, report=report)
    report.refresh_from_db()
    assert (report.status, report.mous) == (Status.DRAFT, 0)


# --- submit, approve, return ----------------------------------------------------------


@pytest.mark.parametrize("status", [Status.DRAFT, Status.RETURNED])
def test_submit_from_draft_or_returned(manager, report, status):
    _set_status(report, status)
    submit_report(user=manager, report=report)
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    assert report.submitted_by == manager
    assert report.submitted_at is not None


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED])
def test_submit_refused_in_other_statuses(manager, report, status):
    _set_status(report, status)
    with pytest.raises(ValidationError) as exc:
        submit_report(user=manager, report=report)
    assert "status" in exc.value.message_dict


@pytest.mark.parametrize("who", ["officer", "staff_user"])
def test_officers_and_staff_approve(request, who, manager, report):
    user = request.getfixturevalue(who)
    submit_report(user=manager, report=report)
    approve_report(user=user, report=report, comment="Fine")
    report.refresh_from_db()
    assert (report.status, report.decided_by, report.officer_comment) == (
        Status.APPROVED,
        user,
        "Fine",
    )


@pytest.mark.parametrize("who", ["officer", "staff_user"])
def test_officers_and_staff_return_with_a_comment(request, who, manager, report):
    user = request.getfixturevalue(who)
    submit_report(user=manager, report=report)
    return_report(user=user, report=report, comment="  Add the MoUs ")
    report.refresh_from_db()
    assert (report.status, report.officer_comment) == (Status.RETURNED, "Add the MoUs")
    assert report.decided_at is not None


def test_return_needs_a_comment(officer, manager, report):
    submit_report(user=manager, report=report)
    with pytest.raises(ValidationError) as exc:
        return_report(user=officer, report=report, comment="   ")
    assert "officer_comment" in exc.value.message_dict
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED


@pytest.mark.parametrize("status", [Status.DRAFT, Status.RETURNED, Status.APPROVED])
def test_decisions_only_on_submitted_reports(officer, report, status):
    _set_status(report, status)
    for decide in (approve_report, return_report):
        with pytest.raises(ValidationError) as exc:
            decide(user=officer, report=report, comment="x")
        assert "status" in exc.value.message_dict
    report.refresh_from_db()
    assert report.status == status


@pytest.mark.parametrize("who", ["manager", "partner_manager", "user", "anonymous"])
def test_others_cannot_decide(request, who, manager, report):
    submit_report(user=manager, report=report)
    user = _user(request, who)
    for decide in (approve_report, return_report):
        with pytest.raises(PermissionDenied):
            decide(user=user, report=report, comment="x")
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED


# --- roll-up from events --------------------------------------------------------------


def _accepted(event, sender, receiver):
    request = send_request(user=sender.person, sender=sender, receiver=receiver)
    if request.status != "accepted":
        request = answer_request(user=receiver.person, request=request, accept=True)
    return request


@pytest.fixture
def event_with_outcomes(partnership):
    """An event of the partnership with three accepted meetings (one MoU, one agreement,
    one with no outcome), one declined request, and an unlinked event with a meeting."""
    event = make_event(partnership=partnership)
    a, b, c, d = (make_participant(event) for _ in range(4))
    after = event.ends_at + timedelta(hours=1)
    mou = _accepted(event, a, b)
    agreement = _accepted(event, a, c)
    _accepted(event, b, c)
    declined = send_request(user=d.person, sender=d, receiver=a)
    answer_request(user=a.person, request=declined, accept=False)
    rate_meeting(
        user=a.person,
        request=mou,
        round=MeetingRating.Round.AFTER_EVENT,
        took_place=True,
        outcome=MeetingRating.Outcome.MOU,
        now=after,
    )
    rate_meeting(
        user=c.person,
        request=agreement,
        round=MeetingRating.Round.AFTER_EVENT,
        took_place=True,
        outcome=MeetingRating.Outcome.AGREEMENT,
        now=after,
    )
    other = make_event()
    x, y = make_participant(other), make_participant(other)
    _accepted(other, x, y)
    return event


def _period_around(event):
    day = event.local(event.ends_at).date()
    return day - timedelta(days=30), day + timedelta(days=30)


def test_event_figures_count_meetings_and_rated_outcomes(partnership, event_with_outcomes):
    start, end = _period_around(event_with_outcomes)
    assert event_figures(partnership, start, end) == {
        "b2b_meetings": 3,
        "cooperation_cases": 2,
        "mous": 1,
    }


def test_event_figures_ignore_events_ending_outside_the_period(partnership, event_with_outcomes):
    day = event_with_outcomes.local(event_with_outcomes.ends_at).date()
    before = event_figures(partnership, day - timedelta(days=30), day - timedelta(days=1))
    assert before == {"b2b_meetings": 0, "cooperation_cases": 0, "mous": 0}
    assert event_figures(partnership, day, day)["b2b_meetings"] == 3


def test_create_report_prefills_event_figures(manager, partnership, event_with_outcomes):
    start, end = _period_around(event_with_outcomes)
    report = create_report(
        user=manager,
        partnership=partnership,
        period_start=start,
        period_end=end,
        figures={"smes_reached": 10, "mous": 4},
    )
    report.refresh_from_db()
    # Rolled up from the event, except what the coordinator typed (it takes precedence).
    assert (report.b2b_meetings, report.cooperation_cases, report.mous) == (3, 2, 4)
    assert report.smes_reached == 10


def test_a_scheduled_event_counts_its_scheduled_meetings(partnership, event_with_outcomes):
    """Once an event is scheduled, meetings held are those in the schedule (cancelled ones
    and requests left out of it do not count); unscheduled events count accepted requests."""
    from events.models import Meeting, Slot

    event = event_with_outcomes
    window = event.windows.first()
    slots = [
        Slot.objects.create(
            event=event,
            window=window,
            index=i,
            starts_at=window.starts_at + timedelta(minutes=20 * i),
            ends_at=window.starts_at + timedelta(minutes=20 * (i + 1)),
        )
        for i in range(2)
    ]
    first, second = event.meeting_requests.filter(status="accepted")[:2]
    Meeting.objects.create(event=event, request=first, slot=slots[0], table=1)
    Meeting.objects.create(
        event=event, request=second, slot=slots[1], table=1, status=Meeting.Status.CANCELLED
    )
    start, end = _period_around(event)
    assert event_figures(partnership, start, end)["b2b_meetings"] == 1


def test_event_figures_run_a_fixed_number_of_queries(
    partnership, event_with_outcomes, django_assert_max_num_queries
):
    start, end = _period_around(event_with_outcomes)
    with django_assert_max_num_queries(4):
        event_figures(partnership, start, end)
