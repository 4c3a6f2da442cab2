"""Impact report pages per role: write, edit, submit, approve and return; the officers' queue;
the impact section of a partnership page; figures counted from the partnership's events."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from clusters.models import ImpactReport, PartnershipMember
from clusters.partnerships.impact_reports import create_report, event_figures, submit_report
from clusters.partnerships.report_forms import event_contributions, suggested_period
from clusters.partnerships.services import create_partnership, publish_partnership
from clusters.templatetags.charts import period_label
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
    return OrganisationFactory(kind="cluster", country="FR")


@pytest.fixture
def member(cluster):
    """A member (not a manager) of the coordinating cluster."""
    return OrganisationFactory.add_person(cluster, role="member")


@pytest.fixture
def partner_manager(partner):
    return OrganisationFactory.add_person(partner, role="manager")


@pytest.fixture
def partnership(officer, cluster, partner):
    p = create_partnership(
        user=officer,
        fields={"name": "Green Bridges", "type": "escp_4i", "starts_on": H1[0]},
        members=[(cluster, Role.COORDINATOR, None), (partner, Role.PARTNER, None)],
    )
    publish_partnership(user=officer, partnership=p)
    return p


@pytest.fixture
def draft(manager, partnership):
    return create_report(
        user=manager,
        partnership=partnership,
        period_start=H1[0],
        period_end=H1[1],
        figures={"smes_reached": 40, "smes_supported": 12},
    )


@pytest.fixture
def submitted(manager, draft):
    return submit_report(user=manager, report=draft)


def url(name: str, report: ImpactReport) -> str:
    return reverse(f"clusters:{name}", kwargs={"pk": report.pk})


def create_url(partnership) -> str:
    return reverse("clusters:report-create", kwargs={"slug": partnership.slug})


def detail_url(partnership) -> str:
    return reverse("clusters:partnership-detail", kwargs={"slug": partnership.slug})


def status_of(report: ImpactReport) -> str:
    report.refresh_from_db()
    return report.status


def page_messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def edit_data(**overrides) -> dict:
    data = {
        "period_start": "2024-01-01",
        "period_end": "2024-06-30",
        "smes_reached": "50",
        "smes_supported": "20",
        "b2b_meetings": "7",
        "c2c_events": "2",
        "mous": "1",
        "collaboration_projects": "0",
        "cooperation_cases": "3",
        "notes": "Good half year.",
        "action": "save",
    }
    data.update(overrides)
    return data


# --- creating a draft -----------------------------------------------------------------------


def test_coordinator_manager_creates_a_draft(client, manager, partnership):
    client.force_login(manager)
    page = client.get(create_url(partnership))
    assert page.status_code == 200
    # The first period is suggested: from the partnership's start, six months.
    assert 'value="2024-01-01"' in page.content.decode()
    assert 'value="2024-06-30"' in page.content.decode()
    response = client.post(
        create_url(partnership),
        {"period_start": "2024-01-01", "period_end": "2024-06-30", "notes": " Kick-off "},
    )
    report = ImpactReport.objects.get()
    assert response.status_code == 302 and response.url == url("report-edit", report)
    assert (report.status, report.notes, report.partnership) == (
        Status.DRAFT,
        "Kick-off",
        partnership,
    )


def test_next_suggested_period_follows_the_last_report(partnership, draft):
    assert suggested_period(partnership, [draft]) == {
        "period_start": date(2024, 7, 1),
        "period_end": date(2024, 12, 31),
    }
    partnership.ends_on = date(2024, 9, 30)
    assert suggested_period(partnership, [draft])["period_end"] == date(2024, 9, 30)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"period_start": "2024-03-01", "period_end": "2024-09-30"}, "period_start"),  # overlaps
        ({"period_start": "2024-08-01", "period_end": "2024-07-01"}, "period_end"),
        ({"period_start": "someday", "period_end": "2024-07-01"}, "period_start"),
        ({"period_start": "2024-07-01"}, "period_end"),
    ],
)
def test_refused_periods_name_the_field_and_write_nothing(client, manager, draft, data, field):
    client.force_login(manager)
    response = client.post(create_url(draft.partnership), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'class="field-error" id="id_' + field + '_error"' in response.content.decode()
    assert ImpactReport.objects.count() == 1


@pytest.mark.parametrize("who", ["member", "partner_manager", "officer", "staff_user", "user"])
def test_only_the_coordinator_manager_writes_reports(client, request, partnership, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(create_url(partnership)).status_code == 403
    response = client.post(
        create_url(partnership), {"period_start": "2024-01-01", "period_end": "2024-06-30"}
    )
    assert response.status_code == 403
    assert not ImpactReport.objects.exists()


def test_anonymous_visitors_log_in_first(client, partnership, draft):
    for target in (
        create_url(partnership),
        url("report-edit", draft),
        reverse("clusters:report-queue"),
    ):
        response = client.get(target)
        assert response.status_code == 302 and reverse("login") in response.url
    assert client.post(url("report-submit", draft)).status_code == 302
    assert status_of(draft) == Status.DRAFT


# --- editing -------------------------------------------------------------------------------------


def test_manager_edits_a_draft(client, manager, draft):
    client.force_login(manager)
    page = client.get(url("report-edit", draft))
    assert page.status_code == 200 and 'value="40"' in page.content.decode()
    response = client.post(url("report-edit", draft), edit_data())
    assert response.status_code == 302 and response.url == url("report-detail", draft)
    draft.refresh_from_db()
    assert (draft.smes_reached, draft.b2b_meetings, draft.notes) == (50, 7, "Good half year.")
    assert draft.status == Status.DRAFT


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"smes_reached": "-1"}, "smes_reached"),
        ({"mous": "many"}, "mous"),
        ({"smes_reached": "5", "smes_supported": "6"}, "smes_supported"),
        ({"period_end": "2023-12-31"}, "period_end"),
    ],
)
def test_edit_errors_name_the_field_and_change_nothing(client, manager, draft, overrides, field):
    client.force_login(manager)
    response = client.post(url("report-edit", draft), edit_data(**overrides, action="submit"))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    draft.refresh_from_db()
    assert (draft.smes_reached, draft.status) == (40, Status.DRAFT)


def test_an_overlap_found_by_the_service_names_the_period(client, manager, partnership, draft):
    other = create_report(
        user=manager, partnership=partnership, period_start=H2[0], period_end=H2[1]
    )
    client.force_login(manager)
    response = client.post(
        url("report-edit", other), edit_data(period_start="2024-06-01", period_end="2024-12-31")
    )
    assert response.status_code == 200
    assert "overlaps" in " ".join(response.context["form"].errors["period_start"])
    other.refresh_from_db()
    assert other.period_start == H2[0]


def test_save_and_submit_in_one_step(client, manager, draft):
    client.force_login(manager)
    response = client.post(url("report-edit", draft), edit_data(action="submit"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.smes_reached, draft.submitted_by) == (Status.SUBMITTED, 50, manager)


@pytest.mark.parametrize("who", ["member", "partner_manager", "officer"])
def test_others_cannot_edit(client, request, draft, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("report-edit", draft)).status_code == 403
    assert client.post(url("report-edit", draft), edit_data()).status_code == 403
    assert ImpactReport.objects.get().smes_reached == 40


def test_a_submitted_report_is_not_edited(client, manager, submitted):
    client.force_login(manager)
    response = client.post(url("report-edit", submitted), edit_data(), follow=True)
    assert response.redirect_chain[-1][0] == url("report-detail", submitted)
    assert "Only draft or returned reports can be edited." in page_messages(response)
    assert ImpactReport.objects.get().smes_reached == 40


def test_outsiders_do_not_see_drafts(client, user, draft):
    client.force_login(user)
    assert client.get(url("report-detail", draft)).status_code == 404
    assert client.get(url("report-edit", draft)).status_code == 404
    assert client.post(url("report-submit", draft)).status_code == 404


# --- transitions per role ---------------------------------------------------------------------


def test_manager_submits_and_officer_approves(client, manager, officer, draft):
    client.force_login(manager)
    response = client.post(url("report-submit", draft), follow=True)
    assert status_of(draft) == Status.SUBMITTED
    assert any("submitted" in m for m in page_messages(response))
    # Submitting again is refused with a message, not a 500.
    again = client.post(url("report-submit", draft), follow=True)
    assert again.status_code == 200
    assert "Only draft or returned reports can be submitted." in page_messages(again)
    # The coordinator cannot approve their own report.
    assert client.post(url("report-approve", draft)).status_code == 403

    client.force_login(officer)
    response = client.post(url("report-approve", draft), {"officer_comment": " Well done "})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.officer_comment, draft.decided_by) == (
        Status.APPROVED,
        "Well done",
        officer,
    )


@pytest.mark.parametrize("who", ["member", "partner_manager", "officer"])
def test_only_the_coordinator_manager_submits(client, request, draft, who):
    client.force_login(request.getfixturevalue(who))
    assert client.post(url("report-submit", draft)).status_code == 403
    assert status_of(draft) == Status.DRAFT


def test_return_needs_a_comment(client, officer, submitted):
    client.force_login(officer)
    response = client.post(url("report-return", submitted), {"officer_comment": "   "})
    assert response.status_code == 400
    assert "officer_comment" in response.context["decision_form"].errors
    page = response.content.decode()
    assert "Comment for the coordinator: Say what needs to change." in page
    assert status_of(submitted) == Status.SUBMITTED


def test_officer_returns_and_the_coordinator_corrects_and_resubmits(
    client, officer, manager, submitted
):
    client.force_login(officer)
    client.post(
        url("report-return", submitted), {"officer_comment": "Count the SMEs of the fair too."}
    )
    submitted.refresh_from_db()
    assert submitted.status == Status.RETURNED
    assert submitted.officer_comment == "Count the SMEs of the fair too."

    client.force_login(manager)
    page = client.get(url("report-edit", submitted)).content.decode()
    assert "Count the SMEs of the fair too." in page
    client.post(url("report-edit", submitted), edit_data(smes_reached="90", action="submit"))
    submitted.refresh_from_db()
    assert (submitted.status, submitted.smes_reached) == (Status.SUBMITTED, 90)


@pytest.mark.parametrize("action", ["report-approve", "report-return"])
def test_deciding_a_draft_is_refused_with_a_message(client, officer, draft, action):
    client.force_login(officer)
    response = client.post(url(action, draft), {"officer_comment": "Why?"}, follow=True)
    assert response.status_code == 200
    assert "Only submitted reports can be approved or returned." in page_messages(response)
    assert status_of(draft) == Status.DRAFT


@pytest.mark.parametrize("who", ["manager", "member", "partner_manager"])
def test_only_officers_decide(client, request, submitted, who):
    client.force_login(request.getfixturevalue(who))
    assert client.post(url("report-approve", submitted)).status_code == 403
    assert client.post(url("report-return", submitted), {"officer_comment": "x"}).status_code == 403
    assert status_of(submitted) == Status.SUBMITTED


def test_transitions_are_post_only(client, manager, officer, draft):
    client.force_login(manager)
    assert client.get(url("report-submit", draft)).status_code == 405
    client.force_login(officer)
    assert client.get(url("report-approve", draft)).status_code == 405
    assert client.get(url("report-return", draft)).status_code == 405


def test_actions_return_to_a_local_next_page_only(client, manager, partnership, draft):
    client.force_login(manager)
    response = client.post(
        url("report-submit", draft), {"next": f"{detail_url(partnership)}#impact"}
    )
    assert response.url == f"{detail_url(partnership)}#impact"
    ImpactReport.objects.filter(pk=draft.pk).update(status=Status.DRAFT)
    response = client.post(url("report-submit", draft), {"next": "https://evil.example/"})
    assert response.url == url("report-detail", draft)


# --- the detail page -----------------------------------------------------------------------------


def test_anyone_reads_an_approved_report_without_names(client, officer, submitted):
    client.force_login(officer)
    client.post(url("report-approve", submitted))
    client.logout()
    response = client.get(url("report-detail", submitted))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Approved" in page and 'data-value="40"' in page
    assert submitted.submitted_by.email not in page and officer.email not in page
    assert 'id="decision"' not in page and 'id="edit-report-link"' not in page


def test_anonymous_visitors_do_not_see_drafts(client, draft, submitted):
    assert client.get(url("report-detail", draft)).status_code == 404


def test_officer_sees_the_decision_form_on_a_submitted_report(client, officer, submitted):
    client.force_login(officer)
    page = client.get(url("report-detail", submitted)).content.decode()
    assert 'id="approve-report"' in page and 'id="return-report"' in page
    assert "waits for a programme officer" in page


def test_unknown_report_is_404(client, officer):
    client.force_login(officer)
    assert client.get(reverse("clusters:report-detail", kwargs={"pk": 999999})).status_code == 404


# --- figures counted from the partnership's events -------------------------------------------


def _accepted(sender, receiver):
    request = send_request(user=sender.person, sender=sender, receiver=receiver)
    if request.status != "accepted":
        request = answer_request(user=receiver.person, request=request, accept=True)
    return request


@pytest.fixture
def event(partnership):
    """An event of the partnership with three meetings held, one MoU and one agreement."""
    event = make_event(partnership=partnership, name="Bridges <B2B> Days")
    a, b, c = (make_participant(event) for _ in range(3))
    mou, agreement = _accepted(a, b), _accepted(a, c)
    _accepted(b, c)
    after = event.ends_at + timedelta(hours=1)
    for person, request, outcome in (
        (a, mou, MeetingRating.Outcome.MOU),
        (c, agreement, MeetingRating.Outcome.AGREEMENT),
    ):
        rate_meeting(
            user=person.person,
            request=request,
            round=MeetingRating.Round.AFTER_EVENT,
            took_place=True,
            outcome=outcome,
            now=after,
        )
    return event


def _around(event) -> tuple[date, date]:
    day = event.local(event.ends_at).date()
    return day.replace(day=1), day.replace(day=1) + timedelta(days=60)


def test_contributions_per_event_add_up_to_the_service_figures(partnership, event):
    start, end = _around(event)
    other = make_event(partnership=partnership, name="Second")
    x, y = make_participant(other), make_participant(other)
    _accepted(x, y)
    sources = event_contributions(partnership, start, end)
    assert [
        (c.event.name, c.b2b_meetings, c.cooperation_cases, c.mous) for c in sources.events
    ] == [
        ("Bridges <B2B> Days", 3, 2, 1),
        ("Second", 1, 0, 0),
    ]
    assert sources.totals == event_figures(partnership, start, end)
    assert not event_contributions(partnership, date(2000, 1, 1), date(2000, 12, 31))


def test_the_draft_shows_which_figures_came_from_events(client, manager, partnership, event):
    start, end = _around(event)
    client.force_login(manager)
    response = client.post(
        create_url(partnership),
        {"period_start": start.isoformat(), "period_end": end.isoformat()},
        follow=True,
    )
    report = ImpactReport.objects.get()
    assert (report.b2b_meetings, report.cooperation_cases, report.mous) == (3, 2, 1)
    assert any(
        "counted the B2B meetings, business cooperation cases and MoUs of this partnership's "
        "events" in m
        for m in page_messages(response)
    )
    page = response.content.decode()
    assert "Counted from the platform: 3 B2B meetings held at" in page
    assert "Bridges &lt;B2B&gt; Days" in page and "<B2B>" not in page
    assert 'id="mous-from-events"' in page and 'id="smes_reached-from-events"' not in page

    # Typing another number keeps the platform's count in view; "use the platform's counts"
    # restores it.
    client.post(
        url("report-edit", report),
        edit_data(period_start=start.isoformat(), period_end=end.isoformat(), b2b_meetings="10"),
    )
    page = client.get(url("report-edit", report)).content.decode()
    assert "The platform counts 3 (you entered 10)" in page
    client.post(
        url("report-edit", report),
        edit_data(
            period_start=start.isoformat(),
            period_end=end.isoformat(),
            b2b_meetings="10",
            action="recount",
        ),
    )
    report.refresh_from_db()
    assert (report.b2b_meetings, report.cooperation_cases, report.mous, report.smes_reached) == (
        3,
        2,
        1,
        50,
    )


# --- the officers' queue --------------------------------------------------------------------------


def _submitted_reports(manager, partnership, n: int) -> list[ImpactReport]:
    reports = []
    for i in range(n):
        start = date(2000 + i, 1, 1)
        report = create_report(
            user=manager,
            partnership=partnership,
            period_start=start,
            period_end=date(2000 + i, 12, 31),
        )
        reports.append(submit_report(user=manager, report=report))
    return reports


def test_queue_lists_submitted_reports_for_officers(client, officer, manager, partnership, draft):
    _submitted_reports(manager, partnership, 2)
    client.force_login(officer)
    response = client.get(reverse("clusters:report-queue"))
    assert response.status_code == 200
    listed = list(response.context["page"].object_list)
    assert len(listed) == 2 and all(r.status == Status.SUBMITTED for r in listed)
    assert listed[0].submitted_at <= listed[1].submitted_at
    page = response.content.decode()
    assert "Green Bridges" in page and 'data-status="submitted"' in page
    drafts = client.get(reverse("clusters:report-queue"), {"status": "draft"})
    assert [r.pk for r in drafts.context["page"].object_list] == [draft.pk]


@pytest.mark.parametrize("who", ["manager", "member", "user"])
def test_queue_is_for_officers_only(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("clusters:report-queue")).status_code == 403


def test_queue_empty_state_and_bad_status(client, officer):
    client.force_login(officer)
    response = client.get(reverse("clusters:report-queue"), {"status": "lost"})
    assert response.status_code == 200
    assert any(m.startswith("status:") for m in page_messages(response))
    assert 'id="queue-empty"' in response.content.decode()


def test_queue_paginates_with_a_constant_number_of_queries(
    client, officer, manager, partnership, django_assert_max_num_queries
):
    client.force_login(officer)
    counts = []
    for n in (3, 25):
        ImpactReport.objects.all().delete()
        _submitted_reports(manager, partnership, n)
        with django_assert_max_num_queries(8) as captured:
            response = client.get(reverse("clusters:report-queue"))
        assert len(response.context["page"].object_list) == n
        counts.append(len(captured))
    assert counts[0] == counts[1]
    ImpactReport.objects.all().delete()
    _submitted_reports(manager, partnership, 26)
    first = client.get(reverse("clusters:report-queue"))
    assert len(first.context["page"].object_list) == 25 and "page=2" in first.content.decode()
    second = client.get(reverse("clusters:report-queue"), {"page": 2})
    assert len(second.context["page"].object_list) == 1


# --- the impact section of the partnership page ---------------------------------------------


def render_impact(user, partnership, reports, *, can_submit=False, can_decide=False) -> str:
    request = RequestFactory().get(detail_url(partnership))
    request.user = user
    return render_to_string(
        "clusters/partnerships/includes/impact.html",
        {
            "partnership": partnership,
            "reports": reports,
            "can_submit": can_submit,
            "can_decide": can_decide,
        },
        request=request,
    )


def test_impact_section_without_reports(partnership, manager):
    html = render_impact(AnonymousUser(), partnership, [])
    assert 'id="no-reports"' in html and "<svg" not in html and "new-report-link" not in html
    html = render_impact(manager, partnership, [], can_submit=True)
    assert create_url(partnership) in html and 'id="new-report-link"' in html


def test_impact_section_with_several_reports(
    officer, manager, partnership, draft, django_assert_max_num_queries
):
    second = create_report(
        user=manager,
        partnership=partnership,
        period_start=H2[0],
        period_end=H2[1],
        figures={"smes_reached": 70},
    )
    submit_report(user=manager, report=second)
    second.refresh_from_db()
    approved = create_report(
        user=manager,
        partnership=partnership,
        period_start=date(2023, 1, 1),
        period_end=date(2023, 12, 31),
        figures={"smes_reached": 300, "b2b_meetings": 25},
    )
    ImpactReport.objects.filter(pk=approved.pk).update(status=Status.APPROVED)
    approved.refresh_from_db()
    reports = [approved, draft, second]

    html = render_impact(officer, partnership, reports, can_decide=True)
    # The timeline: three periods, the approved one solid, the others pale and named.
    assert html.count('role="img"') == 2
    assert ">2023<" in html and ">2024 H1<" in html and ">2024 H2<" in html
    assert ">draft<" in html and ">submitted<" in html and "not approved yet" in html
    # The table: a status badge per report and the officer's actions on the submitted one.
    assert (
        'data-status="approved"' in html
        and "badge-submitted" in html
        and "badge-draft-report" in html
    )
    assert html.count(reverse("clusters:report-approve", kwargs={"pk": second.pk})) == 1
    assert reverse("clusters:report-approve", kwargs={"pk": draft.pk}) not in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "300" in html and "70" in html

    html = render_impact(manager, partnership, reports, can_submit=True)
    assert url("report-edit", draft) in html and url("report-edit", approved) not in html
    assert reverse("clusters:report-submit", kwargs={"pk": draft.pk}) in html
    assert "report-approve" not in html and 'id="new-report-link"' in html

    # No events: nothing is labelled as counted; the section needs no query for approved rows.
    assert "from events" not in html
    with django_assert_max_num_queries(0):
        render_impact(AnonymousUser(), partnership, [approved])


def test_impact_section_labels_draft_figures_from_events(manager, partnership, event):
    start, end = _around(event)
    report = create_report(
        user=manager, partnership=partnership, period_start=start, period_end=end
    )
    html = render_impact(manager, partnership, [report], can_submit=True)
    assert html.count(">from events<") == 3  # B2B meetings, MoUs, cooperation cases
    assert (
        "Bridges &lt;B2B&gt; Days</a>: 3 B2B meetings held, 2 business cooperation cases (1 MoU)"
        in html
    )


def test_partnership_page_shows_the_impact_section(client, manager, partnership, draft):
    client.force_login(manager)
    page = client.get(detail_url(partnership)).content.decode()
    assert 'id="impact-reports"' in page and 'data-report-count="1"' in page
    assert url("report-edit", draft) in page and 'role="img"' in page
    client.logout()
    page = client.get(detail_url(partnership)).content.decode()
    assert 'data-report-count="0"' in page and url("report-edit", draft) not in page


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        (date(2024, 1, 1), date(2024, 12, 31), "2024"),
        (date(2024, 7, 1), date(2024, 12, 31), "2024 H2"),
        (date(2024, 4, 1), date(2024, 6, 30), "2024 Q2"),
        (date(2024, 2, 1), date(2024, 2, 29), "Feb 2024"),
        (date(2024, 2, 1), date(2024, 7, 31), "Feb\u2013Jul 2024"),
        (date(2024, 11, 1), date(2025, 4, 30), "Nov 2024\u2013Apr 2025"),
        (date(2024, 1, 15), date(2024, 3, 14), "15 Jan\u201314 Mar 2024"),
        (date(2026, 4, 1), date(2026, 4, 28), "1\u201328 Apr 2026"),
        (date(2024, 12, 15), date(2025, 1, 14), "15 Dec 2024\u201314 Jan 2025"),
    ],
)
def test_period_labels(start, end, label):
    assert period_label(start, end) == label
