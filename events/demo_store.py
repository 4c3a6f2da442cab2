"""Storing the demo events' plan (see events/demo.py): what is missing is added by natural
key with bulk inserts; event fields and sessions are reset to the plan."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from clusters.models import Organisation, OrganisationRole, Sector

from .models import (
    Event,
    KindLimit,
    MarketplaceItem,
    Meeting,
    MeetingRating,
    MeetingRequest,
    Registration,
    SessionWindow,
)

RS, Status = MeetingRequest.Status, Registration.Status


@dataclass
class EventsResult:
    """What a run created and changed (by kind of row), and the demo events."""

    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    events: list[Event] = field(default_factory=list)


def people(plan, result: EventsResult) -> tuple[dict[str, int], dict[str, int]]:
    """Accounts (no usable password) and member roles for the contact persons; returns
    {e-mail: user id} of every participant and {slug: id} of their organisations."""
    user_model = get_user_model()
    have = set(user_model.objects.filter(email__in=plan.people).values_list("email", flat=True))
    new = [
        user_model(email=email, first_name=first, last_name=last, password=make_password(None))
        for email, (first, last, _slug) in sorted(plan.people.items())
        if email not in have
    ]
    user_model.objects.bulk_create(new, batch_size=500)
    result.created["user"] += len(new)
    emails = {row[0] for spec in plan.events for row in spec.registrations}
    users = dict(user_model.objects.filter(email__in=emails).values_list("email", "pk"))
    slugs = {row[1] for spec in plan.events for row in spec.registrations}
    org_ids = dict(Organisation.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    wanted = {
        (users[email], org_ids[slug])
        for email, (_first, _last, slug) in plan.people.items()
        if email in users and slug in org_ids
    }
    roles = OrganisationRole.objects.filter(user_id__in={u for u, _o in wanted})
    missing = sorted(wanted - set(roles.values_list("user_id", "organisation_id")))
    OrganisationRole.objects.bulk_create(
        OrganisationRole(user_id=u, organisation_id=o, role=OrganisationRole.Role.MEMBER)
        for u, o in missing
    )
    result.created["organisation role"] += len(missing)
    return users, org_ids


def upsert_event(spec, organiser, result: EventsResult) -> Event:
    """The event with the planned fields, organiser, sectors and kind limits."""
    event = Event.objects.filter(slug=spec.slug).first()
    values = {k: getattr(event, k) for k in spec.fields} if event else {}
    if "country" in values:
        values["country"] = values["country"].code
    counter = result.updated if event else result.created  # new: its parts count as created
    if values != spec.fields:
        counter["event"] += 1
        event = event or Event(slug=spec.slug)
        for name, value in spec.fields.items():
            setattr(event, name, value)
        event.full_clean()
        event.save()
    if organiser is not None and not event.organisers.filter(pk=organiser.pk).exists():
        event.organisers.add(organiser)
        counter["event organiser"] += 1
    sectors = set(Sector.objects.filter(code__in=spec.sectors).values_list("pk", flat=True))
    if sectors != set(event.sectors.values_list("pk", flat=True)):
        event.sectors.set(sectors)
        counter["event sectors"] += 1
    if dict(event.kind_limits.values_list("kind", "max_meetings")) != spec.kind_limits:
        event.kind_limits.all().delete()
        KindLimit.objects.bulk_create(
            KindLimit(event=event, kind=k, max_meetings=n) for k, n in spec.kind_limits.items()
        )
        counter["kind limits"] += 1
    return event


def sync_windows(event: Event, spec, result: EventsResult) -> list[SessionWindow]:
    """Exactly the planned sessions; those that did not move keep their registrations."""
    wanted = {(start, end): label for start, end, label in spec.windows}
    have = {(w.starts_at, w.ends_at): w for w in event.windows.all()}
    stale = [w.pk for key, w in have.items() if key not in wanted]
    relabel = [w for key, w in have.items() if key in wanted and w.label != wanted[key]]
    for window in relabel:
        window.label = wanted[(window.starts_at, window.ends_at)]
    SessionWindow.objects.bulk_update(relabel, ["label"])
    # Demo meetings in sessions that moved go with them (a meeting's slot is RESTRICTed).
    Meeting.objects.filter(slot__window_id__in=stale).delete()
    SessionWindow.objects.filter(pk__in=stale).delete()
    new = [SessionWindow(event=event, starts_at=s, ends_at=e, label=lb)
           for (s, e), lb in wanted.items() if (s, e) not in have]  # fmt: skip
    SessionWindow.objects.bulk_create(new)
    result.updated["session"] += len(stale) + len(relabel)
    result.created["session"] += len(new)
    return list(event.windows.order_by("starts_at"))


def _backdate(model, rows: list, moments: list[datetime]) -> None:
    """bulk_create stamps auto_now_add fields with now: put the planned moments back."""
    for row, moment in zip(rows, moments, strict=True):
        row.created_at = moment
    model.objects.bulk_update(rows, ["created_at"], batch_size=500)


def add_registrations(event, spec, users, org_ids, windows, result) -> dict[str, tuple]:
    """{person e-mail: (registration id, status)} of the event, adding the missing ones with
    their availability and topics (their organisation's offers)."""
    have = set(Registration.objects.filter(event=event).values_list("person_id", flat=True))
    decider = event.organisers.values_list("pk", flat=True).first()
    rows, moments, first_only = [], [], []
    for email, slug, status, registered, only_first in spec.registrations:
        if users.get(email) in have or email not in users or slug not in org_ids:
            continue
        decided = registered + timedelta(days=1) if event.requires_approval else None
        rows.append(Registration(
            event=event, organisation_id=org_ids[slug], person_id=users[email], status=status,
            decided_at=decided if status != Status.CANCELLED else None,
            decided_by_id=decider if decided and status != Status.CANCELLED else None,
            approved_mail_sent_at=(decided or registered) if status == Status.APPROVED else None,
        ))  # fmt: skip
        moments.append(registered)
        first_only.append(only_first and bool(windows))
    Registration.objects.bulk_create(rows, batch_size=500)
    if rows:
        _backdate(Registration, rows, moments)
        available, topics = Registration.availability.through, Registration.topics.through
        available.objects.bulk_create(
            available(registration_id=r.pk, sessionwindow_id=windows[0].pk)
            for r, only in zip(rows, first_only, strict=True)
            if only
        )
        offered: dict[int, list[int]] = {}
        for org, topic in Organisation.offers_topics.through.objects.filter(
            organisation_id__in={r.organisation_id for r in rows}
        ).values_list("organisation_id", "topic_id"):
            offered.setdefault(org, []).append(topic)
        topics.objects.bulk_create(
            topics(registration_id=r.pk, topic_id=t)
            for r in rows
            for t in offered.get(r.organisation_id, [])
        )
    result.created["registration"] += len(rows)
    email_of = {pk: email for email, pk in users.items()}
    current = Registration.objects.filter(event=event, person_id__in=email_of)
    return {email_of[p]: (pk, st) for p, pk, st in current.values_list("person_id", "pk", "status")}


def add_requests(event, spec, registrations, result) -> dict[tuple[str, str], tuple]:
    """{(sender, receiver e-mail): (request id, status)}, adding the missing requests; a pair
    that has a request already (any status, either way) gets no other."""
    email_of = {pk: email for email, (pk, _status) in registrations.items()}
    person_of = dict.fromkeys(email_of)
    person_of.update(Registration.objects.filter(pk__in=email_of).values_list("pk", "person_id"))
    existing = MeetingRequest.objects.filter(event=event)
    pairs = {frozenset(p) for p in existing.values_list("sender_id", "receiver_id")}
    rows, moments = [], []
    for sender, receiver, status, sent, answered in spec.requests:
        a, b = registrations.get(sender), registrations.get(receiver)
        if not (a and b and a[1] == b[1] == Status.APPROVED) or {a[0], b[0]} in pairs:
            continue
        pairs.add(frozenset((a[0], b[0])))
        by = {RS.ACCEPTED: b[0], RS.DECLINED: b[0], RS.CANCELLED: a[0]}.get(status)
        rows.append(MeetingRequest(
            event=event, sender_id=a[0], receiver_id=b[0], status=status,
            message="We would like to discuss a joint project with you.",
            expires_at=sent + event.request_expiry, answered_at=answered,
            answered_by_id=person_of[by] if by else None, received_mail_sent_at=sent,
            answer_mail_sent_at=answered if status in (RS.ACCEPTED, RS.DECLINED) else None,
        ))  # fmt: skip
        moments.append(sent)
    MeetingRequest.objects.bulk_create(rows, batch_size=500)
    if rows:
        _backdate(MeetingRequest, rows, moments)
    result.created["meeting request"] += len(rows)
    rows = existing.filter(sender_id__in=email_of, receiver_id__in=email_of)
    return {
        (email_of[s], email_of[r]): (pk, status)
        for s, r, pk, status in rows.values_list("sender_id", "receiver_id", "pk", "status")
    }


def add_ratings_and_items(spec, registrations, requests, result) -> None:
    ids = {pk for pk, _status in requests.values()}
    have = set(
        MeetingRating.objects.filter(request_id__in=ids).values_list(
            "request_id", "registration_id", "round"
        )
    )
    ratings = []
    for sender, receiver, rater, round_, took_place, outcome, comment in spec.ratings:
        request = requests.get((sender, receiver))
        if not request or request[1] != RS.ACCEPTED or rater not in registrations:
            continue
        key = (request[0], registrations[rater][0], round_)
        if key not in have:
            have.add(key)
            ratings.append(MeetingRating(
                request_id=key[0], registration_id=key[1], round=round_,
                took_place=took_place, outcome=outcome, comment=comment,
            ))  # fmt: skip
    MeetingRating.objects.bulk_create(ratings, batch_size=500)
    result.created["meeting rating"] += len(ratings)
    mine = [pk for pk, _status in registrations.values()]
    have_items = set(
        MarketplaceItem.objects.filter(registration_id__in=mine).values_list(
            "registration_id", "title"
        )
    )
    items = [
        MarketplaceItem(registration_id=registrations[email][0], kind=kind, title=title,
                        description=f"{title}. Ask us for a meeting to discuss it.")
        for email, kind, title in spec.items
        if email in registrations and (registrations[email][0], title) not in have_items
    ]  # fmt: skip
    MarketplaceItem.objects.bulk_create(items, batch_size=500)
    result.created["marketplace item"] += len(items)
