"""The programme officers' dashboard: who sees it, what it adds up, its filters, measures and
charts, its query count, and the programmes' published figures from the demo data."""

from __future__ import annotations

import html
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from clusters.models import Call, ImpactReport, Partnership, PartnershipMember, Programme
from clusters.partnerships.services import create_partnership, publish_partnership
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
Role = PartnershipMember.Role
Status = ImpactReport.Status
URL = reverse("clusters:dashboard")
TOTAL = re.compile(
    r'<div data-total="(\w+)" data-value="([^"]*)" id="total-\w+">\s*'
    r"<dt>[^<]*</dt>\s*<dd>([^<]*)</dd>"
)


def totals(response) -> dict[str, str]:
    """The big numbers as the page shows them, by their data-total name."""
    return {name: html.unescape(shown) for name, _v, shown in TOTAL.findall(_html(response))}


def values(response) -> dict[str, str]:
    return {name: value for name, value, _shown in TOTAL.findall(_html(response))}


def _html(response) -> str:
    return response.content.decode()


def make(officer, name, members, *, figures=None, status=Status.APPROVED, **fields):
    rows = [
        (org, Role.COORDINATOR if i == 0 else Role.PARTNER, None) for i, org in enumerate(members)
    ]
    p = create_partnership(
        user=officer, fields={"name": name, "type": "escp_4i", **fields}, members=rows
    )
    publish_partnership(user=officer, partnership=p)
    if figures is not None:
        start = p.starts_on or date(2020, 1, 1)
        ImpactReport.objects.create(
            partnership=p,
            period_start=start,
            period_end=date(start.year, 12, 31),
            status=status,
            **figures,
        )
    return p


@pytest.fixture
def programmes(db):
    cgi = Programme.objects.create(code="cgi", name="Clusters Go International")
    innosup = Programme.objects.create(code="innosup", name="INNOSUP <1> & co")
    return {
        "cgi": cgi,
        "innosup": innosup,
        "cgi14": Call.objects.create(programme=cgi, code="CGI-14", name="CGI 2014", year=2014),
        "inno15": Call.objects.create(programme=innosup, code="IN-15", name="IN 2015", year=2015),
    }


@pytest.fixture
def portfolio(officer, programmes):
    """Three partnerships: two approved reports and a submitted one that must not count."""
    de = [OrganisationFactory(kind="cluster", country="DE") for _ in range(2)]
    fr = OrganisationFactory(kind="cluster", country="FR")
    sme = OrganisationFactory(kind="sme", country="IT")
    a = make(
        officer,
        "Alpha",
        [de[0], fr, sme],
        programme=programmes["cgi"],
        call=programmes["cgi14"],
        starts_on=date(2015, 1, 1),
        eu_budget=Decimal("300000"),
        figures={"smes_reached": 1200, "smes_supported": 100, "b2b_meetings": 40, "mous": 3},
    )
    b = make(
        officer,
        "Beta",
        [de[1], fr],
        programme=programmes["cgi"],
        call=programmes["cgi14"],
        starts_on=date(2017, 3, 1),
        eu_budget=Decimal("200000.50"),
        figures={"smes_reached": 800, "smes_supported": 20, "b2b_meetings": 10},
    )
    c = make(
        officer,
        "Gamma",
        [de[0]],
        type="other",
        programme=programmes["innosup"],
        call=programmes["inno15"],
        starts_on=date(2016, 6, 1),
        figures={"smes_reached": 999, "smes_supported": 99},
        status=Status.SUBMITTED,
    )
    return {"alpha": a, "beta": b, "gamma": c}


# --- who sees it ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login")) and "next=/dashboard/" in response.url


@pytest.mark.parametrize("who", ["user", "manager", "organiser"])
def test_other_users_are_refused(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("who", ["officer", "staff_user"])
def test_officers_and_staff_see_it(client, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(URL)
    assert response.status_code == 200
    assert totals(response)["partnerships"] == "0"
    assert "No data for these filters." in _html(response)  # empty charts say so


# --- what it adds up ---------------------------------------------------------------------------


def test_totals_count_approved_reports_only(client, officer, portfolio):
    client.force_login(officer)
    response = client.get(URL)
    shown = totals(response)
    assert shown["partnerships"] == "3"
    assert shown["cluster_organisations"] == "3"  # two German clusters and one French
    assert shown["countries"] == "3"  # DE, FR and the Italian SME
    assert shown["smes_reached"] == "2,000"  # Gamma's 999 wait for a decision
    assert shown["smes_supported"] == "120"
    assert shown["b2b_meetings"] == "50"
    assert shown["mous"] == "3"
    assert shown["eu_budget"] == "€500,000"
    assert values(response)["eu_budget"] == "500000.50"


def test_drafts_count_as_partnerships_for_officers(client, officer, cluster, programmes):
    draft = create_partnership(
        user=officer,
        fields={"name": "Draft one", "type": "jci"},
        members=[(cluster, Role.COORDINATOR, None)],
    )
    client.force_login(officer)
    assert totals(client.get(URL))["partnerships"] == "1"
    assert totals(client.get(URL, {"status": "published"}))["partnerships"] == "0"
    assert draft.status == Partnership.Status.DRAFT


def test_charts_and_tables_by_programme_call_type_and_year(client, officer, portfolio):
    client.force_login(officer)
    page = _html(client.get(URL, {"measure": "smes_reached"}))
    for group in ("programme", "call", "type", "year"):
        assert f'id="group-{group}"' in page
        assert f'aria-labelledby="chart-{group}-title chart-{group}-desc"' in page
    assert 'role="img"' in page
    # The programme's name is escaped in the chart and the table.
    assert "INNOSUP &lt;1&gt; &amp; co" in page and "INNOSUP <1>" not in page
    # The chart shows the chosen measure: Clusters Go International reached 2,000 SMEs.
    assert "Clusters Go International 2,000" in page  # in the chart's description
    # Years 2015 to 2017 in order, the one without a start (none here) absent.
    year_chart = page[
        page.index('id="group-year"') : page.index("</svg>", page.index('id="group-year"'))
    ]
    assert year_chart.index(">2015<") < year_chart.index(">2016<") < year_chart.index(">2017<")


def test_table_rows_link_to_the_dashboard_narrowed_to_them(client, officer, portfolio, programmes):
    client.force_login(officer)
    page = _html(client.get(URL, {"type": "escp_4i", "measure": "mous"}))
    assert 'href="/dashboard/?type=escp_4i&amp;programme=cgi&amp;measure=mous"' in page
    call = programmes["cgi14"]
    assert f'href="/dashboard/?type=escp_4i&amp;call={call.pk}&amp;measure=mous"' in page
    assert 'href="/dashboard/?type=escp_4i&amp;year=2015&amp;measure=mous"' in page


def test_year_chart_fills_the_years_without_partnerships(client, officer, cluster):
    make(officer, "Early", [cluster], starts_on=date(2014, 1, 1))
    make(officer, "Late", [cluster], starts_on=date(2018, 1, 1))
    make(officer, "Undated", [cluster])
    client.force_login(officer)
    page = _html(client.get(URL))
    start = page.index('id="group-year"')
    chart = page[start : page.index("</svg>", start)]
    for year in range(2014, 2019):
        assert f">{year}<" in chart
    assert "No start date" in chart


# --- filters and measures ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"programme": "cgi"}, ("2", "2,000")),
        ({"type": "other"}, ("1", "0")),
        ({"year": "2017"}, ("1", "800")),
        ({"country": "IT"}, ("1", "1,200")),
        ({"q": "alp"}, ("1", "1,200")),
    ],
)
def test_filters_narrow_the_totals(client, officer, portfolio, params, expected):
    client.force_login(officer)
    shown = totals(client.get(URL, params))
    assert (shown["partnerships"], shown["smes_reached"]) == expected


def test_call_filter_uses_the_call_id(client, officer, portfolio, programmes):
    client.force_login(officer)
    shown = totals(client.get(URL, {"call": programmes["cgi14"].pk}))
    assert shown["partnerships"] == "2" and shown["eu_budget"] == "€500,000"


@pytest.mark.parametrize(
    ("param", "value"), [("type", "nonsense"), ("year", "soon"), ("programme", "no-such")]
)
def test_a_bad_filter_names_the_parameter_and_shows_no_totals(
    client, officer, portfolio, param, value
):
    client.force_login(officer)
    response = client.get(URL, {param: value})
    assert response.status_code == 200
    page = _html(response)
    assert f"<strong>{param}</strong>" in page
    assert not totals(response)
    assert "Correct the filters" in page


def test_the_measure_selects_what_the_charts_show(client, officer, portfolio):
    client.force_login(officer)
    page = _html(client.get(URL, {"measure": "b2b_meetings", "type": "escp_4i"}))
    assert "B2B meetings: by programme" in page
    assert '<option value="b2b_meetings" selected>' in page
    # The measure form keeps the filters.
    assert '<input type="hidden" name="type" value="escp_4i">' in page
    # Budgets are written in euro on the charts.
    budget = _html(client.get(URL, {"measure": "eu_budget"}))
    assert "Clusters Go International €500,000" in budget


@pytest.mark.parametrize("bad", ["visitors", "<script>", ""])
def test_an_unknown_measure_is_named_not_a_500(client, officer, portfolio, bad):
    client.force_login(officer)
    response = client.get(URL, {"measure": bad})
    assert response.status_code == 200
    page = _html(response)
    if bad:
        assert 'id="measure-error"' in page and "<strong>measure</strong>" in page
        assert "<script>" not in page.split('id="measure-error"')[1][:400]
    assert "Partnerships: by programme" in page
    assert totals(response)["partnerships"] == "3"


def test_export_link_carries_the_filters_but_not_the_measure(client, officer, portfolio):
    client.force_login(officer)
    page = _html(client.get(URL, {"type": "escp_4i", "measure": "mous"}))
    export = reverse("clusters:export", kwargs={"kind": "partnerships", "fmt": "xlsx"})
    assert f'href="{export}?type=escp_4i"' in page
    assert "measure=mous" not in page.split('id="export-links"')[1].split("</p>")[0]


def test_without_the_export_pages_the_dashboard_still_renders(
    client, officer, portfolio, monkeypatch
):
    from clusters.partnerships import dashboard_views

    monkeypatch.setattr(dashboard_views, "export_links", lambda querystring: [])
    client.force_login(officer)
    response = client.get(URL)
    assert response.status_code == 200 and 'id="export-links"' not in _html(response)


# --- queries ------------------------------------------------------------------------------------


def test_query_count_does_not_grow_with_the_partnerships(
    client, officer, programmes, django_assert_max_num_queries
):
    client.force_login(officer)
    counts = []
    for n in (2, 16):
        Partnership.objects.all().delete()
        for i in range(n):
            orgs = [OrganisationFactory(kind="cluster", country=c) for c in ("DE", "FR")]
            make(
                officer,
                f"P{n}-{i}",
                orgs,
                programme=programmes["cgi" if i % 2 else "innosup"],
                call=programmes["cgi14" if i % 2 else "inno15"],
                type="escp_4i" if i % 3 else "jci",
                starts_on=date(2014 + i % 5, 1, 1),
                figures={"smes_reached": 10 * i, "b2b_meetings": i},
            )
        with django_assert_max_num_queries(30) as captured:
            response = client.get(URL, {"measure": "smes_reached", "country": ["DE", "FR"]})
        assert totals(response)["partnerships"] == str(n)
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- the programmes' published figures ----------------------------------------------------------


@pytest.fixture
def demo(db):
    call_command("demo_data", seed=7, orgs=60, stdout=io.StringIO())


def _call(code: str) -> int:
    return Call.objects.get(code=code).pk


def test_demo_dashboard_shows_the_published_figures(client, officer, demo):
    client.force_login(officer)

    # Clusters Go International 2014: 15 partnerships, EUR 4.30 M, 98 clusters, 23 countries,
    # over 10,000 SMEs.
    response = client.get(URL, {"call": _call("COS-CLUSINT-2014-3-01")})
    shown = totals(response)
    assert values(response)["eu_budget"] == "4300000.00"
    assert (shown["partnerships"], shown["cluster_organisations"], shown["countries"]) == (
        "15",
        "98",
        "23",
    )
    assert shown["smes_reached"] == "10,250" and shown["eu_budget"] == "€4.30 M"

    # 2016 (the ESCP-4i first generation): every published figure.
    shown = totals(client.get(URL, {"call": _call("COS-CLUSINT-2016-03-01")}))
    assert shown == {
        "partnerships": "23",
        "cluster_organisations": "123",
        "countries": "25",
        "smes_reached": "17,000",
        "smes_supported": "2,000",
        "b2b_meetings": "3,010",
        "c2c_events": "370",
        "mous": "39",
        "collaboration_projects": "45",
        "cooperation_cases": "85",
        "eu_budget": "€5.79 M",
    }

    # Cluster Excellence, calls 2014 and 2015: 11 projects, EUR 2.47 M, 57 clusters, over
    # 11,000 SMEs.
    shown = totals(client.get(URL, {"programme": "cosme-cluster-excellence"}))
    assert (shown["partnerships"], shown["cluster_organisations"], shown["eu_budget"]) == (
        "11",
        "57",
        "€2.47 M",
    )
    assert int(shown["smes_reached"].replace(",", "")) > 11000

    # INNOSUP-1: 13 projects planning to support 994 SMEs.
    shown = totals(client.get(URL, {"programme": "h2020-innosup-1"}))
    assert (shown["partnerships"], shown["smes_supported"]) == ("13", "994")


def test_demo_dashboard_charts_by_call_show_both_generations(client, officer, demo):
    client.force_login(officer)
    page = _html(client.get(URL, {"programme": "cosme-clusters-go-international"}))
    assert (
        totals(client.get(URL, {"programme": "cosme-clusters-go-international"}))["partnerships"]
        == "38"
    )
    assert "Clusters Go International 2014 (2014) 15" in page
    assert "Clusters Go International 2016 (2016) 23" in page
