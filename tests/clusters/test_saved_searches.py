"""Saved searches: normalisation, validation, limits, ownership, pages and the weekly digest."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from clusterplatform.celery import app as celery_app
from clusters import digests
from clusters.digests import send_weekly_digests, week_of
from clusters.models import SavedSearch, SavedSearchDigest, Topic
from clusters.saved_searches import (
    MAX_SAVED_SEARCHES,
    find_saved,
    matching_organisations,
    normalise_query,
    saved_search_create,
    saved_search_delete,
    saved_search_update,
)
from clusters.tasks import send_saved_search_digests

from ..factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# Monday 3 March 2025, 07:00 UTC: when the beat schedule runs the digest.
MONDAY = dt.datetime(2025, 3, 3, 7, 0, tzinfo=UTC)
WEEK = dt.timedelta(days=7)
LIST = reverse("clusters:saved-search-list")
CREATE = reverse("clusters:saved-search-create")
SEARCH_PAGE = reverse("clusters:organisation-list")


def _update_url(saved: SavedSearch) -> str:
    return reverse("clusters:saved-search-update", args=[saved.pk])


def _delete_url(saved: SavedSearch) -> str:
    return reverse("clusters:saved-search-delete", args=[saved.pk])


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _created(saved: SavedSearch, when: dt.datetime) -> SavedSearch:
    """Backdate a saved search (created_at is set on insert)."""
    SavedSearch.objects.filter(pk=saved.pk).update(created_at=when)
    saved.refresh_from_db()
    return saved


def _published(when: dt.datetime, **kwargs):
    return OrganisationFactory(status="published", published_at=when, **kwargs)


# --- Normalisation ------------------------------------------------------------------------


def test_normalise_drops_page_ordering_empty_and_unknown_keys():
    query = "page=3&kind=cluster&utm_source=mail&country=&ordering=name&sector=automotive"
    assert normalise_query(query) == "kind=cluster&sector=automotive"


def test_normalise_ignores_key_and_value_order_and_duplicates():
    a = normalise_query("kind=sme&country=FR&kind=cluster&country=DE")
    b = normalise_query("country=DE&kind=cluster&country=FR&kind=sme&kind=cluster")
    assert a == b == "country=DE&country=FR&kind=cluster&kind=sme"


def test_normalise_tidies_text_and_region_codes_and_keeps_the_applied_single_value():
    assert normalise_query("?q=%20%20solar%20%20%20panels%20") == "q=solar+panels"
    assert normalise_query("region=de1&region=DE1") == "region=DE1"
    # A single-valued filter applies its last value, so that is the one kept.
    assert normalise_query("founded_after=1990&founded_after=2000") == "founded_after=2000"
    assert normalise_query({"kind": ["sme", "cluster"], "page": "2"}) == "kind=cluster&kind=sme"
    assert normalise_query("") == ""


# --- Creating, updating, deleting ---------------------------------------------------------


def test_create_stores_the_normalised_query_and_names_it_from_the_filters(user):
    saved = saved_search_create(
        user=user, name="  ", query="page=2&kind=cluster&q=photonics&country=DE"
    )
    assert saved.query == "country=DE&kind=cluster&q=photonics"
    assert saved.name == "photonics · Germany · Cluster organisation"
    assert saved.digest is True
    assert saved.get_absolute_url() == f"{SEARCH_PAGE}?country=DE&kind=cluster&q=photonics"


def test_a_search_without_filters_is_all_organisations(user):
    assert saved_search_create(user=user, name="", query="page=4").name == "All organisations"


def test_create_keeps_a_given_name_and_digest_choice(user):
    saved = saved_search_create(user=user, name="My  radar", query="kind=sme", digest=False)
    assert (saved.name, saved.digest) == ("My radar", False)


def test_invalid_query_is_an_error_naming_the_parameter(user):
    with pytest.raises(ValidationError) as excinfo:
        saved_search_create(user=user, name="", query="kind=cluster&sector=no-such-sector")
    assert set(excinfo.value.message_dict) == {"sector"}
    assert "sector" in excinfo.value.message_dict["sector"][0]
    assert "no-such-sector" in excinfo.value.message_dict["sector"][0]
    assert not SavedSearch.objects.exists()


def test_the_same_search_twice_is_refused_with_its_name(user):
    saved_search_create(user=user, name="Photonics in Germany", query="country=DE&q=photonics")
    with pytest.raises(ValidationError) as excinfo:
        saved_search_create(user=user, name="Again", query="q=photonics&page=2&country=DE")
    assert excinfo.value.messages == ["You already saved this search as “Photonics in Germany”."]
    assert SavedSearch.objects.count() == 1
    # Another user may save the same search.
    saved_search_create(user=UserFactory(), name="", query="country=DE&q=photonics")


def test_a_topic_by_name_or_by_code_is_the_same_search(user):
    Topic.objects.create(code="additive-manufacturing", name="Additive manufacturing")
    saved = saved_search_create(user=user, name="", query="offers=Additive+manufacturing")
    assert saved.query == "offers=additive-manufacturing"
    assert find_saved(user=user, query="offers=additive-manufacturing&page=3") == saved
    with pytest.raises(ValidationError, match="already saved this search"):
        saved_search_create(user=user, name="", query="offers=additive-manufacturing")


def test_the_database_refuses_a_duplicate_query_too(user):
    SavedSearch.objects.create(user=user, name="a", query="kind=sme")
    with pytest.raises(IntegrityError), transaction.atomic():
        SavedSearch.objects.create(user=user, name="b", query="kind=sme")


def test_a_user_keeps_at_most_50_saved_searches(user):
    SavedSearch.objects.bulk_create(
        SavedSearch(user=user, name=f"s{i}", query=f"founded_after={1900 + i}")
        for i in range(MAX_SAVED_SEARCHES)
    )
    with pytest.raises(ValidationError) as excinfo:
        saved_search_create(user=user, name="", query="kind=sme")
    assert "at most 50 saved searches" in excinfo.value.messages[0]
    assert SavedSearch.objects.filter(user=user).count() == MAX_SAVED_SEARCHES
    # The cap is per user.
    saved_search_create(user=UserFactory(), name="", query="kind=sme")


def test_name_length_is_checked(user):
    with pytest.raises(ValidationError) as excinfo:
        saved_search_create(user=user, name="x" * 121, query="kind=sme")
    assert "name" in excinfo.value.message_dict


def test_update_renames_and_switches_the_digest(user):
    saved = saved_search_create(user=user, name="", query="kind=sme")
    saved_search_update(saved_search=saved, name=" SMEs ", digest=False)
    saved.refresh_from_db()
    assert (saved.name, saved.digest) == ("SMEs", False)
    saved_search_update(saved_search=saved, digest=True)
    saved.refresh_from_db()
    assert (saved.name, saved.digest) == ("SMEs", True)
    with pytest.raises(ValidationError) as excinfo:
        saved_search_update(saved_search=saved, name="   ")
    assert "name" in excinfo.value.message_dict


def test_delete_removes_the_search_and_its_digests(user):
    saved = saved_search_create(user=user, name="", query="kind=sme")
    SavedSearchDigest.objects.create(saved_search=saved, week=week_of(MONDAY), sent_at=MONDAY)
    saved_search_delete(saved_search=saved)
    assert not SavedSearch.objects.exists() and not SavedSearchDigest.objects.exists()


# --- Pages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", LIST), ("post", CREATE), ("post", "/searches/1/"), ("post", "/searches/1/delete/")],
)
def test_anonymous_is_sent_to_log_in(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_writes_are_post_only(client, user):
    saved = saved_search_create(user=user, name="", query="kind=sme")
    client.force_login(user)
    assert client.get(CREATE).status_code == 405
    assert client.get(_update_url(saved)).status_code == 405
    assert client.get(_delete_url(saved)).status_code == 405
    assert SavedSearch.objects.filter(pk=saved.pk).exists()


def test_writes_need_the_csrf_token(user):
    saved = saved_search_create(user=user, name="", query="kind=sme")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(CREATE, {"query": "kind=cluster"}).status_code == 403
    assert client.post(_update_url(saved), {"name": "x"}).status_code == 403
    assert client.post(_delete_url(saved)).status_code == 403
    assert SavedSearch.objects.filter(user=user).count() == 1


def test_only_the_owner_sees_edits_and_deletes_a_saved_search(client, user):
    mine = saved_search_create(user=user, name="Mine", query="kind=sme")
    other = UserFactory()
    theirs = saved_search_create(user=other, name="Theirs", query="kind=cluster")
    client.force_login(user)

    body = client.get(LIST).content.decode()
    assert "Mine" in body and "Theirs" not in body
    assert client.post(_update_url(theirs), {"name": "Hacked"}).status_code == 404
    assert client.post(_update_url(theirs), {"digest": "0"}).status_code == 404
    assert client.post(_delete_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.name, theirs.digest) == ("Theirs", True)

    response = client.post(_update_url(mine), {"name": "Renamed"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.name == "Renamed"
    client.post(_update_url(mine), {"digest": "0"})
    mine.refresh_from_db()
    assert mine.digest is False
    response = client.post(_delete_url(mine))
    assert response["Location"] == LIST
    assert list(SavedSearch.objects.values_list("name", flat=True)) == ["Theirs"]


def test_save_from_the_search_page_redirects_back_with_a_message(client, user):
    client.force_login(user)
    response = client.post(
        CREATE, {"query": "kind=cluster&country=DE&ordering=name", "name": "", "digest": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{SEARCH_PAGE}?kind=cluster&country=DE&ordering=name"
    saved = SavedSearch.objects.get(user=user)
    assert saved.query == "country=DE&kind=cluster" and saved.digest is True
    assert any("Search saved as “Germany · Cluster organisation”" in m for m in _messages(response))


def test_an_unchecked_digest_box_saves_without_e_mails(client, user):
    client.force_login(user)
    client.post(CREATE, {"query": "kind=sme", "name": "SMEs"})
    assert SavedSearch.objects.get(user=user).digest is False


def test_save_errors_go_back_to_the_search_with_a_message(client, user):
    client.force_login(user)
    response = client.post(CREATE, {"query": "kind=nonsense&page=2"})
    assert response.status_code == 302
    assert response["Location"] == f"{SEARCH_PAGE}?kind=nonsense"
    (message,) = _messages(response)
    assert message.startswith("Could not save this search:") and "(kind)" in message
    assert not SavedSearch.objects.exists()

    client.post(CREATE, {"query": "kind=sme", "name": "First"})
    response = client.post(CREATE, {"query": "kind=sme"})
    assert "You already saved this search as “First”." in _messages(response)[-1]


def test_save_with_htmx_answers_with_the_fragment(client, user):
    client.force_login(user)
    response = client.post(CREATE, {"query": "kind=sme", "digest": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Search saved" in body and "SME" in body and "<html" not in body
    response = client.post(CREATE, {"query": "kind=sme"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "You already saved this search as" in body and 'role="alert"' in body
    assert not _messages(response)


def test_list_page_shows_filters_counts_and_links(client, user):
    OrganisationFactory(kind="cluster", country="DE")
    OrganisationFactory(kind="cluster", country="DE", status="draft")
    OrganisationFactory(kind="cluster", country="FR")
    saved = saved_search_create(user=user, name="German clusters", query="kind=cluster&country=DE")
    client.force_login(user)
    response = client.get(LIST)
    assert response.status_code == 200
    (row,) = response.context["rows"]
    assert row["count"] == 1  # drafts are not counted
    assert row["summary"] == [("Country", "Germany"), ("Kind", "Cluster organisation")]
    body = response.content.decode()
    assert f'href="{SEARCH_PAGE}?country=DE&amp;kind=cluster"' in body
    assert _update_url(saved) in body and _delete_url(saved) in body


def test_list_page_counts_text_searches_like_the_search_page(client, user):
    OrganisationFactory(name="Photonics Valley", kind="cluster")
    OrganisationFactory(name="Biotech Bay", kind="cluster")
    saved_search_create(user=user, name="Light", query="q=photonics&ordering=name")
    saved_search_create(user=user, name="All clusters", query="kind=cluster")
    client.force_login(user)
    rows = client.get(LIST).context["rows"]
    assert [(row["search"].name, row["count"]) for row in rows] == [
        ("All clusters", 2),
        ("Light", 1),
    ]


def test_list_page_flags_a_search_that_no_longer_validates(client, user):
    SavedSearch.objects.create(user=user, name="Old", query="sector=retired-sector")
    client.force_login(user)
    (row,) = client.get(LIST).context["rows"]
    assert row["count"] is None and "sector" in row["errors"][0]


def test_list_page_empty_state_explains_how_to_save(client, user):
    client.force_login(user)
    body = client.get(LIST).content.decode()
    assert "You have no saved searches yet" in body and "Save this search" in body


def test_list_page_counts_every_search_in_one_query(client, user, django_assert_max_num_queries):
    OrganisationFactory(kind="sme", founded_year=1990)
    for i in range(30):
        SavedSearch.objects.create(user=user, name=f"s{i}", query=f"founded_after={1950 + i}")
    client.force_login(user)
    # session, user, user's roles, groups, the searches, one aggregate COUNT, messages slack.
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert [row["count"] for row in response.context["rows"]] == [1] * 30


def test_nav_links_to_saved_searches_for_logged_in_users(client, user):
    assert LIST not in client.get(SEARCH_PAGE).content.decode()
    client.force_login(user)
    assert f'href="{LIST}"' in client.get(SEARCH_PAGE).content.decode()


def _render_include(user, querystring: str, **extra) -> str:
    request = RequestFactory().get(f"{SEARCH_PAGE}?{querystring}&page=2")
    request.user = user
    context = {"user": user, "querystring": querystring, "request": request, **extra}
    return render_to_string("clusters/includes/save_search_form.html", context, request=request)


def test_include_asks_anonymous_visitors_to_log_in_and_come_back():
    html = _render_include(AnonymousUser(), "kind=cluster&country=DE")
    assert "Log in to save this search" in html
    assert "?next=/organisations/%3Fkind%3Dcluster%26country%3DDE" in html
    assert "<form" not in html


def test_include_gives_logged_in_users_a_form(user):
    html = _render_include(user, "kind=cluster&country=DE")
    assert f'action="{CREATE}"' in html
    assert 'name="query" value="kind=cluster&amp;country=DE"' in html
    assert 'name="csrfmiddlewaretoken"' in html and 'name="digest"' in html
    saved = saved_search_create(user=user, name="Known", query="kind=cluster&country=DE")
    html = _render_include(user, "kind=cluster&country=DE", saved_search=saved)
    assert "You saved this search as" in html and "Known" in html and "<form" not in html


# --- Matching and the weekly digest -------------------------------------------------------


@pytest.fixture
def watcher(user):
    """A user watching German cluster organisations since the Wednesday before MONDAY."""
    saved = saved_search_create(user=user, name="German clusters", query="kind=cluster&country=DE")
    return _created(saved, MONDAY - dt.timedelta(days=5))


def test_matching_is_published_only_and_can_start_at_a_date(watcher):
    old = _published(MONDAY - 2 * WEEK, kind="cluster", country="DE")
    new = _published(MONDAY - dt.timedelta(days=1), kind="cluster", country="DE")
    OrganisationFactory(kind="cluster", country="DE", status="draft", published_at=MONDAY)
    _published(MONDAY, kind="sme", country="DE")
    assert set(matching_organisations(watcher)) == {old, new}
    assert list(matching_organisations(watcher, since=MONDAY - WEEK)) == [new]


def test_week_is_the_monday_of_the_iso_week_in_the_site_time_zone(settings):
    assert week_of(MONDAY) == dt.date(2025, 3, 3)
    assert week_of(MONDAY + dt.timedelta(days=6, hours=16)) == dt.date(2025, 3, 3)  # Sunday
    settings.TIME_ZONE = "Europe/Berlin"
    # Sunday 23:30 UTC is already Monday in Berlin.
    assert week_of(dt.datetime(2025, 3, 9, 23, 30, tzinfo=UTC)) == dt.date(2025, 3, 10)


def test_digest_is_sent_once_per_week(watcher, mailoutbox):
    _published(MONDAY - dt.timedelta(days=2), kind="cluster", country="DE", name="Photon Valley")
    assert send_weekly_digests(now=MONDAY) == 1
    assert send_weekly_digests(now=MONDAY) == 0
    assert send_weekly_digests(now=MONDAY + dt.timedelta(days=3)) == 0
    assert len(mailoutbox) == 1
    (message,) = mailoutbox
    assert message.to == [watcher.user.email]
    assert "Photon Valley" in message.body
    assert message.subject == "1 new organisation for your saved search “German clusters”"
    digest = SavedSearchDigest.objects.get()
    assert (digest.week, digest.sent_at, digest.organisation_count) == (
        dt.date(2025, 3, 3),
        MONDAY,
        1,
    )


def test_next_week_sends_again_only_when_something_new_was_published(watcher, mailoutbox):
    _published(MONDAY - dt.timedelta(days=2), kind="cluster", country="DE", name="First One")
    # Published after the first run: it belongs to the next week's window, not lost.
    _published(MONDAY + dt.timedelta(hours=1), kind="cluster", country="DE", name="Second One")
    assert send_weekly_digests(now=MONDAY) == 1
    assert send_weekly_digests(now=MONDAY + WEEK) == 1
    assert "Second One" in mailoutbox[1].body and "First One" not in mailoutbox[1].body

    # Nothing new: no e-mail, but the week is recorded, and a rerun stays silent.
    assert send_weekly_digests(now=MONDAY + 2 * WEEK) == 0
    assert send_weekly_digests(now=MONDAY + 2 * WEEK + dt.timedelta(hours=2)) == 0
    quiet = SavedSearchDigest.objects.get(week=dt.date(2025, 3, 17))
    assert quiet.organisation_count == 0
    assert len(mailoutbox) == 2

    _published(MONDAY + 2 * WEEK + dt.timedelta(days=3), kind="cluster", country="DE", name="Third")
    assert send_weekly_digests(now=MONDAY + 3 * WEEK) == 1
    assert "Third" in mailoutbox[2].body and "Second One" not in mailoutbox[2].body
    assert SavedSearchDigest.objects.filter(saved_search=watcher).count() == 4


def test_no_e_mail_when_nothing_new_matches(watcher, mailoutbox):
    _published(MONDAY - dt.timedelta(days=2), kind="sme", country="DE")  # not a cluster
    _published(MONDAY - 3 * WEEK, kind="cluster", country="DE")  # before the search existed
    assert send_weekly_digests(now=MONDAY) == 0
    assert mailoutbox == []
    assert SavedSearchDigest.objects.get().organisation_count == 0


def test_drafts_never_appear_in_a_digest(watcher, mailoutbox):
    # Published once, then taken back to draft: it keeps its published_at.
    OrganisationFactory(
        kind="cluster",
        country="DE",
        status="draft",
        name="Secret Draft",
        published_at=MONDAY - dt.timedelta(days=1),
    )
    _published(MONDAY - dt.timedelta(days=1), kind="cluster", country="DE", name="Public One")
    assert send_weekly_digests(now=MONDAY) == 1
    (message,) = mailoutbox
    html = message.alternatives[0][0]
    assert "Public One" in message.body and "Public One" in html
    assert "Secret Draft" not in message.body and "Secret Draft" not in html


def test_digest_carries_no_contact_data_and_absolute_links(watcher, mailoutbox, settings):
    settings.SITE_URL = "https://clusters.example.eu"
    org = _published(MONDAY - dt.timedelta(days=1), kind="cluster", country="DE")
    send_weekly_digests(now=MONDAY)
    (message,) = mailoutbox
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    for text in (message.body, html):
        assert org.contact_email not in text
        assert org.contact_name not in text
        assert org.contact_phone not in text
        assert f"https://clusters.example.eu{org.get_absolute_url()}" in text
        assert "https://clusters.example.eu/searches/" in text
    assert f"https://clusters.example.eu{SEARCH_PAGE}?country=DE&kind=cluster" in message.body
    assert message.extra_headers["List-Unsubscribe"] == "<https://clusters.example.eu/searches/>"


def test_digest_lists_twenty_and_says_how_many_more(watcher, mailoutbox):
    for i in range(23):
        _published(MONDAY - dt.timedelta(hours=i + 1), kind="cluster", country="DE")
    assert send_weekly_digests(now=MONDAY) == 1
    (message,) = mailoutbox
    assert message.body.count("/organisations/test-organisation-") == 20
    assert "and 3 more" in message.body and "and 3 more" in message.alternatives[0][0]
    assert message.subject.startswith("23 new organisations")
    assert SavedSearchDigest.objects.get().organisation_count == 23


def test_digest_off_or_inactive_user_sends_nothing(watcher, mailoutbox):
    _published(MONDAY - dt.timedelta(days=1), kind="cluster", country="DE")
    saved_search_update(saved_search=watcher, digest=False)
    assert send_weekly_digests(now=MONDAY) == 0
    saved_search_update(saved_search=watcher, digest=True)
    watcher.user.is_active = False
    watcher.user.save()
    assert send_weekly_digests(now=MONDAY) == 0
    assert mailoutbox == [] and not SavedSearchDigest.objects.exists()


def test_one_digest_row_per_search_and_week_is_a_database_constraint(watcher):
    SavedSearchDigest.objects.create(saved_search=watcher, week=dt.date(2025, 3, 3), sent_at=MONDAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        SavedSearchDigest.objects.create(
            saved_search=watcher, week=dt.date(2025, 3, 3), sent_at=MONDAY + dt.timedelta(hours=1)
        )
    SavedSearchDigest.objects.create(
        saved_search=watcher, week=dt.date(2025, 3, 10), sent_at=MONDAY
    )


def test_a_concurrent_run_that_got_there_first_wins(watcher, mailoutbox, monkeypatch):
    _published(MONDAY - dt.timedelta(days=1), kind="cluster", country="DE")
    real = digests.matching_organisations

    def other_run_commits_first(saved_search, **kwargs):
        SavedSearchDigest.objects.create(
            saved_search=saved_search, week=week_of(MONDAY), sent_at=MONDAY
        )
        return real(saved_search, **kwargs)

    monkeypatch.setattr(digests, "matching_organisations", other_run_commits_first)
    assert send_weekly_digests(now=MONDAY) == 0
    assert mailoutbox == []
    assert SavedSearchDigest.objects.count() == 1


def test_a_failed_send_records_nothing_so_the_next_run_retries(watcher, mailoutbox, monkeypatch):
    _published(MONDAY - dt.timedelta(days=1), kind="cluster", country="DE")
    other = _created(
        saved_search_create(user=UserFactory(), name="", query="country=DE"), watcher.created_at
    )

    def broken_send(self, fail_silently=False):
        if self.to == [watcher.user.email]:
            raise OSError("SMTP server unavailable")
        return 1

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken_send)
    assert send_weekly_digests(now=MONDAY) == 1  # the other user still gets theirs
    assert list(SavedSearchDigest.objects.values_list("saved_search", flat=True)) == [other.pk]
    monkeypatch.undo()
    assert send_weekly_digests(now=MONDAY + dt.timedelta(hours=1)) == 1
    assert mailoutbox[-1].to == [watcher.user.email]


def test_the_task_runs_the_digest(user, mailoutbox):
    saved = saved_search_create(user=user, name="", query="kind=cluster")
    now = saved.created_at
    _created(saved, now - WEEK)
    _published(now - dt.timedelta(days=1), kind="cluster")
    assert send_saved_search_digests.delay().get() == 1
    assert send_saved_search_digests.delay().get() == 0
    assert len(mailoutbox) == 1


def test_beat_runs_the_digest_weekly_on_monday_morning():
    entry = django_settings.CELERY_BEAT_SCHEDULE["saved-search-digests"]
    assert entry["task"] == send_saved_search_digests.name
    assert entry["task"] in celery_app.tasks
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.day_of_week == {1} and schedule.hour == {7} and schedule.minute == {0}
    assert celery_app.conf.beat_schedule["saved-search-digests"]["task"] == entry["task"]
