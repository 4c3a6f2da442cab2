"""Partner search: relevance, typos, every filter alone and combined, NUTS, bad parameters."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.http import QueryDict
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from clusters.filters import OrganisationFilterSet
from clusters.models import (
    CollaborationType,
    EmergingIndustry,
    IndustrialEcosystem,
    Organisation,
    Region,
    Technology,
    ThematicArea,
)
from clusters.search import refresh_search_vectors
from clusters.services import topics_from_names

from ..factories import OrganisationFactory

pytestmark = pytest.mark.django_db
API = reverse("api:organisation-list")
ON_POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]
postgres_only = pytest.mark.skipif(
    not ON_POSTGRES, reason="ranking uses PostgreSQL full-text search; CI runs it on PostgreSQL"
)


def names(params: dict) -> list[str]:
    """Run the FilterSet as a request would: a QueryDict built from the parameters."""
    data = QueryDict(urlencode(params, doseq=True))
    fs = OrganisationFilterSet(data, queryset=Organisation.objects.published())
    assert fs.is_valid(), fs.errors
    return [o.name for o in fs.qs]


@postgres_only
class TestRelevance:
    def test_exact_name_match_ranks_first(self):
        OrganisationFactory(
            name="Photonics Hub Nordic",
            description="Nordic photonics, photonics and more photonics for Nordic firms.",
        )
        OrganisationFactory(name="Nordic Photonics", description="Lasers.")
        OrganisationFactory(name="Baltic Lasers", description="We work with Nordic Photonics.")
        assert names({"q": "Nordic Photonics"})[0] == "Nordic Photonics"

    def test_description_match_outranks_city_match(self):
        OrganisationFactory(name="Alpha Mobility", city="Graz", description="Vehicles.")
        OrganisationFactory(
            name="Beta Mobility", city="Linz", description="Our test track near Graz."
        )
        assert names({"q": "graz"}) == ["Beta Mobility", "Alpha Mobility"]

    def test_offers_and_topics_are_searchable_and_follow_tag_changes(
        self, django_capture_on_commit_callbacks
    ):
        org = OrganisationFactory(name="Quiet Company", description="Nothing to see.")
        assert names({"q": "cryogenics"}) == []
        with django_capture_on_commit_callbacks(execute=True):
            org.offers_topics.set(topics_from_names(["cryogenic storage"]))
        assert names({"q": "cryogenics"}) == ["Quiet Company"]

    def test_region_name_is_searchable(self):
        region = Region.objects.get(code="LT011")
        OrganisationFactory(name="Vilnius Lasers", country="LT", region=region)
        refresh_search_vectors()
        assert names({"q": region.name}) == ["Vilnius Lasers"]

    def test_renaming_a_region_or_topic_updates_the_documents(
        self, django_capture_on_commit_callbacks
    ):
        region = Region.objects.get(code="LT011")
        org = OrganisationFactory(name="Renamed Region Org", country="LT", region=region)
        org.offers_topics.set(topics_from_names(["glassblowing"]))
        refresh_search_vectors([org.pk])
        with django_capture_on_commit_callbacks(execute=True):
            region.name = "Zorblax County"
            region.save()
            topic = org.offers_topics.get()
            topic.name = "Quasicrystal growth"
            topic.save()
        assert names({"q": "Zorblax"}) == ["Renamed Region Org"]
        assert names({"q": "quasicrystal"}) == ["Renamed Region Org"]

    @pytest.mark.parametrize("typo", ["fotonics", "Photonicz", "photnics valley"])
    def test_typo_in_a_name_still_finds_it(self, typo):
        OrganisationFactory(name="Photonics Valley", description="Lasers and optics.")
        OrganisationFactory(name="Wood Cluster", description="Timber.")
        assert names({"q": typo}) == ["Photonics Valley"]

    def test_relevance_is_the_default_order_with_text(self):
        OrganisationFactory(name="A Hydrogen Thing", city="Hydrogen")  # weak: name word + city
        OrganisationFactory(name="Hydrogen", description="Hydrogen.")
        assert names({"q": "hydrogen"})[0] == "Hydrogen"
        assert names({"q": "hydrogen", "ordering": "name"})[0] == "A Hydrogen Thing"


def test_text_search_matches_words_anywhere_portably():
    OrganisationFactory(name="Wood Valley", description="Timber houses.")
    OrganisationFactory(name="Steel Works", description="Heavy wood-free steel.")
    OrganisationFactory(name="Paper Mill", offers="Recycled paper")
    assert set(names({"q": "timber"})) == {"Wood Valley"}
    assert set(names({"q": "recycled paper"})) == {"Paper Mill"}


class TestNutsHierarchy:
    @pytest.fixture
    def orgs(self):
        regions = {c: Region.objects.get(code=c) for c in ("DE111", "DE11", "DE21", "FR10")}
        for code, region in regions.items():
            OrganisationFactory(name=f"Org {code}", region=region, country=region.country)

    @pytest.mark.parametrize(
        ("code", "expected"),
        [
            ("DE", {"Org DE111", "Org DE11", "Org DE21"}),
            ("DE1", {"Org DE111", "Org DE11"}),
            ("de11", {"Org DE111", "Org DE11"}),
            ("DE111", {"Org DE111"}),
            ("FR1", {"Org FR10"}),
        ],
    )
    def test_a_code_matches_itself_and_everything_below(self, orgs, code, expected):
        assert set(names({"region": code})) == expected

    def test_several_regions_or_together(self, orgs):
        assert set(names({"region": ["DE21", "FR10"]})) == {"Org DE21", "Org FR10"}


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("sector", "no-such-sector"),
        ("region", "XX9"),
        ("country", "QQ"),
        ("kind", "spaceship"),
        ("label", "platinum"),
        ("founded_after", "last-year"),
        ("founded_after", "1200"),
        ("ordering", "bogus"),
        ("target_country", "QQ"),
        ("offers", "never-used-topic"),
        ("ecosystem", "nope"),
        ("collaboration_type", "nope"),
    ],
)
def test_bad_parameter_is_a_400_naming_it(api_client, param, value):
    response = api_client.get(API, {param: value})
    assert response.status_code == 400
    assert param in response.json()


# ---- Every filter, alone and combined, against a Python model of what it means ----

TODAY = datetime.date(2026, 6, 1)


@pytest.fixture
def catalogue(db):
    """Twelve organisations whose attributes cover every filter's values."""
    eco = {e.code: e for e in IndustrialEcosystem.objects.filter(code__in=["health", "digital"])}
    tech = {t.code: t for t in Technology.objects.filter(code__in=["photonics", "robotics"])}
    emerging = EmergingIndustry.objects.get(code="biopharmaceuticals")
    area = ThematicArea.objects.get(code="3d-printing")
    collab = CollaborationType.objects.get(code="rd-projects")
    topics = dict(zip(["laser", "pilots"], topics_from_names(["laser", "pilots"]), strict=True))
    de = Region.objects.get(code="DE11")
    rows = []
    for i in range(12):
        org = OrganisationFactory(
            name=f"Catalogue {i:02d}",
            kind=["cluster", "sme", "rto"][i % 3],
            country=["DE", "FR", "IT", "ES"][i % 4],
            region=de if i % 4 == 0 and i % 8 == 0 else None,
            founded_year=1990 + 3 * i,
            target_countries=["JP"] if i % 5 == 0 else (["US", "JP"] if i % 5 == 1 else []),
            label=["gold", "silver", ""][i % 3] if i % 3 == 0 else "",
            label_valid_until=(
                datetime.date(2099, 1, 1) if i % 6 == 0 else datetime.date(2000, 1, 1)
            )
            if i % 3 == 0
            else None,
            sectors=["automotive"] if i % 2 else ["biopharmaceuticals"],
        )
        org.ecosystems.set([eco["health"]] if i % 4 < 2 else [eco["digital"]])
        org.technologies.set([tech["photonics"]] if i % 3 else [tech["robotics"]])
        if i % 5 == 2:
            org.emerging_industries.set([emerging])
        if i % 6 == 3:
            org.thematic_areas.set([area])
        if i % 2 == 0:
            org.collaboration_types.set([collab])
        if i % 4 == 1:
            org.offers_topics.set([topics["laser"]])
        if i % 4 == 2:
            org.looks_for_topics.set([topics["pilots"]])
        rows.append(org)
    return rows


def _expected(org: Organisation, params: dict) -> bool:
    checks = {
        "kind": lambda v: org.kind in v,
        "country": lambda v: str(org.country) in v,
        "region": lambda v: bool(org.region) and any(org.region.code.startswith(c) for c in v),
        "sector": lambda v: bool({s.code for s in org.sectors.all()} & set(v)),
        "ecosystem": lambda v: bool({e.code for e in org.ecosystems.all()} & set(v)),
        "technology": lambda v: bool({t.code for t in org.technologies.all()} & set(v)),
        "emerging_industry": lambda v: bool(
            {e.code for e in org.emerging_industries.all()} & set(v)
        ),
        "thematic_area": lambda v: bool({t.code for t in org.thematic_areas.all()} & set(v)),
        "collaboration_type": lambda v: bool(
            {c.code for c in org.collaboration_types.all()} & set(v)
        ),
        "offers": lambda v: bool({t.code for t in org.offers_topics.all()} & set(v)),
        "looks_for": lambda v: bool({t.code for t in org.looks_for_topics.all()} & set(v)),
        "target_country": lambda v: bool({str(c) for c in org.target_countries} & set(v)),
        "founded_after": lambda v: org.founded_year is not None and org.founded_year >= int(v),
        "label": lambda v: org.label_is_valid and (v == "any" or org.label == v),
    }
    return all(checks[k](v) for k, v in params.items())


FILTER_VALUES = {
    "kind": st.lists(
        st.sampled_from(["cluster", "sme", "rto", "university"]), min_size=1, max_size=2
    ),
    "country": st.lists(st.sampled_from(["DE", "FR", "IT", "ES", "PL"]), min_size=1, max_size=2),
    "region": st.lists(st.sampled_from(["DE", "DE1", "DE11", "FR1"]), min_size=1, max_size=2),
    "sector": st.lists(
        st.sampled_from(["automotive", "biopharmaceuticals", "apparel"]), min_size=1, max_size=2
    ),
    "ecosystem": st.lists(st.sampled_from(["health", "digital"]), min_size=1, max_size=2),
    "technology": st.lists(st.sampled_from(["photonics", "robotics"]), min_size=1, max_size=2),
    "emerging_industry": st.just(["biopharmaceuticals"]),
    "thematic_area": st.just(["3d-printing"]),
    "collaboration_type": st.just(["rd-projects"]),
    "offers": st.just(["laser"]),
    "looks_for": st.just(["pilots"]),
    "target_country": st.lists(st.sampled_from(["JP", "US", "KR"]), min_size=1, max_size=2),
    "founded_after": st.sampled_from(["1990", "2000", "2010", "2030"]),
    "label": st.sampled_from(["gold", "silver", "bronze", "any"]),
}


@pytest.mark.parametrize("name", sorted(FILTER_VALUES))
def test_each_filter_alone_selects_something_and_not_everything(catalogue, name):
    example = {
        "kind": ["cluster"], "country": ["DE"], "region": ["DE1"], "sector": ["automotive"],
        "ecosystem": ["health"], "technology": ["robotics"],
        "emerging_industry": ["biopharmaceuticals"], "thematic_area": ["3d-printing"],
        "collaboration_type": ["rd-projects"], "offers": ["laser"], "looks_for": ["pilots"],
        "target_country": ["US"], "founded_after": "2010", "label": "any",
    }[name]  # fmt: skip
    got = set(names({name: example}))
    expected = {o.name for o in catalogue if _expected(o, {name: example})}
    assert got == expected
    assert 0 < len(got) < len(catalogue)


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    params=st.dictionaries(st.sampled_from(sorted(FILTER_VALUES)), st.none(), max_size=4).flatmap(
        lambda keys: st.fixed_dictionaries({k: FILTER_VALUES[k] for k in keys})
    )
)
def test_filters_combine_as_and_of_ors(catalogue, params):
    expected = {o.name for o in catalogue if _expected(o, params)}
    assert set(names(params)) == expected


def test_api_and_page_share_the_filter(client, api_client, catalogue):
    params = {"kind": "cluster", "country": "DE"}
    api_names = {r["name"] for r in api_client.get(API, params).json()["results"]}
    page_names = {
        o.name for o in client.get(reverse("clusters:organisation-list"), params).context["page"]
    }
    assert (
        api_names
        == page_names
        == {o.name for o in catalogue if _expected(o, {"kind": ["cluster"], "country": ["DE"]})}
    )


@pytest.mark.parametrize("page_size", [5, 50])
def test_api_search_query_count_is_constant(api_client, django_assert_max_num_queries, page_size):
    for i in range(50):
        OrganisationFactory(name=f"Laser Org {i:02d}", sectors=["automotive"], kind="sme")
    params = {"q": "laser", "sector": "automotive", "kind": "sme", "page_size": page_size}
    # sector validation + count + page + 8 prefetched tag lists = 11
    with django_assert_max_num_queries(11):
        response = api_client.get(API, params)
    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size


class TestSearchPage:
    url = reverse("clusters:organisation-list")

    def test_facets_count_the_current_result(self, client):
        for i in range(3):
            OrganisationFactory(name=f"DE cluster {i}", kind="cluster", country="DE")
        OrganisationFactory(name="FR sme", kind="sme", country="FR", sectors=["automotive"])
        OrganisationFactory(name="DE sme", kind="sme", country="DE", sectors=["automotive"])
        facets = client.get(self.url, {"country": "DE"}).context["facets"]
        assert {(f.value, f.count) for f in facets["kind"]} == {("cluster", 3), ("sme", 1)}
        assert [(f.value, f.count, f.selected) for f in facets["country"]] == [("DE", 4, True)]
        assert [(f.value, f.count) for f in facets["sector"]] == [("automotive", 1)]
        # A facet link adds its value to the current search (and resets paging).
        sme = next(f for f in facets["kind"] if f.value == "sme")
        assert "country=DE" in sme.url and "kind=sme" in sme.url

    def test_htmx_request_gets_only_the_results_fragment(self, client):
        OrganisationFactory(name="Fragmented")
        response = client.get(
            self.url, {"q": "Fragmented"}, headers={"HX-Request": "true", "HX-Target": "results"}
        )
        body = response.content.decode()
        assert "Fragmented" in body
        assert "<html" not in body and 'id="results"' not in body
        full = client.get(self.url, {"q": "Fragmented"}).content.decode()
        assert "<html" in full and 'id="results"' in full

    def test_empty_result_suggests_removing_the_narrowest_filter(self, client):
        for i in range(4):
            OrganisationFactory(name=f"Italian {i}", kind="sme", country="IT")
        OrganisationFactory(name="Maltese cluster", kind="cluster", country="MT")
        response = client.get(self.url, {"kind": "cluster", "country": "IT"})
        assert response.context["page"].paginator.count == 0
        chip, count = response.context["suggestion"]
        # Without kind=cluster, 4 Italian organisations; without country=IT only 1 cluster.
        assert (chip.param, count) == ("kind", 4)
        assert "Remove “Cluster organisation”" in response.content.decode()

    def test_chips_name_the_filters_and_remove_one_each(self, client):
        OrganisationFactory(sectors=["automotive"])
        chips = client.get(self.url, {"sector": "automotive", "kind": "sme"}).context["chips"]
        assert {(c.label, c.value_label) for c in chips} == {
            ("Sector", "Automotive"),
            ("Kind", "SME"),
        }
        sector_chip = next(c for c in chips if c.param == "sector")
        assert sector_chip.remove_url == "kind=sme"

    def test_anonymous_search_never_shows_contact_data(self, client):
        org = OrganisationFactory(name="Private Contact Org")
        body = client.get(self.url, {"q": "Private"}).content.decode()
        assert "Private Contact Org" in body
        assert org.contact_email not in body and org.contact_phone not in body


def test_blank_fields_are_no_filter(client, api_client):
    OrganisationFactory(name="Anything")
    params = {"q": "", "region": "", "sector": "", "offers": "", "kind": "", "founded_after": ""}
    assert api_client.get(API, params).json()["count"] == 1
    response = client.get(reverse("clusters:organisation-list"), params)
    assert response.context["page"].paginator.count == 1
    assert response.context["querystring"] == ""


def test_search_page_offers_to_save_and_then_shows_it_saved(client, user):
    OrganisationFactory(kind="cluster", country="DE")
    url = reverse("clusters:organisation-list")
    anonymous = client.get(url, {"kind": "cluster"}).content.decode()
    assert "Log in to save this search" in anonymous
    client.force_login(user)
    assert "Save this search" in client.get(url, {"kind": "cluster"}).content.decode()
    client.post(reverse("clusters:saved-search-create"), {"query": "kind=cluster", "digest": "1"})
    body = client.get(url, {"kind": "cluster"}).content.decode()
    assert "You saved this search as" in body
