"""Two participants in a real browser: A asks B for a meeting, B accepts with the htmx button,
A sees the meeting agreed."""

from __future__ import annotations

import pytest

from events.models import MeetingRequest

from ..factories import PASSWORD, make_event, make_participant

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in(page, live_server, email: str, next_url: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{next_url}")


def test_request_accept_and_see_the_meeting(live_server, browser):
    event = make_event(name="Offshore Wind B2B")
    a = make_participant(event, name="Aurora Blades")
    b = make_participant(event, name="Boreal Cables")
    participants = f"/events/{event.slug}/participants/"
    my_event = f"/events/{event.slug}/me/"

    # A asks B for a meeting from the participant list.
    context_a = browser.new_context()
    page_a = context_a.new_page()
    page_a.set_default_timeout(15_000)
    log_in(page_a, live_server, a.person.email, participants)
    page_a.get_by_role("link", name="Request a meeting with Boreal Cables").click()
    page_a.wait_for_url("**/request/")
    assert "Request a meeting with Boreal Cables" in page_a.locator("main").inner_text()
    page_a.fill("#id_message", "Shall we talk about export cables?")
    page_a.get_by_role("button", name="Send request").click()
    page_a.wait_for_url(f"**{participants}")
    assert "Your request was sent to Boreal Cables" in page_a.locator("main").inner_text()
    row = page_a.locator(f"#participant-{b.pk}")
    assert "Request sent: waiting for their answer" in row.inner_text()

    # B sees it on "my event" and accepts it in place (htmx: no page load).
    context_b = browser.new_context()
    page_b = context_b.new_page()
    page_b.set_default_timeout(15_000)
    log_in(page_b, live_server, b.person.email, my_event)
    request = MeetingRequest.objects.get()
    incoming = page_b.locator(f"#incoming #request-{request.pk}")
    assert "Aurora Blades" in incoming.inner_text()
    assert "Shall we talk about export cables?" in incoming.inner_text()
    page_b.evaluate("window.__noReload = true")
    incoming.get_by_role("button", name="Accept the request of Aurora Blades").click()
    page_b.wait_for_selector(f"#request-{request.pk}.request-accepted")
    assert page_b.evaluate("window.__noReload") is True
    assert "Call off" in page_b.locator(f"#request-{request.pk}").inner_text()
    request.refresh_from_db()
    assert request.status == "accepted"

    # A's page shows the meeting agreed.
    page_a.goto(f"{live_server.url}{my_event}")
    accepted = page_a.locator("#accepted").inner_text()
    assert "Boreal Cables" in accepted and "Accepted" in accepted
    context_a.close()
    context_b.close()
