"""Exports (CSV, XLSX) of partnerships, their members and organisations: columns, values,
escaping, permissions, query counts and filter errors. Background jobs: test_export_jobs.py."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters.exports import writers
from clusters.exports.columns import COLUMNS, headers
from clusters.models import (
    Call,
    ExportJob,
    Partnership,
    PartnershipMember,
    Programme,
    Sector,
    ThematicArea,
)
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
KINDS = ("partnerships", "members", "organisations")
FORMATS = ("csv", "xlsx")
FORMULA = '=HYPERLINK("http://evil.example","click")'


def url(kind: str, fmt: str, query: str = "") -> str:
    base = reverse("clusters:export", kwargs={"kind": kind, "fmt": fmt})
    return f"{base}?{query}" if query else base


def content(response) -> bytes:
    # The test client closes the response once its content is read (as a WSGI server would).
    return b"".join(response.streaming_content)


def read(response, fmt: str) -> list[list]:
    """The file's rows, as CSV text or as XLSX cell values."""
    body = content(response)
    if fmt == "csv":
        assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def as_dicts(rows: list[list]) -> list[dict]:
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def make_partnership(name: str, *, status: str = "published", members=(), **fields):
    fields.setdefault("type", "escp_4i")
    slug = name.lower().replace(" ", "-")
    p = Partnership.objects.create(name=name, slug=slug, status=status, **fields)
    for org, role in members:
        PartnershipMember.objects.create(partnership=p, organisation=org, role=role)
        if role == "coordinator":
            Partnership.objects.filter(pk=p.pk).update(coordinator=org)
    return p


@pytest.fixture
def programme():
    return Programme.objects.create(code="cgi", name="Clusters Go International")


@pytest.fixture
def green(cluster, programme):
    """A published partnership with every column filled."""
    call = Call.objects.create(programme=programme, code="COS-2014", name="2014", year=2014)
    sme = OrganisationFactory(name="Süd Bäckerei", country="AT")
    p = make_partnership(
        "Green Bridges",
        members=[(cluster, "coordinator"), (sme, "partner")],
        acronym="GB",
        programme=programme,
        call=call,
        phase="implementation",
        starts_on=date(2024, 1, 1),
        ends_on=date(2025, 12, 31),
        eu_budget=Decimal("1234567.50"),
        target_countries="JP, US",
        website="https://green.example.org",
    )
    p.sectors.set(Sector.objects.order_by("code")[:2])
    p.thematic_areas.set(ThematicArea.objects.order_by("code")[:1])
    return p


@pytest.fixture
def draft(user):
    """A draft partnership of an organisation ``user`` manages."""
    org = OrganisationFactory(kind="cluster", name="Draft Cluster")
    OrganisationFactory.add_person(org, role="manager", user=user)
    return make_partnership("Secret Draft", status="draft", members=[(org, "coordinator")])


# --- columns and values ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_header_row_is_the_column_keys(client, green, kind, fmt):
    response = client.get(url(kind, fmt))
    assert response.status_code == 200
    rows = read(response, fmt)
    assert rows[0] == headers(kind)
    assert len(rows) > 1  # and rows follow


@pytest.mark.parametrize("fmt", FORMATS)
def test_attachment_name_and_content_type(client, green, fmt):
    response = client.get(url("partnerships", fmt))
    today = date.today().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="partnerships-{today}.{fmt}"'
    assert response["Content-Type"] == writers.CONTENT_TYPES[fmt]
    assert "no-store" in response["Cache-Control"]
    content(response)


def test_csv_values_are_plain_text(client, green):
    (row,) = as_dicts(read(client.get(url("partnerships", "csv")), "csv"))
    assert row["name"] == "Green Bridges"
    assert row["programme"] == "cgi"
    assert row["call_year"] == "2014"
    assert row["starts_on"] == "2024-01-01"
    assert row["eu_budget"] == "1234567.50"
    assert row["member_count"] == "2"
    assert row["member_countries"] == "AT;DE"
    assert row["target_countries"] == "JP;US"
    assert row["phase"] == "implementation"


def test_xlsx_dates_are_dates_and_numbers_numbers(client, green):
    body = content(client.get(url("partnerships", "xlsx")))
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    keys = [c.value for c in sheet[1]]
    cells = dict(zip(keys, sheet[2], strict=True))
    assert cells["starts_on"].is_date
    assert cells["starts_on"].value == datetime(2024, 1, 1)
    assert cells["eu_budget"].data_type == "n"
    assert cells["eu_budget"].value == pytest.approx(1234567.5)
    assert cells["member_count"].value == 2
    assert cells["call_year"].value == 2014
    assert cells["name"].value == "Green Bridges"
    assert sheet[1][0].font.bold


@pytest.mark.parametrize("fmt", FORMATS)
def test_members_rows_name_partnership_and_organisation(client, green, cluster, fmt):
    rows = as_dicts(read(client.get(url("members", fmt)), fmt))
    assert [(r["partnership"], r["organisation"], r["role"]) for r in rows] == [
        ("green-bridges", cluster.slug, "coordinator"),
        ("green-bridges", "sud-backerei", "partner"),
    ]
    assert rows[1]["organisation_name"] == "Süd Bäckerei"  # accents survive


@pytest.mark.parametrize("fmt", FORMATS)
def test_organisation_rows_carry_tags_and_never_contact_data(client, fmt):
    org = OrganisationFactory(
        name="Tagged Org", sectors=["automotive", "aerospace-vehicles-and-defence"]
    )
    rows = as_dicts(read(client.get(url("organisations", fmt)), fmt))
    (row,) = [r for r in rows if r["slug"] == org.slug]
    assert row["sectors"] == "aerospace-vehicles-and-defence;automotive"
    flat = repr(rows)
    assert org.contact_email not in flat and "Mustermann" not in flat


def test_formula_cells_are_escaped_in_csv_and_text_in_xlsx(client, cluster):
    make_partnership(FORMULA, members=[(cluster, "coordinator")], acronym="+cmd|' /C calc'!A0")
    (row,) = as_dicts(read(client.get(url("partnerships", "csv")), "csv"))
    assert row["name"] == "'" + FORMULA
    assert row["acronym"] == "'+cmd|' /C calc'!A0"
    assert writers.unescape(row["name"]) == FORMULA

    body = content(client.get(url("partnerships", "xlsx")))
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    keys = [c.value for c in sheet[1]]
    cells = dict(zip(keys, sheet[2], strict=True))
    assert cells["name"].data_type == "s"  # a text cell, never a formula
    assert cells["name"].value == FORMULA


def test_cell_rules():
    assert writers.csv_cell(None) == ""
    assert writers.csv_cell(Decimal("1E+6")) == "1000000"
    assert writers.csv_cell(date(2026, 11, 24)) == "2026-11-24"
    assert writers.csv_cell(7) == "7"
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert writers.csv_cell(f"{start}x") == f"'{start}x"
        assert writers.unescape(writers.escape(f"{start}x")) == f"{start}x"
    assert writers.unescape("'plain") == "'plain"  # only what escape added is removed


def test_xlsx_drops_characters_a_workbook_cannot_hold():
    body = b"".join(writers.xlsx_chunks(COLUMNS["partnerships"][1:2], [_Named("bell\x07 ok")]))
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet["A2"].value == "bell ok"


class _Named:
    def __init__(self, name: str):
        self.name = name


def test_csv_comes_in_chunks_of_bounded_size():
    objects = [_Named("x" * 100) for _ in range(3000)]
    chunks = list(writers.csv_chunks(COLUMNS["partnerships"][1:2], objects))
    assert len(chunks) > 3
    assert max(len(c) for c in chunks) < writers.CHUNK_BYTES + 1000


# --- who sees what -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_drafts_are_not_exported_to_anonymous_visitors(client, green, draft, fmt):
    names = [r["name"] for r in as_dicts(read(client.get(url("partnerships", fmt)), fmt))]
    assert names == ["Green Bridges"]
    members = as_dicts(read(client.get(url("members", fmt)), fmt))
    assert {r["partnership"] for r in members} == {"green-bridges"}


def test_members_of_a_draft_and_officers_export_it(client, green, draft, user, officer):
    client.force_login(user)
    names = {r["name"] for r in as_dicts(read(client.get(url("partnerships", "csv")), "csv"))}
    assert names == {"Green Bridges", "Secret Draft"}
    client.force_login(officer)
    query = "status=draft"
    names = {
        r["name"] for r in as_dicts(read(client.get(url("partnerships", "csv", query)), "csv"))
    }
    assert names == {"Secret Draft"}


def test_draft_organisations_only_for_their_people(client, user):
    public = OrganisationFactory(name="Public Org")
    hidden = OrganisationFactory(name="Hidden Org", status="draft")
    slugs = {r["slug"] for r in as_dicts(read(client.get(url("organisations", "csv")), "csv"))}
    assert public.slug in slugs and hidden.slug not in slugs
    OrganisationFactory.add_person(hidden, role="member", user=user)
    client.force_login(user)
    slugs = {r["slug"] for r in as_dicts(read(client.get(url("organisations", "csv")), "csv"))}
    assert hidden.slug in slugs


# --- filters -----------------------------------------------------------------------------


def test_filters_are_the_list_filters(client, green, cluster):
    other = make_partnership("Blue Alps", members=[(cluster, "partner")], type="jci")
    rows = as_dicts(read(client.get(url("partnerships", "csv", "type=jci")), "csv"))
    assert [r["slug"] for r in rows] == [other.slug]
    # Members of the partnerships with a member in Austria: only Green Bridges has one.
    rows = as_dicts(read(client.get(url("members", "csv", "country=AT")), "csv"))
    assert {r["partnership"] for r in rows} == {"green-bridges"}
    rows = as_dicts(read(client.get(url("organisations", "csv", "country=AT")), "csv"))
    assert [r["slug"] for r in rows] == ["sud-backerei"]


@pytest.mark.parametrize(
    ("kind", "query", "param"),
    [
        ("partnerships", "sector=no-such-sector", "sector"),
        ("members", "year=nineteen", "year"),
        ("organisations", "kind=spaceship", "kind"),
    ],
)
def test_invalid_filter_is_a_400_naming_the_parameter(client, kind, query, param):
    response = client.get(url(kind, "csv", query))
    assert response.status_code == 400
    assert f"<strong>{param}</strong>" in response.content.decode()
    response = client.get(url(kind, "xlsx", query), HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert list(response.json()) == [param]
    assert not ExportJob.objects.exists()


def test_blank_and_page_parameters_are_not_filters(client, green):
    rows = read(client.get(url("partnerships", "csv", "sector=&page=3&format=json")), "csv")
    assert len(rows) == 2


def test_unknown_kind_or_format_is_a_404(client):
    assert client.get("/exports/people.csv").status_code == 404
    assert client.get("/exports/partnerships.pdf").status_code == 404


def test_export_answers_get_only(client):
    assert client.post(url("partnerships", "csv")).status_code == 405


# --- query counts ------------------------------------------------------------------------


def _queries(client, kind: str, fmt: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url(kind, fmt))
        assert response.status_code == 200
        content(response)
    return len(captured)


def _populate(n: int, start: int) -> None:
    sectors = list(Sector.objects.order_by("code")[:3])
    for i in range(start, start + n):
        org = OrganisationFactory(name=f"Member {i}", sectors=["automotive"])
        p = make_partnership(f"Partnership {i}", members=[(org, "coordinator")])
        p.sectors.set(sectors)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_query_count_does_not_grow_with_rows(client, kind, fmt, django_assert_max_num_queries):
    _populate(10, 0)
    small = _queries(client, kind, fmt)
    _populate(40, 10)
    with django_assert_max_num_queries(small):
        response = client.get(url(kind, fmt))
        rows = read(response, fmt)
    assert len(rows) == 51  # header + 50 rows
    assert small <= 7, small


def test_text_search_filters_the_organisation_export(client):
    wanted = OrganisationFactory(name="Photonics Valley", description="Lasers and optics.")
    OrganisationFactory(name="Wood Works", description="Timber.")
    rows = as_dicts(read(client.get(url("organisations", "xlsx", "q=photonics")), "xlsx"))
    assert [r["slug"] for r in rows] == [wanted.slug]


def _as_text(value) -> str:
    """An XLSX cell as the CSV writes it."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, float):
        return f"{value:.2f}"
    return writers.csv_cell(value)


@pytest.mark.parametrize("kind", KINDS)
def test_csv_and_xlsx_hold_the_same_values(client, green, kind):
    from_csv = read(client.get(url(kind, "csv")), "csv")
    from_xlsx = read(client.get(url(kind, "xlsx")), "xlsx")
    assert len(from_csv) == len(from_xlsx) > 1
    for csv_row, xlsx_row in zip(from_csv, from_xlsx, strict=True):
        assert csv_row == [_as_text(v) for v in xlsx_row]


def test_search_page_links_to_the_export_of_its_own_results(client):
    OrganisationFactory(name="Bavarian Car Parts", country="DE")
    OrganisationFactory(name="Lyon Motors", country="FR")
    page = client.get(reverse("clusters:organisation-list"), {"country": "DE"})
    link = url("organisations", "csv", "country=DE")
    assert f'href="{link}"' in page.content.decode()

    rows = read(client.get(link), "csv")
    assert [r[headers("organisations").index("name")] for r in rows[1:]] == ["Bavarian Car Parts"]


def test_attached_codes_equal_the_prefetched_ones(django_assert_max_num_queries):
    from django.contrib.auth.models import AnonymousUser

    from clusters.exports import sources
    from clusters.exports.columns import ORGANISATION_COLUMNS, row

    for i in range(3):
        OrganisationFactory(name=f"Tagged {i}", sectors=["automotive", "apparel"][: i + 1])
    queryset = sources.organisation_export_list(AnonymousUser()).order_by("pk")
    prefetched = queryset.prefetch_related(*sources.ORGANISATION_TAGS)
    expected = [row(ORGANISATION_COLUMNS, o) for o in prefetched]
    # One query for the rows and one per tag list, for the whole chunk.
    with django_assert_max_num_queries(1 + len(sources.ORGANISATION_TAGS)):
        attached = [row(ORGANISATION_COLUMNS, o) for o in sources.iterate(queryset)]
    assert attached == expected
    sectors = headers("organisations").index("sectors")
    assert [r[sectors] for r in attached] == [
        "automotive",
        "apparel;automotive",
        "apparel;automotive",
    ]
