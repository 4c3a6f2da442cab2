"""Imports of organisations and partnerships: reading files, row-numbered errors, all or
nothing, idempotent re-imports, round trips of exported files, Celery for large files.
Pages: test_import_pages.py."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl.cell import WriteOnlyCell

from clusters.exports.columns import (
    MEMBER_COLUMNS,
    ORGANISATION_COLUMNS,
    PARTNERSHIP_COLUMNS,
    headers,
    row,
)
from clusters.imports import apply, organisations, readers
from clusters.models import (
    Call,
    ImportJob,
    Organisation,
    Partnership,
    PartnershipMember,
    Programme,
    Region,
    Sector,
)
from clusters.partnerships.selectors import partnership_list
from clusters.partnerships.services import create_partnership
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
Role = PartnershipMember.Role
ORG_HEADER = ["slug", "name", "kind", "country", "city", "sectors"]


# --- helpers (test_import_pages.py uses them too) -----------------------------------------


def text(value) -> str:
    """A value as the CSV export writes it."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def csv_bytes(rows, delimiter: str = ",", bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    for line in rows:
        writer.writerow([text(v) for v in line])
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


def xlsx_bytes(rows) -> bytes:
    """As the XLSX export writes: text that looks like a formula stays text."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Import")
    for line in rows:
        cells = []
        for value in line:
            if isinstance(value, str) and value.startswith("="):
                value, cell = WriteOnlyCell(sheet), value
                value._value, value.data_type = cell, "s"
            cells.append(value)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def file_bytes(rows, fmt: str) -> tuple[bytes, str]:
    return (xlsx_bytes(rows), "data.xlsx") if fmt == "xlsx" else (csv_bytes(rows), "data.csv")


def upload(user, kind: str, data: bytes, name: str = "data.csv") -> ImportJob:
    table = readers.read_table(io.BytesIO(data), name)
    return apply.start_import(
        user=user, kind=kind, upload=SimpleUploadedFile(name, data), table=table
    )


def run_import(user, kind: str, data: bytes, name: str = "data.csv") -> ImportJob:
    job = upload(user, kind, data, name)
    assert job.status == ImportJob.Status.VALID, job.errors
    return apply.confirm_import(user=user, job=job)


def org_rows(n: int = 6, sector: str = "automotive") -> list[list]:
    return [ORG_HEADER] + [
        [f"import-org-{i}", f"Import Org {i}", "sme", "DE", "Berlin", sector] for i in range(n)
    ]


def stamps(model=Organisation) -> dict[int, object]:
    return dict(model.objects.values_list("pk", "updated_at"))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# --- reading files ---------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_separators_and_byte_order_mark(delimiter):
    data = csv_bytes([["name", "city"], ["Alpha", "Köln"]], delimiter=delimiter, bom=True)
    table = readers.read_table(io.BytesIO(data), "x.csv")
    assert table.headers == ["name", "city"]
    assert table.rows == [(2, ["Alpha", "Köln"])]


def test_rows_keep_spreadsheet_numbers_across_blank_rows():
    data = csv_bytes([["name"], ["a"], [""], ["b"]])
    assert [n for n, _cells in readers.read_table(io.BytesIO(data), "x.csv").rows] == [2, 4]


def test_xlsx_cells_read_as_the_csv_export_writes_them():
    data = xlsx_bytes(
        [["a", "b", "c", "d"], [date(2024, 5, 1), 1234567.5, 42, "'=keep"], [None, 3.0, True, ""]]
    )
    table = readers.read_table(io.BytesIO(data), "x.xlsx")
    assert table.rows == [
        (2, ["2024-05-01", "1234567.5", "42", "'=keep"]),
        (3, ["", "3", "true", ""]),
    ]


def test_csv_formula_escape_of_the_export_is_undone():
    data = csv_bytes([["name"], ["'=SUM(A1)"], ["'plain"]])
    table = readers.read_table(io.BytesIO(data), "x.csv")
    assert [cells for _n, cells in table.rows] == [["=SUM(A1)"], ["'plain"]]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"PK\x03\x04 not really a zip", "x.xlsx", "XLSX"),
        (b"name\nM\xfcller\n", "x.csv", "UTF-8"),
        (b"\xd0\xcf\x11\xe0 old excel", "x.xls", ".xls"),
        (b"%PDF-1.4", "x.pdf", "CSV or an XLSX"),
        (b"", "x.csv", "empty"),
    ],
)
def test_unreadable_files_raise_a_file_error(data, name, message):
    with pytest.raises(readers.FileError, match=message):
        readers.read_table(io.BytesIO(data), name)


def test_a_workbook_with_a_damaged_sheet_is_a_file_error():
    parts = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["name"], ["x"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as damaged:
        for item in parts.infolist():
            data = parts.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = b"<worksheet><sheetData><row><c"
            damaged.writestr(item, data)
    with pytest.raises(readers.FileError, match=r"XLSX workbook .*: ParseError"):
        readers.read_table(io.BytesIO(out.getvalue()), "x.xlsx")


def test_row_and_size_limits(settings):
    settings.IMPORT_MAX_ROWS = 3
    with pytest.raises(readers.FileError, match="more than 3 rows"):
        readers.read_table(io.BytesIO(csv_bytes([["name"]] + [["x"]] * 4)), "x.csv")
    settings.IMPORT_MAX_BYTES = 10
    with pytest.raises(readers.FileError, match="larger than"):
        readers.read_table(io.BytesIO(b"name\n" + b"x" * 20), "x.csv")


# --- organisations ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_organisations_are_created_then_a_reimport_changes_nothing(officer, fmt):
    data, name = file_bytes(org_rows(), fmt)
    job = run_import(officer, "organisations", data, name)
    assert job.status == ImportJob.Status.DONE
    assert (job.summary["create"], job.summary["update"], job.summary["unchanged"]) == (6, 0, 0)
    org = Organisation.objects.get(slug="import-org-3")
    assert (org.name, org.kind, str(org.country), org.city) == (
        "Import Org 3",
        "sme",
        "DE",
        "Berlin",
    )
    assert org.status == Organisation.Status.DRAFT
    assert list(org.sectors.values_list("code", flat=True)) == ["automotive"]
    assert not org.roles.exists()  # the officer does not become its manager

    before = stamps()
    again = upload(officer, "organisations", data, name)
    assert again.status == ImportJob.Status.VALID
    assert (again.summary["create"], again.summary["update"]) == (0, 0)
    assert again.summary["unchanged"] == 6
    assert apply.confirm_import(user=officer, job=again).status == ImportJob.Status.DONE
    assert stamps() == before


def test_a_bad_row_rolls_back_everything_and_names_row_and_column(officer):
    rows = org_rows()
    rows[6][5] = "automotive;no-such-sector"  # spreadsheet row 7
    count = Organisation.objects.count()
    job = upload(officer, "organisations", csv_bytes(rows))
    assert job.status == ImportJob.Status.INVALID
    assert job.errors == [
        {"row": 7, "column": "sectors", "message": "Unknown sectors code: “no-such-sector”."}
    ]
    with pytest.raises(ValidationError):
        apply.confirm_import(user=officer, job=job)
    assert Organisation.objects.count() == count


def test_a_row_refused_while_writing_rolls_back_the_rows_written_before(officer, monkeypatch):
    """Rows 2-6 are written inside the transaction, then row 7's write fails: none stay."""
    create = organisations._create

    def failing(fields, slug, user):
        if slug == "import-org-5":
            raise ValidationError({"sectors": "Refused while writing."})
        return create(fields, slug, user)

    job = upload(officer, "organisations", csv_bytes(org_rows()))
    assert job.status == ImportJob.Status.VALID
    count = Organisation.objects.count()
    monkeypatch.setattr(organisations, "_create", failing)
    job = apply.confirm_import(user=officer, job=job)
    assert job.status == ImportJob.Status.INVALID
    assert job.errors == [{"row": 7, "column": "sectors", "message": "Refused while writing."}]
    assert job.summary["rolled_back"] is True
    assert Organisation.objects.count() == count


def test_a_conflicting_write_at_the_same_time_rolls_back_with_a_sentence(officer, monkeypatch):
    job = upload(officer, "organisations", csv_bytes(org_rows()))
    count = Organisation.objects.count()
    create = organisations._create

    def racing(fields, slug, user):
        if slug == "import-org-5":  # someone else took this identifier meanwhile
            OrganisationFactory(slug=slug, name="Faster")
        return create(fields, slug, user)

    monkeypatch.setattr(organisations, "_create", racing)
    job = apply.confirm_import(user=officer, job=job)
    assert job.status == ImportJob.Status.INVALID
    assert "Someone else saved" in job.errors[0]["message"]
    assert Organisation.objects.count() == count


def test_missing_required_and_unknown_columns_are_named(officer):
    job = upload(
        officer, "organisations", csv_bytes([["slug", "name", "colour"], ["a", "A", "red"]])
    )
    assert job.status == ImportJob.Status.INVALID
    assert {"row": 1, "column": "colour", "message": "Unknown column “colour”."} in job.errors
    missing = [e for e in job.errors if e["column"] == "kind, country"]
    assert missing and missing[0]["message"] == "Missing required columns: kind, country."


def test_headers_may_be_labels_in_any_case(officer):
    data = csv_bytes([["Identifier", "NAME", "Kind", "country"], ["lab-1", "Lab", "sme", "fr"]])
    job = run_import(officer, "organisations", data)
    assert job.status == ImportJob.Status.DONE
    assert str(Organisation.objects.get(slug="lab-1").country) == "FR"


def test_changed_rows_are_updated_and_only_their_changed_columns(officer):
    run_import(officer, "organisations", csv_bytes(org_rows()))
    before = stamps()
    rows = org_rows()
    rows[2][4] = "Hamburg"  # row 3: city
    rows[4][5] = "automotive;apparel"  # row 5: sectors
    job = upload(officer, "organisations", csv_bytes(rows))
    assert (job.summary["update"], job.summary["unchanged"]) == (2, 4)
    changed = {r["row"]: r["changes"] for r in job.summary["rows"] if r["action"] == "update"}
    assert changed == {3: ["city"], 5: ["sectors"]}
    apply.confirm_import(user=officer, job=job)
    assert Organisation.objects.get(slug="import-org-1").city == "Hamburg"
    codes = set(
        Organisation.objects.get(slug="import-org-3").sectors.values_list("code", flat=True)
    )
    assert codes == {"automotive", "apparel"}
    after = stamps()
    moved = {pk for pk in before if before[pk] != after[pk]}
    assert moved == set(
        Organisation.objects.filter(slug__in=["import-org-1", "import-org-3"]).values_list(
            "pk", flat=True
        )
    )


def test_without_slug_the_organisation_is_found_by_name_and_country(officer):
    existing = OrganisationFactory(name="Bio Cluster Nord", country="DE", city="Kiel")
    same = csv_bytes(
        [["name", "kind", "country", "city"], ["Bio Cluster Nord", "sme", "de", "Kiel"]]
    )
    assert upload(officer, "organisations", same).summary["unchanged"] == 1
    # Any letter case finds it (and then renames it).
    recased = csv_bytes([["name", "kind", "country"], ["bio cluster NORD", "sme", "DE"]])
    job = run_import(officer, "organisations", recased)
    assert job.summary["rows"][0]["changes"] == ["name"]
    existing.refresh_from_db()
    assert existing.name == "bio cluster NORD"
    other_country = csv_bytes([["name", "kind", "country"], ["Bio Cluster Nord", "sme", "DK"]])
    assert upload(officer, "organisations", other_country).summary["create"] == 1


def test_cross_column_rules(officer):
    rows = [
        ["name", "kind", "country", "label", "label_valid_until", "region"],
        ["An SME", "sme", "DE", "gold", "2030-01-01", ""],
        ["A cluster", "cluster", "DE", "gold", "", ""],
        ["Elsewhere", "sme", "FR", "", "", "DE30"],
    ]
    job = upload(officer, "organisations", csv_bytes(rows))
    found = {(e["row"], e["column"]) for e in job.errors}
    assert found == {
        (2, "label"),
        (2, "label_valid_until"),
        (3, "label_valid_until"),
        (4, "region"),
    }


def test_bad_values_name_row_column_and_value(officer):
    rows = [
        ["name", "kind", "country", "founded_year", "website", "target_countries"],
        ["Ok", "sme", "DE", "1999", "ok.example.org", "US;jp"],
        ["", "robot", "XX", "1200", "not a url", "ZZ"],
    ]
    job = upload(officer, "organisations", csv_bytes(rows))
    by_column = {e["column"]: e["message"] for e in job.errors}
    assert all(e["row"] == 3 for e in job.errors)
    assert set(by_column) == {
        "name",
        "kind",
        "country",
        "founded_year",
        "website",
        "target_countries",
    }
    assert "robot" in by_column["kind"] and "XX" in by_column["country"]
    assert "ZZ" in by_column["target_countries"]


def test_the_same_organisation_twice_is_an_error(officer):
    rows = [*org_rows(2), ["import-org-0", "Again", "sme", "DE", "", ""]]
    job = upload(officer, "organisations", csv_bytes(rows))
    assert job.errors == [
        {"row": 4, "column": "slug", "message": "This organisation is already in row 2."}
    ]


def test_profiles_kept_by_their_managers_change_only_by_them_or_staff(
    officer, staff_user, cluster, manager
):
    rows = [
        ["slug", "name", "kind", "country", "city"],
        [cluster.slug, cluster.name, "cluster", "DE", "Bonn"],
    ]
    job = upload(officer, "organisations", csv_bytes(rows))
    assert job.status == ImportJob.Status.INVALID
    assert job.errors[0]["row"] == 2 and "managers" in job.errors[0]["message"]
    assert run_import(staff_user, "organisations", csv_bytes(rows)).status == ImportJob.Status.DONE
    cluster.refresh_from_db()
    assert cluster.city == "Bonn"


def test_exported_organisations_import_back_as_a_no_op(officer, staff_user):
    region = Region.objects.get(code="DE30")
    OrganisationFactory(
        name="Berlin Cluster",
        kind="cluster",
        region=region,
        member_count=40,
        label="gold",
        label_valid_until=date(2027, 6, 30),
        founded_year=2001,
        target_countries=["US", "JP"],
        offers="=Testing; labs",
        sectors=["automotive", "apparel"],
    )
    OrganisationFactory(name="Ünïcode SME", country="AT", city="")
    orgs = Organisation.objects.prefetch_related(
        "sectors", "ecosystems", "technologies", "thematic_areas"
    ).select_related("region")
    rows = [headers("organisations")] + [row(ORGANISATION_COLUMNS, o) for o in orgs]
    before = stamps()
    for data, name in (file_bytes(rows, "csv"), file_bytes(rows, "xlsx")):
        job = upload(staff_user, "organisations", data, name)
        assert job.status == ImportJob.Status.VALID, job.errors
        assert job.summary["unchanged"] == len(rows) - 1, job.summary["rows"]
        assert apply.confirm_import(user=staff_user, job=job).status == ImportJob.Status.DONE
    assert stamps() == before


# --- partnerships ----------------------------------------------------------------------------


@pytest.fixture
def programme():
    return Programme.objects.create(code="cgi", name="Clusters Go International")


@pytest.fixture
def call(programme):
    return Call.objects.create(programme=programme, code="COS-2016", name="2016", year=2016)


@pytest.fixture
def orgs():
    return {
        name: OrganisationFactory(name=name, kind="cluster", country=country)
        for name, country in (("Alpha", "DE"), ("Beta", "FR"), ("Gamma", "IT"))
    }


PARTNERSHIP_HEADER = [
    "slug",
    "name",
    "acronym",
    "type",
    "programme",
    "call",
    "eu_budget",
    "sectors",
    "target_countries",
    "organisation",
    "role",
    "joined_on",
]


def partnership_rows(call) -> list[list]:
    """Green Bridges (rows 2-4: its columns, blank, then repeated) and Blue Seas (row 5)."""
    green = ["green", "Green Bridges", "GB", "escp_4i", "cgi", call.code, "250000.50"]
    green += ["automotive", "JP"]
    blank = [""] * 9
    blue = ["blue", "Blue Seas", "", "other", "", "", "", "", ""]
    return [
        PARTNERSHIP_HEADER,
        [*green, "alpha", "coordinator", "2024-01-01"],
        [*blank, "beta", "partner", ""],
        [*green, "gamma", "associate", ""],
        [*blue, "beta", "coordinator", ""],
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_partnerships_with_members_then_a_reimport_changes_nothing(officer, call, orgs, fmt):
    data, name = file_bytes(partnership_rows(call), fmt)
    job = run_import(officer, "partnerships", data, name)
    assert job.status == ImportJob.Status.DONE
    assert job.summary["create"] == 2
    green = Partnership.objects.get(slug="green")
    assert (green.programme, green.call, green.eu_budget) == (
        call.programme,
        call,
        Decimal("250000.50"),
    )
    assert green.coordinator == orgs["Alpha"]
    assert green.target_countries == "JP"
    assert list(green.sectors.values_list("code", flat=True)) == ["automotive"]
    roles = {m.organisation.name: (m.role, m.joined_on) for m in green.memberships.all()}
    assert roles == {
        "Alpha": (Role.COORDINATOR, date(2024, 1, 1)),
        "Beta": (Role.PARTNER, None),
        "Gamma": (Role.ASSOCIATE, None),
    }
    assert Partnership.objects.get(slug="blue").coordinator == orgs["Beta"]

    before = stamps(Partnership)
    memberships = list(PartnershipMember.objects.values_list("pk", flat=True))
    again = upload(officer, "partnerships", data, name)
    assert (again.summary["unchanged"], again.summary["create"], again.summary["update"]) == (
        2,
        0,
        0,
    )
    apply.confirm_import(user=officer, job=again)
    assert stamps(Partnership) == before
    assert list(PartnershipMember.objects.values_list("pk", flat=True)) == memberships


def test_a_changed_member_list_replaces_the_members(officer, call, orgs):
    run_import(officer, "partnerships", csv_bytes(partnership_rows(call)))
    rows = partnership_rows(call)
    rows[2][10] = "coordinator"  # Beta coordinates Green Bridges now...
    rows[1][10] = "partner"  # ...and Alpha is a partner
    del rows[3]  # Gamma leaves
    job = upload(officer, "partnerships", csv_bytes(rows))
    assert job.summary["update"] == 1 and job.summary["unchanged"] == 1
    assert job.summary["rows"][0]["changes"] == ["members"]
    apply.confirm_import(user=officer, job=job)
    green = Partnership.objects.get(slug="green")
    assert green.coordinator == orgs["Beta"]
    assert dict(green.memberships.values_list("organisation__name", "role")) == {
        "Alpha": Role.PARTNER,
        "Beta": Role.COORDINATOR,
    }


def test_partnership_errors_name_their_row_and_column(officer, call, orgs):
    rows = partnership_rows(call)
    rows[1][4] = rows[3][4] = "nope"  # rows 2 and 4 (green): unknown programme
    rows[2][9] = "nobody"  # row 3: unknown member
    rows[4][3] = "weird"  # row 5: unknown type
    rows.append(["", "", "", "", "", "", "", "", "", "", "", ""])
    rows.append(["fresh", "New One", "", "other", "", "", "", "", "", "alpha", "partner", ""])
    job = upload(officer, "partnerships", csv_bytes(rows))
    found = {(e["row"], e["column"]) for e in job.errors}
    assert found == {(2, "programme"), (3, "organisation"), (5, "type"), (7, "role")}, job.errors
    assert Partnership.objects.count() == 0


def test_call_of_another_programme_and_unknown_call(officer, call, orgs):
    Programme.objects.create(code="other", name="Other")
    rows = [
        ["name", "type", "programme", "call", "coordinator"],
        ["One", "other", "other", call.code, "alpha"],
        ["Two", "other", "", call.code, "alpha"],
    ]
    job = upload(officer, "partnerships", csv_bytes(rows))
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "call"), (3, "call")]


def test_a_new_partnership_needs_a_coordinator(officer, orgs):
    rows = [["name", "type", "organisation", "role"], ["Lonely", "other", "alpha", "partner"]]
    job = upload(officer, "partnerships", csv_bytes(rows))
    assert job.errors[0]["row"] == 2 and "exactly one coordinator" in job.errors[0]["message"]


def test_rows_with_an_identifier_join_their_partnership_wherever_they_are(officer, call, orgs):
    rows = partnership_rows(call)
    rows.append(rows.pop(3))  # green's third member after blue
    job = run_import(officer, "partnerships", csv_bytes(rows))
    assert job.summary["create"] == 2
    green = Partnership.objects.get(slug="green")
    assert green.memberships.count() == 3


def test_rows_without_identifier_of_one_partnership_stay_together(officer, orgs):
    rows = [
        ["name", "type", "organisation", "role"],
        ["Alps", "other", "alpha", "coordinator"],
        ["Seas", "other", "beta", "coordinator"],
        ["Alps", "other", "gamma", "partner"],
    ]
    job = upload(officer, "partnerships", csv_bytes(rows))
    assert job.errors == [
        {
            "row": 4,
            "column": "name",
            "message": "This partnership is already in row 2: keep its rows together.",
        }
    ]


def test_conflicting_values_within_a_partnership(officer, call, orgs):
    rows = partnership_rows(call)
    rows[3][6] = "999"  # row 4 repeats green with another budget
    job = upload(officer, "partnerships", csv_bytes(rows))
    assert [(e["row"], e["column"]) for e in job.errors] == [(4, "eu_budget")]


@pytest.fixture
def exported(officer, call, orgs):
    """Two partnerships as the platform holds them, one published with every column."""
    green = create_partnership(
        user=officer,
        fields={
            "name": "Green Bridges",
            "acronym": "GB",
            "type": "escp_4i",
            "programme": call.programme,
            "call": call,
            "phase": "implementation",
            "starts_on": date(2024, 1, 1),
            "ends_on": date(2025, 12, 31),
            "eu_budget": Decimal("1234567.50"),
            "target_countries": "JP, US",
            "website": "https://green.example.org",
            "sectors": list(Sector.objects.order_by("code")[:2]),
        },
        members=[
            (orgs["Alpha"], Role.COORDINATOR, date(2024, 1, 1)),
            (orgs["Beta"], Role.PARTNER, None),
        ],
    )
    Partnership.objects.filter(pk=green.pk).update(status="published")
    create_partnership(
        user=officer,
        fields={"name": "Blue Seas", "type": "other"},
        members=[(orgs["Gamma"], Role.COORDINATOR, None)],
    )
    return green


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["partnerships", "members"])
def test_exported_partnerships_and_members_import_back_as_a_no_op(officer, exported, kind, fmt):
    if kind == "partnerships":
        objects, columns = partnership_list(officer), PARTNERSHIP_COLUMNS
    else:
        objects = PartnershipMember.objects.select_related("partnership", "organisation")
        columns = MEMBER_COLUMNS
    rows = [headers(kind)] + [row(columns, o) for o in objects]
    before = stamps(Partnership)
    memberships = set(PartnershipMember.objects.values_list("pk", flat=True))
    data, name = file_bytes(rows, fmt)
    job = upload(officer, "partnerships", data, name)
    assert job.status == ImportJob.Status.VALID, job.errors
    assert job.summary["unchanged"] == 2
    assert apply.confirm_import(user=officer, job=job).status == ImportJob.Status.DONE
    assert stamps(Partnership) == before
    assert set(PartnershipMember.objects.values_list("pk", flat=True)) == memberships


def test_export_layout_changes_fields_and_the_coordinator_but_keeps_members(
    officer, exported, orgs
):
    rows = [headers("partnerships")] + [
        row(PARTNERSHIP_COLUMNS, p) for p in partnership_list(officer)
    ]
    index = headers("partnerships").index
    green = next(r for r in rows if r[0] == "green-bridges")
    green[index("coordinator")] = orgs["Beta"].slug
    green[index("phase")] = "investment"
    green[index("status")] = "draft"
    job = upload(officer, "partnerships", csv_bytes(rows))
    assert job.summary["update"] == 1 and job.summary["unchanged"] == 1
    assert job.summary["rows"][1]["changes"] == ["phase", "members", "status"]
    apply.confirm_import(user=officer, job=job)
    exported.refresh_from_db()
    assert (exported.phase, exported.status, exported.coordinator) == (
        "investment",
        "draft",
        orgs["Beta"],
    )
    assert dict(exported.memberships.values_list("organisation__name", "role")) == {
        "Alpha": Role.PARTNER,
        "Beta": Role.COORDINATOR,
    }


def test_members_file_only_changes_existing_partnerships(officer, exported, orgs):
    rows = [["partnership", "organisation", "role"], ["nowhere", "alpha", "coordinator"]]
    job = upload(officer, "partnerships", csv_bytes(rows))
    assert job.errors[0]["row"] == 2 and "name, type" in job.errors[0]["message"]


def test_without_slug_a_partnership_is_found_by_programme_call_and_acronym(officer, exported, call):
    rows = [
        ["name", "acronym", "type", "programme", "call"],
        ["Renamed", "GB", "escp_4i", "cgi", call.code],
    ]
    job = upload(officer, "partnerships", csv_bytes(rows))
    assert job.summary["update"] == 1
    assert job.summary["rows"][0]["changes"] == ["name"]


def _validation_queries(user, kind: str, rows) -> int:
    table = readers.read_table(io.BytesIO(csv_bytes(rows)), "x.csv")
    with CaptureQueriesContext(connection) as queries:
        plan = apply.validate_table(kind, table, user)
    assert plan.valid and plan.counts()["unchanged"] == len(rows) - 1, plan.errors
    return len(queries)


def test_validation_runs_the_same_queries_for_3_or_30_rows(officer, call, orgs):
    counts = []
    for n in (3, 30):
        run_import(officer, "organisations", csv_bytes(org_rows(n)))
        partnerships = [
            create_partnership(
                user=officer,
                fields={"name": f"P{n}-{i}", "type": "other", "sectors": Sector.objects.all()[:2]},
                members=[(orgs["Alpha"], Role.COORDINATOR, None), (orgs["Beta"], "partner", None)],
            )
            for i in range(n)
        ]
        rows = [headers("partnerships")] + [
            row(PARTNERSHIP_COLUMNS, p)
            for p in partnership_list(officer).filter(pk__in=[p.pk for p in partnerships])
        ]
        counts.append(
            (
                _validation_queries(officer, "organisations", org_rows(n)),
                _validation_queries(officer, "partnerships", rows),
            )
        )
    assert counts[0] == counts[1]


# --- jobs -----------------------------------------------------------------------------------


def test_only_officers_and_staff_import(user):
    with pytest.raises(PermissionDenied):
        upload(user, "organisations", csv_bytes(org_rows()))
    assert not ImportJob.objects.exists()


def test_a_file_over_the_inline_limit_goes_through_the_tasks(
    officer, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_INLINE_ROWS = 3
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = upload(officer, "organisations", csv_bytes(org_rows()))
        assert job.status == ImportJob.Status.VALIDATING  # not checked in the request
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.summary["create"]) == ("valid", 6, 6)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = apply.confirm_import(user=officer, job=job)
        assert job.status == ImportJob.Status.IMPORTING
        assert not Organisation.objects.filter(slug__startswith="import-org").exists()
    assert callbacks[0].__qualname__.startswith("confirm_import")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Organisation.objects.filter(slug__startswith="import-org").count() == 6


def test_an_officer_who_lost_the_role_before_the_worker_ran_writes_nothing(
    officer, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_INLINE_ROWS = 3
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(officer, "organisations", csv_bytes(org_rows()))
    job.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        apply.confirm_import(user=officer, job=job)
    officer.groups.clear()
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.INVALID
    assert "no longer" in job.errors[0]["message"]
    assert not Organisation.objects.filter(slug__startswith="import-org").exists()


def test_tasks_are_idempotent(officer):
    from clusters.imports.tasks import apply_import, validate_import

    job = run_import(officer, "organisations", csv_bytes(org_rows()))
    before = stamps()
    assert validate_import.delay(job.pk).get() == "done"
    assert apply_import.delay(job.pk).get() == "done"
    assert stamps() == before


def test_a_job_is_confirmed_once(officer):
    job = run_import(officer, "organisations", csv_bytes(org_rows()))
    with pytest.raises(ValidationError, match="imported"):
        apply.confirm_import(user=officer, job=job)


def test_new_organisations_without_slug_get_a_free_one(officer):
    OrganisationFactory(name="Twin", slug="twin", country="DE")
    data = csv_bytes([["name", "kind", "country"], ["Twin", "sme", "FR"]])
    run_import(officer, "organisations", data)
    assert Organisation.objects.get(name="Twin", country="FR").slug == "twin-2"


def test_the_demo_data_exported_imports_back_as_a_no_op(staff_user):
    """The platform's own data (demo programmes, partnerships, members, organisations)."""
    call_command("demo_data", seed=7, orgs=60, stdout=io.StringIO())
    orgs = Organisation.objects.prefetch_related(
        "sectors", "ecosystems", "technologies", "thematic_areas"
    ).select_related("region")
    members = PartnershipMember.objects.select_related("partnership", "organisation").order_by(
        "partnership__name", "partnership_id", "role", "organisation__name", "pk"
    )
    files = {
        "organisations": [headers("organisations")] + [row(ORGANISATION_COLUMNS, o) for o in orgs],
        "partnerships": [headers("partnerships")]
        + [row(PARTNERSHIP_COLUMNS, p) for p in partnership_list(staff_user)],
        "members": [headers("members")] + [row(MEMBER_COLUMNS, m) for m in members],
    }
    before = stamps(), stamps(Partnership)
    for kind, rows in files.items():
        data, name = file_bytes(rows, "csv")
        job = upload(staff_user, "partnerships" if kind == "members" else kind, data, name)
        assert job.status == ImportJob.Status.VALID, (kind, job.errors[:5])
        assert job.summary["create"] == job.summary["update"] == 0, (kind, job.summary["rows"])
        assert apply.confirm_import(user=staff_user, job=job).status == ImportJob.Status.DONE
    assert (stamps(), stamps(Partnership)) == before


# --- a real worker -----------------------------------------------------------------------------


def _close_worker_connections(**kwargs) -> None:
    from django.db import connections

    connections.close_all()


def _wait_for(job: ImportJob, status: str, seconds: float = 60) -> ImportJob:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == status:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job.pk} stayed {job.status}, expected {status}")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_large_file_is_checked_and_written_by_a_real_worker(officer, settings, tmp_path):
    """Both steps of a large import leave the request: a worker checks the file, then,
    once confirmed, writes it (Redis in CI, the in-memory broker without REDIS_URL)."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from clusterplatform.celery import app

    settings.MEDIA_ROOT = tmp_path
    settings.IMPORT_INLINE_ROWS = 2
    app.conf.task_always_eager = False
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            job = upload(officer, "organisations", csv_bytes(org_rows()))
            job = _wait_for(job, ImportJob.Status.VALID)
            assert job.summary["create"] == 6
            assert not Organisation.objects.filter(slug__startswith="import-org").exists()

            job = apply.confirm_import(user=officer, job=job)
            job = _wait_for(job, ImportJob.Status.DONE)
    finally:
        task_postrun.disconnect(_close_worker_connections)
    assert Organisation.objects.filter(slug__startswith="import-org").count() == 6
