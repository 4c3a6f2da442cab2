"""A cluster manager logs in, edits the profile and sees the change on the detail page."""

from __future__ import annotations

import pytest

from ..factories import PASSWORD, OrganisationFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_manager_edits_profile_in_a_real_browser(live_server, page):
    cluster = OrganisationFactory(
        kind="cluster", name="Danube Mobility Cluster", description="Old description."
    )
    manager = UserFactory(email="manager@cluster.example.org")
    OrganisationFactory.add_person(cluster, role="manager", user=manager)

    page.goto(f"{live_server.url}/accounts/login/?next=/organisations/{cluster.slug}/")
    page.fill("#id_username", manager.email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/organisations/{cluster.slug}/")

    page.get_by_role("link", name="Edit profile").click()
    page.wait_for_url("**/edit/")
    page.fill("#id_description", "We connect 80 e-mobility SMEs along the Danube.")
    page.fill("#id_city", "Linz")
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(f"**/organisations/{cluster.slug}/")
    body = page.locator("main").inner_text()
    assert "We connect 80 e-mobility SMEs along the Danube." in body
    assert "Linz" in body
    assert "Profile saved." in page.content()
    cluster.refresh_from_db()
    assert cluster.city == "Linz"


def test_anonymous_visitor_sees_no_contact_data(live_server, page):
    cluster = OrganisationFactory(kind="cluster", name="Alpine Wood Cluster")
    page.goto(f"{live_server.url}/organisations/{cluster.slug}/")
    html = page.content()
    assert "Alpine Wood Cluster" in html
    assert cluster.contact_email not in html
    assert cluster.contact_phone not in html
