"""The weekly e-mail digest of saved searches: one per search and ISO week, never twice."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Organisation, SavedSearch, SavedSearchDigest
from .saved_searches import DIGEST_LIST_SIZE, matching_organisations

logger = logging.getLogger(__name__)


def week_of(moment: dt.datetime) -> dt.date:
    """Monday of ``moment``'s ISO week, in the site's time zone (settings.TIME_ZONE)."""
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return local.date() - dt.timedelta(days=local.weekday())


def site_url() -> str:
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def _digest_message(
    saved_search: SavedSearch, organisations: Iterable[Organisation], total: int, since
) -> EmailMultiAlternatives:
    base = site_url()
    organisations = list(organisations)
    context = {
        "saved_search": saved_search,
        "user": saved_search.user,
        "since": since,
        "total": total,
        "more": max(total - len(organisations), 0),
        # Name, kind and place only: a digest never carries contact persons' data.
        "organisations": [
            {
                "name": org.name,
                "acronym": org.acronym,
                "kind": org.get_kind_display(),
                "country": org.country.name,
                "city": org.city,
                "url": base + org.get_absolute_url(),
            }
            for org in organisations
        ],
        "search_url": base + saved_search.get_absolute_url(),
        "manage_url": base + reverse("clusters:saved-search-list"),
        "site_url": base,
    }
    subject = render_to_string("clusters/email/saved_search_digest_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("clusters/email/saved_search_digest.txt", context),
        to=[saved_search.user.email],
        headers={"List-Unsubscribe": f"<{context['manage_url']}>"},
    )
    message.attach_alternative(
        render_to_string("clusters/email/saved_search_digest.html", context), "text/html"
    )
    return message


def _record_week(saved_search: SavedSearch, week: dt.date, now: dt.datetime, count: int):
    return SavedSearchDigest.objects.create(
        saved_search=saved_search, week=week, sent_at=now, organisation_count=count
    )


def send_weekly_digests(*, now: dt.datetime | None = None) -> int:
    """E-mail each digest subscriber the organisations newly matching their search.

    Once per search and ISO week: the (saved_search, week) row is inserted in the same
    transaction that sends the e-mail, so a second run (or a concurrent one, which the unique
    constraint stops) sends nothing. New means published after the previous digest ran (the
    search's creation for the first) and not after ``now``, so consecutive windows neither
    overlap nor leave gaps. A week with nothing new is recorded without an e-mail. Returns the
    number of e-mails sent; a failed send is logged, rolled back and retried by the next run.
    """
    now = now or timezone.now()
    week = week_of(now)
    previous = SavedSearchDigest.objects.filter(saved_search=OuterRef("pk")).order_by("-sent_at")
    due = (
        SavedSearch.objects.filter(digest=True, user__is_active=True)
        .exclude(user__email="")
        .exclude(Exists(SavedSearchDigest.objects.filter(saved_search=OuterRef("pk"), week=week)))
        .annotate(previous_sent_at=Subquery(previous.values("sent_at")[:1]))
        .select_related("user")
        .order_by("pk")
    )
    sent = 0
    for saved_search in due:
        since = saved_search.previous_sent_at or saved_search.created_at
        new = matching_organisations(saved_search, since=since).filter(published_at__lte=now)
        total = new.count()
        try:
            with transaction.atomic():
                _record_week(saved_search, week, now, total)
                if total:
                    listed = new.order_by("-published_at", "name", "pk")[:DIGEST_LIST_SIZE]
                    _digest_message(saved_search, listed, total, since).send()
        except IntegrityError:
            logger.info("Digest of saved search %s for %s already sent", saved_search.pk, week)
            continue
        except Exception:
            logger.exception("Could not send the digest of saved search %s", saved_search.pk)
            continue
        sent += bool(total)
    return sent
