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
