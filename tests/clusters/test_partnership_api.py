"""The programmes, partnerships and impact-reports API: who sees and changes what, the filters,
errors that name their field, the report workflow, constant query counts, and exports whose
columns are the API's fields with the same values."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from clusters.exports.columns import PARTNERSHIP_COLUMNS, headers, row
from clusters.models import (
    Call,
    ExportJob,
    ImpactReport,
    Partnership,
    PartnershipMember,
    Programme,
    Sector,
    ThematicArea,
)
from clusters.partnerships.impact_reports import approve_report, create_report, submit_report
from clusters.partnerships.selectors import partnership_list
from clusters.partnerships.services import create_partnership, publish_partnership
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
Role = PartnershipMember.Role
Status = ImpactReport.Status
PARTNERSHIPS = reverse("api:partnership-list")
REPORTS = reverse("api:impact-report-list")
PROGRAMMES = reverse("api:programme-list")
H1 = {"period_start": "2024-01-01", "period_end": "2024-06-30"}


def url(p: Partnership, action: str = "") -> str:
    name = f"api:partnership-{action}" if action else "api:partnership-detail"
    return reverse(name, kwargs={"slug": p.slug})


def report_url(report: ImpactReport, action: str = "") -> str:
    name = f"api:impact-report-{action}" if action else "api:impact-report-detail"
    return reverse(name, args=[report.pk])


def export_url(fmt: str = "csv", kind: str = "export") -> str:
    return reverse(f"api:partnership-{kind}", kwargs={"fmt": fmt})


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def make(officer, name: str, members, *, publish: bool = True, **fields) -> Partnership:
    """Through the services; the first organisation coordinates."""
    rows = [
        (org, Role.COORDINATOR if i == 0 else Role.PARTNER, date(2024, 1, 15) if i else None)
        for i, org in enumerate(members)
    ]
    p = create_partnership(
        user=officer, fields={"name": name, "type": "escp_4i", **fields}, members=rows
    )
    if publish:
        publish_partnership(user=officer, partnership=p)
    return p


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


def as_json(value):
    """A column value as the API states it: dates ISO 8601, decimals in full."""
    return str(value) if isinstance(value, date | Decimal) else value


@pytest.fixture
def programme():
    cgi = Programme.objects.create(code="cgi", name="Clusters Go International")
    Call.objects.create(programme=cgi, code="COS-CLUSINT-2014-3-01", name="CGI 2014", year=2014)
    return cgi


@pytest.fixture
def partner():
    return OrganisationFactory(kind="sme", country="FR", name="Partner SME")


@pytest.fixture
def partner_manager(partner):
    return OrganisationFactory.add_person(partner, role="manager")


@pytest.fixture
def published(officer, cluster, partner, programme):
    p = make(
        officer,
        "Green Bridges",
        [cluster, partner],
        acronym="GB",
        programme=programme,
        call=programme.calls.get(),
        phase="implementation",
        starts_on=date(2024, 1, 1),
        ends_on=date(2025, 12, 31),
        eu_budget=Decimal("286500.50"),
        target_countries="JP,US",
        website="https://green-bridges.example.org",
        description="Wind and solar clusters going to Japan.",
    )
    p.sectors.set(Sector.objects.order_by("code")[:2])
    p.thematic_areas.set(ThematicArea.objects.order_by("code")[:1])
    return p


@pytest.fixture
def draft(officer, cluster, partner):
    return make(officer, "Quiet Draft", [cluster, partner], publish=False)


@pytest.fixture
def hidden(officer):
    """A draft of organisations the other fixtures' users have nothing to do with."""
    return make(officer, "Hidden Draft", [OrganisationFactory(name="Far Away")], publish=False)


# --- programmes ----------------------------------------------------------------------------


def test_anyone_reads_programmes_with_their_calls(programme, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        body = client_for().get(PROGRAMMES).json()
    (item,) = body["results"]
    assert item["code"] == "cgi" and item["url"].endswith(f"/api/programmes/{programme.code}/")
    assert [c["code"] for c in item["calls"]] == ["COS-CLUSINT-2014-3-01"]
    assert client_for().get(item["url"]).json()["calls"][0]["year"] == 2014
    assert client_for(UserFactory()).post(PROGRAMMES, {"code": "x"}).status_code == 405


# --- partnerships: reading -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees_draft", "sees_hidden"),
    [
        ("anonymous", False, False),
        ("user", False, False),
        ("manager", True, False),
        ("member", True, False),
        ("officer", True, True),
        ("staff_user", True, True),
    ],
)
def test_who_sees_which_partnerships(
    request, who, sees_draft, sees_hidden, published, draft, hidden, cluster
):
    if who == "anonymous":
        user = None
    elif who == "member":
        user = OrganisationFactory.add_person(cluster, role="member")
    else:
        user = request.getfixturevalue(who)
    client = client_for(user)
    expected = {published.slug} | ({draft.slug} if sees_draft else set())
    expected |= {hidden.slug} if sees_hidden else set()
    assert set(slugs(client.get(PARTNERSHIPS))) == expected
    assert client.get(url(published)).status_code == 200
    assert client.get(url(draft)).status_code == (200 if sees_draft else 404)
    assert client.get(url(hidden)).status_code == (200 if sees_hidden else 404)


def test_items_carry_every_export_column_with_the_files_values(published, officer):
    (item,) = client_for().get(PARTNERSHIPS).json()["results"]
    assert client_for().get(url(published)).json() == item
    expected = partnership_list(officer).get(pk=published.pk)
    assert set(headers("partnerships")) <= set(item)
    for column, value in zip(PARTNERSHIP_COLUMNS, row(PARTNERSHIP_COLUMNS, expected), strict=True):
        assert item[column.key] == as_json(value), column.key
    assert item["eu_budget"] == "286500.50" and item["starts_on"] == "2024-01-01"
    assert item["target_countries"] == "JP;US" and item["member_countries"] == "DE;FR"
    assert item["programme"] == "cgi" and item["call_year"] == 2014 and item["member_count"] == 2
    assert item["sectors"].count(";") == 1 and item["thematic_areas"]
    assert item["description"] == "Wind and solar clusters going to Japan."
    assert item["url"] == f"http://testserver{url(published)}" and item["id"] == published.pk


def test_members_are_nested_with_the_member_export_keys(published, cluster, partner):
    members = client_for().get(url(published)).json()["members"]
    assert members == [
        {
            "organisation": cluster.slug,
            "organisation_name": cluster.name,
            "country": "DE",
            "kind": "cluster",
            "role": "coordinator",
            "joined_on": None,
        },
        {
            "organisation": partner.slug,
            "organisation_name": partner.name,
            "country": "FR",
            "kind": "sme",
            "role": "partner",
            "joined_on": "2024-01-15",
        },
    ]


def test_filters_are_the_list_pages(published, officer, cluster, programme):
    other = make(officer, "Alpine Link", [OrganisationFactory(country="AT")], type="jci")
    client = client_for()
    assert slugs(client.get(PARTNERSHIPS, {"type": "jci"})) == [other.slug]
    assert slugs(client.get(PARTNERSHIPS, {"programme": "cgi"})) == [published.slug]
    assert slugs(client.get(PARTNERSHIPS, {"country": "FR"})) == [published.slug]
    assert slugs(client.get(PARTNERSHIPS, {"country": ["FR", "AT"]})) == [
        other.slug,
        published.slug,
    ]
    assert slugs(client.get(PARTNERSHIPS, {"year": 2024})) == [published.slug]
    sector = published.sectors.first().code
    assert slugs(client.get(PARTNERSHIPS, {"sector": sector})) == [published.slug]
    assert slugs(client.get(PARTNERSHIPS, {"q": "alpine"})) == [other.slug]
    response = client.get(PARTNERSHIPS, {"sector": "no-such-sector"})
    assert response.status_code == 400 and "sector" in response.json()


def _queries(client: APIClient) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(PARTNERSHIPS, {"page_size": 50}).status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["anonymous", "officer"])
def test_list_queries_do_not_grow_with_the_page(
    request, who, officer, programme, django_assert_max_num_queries
):
    client = client_for(None if who == "anonymous" else request.getfixturevalue(who))
    orgs = [OrganisationFactory(country=c) for c in ("DE", "FR", "IT")]

    def add(n: int) -> None:
        for i in range(n):
            p = make(officer, f"P{Partnership.objects.count()}-{i}", orgs, programme=programme)
            p.sectors.set(Sector.objects.order_by("code")[:2])

    add(5)
    with django_assert_max_num_queries(8):
        few = _queries(client)
    add(25)
    assert len(slugs(client.get(PARTNERSHIPS, {"page_size": 50}))) == 30
    assert _queries(client) == few


# --- partnerships: writing -----------------------------------------------------------------


def payload(cluster, partner, **overrides):
    data = {
        "name": "Blue Routes",
        "acronym": "BR",
        "type": "escp_s3",
        "programme": "cgi",
        "call": "cos-clusint-2014-3-01",
        "starts_on": "2025-01-01",
        "ends_on": "2026-06-30",
        "eu_budget": "125000.00",
        "target_countries": ["CA", "jp"],
        "sectors": [Sector.objects.order_by("code").first().code],
        "members": [
            {"organisation": cluster.slug, "role": "coordinator"},
            {"organisation": partner.slug, "joined_on": "2025-02-01"},
        ],
    }
    return {**data, **overrides}


def test_only_officers_and_staff_create(programme, cluster, partner, manager, officer):
    assert client_for().post(PARTNERSHIPS, payload(cluster, partner)).status_code == 403
    assert client_for(manager).post(PARTNERSHIPS, payload(cluster, partner)).status_code == 403
    response = client_for(officer).post(PARTNERSHIPS, payload(cluster, partner))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["coordinator"] == cluster.slug
    assert body["call"] == "COS-CLUSINT-2014-3-01" and body["call_year"] == 2014
    assert body["target_countries"] == "CA;JP" and body["eu_budget"] == "125000.00"
    assert [(m["organisation"], m["role"], m["joined_on"]) for m in body["members"]] == [
        (cluster.slug, "coordinator", None),
        (partner.slug, "partner", "2025-02-01"),
    ]
    assert Partnership.objects.get(slug=body["slug"]).coordinator == cluster


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"members": [{"organisation": "nobody-here", "role": "coordinator"}]}, "members"),
        ({"members": []}, "members"),
        ({"ends_on": "2024-01-01"}, "ends_on"),
        ({"eu_budget": "-5"}, "eu_budget"),
        ({"type": "festival"}, "type"),
        ({"call": "NOPE-1"}, "call"),
        ({"sectors": ["no-such-sector"]}, "sectors"),
        ({"target_countries": ["XX"]}, "target_countries"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    programme, cluster, partner, officer, overrides, field
):
    response = client_for(officer).post(PARTNERSHIPS, payload(cluster, partner, **overrides))
    assert response.status_code == 400 and field in response.json(), response.content
    assert not Partnership.objects.exists()


def test_unknown_member_is_named_at_its_position(programme, cluster, partner, officer):
    members = [{"organisation": cluster.slug, "role": "coordinator"}, {"organisation": "nope"}]
    response = client_for(officer).post(PARTNERSHIPS, payload(cluster, partner, members=members))
    assert response.status_code == 400
    assert response.json()["members"][0] == {}
    assert "nope" in response.json()["members"][1]["organisation"][0]


def test_coordinator_managers_and_officers_change_others_do_not(
    published, draft, hidden, manager, partner_manager, officer, user
):
    change = {"acronym": "GB2", "phase": "investment"}
    assert client_for().patch(url(published), change).status_code == 403
    assert client_for(user).patch(url(published), change).status_code == 403
    assert client_for(partner_manager).patch(url(published), change).status_code == 403
    assert client_for(manager).patch(url(hidden), change).status_code == 404
    response = client_for(manager).patch(url(published), change)
    assert response.status_code == 200 and response.json()["acronym"] == "GB2"
    assert client_for(officer).patch(url(hidden), {"acronym": "H"}).json()["acronym"] == "H"
    published.refresh_from_db()
    assert (published.acronym, published.phase) == ("GB2", "investment")


def test_what_a_get_returns_can_be_sent_back(published, manager):
    item = client_for(manager).get(url(published)).json()
    keys = ("name", "type", "programme", "call", "target_countries", "sectors", "thematic_areas")
    response = client_for(manager).patch(url(published), {k: item[k] for k in keys})
    assert response.status_code == 200, response.content
    assert {k: response.json()[k] for k in keys} == {k: item[k] for k in keys}


def test_refused_members_undo_the_whole_change(published, manager, cluster, partner):
    both = [{"organisation": o.slug, "role": "coordinator"} for o in (cluster, partner)]
    response = client_for(manager).patch(url(published), {"name": "Renamed", "members": both})
    assert response.status_code == 400 and "members" in response.json()
    published.refresh_from_db()
    assert published.name == "Green Bridges" and published.memberships.count() == 2


def test_members_replace_the_list(published, manager, cluster):
    newcomer = OrganisationFactory(country="PL")
    members = [
        {"organisation": cluster.slug, "role": "coordinator"},
        {"organisation": newcomer.slug, "role": "associate"},
    ]
    body = client_for(manager).patch(url(published), {"members": members}).json()
    assert [m["organisation"] for m in body["members"]] == [cluster.slug, newcomer.slug]
    assert body["member_countries"] == "DE;PL"


def test_publish_shows_a_draft_to_everyone(draft, manager, user):
    assert client_for(user).post(url(draft, "publish")).status_code == 404
    response = client_for(manager).post(url(draft, "publish"), {"publish": True})
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert draft.slug in slugs(client_for().get(PARTNERSHIPS))
    assert (
        client_for(manager).post(url(draft, "publish"), {"publish": False}).json()["status"]
        == "draft"
    )


# --- impact reports --------------------------------------------------------------------------


@pytest.fixture
def reports(published, manager, officer):
    """An approved report for H1 and a draft for H2 of the published partnership."""
    approved = create_report(
        user=manager,
        partnership=published,
        period_start=date(2024, 1, 1),
        period_end=date(2024, 6, 30),
        figures={"smes_reached": 40, "smes_supported": 10},
    )
    submit_report(user=manager, report=approved)
    approve_report(user=officer, report=approved)
    drafted = create_report(
        user=manager,
        partnership=published,
        period_start=date(2024, 7, 1),
        period_end=date(2024, 12, 31),
        figures={"smes_reached": 5},
    )
    return approved, drafted


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def test_who_sees_which_reports(reports, manager, officer, user, draft):
    approved, drafted = reports
    hidden = create_report(
        user=manager,
        partnership=draft,
        period_start=date(2024, 1, 1),
        period_end=date(2024, 3, 31),
    )
    assert ids(client_for().get(REPORTS)) == [approved.pk]
    assert ids(client_for(user).get(REPORTS)) == [approved.pk]
    assert set(ids(client_for(manager).get(REPORTS))) == {approved.pk, drafted.pk, hidden.pk}
    assert set(ids(client_for(officer).get(REPORTS))) == {approved.pk, drafted.pk, hidden.pk}
    assert client_for().get(report_url(drafted)).status_code == 404
    item = client_for().get(report_url(approved)).json()
    assert item["partnership"] == approved.partnership.slug and item["smes_reached"] == 40


def test_reports_filter_by_partnership_and_status(reports, manager, draft):
    approved, drafted = reports
    client = client_for(manager)
    query = {"partnership": approved.partnership.slug, "status": "draft"}
    assert ids(client.get(REPORTS, query)) == [drafted.pk]
    assert ids(client.get(REPORTS, {"status": ["draft", "approved"]})) == [approved.pk, drafted.pk]
    for bad in ({"partnership": "no-such"}, {"status": "lost"}):
        response = client.get(REPORTS, bad)
        assert response.status_code == 400 and next(iter(bad)) in response.json()
    # A draft partnership's slug is unknown to those who may not see it.
    response = client_for().get(REPORTS, {"partnership": draft.slug})
    assert response.status_code == 400 and "partnership" in response.json()


def test_report_list_queries_do_not_grow(published, manager, django_assert_max_num_queries):
    client = client_for(manager)
    for month in range(1, 13):
        day = date(2023, month, 1)
        create_report(user=manager, partnership=published, period_start=day, period_end=day)
        if month == 2:
            with django_assert_max_num_queries(6):
                few = len(ids(client.get(REPORTS)))
    with CaptureQueriesContext(connection) as small:
        client.get(REPORTS, {"page_size": 2})
    with CaptureQueriesContext(connection) as large:
        assert len(ids(client.get(REPORTS, {"page_size": 50}))) == 12 > few
    assert len(large) == len(small)


def test_coordinator_managers_create_drafts(published, manager, officer, partner_manager):
    body = {"partnership": published.slug, **H1, "smes_reached": 30, "smes_supported": 8}
    assert client_for().post(REPORTS, body).status_code == 403
    assert client_for(officer).post(REPORTS, body).status_code == 403
    assert client_for(partner_manager).post(REPORTS, body).status_code == 403
    response = client_for(manager).post(REPORTS, {**body, "notes": "First half"})
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "draft" and created["smes_supported"] == 8
    assert created["b2b_meetings"] == 0 and created["notes"] == "First half"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"smes_reached": 5, "smes_supported": 6}, "smes_supported"),
        ({"mous": -1}, "mous"),
        ({"period_end": "2023-12-31"}, "period_end"),
        ({"period_start": "2024-03-01", "period_end": "2024-09-30"}, "period_start"),
        ({"partnership": "no-such"}, "partnership"),
    ],
)
def test_bad_reports_are_400s_naming_the_field(reports, manager, overrides, field):
    before = ImpactReport.objects.count()
    body = {
        "partnership": reports[0].partnership.slug,
        "period_start": "2025-01-01",
        "period_end": "2025-06-30",
        **overrides,
    }
    response = client_for(manager).post(REPORTS, body)
    assert response.status_code == 400 and field in response.json(), response.content
    assert ImpactReport.objects.count() == before


def test_the_workflow_over_the_api(reports, manager, officer):
    _, drafted = reports
    coordinator, programme_officer = client_for(manager), client_for(officer)
    response = coordinator.patch(report_url(drafted), {"smes_reached": 12, "b2b_meetings": 4})
    assert response.status_code == 200 and response.json()["smes_reached"] == 12
    assert programme_officer.post(report_url(drafted, "approve")).json()["status"] == [
        "Only submitted reports can be approved or returned."
    ]
    assert programme_officer.post(report_url(drafted, "submit")).status_code == 403
    assert coordinator.post(report_url(drafted, "submit")).json()["status"] == "submitted"
    again = coordinator.post(report_url(drafted, "submit"))
    assert again.status_code == 400 and "status" in again.json()
    assert coordinator.post(report_url(drafted, "approve")).status_code == 403
    assert coordinator.patch(report_url(drafted), {"mous": 1}).status_code == 400

    missing = programme_officer.post(report_url(drafted, "return"), {"comment": " "})
    assert missing.status_code == 400 and "comment" in missing.json()
    returned = programme_officer.post(report_url(drafted, "return"), {"comment": "Add MoUs."})
    assert returned.json()["status"] == "returned"
    assert returned.json()["officer_comment"] == "Add MoUs."
    assert coordinator.patch(report_url(drafted), {"mous": 2}).json()["mous"] == 2
    coordinator.post(report_url(drafted, "submit"))
    approved = programme_officer.post(report_url(drafted, "approve"), {"comment": "Thanks"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert drafted.pk in ids(client_for().get(REPORTS))


# --- exports -----------------------------------------------------------------------------


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_export_urls_name_a_file():
    assert export_url("csv") == "/api/partnerships/export.csv"
    assert export_url("xlsx", "members-export") == "/api/partnerships/members.xlsx"


def test_csv_export_holds_the_api_values_under_the_api_keys(published, draft, officer):
    response = client_for().get(export_url(), HTTP_ACCEPT="text/csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert list(rows[0]) == headers("partnerships")
    assert [r["slug"] for r in rows] == [published.slug]  # no draft for anonymous visitors
    item = client_for().get(url(published)).json()
    assert rows[0] == {k: "" if item[k] is None else str(item[k]) for k in rows[0]}
    officer_rows = csv_rows(client_for(officer).get(export_url(), {"status": "draft"}))
    assert [r["slug"] for r in officer_rows] == [draft.slug]


def test_xlsx_and_member_exports(published, officer, partner):
    other = make(officer, "Alpine Link", [OrganisationFactory(country="AT")], type="jci")
    response = client_for().get(export_url("xlsx"), {"type": "escp_4i"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == headers("partnerships")
    assert [r[0] for r in values[1:]] == [published.slug]
    members = csv_rows(client_for().get(export_url("csv", "members-export"), {"country": "FR"}))
    assert list(members[0]) == headers("members")
    assert {(m["partnership"], m["organisation"]) for m in members} == {
        (published.slug, published.coordinator.slug),
        (published.slug, partner.slug),
    }
    assert other.slug not in {m["partnership"] for m in members}


def test_export_filter_errors_are_json_400s(published):
    response = client_for().get(export_url(), {"year": "soon"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json" and "year" in response.json()


def test_large_exports_become_jobs(
    settings, published, officer, partner, user, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_LIMIT = 1
    make(officer, "Second One", [partner])
    response = client_for().get(export_url())
    assert response.status_code == 403 and "account" in response.json()["detail"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).get(export_url("xlsx"), {"type": "escp_4i"})
    assert response.status_code == 202
    job = ExportJob.objects.get()
    assert response.json()["job"] == job.pk and job.query == "type=escp_4i"
    assert response.json()["status_url"].startswith("http://testserver/")
