"""Programme totals for the officer dashboard, on a small hand-made set."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from clusters.models import Call, ImpactReport, Partnership, PartnershipMember, Programme
from clusters.partnerships import stats
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

APPROVED, SUBMITTED = ImpactReport.Status.APPROVED, ImpactReport.Status.SUBMITTED


def partnership(slug, programme, call, members, budget, starts, type="escp_4i", **fields):
    p = Partnership.objects.create(
        name=slug.title(),
        slug=slug,
        type=type,
        programme=programme,
        call=call,
        eu_budget=budget,
        starts_on=starts,
        **fields,
    )
    PartnershipMember.objects.bulk_create(
        PartnershipMember(partnership=p, organisation=o, role="partner") for o in members
    )
    return p


def report(p, start, end, status=APPROVED, **figures):
    return ImpactReport.objects.create(
        partnership=p, period_start=start, period_end=end, status=status, **figures
    )


@pytest.fixture
def data():
    cgi = Programme.objects.create(code="cgi", name="Clusters Go International")
    inno = Programme.objects.create(code="inno", name="INNOSUP-1")
    c14 = Call.objects.create(programme=cgi, code="C14", name="Call 2014", year=2014)
    c16 = Call.objects.create(programme=cgi, code="C16", name="Call 2016", year=2016)
    i15 = Call.objects.create(programme=inno, code="I15", name="Call 2015", year=2015)
    de1, de2 = (OrganisationFactory(kind="cluster", country="DE") for _ in range(2))
    fr, it = (
        OrganisationFactory(kind="cluster", country="FR"),
        OrganisationFactory(kind="cluster", country="IT"),
    )
    sme_pl = OrganisationFactory(kind="sme", country="PL")  # a member, but not a cluster
    a = partnership("alpha", cgi, c14, [de1, fr, sme_pl], Decimal("100000.50"), date(2015, 3, 1))
    b = partnership("beta", cgi, c16, [de1, de2, it], Decimal("200000"), date(2016, 9, 1))
    c = partnership("gamma", inno, i15, [fr, it], None, date(2016, 1, 1), type="other")
    report(a, date(2015, 3, 1), date(2015, 12, 31), smes_reached=100, smes_supported=10, mous=1)
    report(a, date(2016, 1, 1), date(2016, 12, 31), smes_reached=50, b2b_meetings=7, c2c_events=2)
    report(a, date(2017, 1, 1), date(2017, 6, 30), SUBMITTED, smes_reached=999, mous=9)
    report(b, date(2016, 9, 1), date(2017, 8, 31), smes_reached=30, smes_supported=30,
           collaboration_projects=4, cooperation_cases=5)  # fmt: skip
    report(c, date(2016, 1, 1), date(2016, 12, 31), "draft", smes_reached=70)
    return {"cgi": cgi, "inno": inno, "c14": c14, "c16": c16, "i15": i15}


def test_totals_of_everything(data):
    assert stats.totals() == {
        "partnerships": 3,
        "cluster_organisations": 4,  # de1 counted once although in two partnerships
        "countries": 4,  # DE, FR, IT and PL (the SME): member countries, of any kind
        "smes_reached": 180,  # 100 + 50 + 30: submitted and draft reports do not count
        "smes_supported": 40,
        "b2b_meetings": 7,
        "c2c_events": 2,
        "mous": 1,
        "collaboration_projects": 4,
        "cooperation_cases": 5,
        "eu_budget": Decimal("300000.50"),
    }


def test_totals_of_a_subset_and_of_nothing(data):
    only = stats.totals(Partnership.objects.filter(slug="gamma"))
    assert only["partnerships"] == 1 and only["cluster_organisations"] == 2
    assert only["smes_reached"] == 0 and only["eu_budget"] == Decimal("0")
    empty = stats.totals(Partnership.objects.none())
    assert empty == {**dict.fromkeys(stats.COLUMNS, 0), "eu_budget": Decimal("0")}


def test_by_programme(data):
    rows = stats.programme_totals()
    assert [r["label"] for r in rows] == ["Clusters Go International", "INNOSUP-1"]
    cgi, inno = rows
    assert cgi["key"] == data["cgi"].pk
    assert (cgi["partnerships"], cgi["cluster_organisations"], cgi["countries"]) == (2, 4, 4)
    assert (cgi["smes_reached"], cgi["eu_budget"]) == (180, Decimal("300000.50"))
    assert (inno["partnerships"], inno["cluster_organisations"], inno["countries"]) == (1, 2, 2)
    assert inno["smes_reached"] == 0 and inno["eu_budget"] == Decimal("0")


def test_by_call_type_and_year(data):
    calls = {r["key"]: r for r in stats.by_call()}
    assert calls[data["c14"].pk]["label"] == "Clusters Go International: Call 2014 (2014)"
    assert calls[data["c14"].pk]["smes_reached"] == 150
    assert calls[data["c16"].pk]["cluster_organisations"] == 3
    assert calls[data["c16"].pk]["cooperation_cases"] == 5
    types = {r["key"]: r for r in stats.by_type()}
    assert types["escp_4i"]["label"] == "ESCP-4i (going international)"
    assert types["escp_4i"]["partnerships"] == 2 and types["other"]["partnerships"] == 1
    years = stats.by_year()
    assert [(r["key"], r["partnerships"], r["smes_reached"]) for r in years] == [
        (2015, 1, 150),
        (2016, 2, 30),
    ]


def test_partnerships_without_programme_or_start_come_last(data):
    partnership("delta", None, None, [OrganisationFactory(kind="cluster")], None, None)
    assert stats.programme_totals()[-1]["key"] is None
    assert stats.programme_totals()[-1]["partnerships"] == 1
    assert stats.by_year()[-1]["key"] is None


def test_unknown_grouping_is_refused(data):
    with pytest.raises(ValueError, match="group by"):
        stats.programme_totals(group_by="colour")


@pytest.mark.parametrize("group_by", [*stats.GROUPS])
def test_constant_number_of_queries(data, group_by, django_assert_max_num_queries):
    for i in range(10):  # more partnerships, members and reports: still the same queries
        p = partnership(f"extra-{i}", data["cgi"], data["c16"],
                        [OrganisationFactory(kind="cluster", country="ES")], Decimal(1000),
                        date(2018, 1, 1))  # fmt: skip
        report(p, date(2018, 1, 1), date(2018, 12, 31), smes_reached=i)
    with django_assert_max_num_queries(5):
        rows = stats.programme_totals(group_by=group_by)
    assert sum(r["partnerships"] for r in rows) == 13
    with django_assert_max_num_queries(4):
        assert stats.totals()["partnerships"] == 13
