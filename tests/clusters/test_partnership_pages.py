"""Partnership pages: the filtered list, the member map and the detail page, for each role."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse

from clusters.models import Call, Partnership, PartnershipMember, Programme
from clusters.partnerships import views as partnership_views
from clusters.partnerships.services import create_partnership, publish_partnership
from tests.factories import OrganisationFactory, make_event

pytestmark = pytest.mark.django_db
Role = PartnershipMember.Role
LIST = reverse("clusters:partnership-list")
MAP = reverse("clusters:partnership-map")
AREA = re.compile(r'<path class="area bin-(\d)" data-code="([A-Z0-9+]+)"')


def detail_url(p: Partnership) -> str:
    return reverse("clusters:partnership-detail", kwargs={"slug": p.slug})


def make(officer, name: str, members, *, publish: bool = True, **fields) -> Partnership:
    """A partnership through the services; ``members`` is a list of organisations, the first
    coordinating."""
    rows = [
        (org, Role.COORDINATOR if i == 0 else Role.PARTNER, None) for i, org in enumerate(members)
    ]
    sectors = fields.pop("sectors", None)
    areas = fields.pop("thematic_areas", None)
    p = create_partnership(
        user=officer, fields={"name": name, "type": "escp_4i", **fields}, members=rows
    )
    if sectors:
        p.sectors.set(sectors)
    if areas:
        p.thematic_areas.set(areas)
    if publish:
        publish_partnership(user=officer, partnership=p)
    return p


def names(response) -> set[str]:
    return {row["partnership"].name for row in response.context["rows"]}


def areas(response) -> dict[str, int]:
    return {code: int(index) for index, code in AREA.findall(response.content.decode())}


@pytest.fixture
def partner():
    return OrganisationFactory(kind="sme", country="FR", name="Partner SME")


@pytest.fixture
def member(partner):
    """A member (not manager) of a partner organisation."""
    return OrganisationFactory.add_person(partner, role="member")


@pytest.fixture
def outsider(db):
    return OrganisationFactory.add_person(OrganisationFactory(name="Elsewhere"), role="manager")


@pytest.fixture
def published(officer, cluster, partner):
    return make(officer, "Green Bridges", [cluster, partner], acronym="GB")


@pytest.fixture
def draft(officer, cluster, partner):
    return make(officer, "Quiet Draft", [cluster, partner], publish=False)


# --- list -----------------------------------------------------------------------------------


def test_list_shows_published_and_hides_drafts_from_outsiders(client, outsider, published, draft):
    assert names(client.get(LIST)) == {"Green Bridges"}
    client.force_login(outsider)
    response = client.get(LIST)
    assert names(response) == {"Green Bridges"}
    assert "Quiet Draft" not in response.content.decode()


@pytest.mark.parametrize("who", ["member", "manager", "officer"])
def test_list_shows_drafts_to_their_people_and_officers(client, who, request, published, draft):
    client.force_login(request.getfixturevalue(who))
    response = client.get(LIST)
    assert names(response) == {"Green Bridges", "Quiet Draft"}
    assert 'class="badge badge-draft"' in response.content.decode()


def test_list_shows_the_columns(client, officer, cluster, partner):
    programme = Programme.objects.create(code="cgi", name="Clusters Go International")
    call = Call.objects.create(programme=programme, code="CGI-2016", name="CGI 2016", year=2016)
    make(
        officer,
        "Wide Reach",
        [cluster, partner],
        acronym="WR",
        call=call,
        phase="implementation",
        starts_on=date(2016, 9, 1),
        ends_on=date(2018, 8, 31),
        eu_budget=Decimal("287500"),
    )
    html = client.get(LIST).content.decode()
    for text in (
        "Wide Reach",
        "(WR)",
        "ESCP-4i (going international)",
        "Clusters Go International",
        "CGI 2016 (2016)",
        "Implementation",
        "2016\u20132018",
        "€287,500",
        'title="France"',
        'title="Germany"',
    ):
        assert text in html, text
    assert response_member_count(client) == {"Wide Reach": 2}


def response_member_count(client) -> dict[str, int]:
    rows = client.get(LIST).context["rows"]
    return {row["partnership"].name: row["member_count"] for row in rows}


def test_status_filter_only_for_officers(client, officer, member, published, draft):
    client.force_login(member)
    response = client.get(LIST, {"status": "published"})
    assert 'name="status"' not in response.content.decode()
    assert names(response) == {"Green Bridges", "Quiet Draft"}  # ignored, not applied
    client.force_login(officer)
    response = client.get(LIST, {"status": "draft"})
    assert 'name="status"' in response.content.decode()
    assert names(response) == {"Quiet Draft"}


@pytest.fixture
def pair(officer):
    """Two published partnerships that differ in every filter: (wanted, other)."""
    cgi = Programme.objects.create(code="cgi", name="Clusters Go International")
    excel = Programme.objects.create(code="excel", name="Cluster Excellence")
    call_a = Call.objects.create(programme=cgi, code="A-1", name="Call A", year=2016)
    call_b = Call.objects.create(programme=excel, code="B-1", name="Call B", year=2019)
    from clusters.models import Sector, ThematicArea

    wanted = make(
        officer,
        "Alpine Wanted",
        [OrganisationFactory(country="AT", kind="cluster")],
        type="escp_4i",
        call=call_a,
        phase="preparatory",
        starts_on=date(2016, 1, 1),
        sectors=Sector.objects.filter(code="automotive"),
        thematic_areas=ThematicArea.objects.filter(code="ai-hmi"),
    )
    other = make(
        officer,
        "Baltic Other",
        [OrganisationFactory(country="LT", kind="cluster")],
        type="cluster_excellence",
        call=call_b,
        phase="investment",
        starts_on=date(2019, 1, 1),
        sectors=Sector.objects.filter(code="biopharmaceuticals"),
        thematic_areas=ThematicArea.objects.filter(code="bioenergy"),
    )
    return wanted, other


@pytest.mark.parametrize(
    "params",
    [
        {"type": "escp_4i"},
        {"programme": "cgi"},
        {"call": "CALL_A"},
        {"phase": "preparatory"},
        {"country": "AT"},
        {"thematic_area": "ai-hmi"},
        {"sector": "automotive"},
        {"year": "2016"},
        {"q": "alpine"},
    ],
)
def test_each_filter_narrows_the_list(client, pair, params):
    wanted, _other = pair
    if params.get("call") == "CALL_A":
        params = {"call": str(wanted.call_id)}
    assert names(client.get(LIST)) == {"Alpine Wanted", "Baltic Other"}
    response = client.get(LIST, params)
    assert response.status_code == 200
    assert names(response) == {"Alpine Wanted"}
    # The pagination and export links keep the filter.
    assert response.context["querystring"] == next(iter(params)) + "=" + next(iter(params.values()))


@pytest.mark.parametrize(
    "param, value",
    [
        ("type", "bogus"),
        ("programme", "no-such-programme"),
        ("call", "999999"),
        ("phase", "later"),
        ("country", "XX"),
        ("thematic_area", "nope"),
        ("sector", "nope"),
        ("year", "twenty"),
    ],
)
def test_a_bad_filter_value_names_the_parameter(client, pair, param, value):
    response = client.get(LIST, {param: value})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Some filters could not be applied" in html
    assert f"<strong>{param}</strong>" in html
    assert response.context["rows"] == []


def test_empty_states(client, published):
    response = client.get(LIST, {"q": "nothing like this"})
    assert "No partnerships match these filters" in response.content.decode()
    Partnership.objects.all().delete()
    assert "No partnerships are published yet" in client.get(LIST).content.decode()


def test_list_paginates_and_keeps_the_filters(client, officer, cluster, monkeypatch):
    monkeypatch.setattr(partnership_views, "PAGE_SIZE", 4)
    for i in range(6):
        make(officer, f"Listed {i}", [cluster], type="jci")
    make(officer, "Not this type", [cluster], type="other")
    response = client.get(LIST, {"type": "jci", "page": 2})
    assert names(response) == {"Listed 4", "Listed 5"}
    assert "?type=jci&amp;page=1" in response.content.decode()


@pytest.mark.parametrize("who", [None, "officer"])
def test_list_query_count_is_constant(client, officer, who, django_assert_max_num_queries):
    if who:
        client.force_login(officer)

    def build(n: int) -> None:
        Partnership.objects.all().delete()
        for i in range(n):
            orgs = [OrganisationFactory(country=c) for c in ("DE", "FR", "IT")]
            make(officer, f"P {n} {i:02d}", orgs, sectors=None)

    counts = []
    for n in (5, 40):
        build(n)
        with django_assert_max_num_queries(14) as captured:
            response = client.get(LIST, {"type": "escp_4i"})
        assert len(response.context["rows"]) == n
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_export_links_carry_the_filters(client, published, monkeypatch):
    real = reverse

    def fake(name, *args, kwargs=None, **more):
        if name == "clusters:export":
            return f"/exports/{kwargs['kind']}.{kwargs['fmt']}"
        return real(name, *args, kwargs=kwargs, **more)

    monkeypatch.setattr(partnership_views, "reverse", fake)
    html = client.get(LIST, {"type": "escp_4i"}).content.decode()
    for path in ("partnerships.csv", "partnerships.xlsx", "members.csv", "members.xlsx"):
        assert f'href="/exports/{path}?type=escp_4i"' in html


def test_without_the_export_pages_the_list_still_renders(client, published, monkeypatch):
    def missing(name, *args, **kwargs):
        raise NoReverseMatch(name)

    monkeypatch.setattr(partnership_views, "reverse", missing)
    assert partnership_views.export_links("type=escp_4i") == []
    monkeypatch.undo()
    response = client.get(LIST)
    assert response.status_code == 200


# --- member map -----------------------------------------------------------------------------


def _orgs(country: str, n: int) -> list:
    return [OrganisationFactory(country=country) for _ in range(n)]


def test_map_bins_count_distinct_members_per_country(client, officer):
    france, italy, spain, poland = _orgs("FR", 2), _orgs("IT", 5), _orgs("ES", 8), _orgs("PL", 12)
    # Spain's and Poland's members are in two partnerships each: they still count once.
    make(officer, "One", [*france, *italy, *spain, *poland])
    make(officer, "Two", [*spain, *poland])
    make(officer, "Hidden draft", _orgs("FI", 3), publish=False)
    response = client.get(MAP)
    assert response.status_code == 200
    bins = areas(response)
    assert bins["AT"] == 0  # a programme country without members
    assert bins["FI"] == 0  # only in a draft: not counted for anonymous visitors
    assert (bins["FR"], bins["IT"], bins["ES"], bins["PL"]) == (1, 2, 3, 4)
    rows = {row["code"]: row["entry"].count for row in response.context["map"]["rows"]}
    assert rows == {"FR": 2, "IT": 5, "ES": 8, "PL": 12}
    html = response.content.decode()
    # The table fallback links each country to the list of its partnerships.
    assert f'href="{LIST}?country=PL"' in html
    assert "<strong>27</strong> member organisations in 4 countries" in html


def test_map_follows_the_filters(client, officer):
    make(officer, "Four i", _orgs("FR", 2), type="escp_4i")
    make(officer, "Excellence", _orgs("IT", 5), type="cluster_excellence")
    response = client.get(MAP, {"type": "cluster_excellence"})
    bins = areas(response)
    assert (bins["FR"], bins["IT"]) == (0, 2)
    assert f'href="{LIST}?type=cluster_excellence&amp;country=IT"' in response.content.decode()


@pytest.mark.parametrize("who, counted", [("officer", 1), ("insider", 1), ("outsider", 0)])
def test_map_counts_a_draft_only_for_those_who_see_it(client, officer, outsider, who, counted):
    finns = _orgs("FI", 3)
    make(officer, "Hidden draft", finns, publish=False)
    users = {
        "officer": officer,
        "insider": OrganisationFactory.add_person(finns[2], role="member"),
        "outsider": outsider,
    }
    client.force_login(users[who])
    assert areas(client.get(MAP))["FI"] == counted


def test_map_with_a_bad_filter_names_it_and_counts_nothing(client, published):
    response = client.get(MAP, {"year": "soon"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>year</strong>" in html
    assert response.context["map"]["total"] == 0
    assert set(areas(response).values()) == {0}


def test_map_query_count_is_constant(client, officer, django_assert_max_num_queries):
    counts = []
    for n in (2, 30):
        make(officer, f"Map {n}", _orgs("DE", n))
        with django_assert_max_num_queries(7) as captured:
            client.get(MAP, {"type": "escp_4i"})
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- detail ---------------------------------------------------------------------------------


def test_detail_for_anonymous_visitors(client, published, cluster, partner):
    response = client.get(detail_url(published))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Green Bridges" in html
    assert cluster.name in html and partner.name in html
    assert cluster.get_absolute_url() in html
    # Members' contact persons are personal data: never on this page.
    for org in (cluster, partner):
        assert org.contact_email not in html
    assert "Erika Mustermann" not in html
    assert "+49 30 1234567" not in html
    assert 'id="edit-link"' not in html
    assert response.context["can_submit"] is False
    assert response.context["can_decide"] is False


def test_draft_detail_is_404_for_outsiders(client, outsider, draft):
    assert client.get(detail_url(draft)).status_code == 404
    client.force_login(outsider)
    assert client.get(detail_url(draft)).status_code == 404


@pytest.mark.parametrize(
    "who, can_edit, can_submit, can_decide",
    [
        ("member", False, False, False),
        ("manager", True, True, False),
        ("officer", True, False, True),
    ],
)
def test_detail_per_role(client, request, draft, who, can_edit, can_submit, can_decide):
    client.force_login(request.getfixturevalue(who))
    response = client.get(detail_url(draft))
    assert response.status_code == 200
    assert ('id="edit-link"' in response.content.decode()) is can_edit
    assert response.context["can_submit"] is can_submit
    assert response.context["can_decide"] is can_decide
    assert response.context["reports"] == []


def test_detail_shows_facts_members_map_and_events(client, officer, cluster, partner):
    programme = Programme.objects.create(code="cgi", name="Clusters Go International")
    call = Call.objects.create(programme=programme, code="CGI-2014", name="CGI 2014", year=2014)
    hidden = OrganisationFactory(country="IT", name="Draft Member", status="draft")
    p = make(
        officer,
        "Full Facts",
        [cluster, partner, hidden],
        call=call,
        phase="preparatory",
        eu_budget=Decimal("250000"),
        website="https://full-facts.example.org",
        description="We connect wind clusters.",
        target_countries="JP, CN",
    )
    shown = make_event(name="Bridges B2B", partnership=p)
    make_event(name="Secret draft event", partnership=p, status="draft")
    response = client.get(detail_url(p))
    html = response.content.decode()
    for text in (
        "Clusters Go International",
        "CGI-2014",
        "Preparatory",
        "€250,000",
        "https://full-facts.example.org",
        "We connect wind clusters.",
        "Japan",
        "China",
        "Coordinator",
        "Draft Member",
        "Bridges B2B",
        shown.get_absolute_url(),
    ):
        assert text in html, text
    assert "Secret draft event" not in html
    # A draft organisation is named as a member but not linked.
    assert hidden.get_absolute_url() not in html
    assert [m.role for m in response.context["members"]] == [
        Role.COORDINATOR,
        Role.PARTNER,
        Role.PARTNER,
    ]
    bins = areas(response)
    assert (bins["DE"], bins["FR"], bins["IT"], bins["AT"]) == (1, 1, 1, 0)


def test_detail_of_unknown_slug_is_404(client):
    assert client.get("/partnerships/no-such-thing/").status_code == 404


@pytest.mark.parametrize("who", [None, "manager"])
def test_detail_query_count_does_not_grow_with_members(
    client, officer, cluster, request, who, django_assert_max_num_queries
):
    if who:
        client.force_login(request.getfixturevalue(who))
    counts = []
    for n in (3, 25):
        p = make(officer, f"Members {n}", [cluster, *_orgs("FR", n)])
        make_event(name=f"Event {n}", partnership=p)
        with django_assert_max_num_queries(14) as captured:
            response = client.get(detail_url(p))
        assert len(response.context["members"]) == n + 1
        counts.append(len(captured))
    assert counts[0] == counts[1]
