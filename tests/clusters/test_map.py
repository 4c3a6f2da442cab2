"""The organisations map: bins, geometry, the search's filters, links, privacy, queries."""

from __future__ import annotations

import json
import re

import pytest
from django.http import QueryDict
from django.urls import reverse

from clusters import maps
from clusters.models import Region

from ..factories import OrganisationFactory

MAP = reverse("clusters:organisation-map")
LIST = reverse("clusters:organisation-list")
AREA = re.compile(r'<path class="area bin-(\d)" data-code="([A-Z0-9+]+)"')


def bins(response) -> dict[str, int]:
    """Shape id -> bin index, as drawn."""
    return {code: int(index) for index, code in AREA.findall(response.content.decode())}


def links(response) -> dict[str, QueryDict]:
    """Country or region code -> the query of the list link its shape carries."""
    html = response.content.decode()
    found = {}
    pattern = (
        r'<a href="([^"]+)" aria-label="[^"]*"><title>[^<]*</title>\s*'
        r'<path [^>]*data-code="([^"]+)"'
    )
    for href, code in re.findall(pattern, html):
        path, _, query = href.replace("&amp;", "&").partition("?")
        assert path == LIST
        found[code] = QueryDict(query)
    return found


# --- bins, projection, geometry (no database) ---------------------------------------------


@pytest.mark.parametrize(
    ("count", "index", "label"),
    [
        (0, 0, "0"),
        (1, 1, "1-3"),
        (3, 1, "1-3"),
        (4, 2, "4-6"),
        (6, 2, "4-6"),
        (7, 3, "7-9"),
        (9, 3, "7-9"),
        (10, 4, "10+"),
        (250, 4, "10+"),
    ],
)
def test_bin_for(count, index, label):
    assert maps.bin_for(count) == (index, label)


def test_projection_is_centred_on_10e_52n():
    x, y = maps.project(10, 52)
    assert (round(x, 6), round(y, 6)) == (0, 0)
    east, _ = maps.project(20, 52)
    _, north = maps.project(10, 60)
    assert east > 0 and north < 0  # SVG: y grows southwards
    # Equal-area scale: about 111 km per degree of latitude near the centre.
    assert 105 < maps.project(10, 51)[1] - maps.project(10, 52)[1] < 115


def test_country_geometry_covers_europe_and_small_states():
    shapes = maps.layer("countries").shapes
    for code in ["DE", "FR", "GR", "CY", "MT", "LU", "LI", "IS", "XK", "NO", "CH", "UA", "TR"]:
        assert shapes[code].d.startswith("M"), code
    assert "EL" not in shapes and "AX" not in shapes  # Greece is GR, Åland is drawn as FI
    assert shapes["MT"].area_km2 < maps.MARKER_BELOW_KM2 < shapes["CY"].area_km2
    # Every programme country is on the map.
    assert maps.programme_countries() <= set(shapes)


def _square(lon: float, lat: float, size: float = 0.5) -> list[int]:
    """One ring in the vendored format: absolute first point, then differences (1/1000°)."""
    step = round(size * 1000)
    return [round(lon * 1000), round(lat * 1000), step, 0, 0, step, -step, 0]


@pytest.fixture
def needs_regions(tmp_path, settings):
    """A small NUTS-2 file in the vendored format (the real one is not shipped: Eurostat's
    boundaries are licensed for non-commercial use only; see static/vendor/geo/README.md)."""
    features = [
        {"id": "DE21", "country": "DE", "rings": [_square(11.5, 48.0)]},
        {"id": "DE11", "country": "DE", "rings": [_square(9.2, 48.8)]},
        {"id": "EL30", "country": "GR", "rings": [_square(23.7, 38.0)]},
        {"id": "PT1A+PT1B", "country": "PT", "rings": [_square(-9.1, 38.7)]},
    ]
    path = tmp_path / "nuts2.json"
    path.write_text(json.dumps({"scale": 1000, "features": features}), encoding="utf-8")
    settings.NUTS2_GEOMETRY_FILE = str(path)
    maps._load.cache_clear()
    maps.layer.cache_clear()
    yield path
    maps._load.cache_clear()
    maps.layer.cache_clear()


def test_no_region_geometry_is_shipped_by_default(settings):
    # Eurostat's NUTS boundaries may not be used commercially: an operator opts in.
    settings.NUTS2_GEOMETRY_FILE = ""
    assert not maps.regions_file().exists()
    assert not maps.regions_available()


def test_region_geometry_is_read_from_the_configured_file(needs_regions):
    assert maps.regions_available()
    shapes = maps.layer("regions").shapes
    assert set(shapes) == {"DE21", "DE11", "EL30", "PT1A+PT1B"}
    assert shapes["PT1A+PT1B"].codes == ("PT1A", "PT1B")
    assert shapes["EL30"].country == "GR"
    assert shapes["DE21"].d.startswith("M")


def test_svg_escapes_labels_and_links():
    layer = maps.layer("countries")
    svg = maps.render_svg(
        layer,
        {"DE": maps.Entry('<b>"Germany"</b>', 12, "/organisations/?q=a&country=DE")},
        "Title <x>",
        "Desc & more",
    )
    assert "<b>" not in svg and "&lt;b&gt;&quot;Germany&quot;" in svg
    assert 'href="/organisations/?q=a&amp;country=DE"' in svg
    assert "Title &lt;x&gt;" in svg and "Desc &amp; more" in svg
    assert ": 12 organisations" in svg


# --- the page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_country_in_its_bin(client):
    for code, count in {"FR": 2, "IT": 5, "ES": 8, "DE": 12}.items():
        for _ in range(count):
            OrganisationFactory(country=code)
    response = client.get(MAP)
    assert response.status_code == 200
    drawn = bins(response)
    assert drawn["EE"] == 0  # a programme country without organisations
    assert (drawn["FR"], drawn["IT"], drawn["ES"], drawn["DE"]) == (1, 2, 3, 4)
    assert "RU" not in drawn  # outside the programme and without organisations: background
    html = response.content.decode()
    assert "<title>Germany: 12 organisations</title>" in html
    assert "<title>Estonia: 0 organisations</title>" in html
    assert response.context["total"] == 27
    # The table: largest first, each row linking to the filtered list.
    rows = [(row["code"], row["entry"].count) for row in response.context["rows"]]
    assert rows == [("DE", 12), ("ES", 8), ("IT", 5), ("FR", 2)]
    assert f'href="{LIST}?country=DE"' in html


@pytest.mark.django_db
def test_country_outside_the_programme_is_drawn_when_it_has_organisations(client):
    OrganisationFactory(country="GB")
    OrganisationFactory(country="JP")
    response = client.get(MAP)
    assert bins(response)["GB"] == 1
    rows = {row["code"]: row for row in response.context["rows"]}
    assert rows["JP"]["on_map"] is False and rows["GB"]["on_map"] is True
    assert "(not on the map)" in response.content.decode()


@pytest.mark.django_db
def test_filters_apply_to_the_counts(client):
    for _ in range(5):
        OrganisationFactory(country="DE", kind="cluster", sectors=["automotive"])
    for _ in range(3):
        OrganisationFactory(country="DE", kind="sme")
    OrganisationFactory(country="FR", kind="sme", sectors=["automotive"])

    assert bins(client.get(MAP))["DE"] == 3  # 8
    by_kind = client.get(MAP, {"kind": "cluster"})
    assert bins(by_kind)["DE"] == 2 and bins(by_kind)["FR"] == 0  # 5 and 0
    by_sector = client.get(MAP, {"sector": "automotive"})
    assert bins(by_sector)["DE"] == 2 and bins(by_sector)["FR"] == 1  # 5 and 1
    both = client.get(MAP, {"sector": "automotive", "kind": "sme"})
    assert both.context["total"] == 1
    assert bins(both)["DE"] == 0
    # The text search's relevance annotation and ordering do not disturb the GROUP BY.
    searched = client.get(MAP, {"q": "Test Organisation", "ordering": "relevance"})
    assert searched.status_code == 200
    assert searched.context["total"] == 9


@pytest.mark.django_db
def test_country_link_keeps_the_other_filters(client):
    OrganisationFactory(country="DE", kind="cluster", sectors=["automotive"])
    OrganisationFactory(country="AT", kind="cluster", sectors=["automotive"])
    params = {"kind": "cluster", "sector": "automotive", "country": ["DE", "AT"], "page": "3"}
    response = client.get(MAP, params)
    found = links(response)
    assert set(found) == {"DE", "AT"}
    query = found["DE"]
    assert query.getlist("country") == ["DE"]
    assert query["kind"] == "cluster" and query["sector"] == "automotive"
    assert "page" not in query and "view" not in query
    # The way back to the list keeps every filter, and no page.
    html = response.content.decode()
    back = re.search(r'<a href="([^"]+)">Show as a list</a>', html).group(1)
    back_query = QueryDict(back.replace("&amp;", "&").partition("?")[2])
    assert back_query.getlist("country") == ["DE", "AT"] and "page" not in back_query


@pytest.mark.django_db
def test_invalid_filter_shows_the_error_and_an_empty_map(client):
    OrganisationFactory(country="DE")
    response = client.get(MAP, {"kind": "nonsense", "founded_after": "soon"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>kind</strong>" in html and "nonsense" in html
    assert "<strong>founded_after</strong>" in html
    assert response.context["total"] == 0
    assert set(bins(response).values()) == {0}
    assert not links(response)


@pytest.mark.django_db
def test_drafts_are_not_counted_for_anonymous_visitors(client, staff_user):
    OrganisationFactory(country="DE")
    for _ in range(4):
        OrganisationFactory(country="DE", status="draft")
    response = client.get(MAP)
    assert response.context["total"] == 1 and bins(response)["DE"] == 1
    client.force_login(staff_user)
    assert client.get(MAP).context["total"] == 5


@pytest.mark.django_db
def test_region_view_counts_nuts2_from_level_2_and_3_regions(client, needs_regions):
    def region(code):
        return Region.objects.get(code=code)

    OrganisationFactory(country="DE", region=region("DE21"))  # NUTS 2: Oberbayern
    OrganisationFactory(country="DE", region=region("DE212"))  # NUTS 3 in Oberbayern
    OrganisationFactory(country="PT", region=region("PT1B"))  # drawn with PT1A
    OrganisationFactory(country="DE", region=region("DE2"))  # NUTS 1 only: not placed
    OrganisationFactory(country="FR", region=None)
    response = client.get(MAP, {"view": "regions", "kind": "sme"})
    assert response.status_code == 200
    drawn = bins(response)
    assert drawn["DE21"] == 1 and drawn["PT1A+PT1B"] == 1 and drawn["DE11"] == 0
    found = links(response)
    assert found["DE21"].getlist("region") == ["DE21"] and found["DE21"]["kind"] == "sme"
    assert found["PT1A+PT1B"].getlist("region") == ["PT1A", "PT1B"]
    assert response.context["total"] == 5
    assert response.context["unplaced"] == 2
    codes = [row["code"] for row in response.context["rows"]]
    assert codes == ["DE21", "PT1B"]
    # The view switch keeps the filters.
    assert 'href="?kind=sme"' in response.content.decode()


@pytest.mark.django_db
def test_without_the_nuts_file_the_map_shows_countries_only(client, monkeypatch):
    monkeypatch.setattr(maps, "regions_available", lambda: False)
    OrganisationFactory(country="DE")
    response = client.get(MAP, {"view": "regions"})
    assert response.status_code == 200
    assert response.context["view"] == "countries" and response.context["views"] == []
    assert bins(response)["DE"] == 1
    assert "NUTS-2 regions" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["countries", "regions"])
def test_query_count_is_constant(client, django_assert_max_num_queries, view, request):
    if view == "regions":
        request.getfixturevalue("needs_regions")
    params = {"view": view, "sector": "automotive", "q": "Test"}
    region = Region.objects.get(code="DE212")
    used = []
    for total in (5, 50):
        while len(used) < total:
            country = ["DE", "FR", "IT", "PL", "ES"][len(used) % 5]
            used.append(
                OrganisationFactory(
                    country=country,
                    region=region if country == "DE" else None,
                    sectors=["automotive"],
                )
            )
        # Anonymous: validating the sector value, the GROUP BY per country, and on the
        # region view the region names and the GROUP BY per region.
        with django_assert_max_num_queries(4) as captured:
            response = client.get(MAP, params)
        assert response.status_code == 200
        assert response.context["total"] == total
        if total == 5:
            queries_for_5 = len(captured.captured_queries)
    assert len(captured.captured_queries) == queries_for_5


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["countries", "regions"])
def test_page_loads_nothing_from_another_host(client, view, request):
    if view == "regions":
        request.getfixturevalue("needs_regions")
    OrganisationFactory(country="DE")
    html = client.get(MAP, {"view": view}).content.decode()
    for url in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert url.startswith(("/", "?", "#")) and not url.startswith("//"), url
    for host in ("//cdn", "unpkg", "jsdelivr", "tile.", "/tiles", "http://", "https://"):
        assert host not in html, host
