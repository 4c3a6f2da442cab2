"""Programme officers in a real browser: the partnership list filtered by a call, its XLSX
download opened with openpyxl, and the dashboard's totals for the same call."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.management import call_command

from clusters.exports.columns import headers
from clusters.models import Call, Partnership

from .test_meeting_request import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CGI_2014 = "COS-CLUSINT-2014-3-01"


@pytest.fixture
def demo():
    call_command("demo_data", seed=7, orgs=60, stdout=io.StringIO())


def test_officer_downloads_the_filtered_list_as_xlsx(live_server, page, officer, demo):
    call = Call.objects.get(code=CGI_2014)
    wanted = set(Partnership.objects.filter(call=call).values_list("slug", flat=True))
    assert len(wanted) == 15

    listing = f"/partnerships/?call={call.pk}"
    log_in(page, live_server, officer.email, listing)
    assert page.locator("#result-count").inner_text() == "15"

    with page.expect_download() as info:
        page.locator("a[data-kind='partnerships'][data-format='xlsx']").click()
    download = info.value
    assert download.suggested_filename.startswith("partnerships-")
    assert download.suggested_filename.endswith(".xlsx")

    # The saved file has no extension; openpyxl goes by it, so read the bytes.
    book = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert list(rows[0]) == headers("partnerships")
    slug = headers("partnerships").index("slug")
    assert {row[slug] for row in rows[1:]} == wanted
    calls = {row[headers("partnerships").index("call")] for row in rows[1:]}
    assert calls == {CGI_2014}


def test_dashboard_shows_a_calls_published_figures_and_exports_them(
    live_server, page, officer, demo
):
    call = Call.objects.get(code=CGI_2014)
    log_in(page, live_server, officer.email, "/dashboard/")
    all_partnerships = int(page.locator("#total-partnerships").get_attribute("data-value"))
    assert all_partnerships == Partnership.objects.count() > 15

    # Filter through the form, as an officer would: the call of Clusters Go International 2014.
    page.locator("summary", has_text="Programme, call, year").click()
    page.locator("#id_call").select_option(str(call.pk))
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(f"**call={call.pk}**")

    def total(name: str) -> str:
        return page.locator(f"[data-total='{name}']").get_attribute("data-value")

    # The programme's published figures: 15 partnerships, EUR 4.30 M, 98 cluster
    # organisations from 23 countries, over 10,000 SMEs.
    assert total("partnerships") == "15"
    assert total("cluster_organisations") == "98"
    assert total("countries") == "23"
    assert total("smes_reached") == "10250"
    assert float(total("eu_budget")) == 4_300_000
    assert "10,250" in page.locator("#total-smes_reached dd").inner_text()

    # Every grouping draws its chart on the server, with no script from elsewhere.
    for group in ("programme", "call", "type", "year"):
        assert page.locator(f"#group-{group} svg").count() == 1, group
    scripts = page.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")
    assert all(src.startswith(live_server.url) for src in scripts), scripts

    # Another measure: the charts follow, the filter stays.
    page.locator("#id_measure").select_option("b2b_meetings")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**measure=b2b_meetings**")
    assert f"call={call.pk}" in page.url
    assert page.locator("#group-call-title").inner_text().startswith("B2B meetings")

    # The export of this very list adds up to the same budget as the dashboard.
    with page.expect_download() as info:
        page.locator("#export-links a[data-kind='partnerships'][data-format='xlsx']").click()
    book = openpyxl.load_workbook(io.BytesIO(info.value.path().read_bytes()), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert list(rows[0]) == headers("partnerships")
    budget = headers("partnerships").index("eu_budget")
    assert len(rows) == 16
    assert sum(row[budget] for row in rows[1:]) == 4_300_000

    # Changing the filters keeps the measure.
    page.locator("summary", has_text="Type and phase").click()
    page.get_by_label("Implementation").check()
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**phase=implementation**")
    assert "measure=b2b_meetings" in page.url and f"call={call.pk}" in page.url
    assert page.locator("#group-call-title").inner_text().startswith("B2B meetings")
