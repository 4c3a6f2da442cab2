"""Partner search in a real browser: filters update results and the URL without a reload."""

from __future__ import annotations

import re

import pytest

from ..factories import OrganisationFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_filter_by_sector_and_country_updates_results_and_url(live_server, page):
    OrganisationFactory(name="Bavarian Car Parts", country="DE", sectors=["automotive"])
    OrganisationFactory(name="Saxon Drive Systems", country="DE", sectors=["automotive"])
    OrganisationFactory(name="Lyon Motors", country="FR", sectors=["automotive"])
    OrganisationFactory(name="Berlin Fashion House", country="DE", sectors=["apparel"])

    page.goto(f"{live_server.url}/organisations/")
    assert page.locator("#result-count").inner_text() == "4"
    # A marker that a full page load would wipe: htmx must update the page in place.
    page.evaluate("window.__noReload = true")

    page.locator("summary", has_text="What they do").click()
    page.locator("#id_sector").select_option("automotive")
    page.wait_for_url(re.compile(r"sector=automotive"))
    page.wait_for_function("document.querySelector('#result-count')?.innerText === '3'")

    page.locator("summary", has_text="Where").click()
    page.locator("#id_country").select_option("DE")
    page.wait_for_url(re.compile(r"country=DE"))
    page.wait_for_function("document.querySelector('#result-count')?.innerText === '2'")

    results = page.locator("#result-list h3").all_inner_texts()
    assert sorted(results) == ["Bavarian Car Parts", "Saxon Drive Systems"]
    assert "sector=automotive" in page.url and "country=DE" in page.url
    assert "region=" not in page.url and "q=" not in page.url  # blank fields stay out
    assert page.evaluate("window.__noReload") is True

    # The URL is the search: opening it afresh shows the same result.
    page.goto(page.url)
    assert page.locator("#result-count").inner_text() == "2"

    # Removing a filter chip goes back to three results, and the URL follows.
    page.get_by_role("link", name=re.compile("Country: Germany")).click()
    page.wait_for_function("document.querySelector('#result-count')?.innerText === '3'")
    assert "country=DE" not in page.url
