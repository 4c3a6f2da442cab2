"""Demo events for ``manage.py demo_data``: three matchmaking events among the demo
organisations, organised by the demo event organiser.

(a) a finished B2B event (~60 participants, ~250 requests, ratings with agreements and MoUs);
(b) an upcoming on-site event open for registration with approval (pending registrations,
pending and accepted requests); (c) an online event open for registration.

``build_demo_events`` is pure: the same seed, organisations and month give the same plan.
``load_demo_events`` stores it by natural key (events by slug, registrations by event and
person, requests by event and pair, ratings by request, person and round, items by
registration and title) with bulk inserts, so a second run creates nothing. Event fields and
sessions are reset to the plan; registrations and requests that people changed while trying
the demo are only added to, never overwritten.

Dates count from the first day of the current month: the upcoming events stay ahead of the
clock, and runs within a month give the same dates (within a day, the same rows). A
participant is the demo login of an organisation where there is one, else its fictional
contact person, who gets an account without a usable password and a member role there.
"""

from __future__ import annotations

import random
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from clusters.demo.generate import DemoData, OrgSpec
from clusters.demo.vocabulary import DEFAULT_SEED, ORGANISER
from clusters.models import OrganisationStatus

from . import demo_store as store
from .demo_store import EventsResult
from .models import Event, MeetingRating, MeetingRequest, Registration, ScheduleRun

RS, Status, Outcome = MeetingRequest.Status, Registration.Status, MeetingRating.Outcome
ZONES = {
    "AT": "Europe/Vienna", "BE": "Europe/Brussels", "DE": "Europe/Berlin",
    "DK": "Europe/Copenhagen", "ES": "Europe/Madrid", "FI": "Europe/Helsinki",
    "FR": "Europe/Paris", "IT": "Europe/Rome", "NL": "Europe/Amsterdam",
    "PL": "Europe/Warsaw", "PT": "Europe/Lisbon", "SE": "Europe/Stockholm",
}  # fmt: skip
COMMENTS = {
    Outcome.NONE: ("Interesting, but no common project for now.", ""),
    Outcome.FOLLOW_UP: ("We agreed to meet again after the summer.", "Sending an offer."),
    Outcome.AGREEMENT: ("Joint pilot agreed for next year.", "Supply agreement signed."),
    Outcome.MOU: ("MoU on a joint Horizon Europe proposal.", "MoU signed with the cluster."),
}
# Outcomes right after the event, then six months on (when some follow-ups became deals).
RATING_WEIGHTS = {Outcome.NONE: 45, Outcome.FOLLOW_UP: 41, Outcome.AGREEMENT: 9, Outcome.MOU: 5}
LATER_WEIGHTS = {Outcome.NONE: 15, Outcome.FOLLOW_UP: 55, Outcome.AGREEMENT: 20, Outcome.MOU: 10}


@dataclass(frozen=True)
class Blueprint:
    """One demo event: days count from the first of the month, times are local."""

    slug: str
    name: str
    format: str
    status: str
    description: str
    sectors: tuple[str, ...]
    day: int  # first day of the event, counted from the first of the month (then a weekday)
    weekday: int
    hours: tuple[str, int, str]  # start, days until the last day, end
    windows: tuple[tuple[int, str, str, str], ...]  # day, from, to, label
    opens: int  # registration opens, in days from the first of the month
    deadline: tuple[int, str]  # days before the start, time
    size: int  # organisations taking part
    statuses: dict[str, float]  # registration statuses, shares (approved first)
    requests: int
    request_statuses: dict[str, float]
    request_hours: tuple[int, int]  # requests were sent between these hours before the anchor
    hosted: bool = True  # in a demo cluster's town and zone (else online, from Brussels)
    fields: dict[str, Any] = field(default_factory=dict)
    kind_limits: dict[str, int] = field(default_factory=dict)


BLUEPRINTS = (
    Blueprint(
        "demo-advanced-manufacturing-b2b-days", "Advanced Manufacturing B2B Days", "onsite",
        "finished", "Two days of pre-arranged 25-minute meetings between manufacturers, "
        "suppliers, research centres and investors.",
        ("production-technology-and-heavy-machinery", "metalworking-technology", "automotive"),
        -215, 1, ("09:00", 1, "17:30"),
        ((0, "09:30", "12:30", "Day 1 morning"), (0, "14:00", "17:00", "Day 1 afternoon"),
         (1, "09:30", "12:30", "Day 2 morning")),
        -275, (3, "23:59"), 62, {Status.APPROVED: 60 / 62, Status.CANCELLED: 2 / 62}, 250,
        {RS.ACCEPTED: 0.6, RS.DECLINED: 0.15, RS.CANCELLED: 0.08, RS.EXPIRED: 0.17},
        (20 * 24, 24), kind_limits={"investor": 6},
    ),
    Blueprint(
        "demo-green-transition-matchmaking", "Green Transition Matchmaking", "onsite",
        "published", "Meet partners for batteries, hydrogen, recycling and clean mobility. "
        "The organisers approve each registration.",
        ("electric-power-generation-and-transmission", "environmental-services"),
        62, 1, ("09:00", 1, "13:00"),
        ((0, "09:30", "12:30", "Day 1 morning"), (0, "14:00", "17:30", "Day 1 afternoon"),
         (1, "09:00", "12:30", "Day 2 morning")),
        -30, (2, "18:00"), 40,
        {Status.APPROVED: 0.7, Status.PENDING: 0.2, Status.REJECTED: 0.05,
         Status.CANCELLED: 0.05}, 70,
        {RS.PENDING: 0.3, RS.ACCEPTED: 0.5, RS.DECLINED: 0.12, RS.CANCELLED: 0.08},
        (96, 1), fields={"requires_approval": True, "request_expiry": timedelta(days=5)},
    ),
    Blueprint(
        "demo-digital-partnering-online", "Digital Partnering Online", "online", "published",
        "Video meetings on AI, data spaces and cybersecurity.",
        ("information-technology-and-analytical-instruments", "business-services"),
        75, 3, ("10:00", 0, "16:00"),
        ((0, "10:00", "12:00", "Morning"), (0, "13:30", "16:00", "Afternoon")),
        -20, (1, "12:00"), 30, {Status.APPROVED: 1.0}, 50,
        {RS.PENDING: 0.35, RS.ACCEPTED: 0.5, RS.DECLINED: 0.1, RS.CANCELLED: 0.05},
        (24, 1), hosted=False, fields={
            "request_expiry": timedelta(days=2),
            "online_meeting_url": "https://meet.example.org/digital-partnering/{meeting}",
        },
    ),
)  # fmt: skip


@dataclass
class EventPlan:
    slug: str
    fields: dict[str, Any]
    sectors: tuple[str, ...]
    windows: list[tuple[datetime, datetime, str]]
    kind_limits: dict[str, int]
    # (person e-mail, organisation slug, status, registered at, first session only)
    registrations: list[tuple[str, str, str, datetime, bool]] = field(default_factory=list)
    # (sender e-mail, receiver e-mail, status, sent at, answered at or None)
    requests: list[tuple[str, str, str, datetime, datetime | None]] = field(default_factory=list)
    # (sender e-mail, receiver e-mail, rater e-mail, round, took place, outcome, comment)
    ratings: list[tuple[str, str, str, str, bool, str, str]] = field(default_factory=list)
    items: list[tuple[str, str, str]] = field(default_factory=list)  # e-mail, kind, title


@dataclass
class DemoEvents:
    events: list[EventPlan]
    people: dict[str, tuple[str, str, str]]  # contact persons: e-mail -> first, last, org slug


def _statuses(n: int, shares: dict[str, float]) -> list[str]:
    """n statuses in the given shares (largest remainders), in the order of ``shares``."""
    counts = {s: int(n * share) for s, share in shares.items()}
    for s in sorted(shares, key=lambda s: n * shares[s] - counts[s], reverse=True):
        counts[s] += sum(counts.values()) < n
    return [s for s, c in counts.items() for _ in range(c)]


class _Planner:
    def __init__(self, seed: int, data: DemoData, today: date) -> None:
        self.rng = random.Random(seed * 7919 + 11)
        # Requests of open events were sent in the hours before today began (UTC): the plan
        # depends on the day, not on the second it runs.
        self.month, self.midnight = today.replace(day=1), datetime.combine(today, time(0), UTC)
        self.people: dict[str, tuple[str, str, str]] = {}
        self.published = sorted(
            (o for o in data.organisations if o.fields["status"] == OrganisationStatus.PUBLISHED),
            key=lambda o: o.slug,
        )
        self.logins: dict[str, list[str]] = {}
        for email, slug, _role in data.roles:
            self.logins.setdefault(slug, []).append(email)
        clusters = [o for o in self.published if o.fields["kind"] == "cluster"]
        self.hosts = [o for o in clusters if o.fields["country"] in ZONES] or clusters

    def plan(self, bp: Blueprint) -> EventPlan:
        host = self.rng.choice(self.hosts) if bp.hosted and self.hosts else None
        tz = zoneinfo.ZoneInfo(ZONES.get(host.fields["country"], "Europe/Brussels") if host
                               else "Europe/Brussels")  # fmt: skip
        first = self.month + timedelta(days=bp.day)
        first += timedelta(days=(bp.weekday - first.weekday()) % 7)

        def at(days: int, hhmm: str, base: date = first) -> datetime:
            return datetime.combine(base + timedelta(days=days), time.fromisoformat(hhmm), tz)

        start_time, last_day, end_time = bp.hours
        fields = {
            "name": bp.name, "kind": "b2b", "format": bp.format, "status": bp.status,
            "description": bp.description, "time_zone": tz.key, "starts_at": at(0, start_time),
            "ends_at": at(last_day, end_time), "registration_opens_at": at(0, "09:00", self.month
            + timedelta(days=bp.opens)), "registration_deadline": at(-bp.deadline[0],
            bp.deadline[1]), "meeting_minutes": 25, "break_minutes": 5, "tables": 40,
            "max_meetings": 12, "request_expiry": timedelta(days=3), "online_meeting_url": "",
            "venue": f"{host.fields['city']} Congress Centre" if host else "",
            "city": host.fields["city"] if host else "",
            "country": host.fields["country"] if host else "", "requires_approval": False,
            "requests_need_acceptance": True, **bp.fields,
        }  # fmt: skip
        windows = [(at(d, a), at(d, b), label) for d, a, b, label in bp.windows]
        plan = EventPlan(bp.slug, fields, bp.sectors, windows, dict(bp.kind_limits))
        anchor = fields["starts_at"] if bp.status == "finished" else self.midnight
        period = [anchor - timedelta(hours=h) for h in bp.request_hours]
        kinds = self._register(plan, bp, period[0])
        approved = [row[0] for row in plan.registrations if row[2] == Status.APPROVED]
        self._requests(plan, bp, approved, kinds, period)
        if bp.status == "finished":
            self._rate(plan)
        return plan

    def _participants(self, n: int) -> list[tuple[str, OrgSpec]]:
        """(person e-mail, organisation): the demo logins' organisations first, then others."""
        first = [o for o in self.published if o.slug in self.logins]
        rest = [o for o in self.published if o.slug not in self.logins]
        chosen = first + self.rng.sample(rest, max(0, min(n - len(first), len(rest))))
        used: set[str] = set()
        result = []
        for org in chosen[:n]:
            email = next((e for e in self.logins.get(org.slug, []) if e not in used), None)
            if email is None:
                email = org.fields["contact_email"].lower()
                first_name, _, last_name = org.fields["contact_name"].partition(" ")
                self.people[email] = (first_name, last_name, org.slug)
            used.add(email)
            result.append((email, org))
        return result

    def _register(self, plan: EventPlan, bp: Blueprint, latest: datetime) -> dict[str, str]:
        rng, chosen = self.rng, self._participants(bp.size)
        shown = len([o for o in self.published if o.slug in self.logins])
        statuses = _statuses(len(chosen), bp.statuses)  # approved first: the demo logins'
        rest = statuses[shown:]
        rng.shuffle(rest)
        opens = plan.fields["registration_opens_at"]
        latest = min(latest, plan.fields["registration_deadline"])
        kinds = {}
        for (email, org), status in zip(chosen, statuses[:shown] + rest, strict=True):
            registered = opens + (latest - opens) * rng.random()
            plan.registrations.append((email, org.slug, status, registered, rng.random() < 0.2))
            kinds[email] = org.fields["kind"]
            if status == Status.APPROVED and rng.random() < 0.35:
                kind, terms = rng.choice(
                    [("offer", "offers_topics"), ("request", "looks_for_topics")]
                )
                topic = (org.terms[terms] or org.terms["offers_topics"])[0]
                verb = "Offering" if kind == "offer" else "Looking for"
                plan.items.append((email, kind, f"{verb}: {topic}"))
        return kinds

    def _requests(self, plan: EventPlan, bp: Blueprint, people: list[str], kinds: dict,
                  period: list[datetime]) -> None:  # fmt: skip
        """Requests between distinct pairs of approved participants, within each one's
        meeting limit; the demo logins take part in the first few."""
        rng, accepted, pairs = self.rng, Counter(), set()
        most = plan.fields["max_meetings"]
        statuses = _statuses(bp.requests, bp.request_statuses)
        rng.shuffle(statuses)
        logins = [p for p in people if p.endswith("@demo.example")]
        attempts = 0
        while statuses and len(people) > 1 and attempts < bp.requests * 20:
            attempts += 1
            a, b = rng.sample(people, 2)
            if logins and attempts <= 6 * len(logins):
                a = logins[attempts % len(logins)]
            status = statuses[-1]
            full = any(accepted[p] >= plan.kind_limits.get(kinds[p], most) for p in (a, b))
            if a == b or frozenset((a, b)) in pairs or (status == RS.ACCEPTED and full):
                continue
            statuses.pop()
            pairs.add(frozenset((a, b)))
            accepted.update((a, b) if status == RS.ACCEPTED else ())
            sent = period[0] + (period[1] - period[0]) * rng.random()
            answered = sent + timedelta(hours=rng.randint(1, 40))
            plan.requests.append(
                (a, b, status, sent, None if status in (RS.PENDING, RS.EXPIRED) else answered)
            )

    def _rate(self, plan: EventPlan) -> None:
        """After-event ratings on most accepted meetings, six-month ones on some."""
        rng = self.rng
        for sender, receiver, status, _sent, _answered in plan.requests:
            if status != RS.ACCEPTED or rng.random() > 0.8:
                continue
            raters = [p for p in (sender, receiver) if rng.random() < 0.75] or [sender]
            for rater in raters:
                took_place = rng.random() < 0.93
                outcome = rng.choices(list(RATING_WEIGHTS), list(RATING_WEIGHTS.values()))[0]
                outcome = outcome if took_place else Outcome.NONE
                row = (sender, receiver, rater, "after_event", took_place, outcome)
                plan.ratings.append((*row, rng.choice(COMMENTS[outcome])))
            if rng.random() < 0.3:
                outcome = rng.choices(list(LATER_WEIGHTS), list(LATER_WEIGHTS.values()))[0]
                row = (sender, receiver, raters[0], "six_months", True, outcome)
                plan.ratings.append((*row, rng.choice(COMMENTS[outcome])))


def build_demo_events(seed: int, data: DemoData, *, today: date) -> DemoEvents:
    """The three demo events for ``seed``, from the demo organisations (no database)."""
    planner = _Planner(seed, data, today)
    return DemoEvents(events=[planner.plan(bp) for bp in BLUEPRINTS], people=planner.people)


# --------------------------------------------------------------------------------------
# Loading (add what is missing, by natural key: see demo_store.py)
# --------------------------------------------------------------------------------------


def load_demo_events(
    data: DemoData, seed: int = DEFAULT_SEED, *, today: date | None = None
) -> EventsResult:
    """Store the demo events for ``seed`` among the loaded demo organisations; one
    transaction, safe to re-run (a second run creates nothing)."""
    plan = build_demo_events(seed, data, today=today or timezone.localdate())
    result = EventsResult()
    with transaction.atomic():
        users, org_ids = store.people(plan, result)
        organiser = get_user_model().objects.filter(email=ORGANISER.email).first()
        for spec in plan.events:
            event = store.upsert_event(spec, organiser, result)
            windows = store.sync_windows(event, spec, result)
            registrations = store.add_registrations(event, spec, users, org_ids, windows, result)
            requests = store.add_requests(event, spec, registrations, result)
            store.add_ratings_and_items(spec, registrations, requests, result)
            result.events.append(event)
    for event in result.events:
        _schedule_once(event, organiser, result)
    return result


def _schedule_once(event: Event, organiser, result: EventsResult) -> None:
    """Agendas to look at: each demo event's accepted requests are scheduled by the real
    scheduler, once (a later run would find every meeting fixed and add nothing)."""
    from . import schedule_runs

    if event.status == Event.Status.CANCELLED or event.schedule_runs.exists():
        return
    run = ScheduleRun.objects.create(event=event, requested_by=organiser)
    run = schedule_runs.run_schedule(run.pk)
    result.created["meeting"] += run.result.get("new_meetings", 0)


def describe(result: EventsResult) -> str:
    """One line for the command's report: what the demo events hold, what this run did."""
    ids = [e.pk for e in result.events]
    registrations = Registration.objects.filter(event_id__in=ids).count()
    requests = MeetingRequest.objects.filter(event_id__in=ids).count()
    ratings = MeetingRating.objects.filter(request__event_id__in=ids).count()
    created = ", ".join(f"{n} {what}" for what, n in sorted(result.created.items()) if n)
    updated = ", ".join(f"{n} {what}" for what, n in sorted(result.updated.items()) if n)
    return (
        f"{len(ids)} demo events ({registrations} registrations, {requests} meeting requests, "
        f"{ratings} meeting ratings). Created: {created or 'nothing'}. "
        f"Updated: {updated or 'nothing'}."
    )
