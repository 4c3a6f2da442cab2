"""Figures for organisers: the dashboard of one event, meeting outcomes, cooperation cases.

Each figure is one grouped query (``values().annotate()``), so the dashboard runs the same
number of queries for 10 participants or 10,000. Outcomes are folded in Python from one
query over the ratings: an event has at most a few thousand of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django_countries import countries

from clusters.models import OrganisationKind

from .models import Event, MarketplaceItem, MeetingRating, MeetingRequest, Registration

RS = MeetingRequest.Status
Outcome = MeetingRating.Outcome
Round = MeetingRating.Round
# Registrations that count for the event: approved ones and those waiting for a decision.
ACTIVE = (Registration.Status.APPROVED, Registration.Status.PENDING)
# A meeting's outcome is the best one reported: an MoU beats an agreement beats a follow-up.
OUTCOME_RANK = {Outcome.NONE: 0, Outcome.FOLLOW_UP: 1, Outcome.AGREEMENT: 2, Outcome.MOU: 3}
COOPERATION = (Outcome.AGREEMENT, Outcome.MOU)
ROUND_ORDER = {Round.AFTER_EVENT: 0, Round.SIX_MONTHS: 1}


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its share of the longest bar sets its width."""

    label: str
    count: int
    percent: float | None  # of the largest count, 0-100; None: no bar (the "others" row)

    @property
    def width(self) -> str:
        """The bar's width for an SVG attribute (a dot as decimal separator in any locale)."""
        return f"{self.percent or 0:.1f}"


def bars(
    pairs: Iterable[tuple[str, int]], *, ordered: bool = False, limit: int | None = None
) -> list[Bar]:
    """Bars from (label, count) pairs. ``ordered`` keeps the given order and the zeros (a
    status chart; all zeros give no bars); otherwise the largest come first, and beyond
    ``limit`` the rest add up in one row without a bar ("12 others"), so that a chart over 40
    countries stays readable and its scale is set by the named rows."""
    rows = list(pairs)
    rest: list[tuple[str, int]] = []
    if not ordered:
        rows = sorted(((label, n) for label, n in rows if n), key=lambda p: (-p[1], p[0]))
        if limit is not None and len(rows) > limit:
            rows, rest = rows[: limit - 1], rows[limit - 1 :]
    top = max((n for _label, n in rows), default=0)
    if not top:
        return []  # nothing to draw: the page shows its empty state
    result = [Bar(label, n, 100 * n / top) for label, n in rows]
    if rest:
        result.append(Bar(f"{len(rest)} others", sum(n for _label, n in rest), None))
    return result


def _grouped(qs: QuerySet, field: str) -> dict:
    return dict(qs.order_by().values_list(field).annotate(n=Count("pk")).values_list(field, "n"))


def _in_order(counts: dict, choices) -> list[tuple[str, int]]:
    """Counts for every choice in declaration order (zeros included), for fixed-order charts."""
    return [(label, counts.get(value, 0)) for value, label in choices]


def registration_figures(event: Event) -> dict[str, list[Bar]]:
    """Registrations by status (all), and active ones by country, kind and sector."""
    registrations = Registration.objects.filter(event=event)
    active = registrations.filter(status__in=ACTIVE)
    by_country = _grouped(active, "organisation__country")
    # A participant counts once in each of its organisation's sectors; none: not counted.
    by_sector = _grouped(active, "organisation__sectors__name")
    by_sector.pop(None, None)
    return {
        "status": bars(
            _in_order(_grouped(registrations, "status"), Registration.Status.choices),
            ordered=True,
        ),
        "country": bars(((countries.name(c) or c, n) for c, n in by_country.items()), limit=12),
        "kind": bars(_in_order(_grouped(active, "organisation__kind"), OrganisationKind.choices)),
        "sector": bars(by_sector.items(), limit=12),
    }


def request_figures(event: Event) -> dict:
    """Meeting requests by status, plus the acceptance rate: accepted of those that got an
    answer or ran out of time (accepted, declined, expired); withdrawn ones do not count."""
    counts = _grouped(MeetingRequest.objects.filter(event=event), "status")
    accepted = counts.get(RS.ACCEPTED, 0)
    decided = accepted + counts.get(RS.DECLINED, 0) + counts.get(RS.EXPIRED, 0)
    return {
        "sent": sum(counts.values()),
        **{status: counts.get(status, 0) for status in RS.values},
        "acceptance_rate": round(100 * accepted / decided, 1) if decided else None,
        "bars": bars(_in_order(counts, RS.choices), ordered=True),
    }


def marketplace_figures(event: Event) -> list[Bar]:
    """Items of approved participants (the ones others can see), by type."""
    items = MarketplaceItem.objects.filter(
        registration__event=event, registration__status=Registration.Status.APPROVED
    )
    return bars(_in_order(_grouped(items, "kind"), MarketplaceItem.Kind.choices), ordered=True)


def dashboard(event: Event) -> dict:
    """Everything the organiser's dashboard shows above the registrations table (7 queries)."""
    registrations = registration_figures(event)
    return {
        "registrations": registrations,
        "registration_total": sum(b.count for b in registrations["status"]),
        "requests": request_figures(event),
        "marketplace": marketplace_figures(event),
    }


# --------------------------------------------------------------------------------------
# Outcomes of meetings (ratings)
# --------------------------------------------------------------------------------------


def _best(outcomes: Iterable[str]) -> str:
    return max(outcomes, key=OUTCOME_RANK.__getitem__, default=Outcome.NONE)


def _ratings(event_ids: Iterable[int]) -> QuerySet:
    return MeetingRating.objects.filter(
        request__event_id__in=list(event_ids), request__status=RS.ACCEPTED
    ).values_list("request_id", "registration_id", "round", "took_place", "outcome")


def outcome_figures(event: Event) -> dict:
    """Per rating round: meetings rated, how many took place (either participant said so),
    and each meeting's best reported outcome; plus the event's cooperation cases."""
    meetings = MeetingRequest.objects.filter(event=event, status=RS.ACCEPTED).count()
    per_round: dict[str, dict[int, list[tuple[bool, str]]]] = {r: {} for r in Round.values}
    for request_id, _reg, round_, took_place, outcome in _ratings([event.pk]):
        per_round[round_].setdefault(request_id, []).append((took_place, outcome))
    rounds = []
    for value, label in Round.choices:
        rated = per_round[value]
        took_place = sum(any(t for t, _o in rows) for rows in rated.values())
        best = Counter(_best(o for _t, o in rows) for rows in rated.values())
        rounds.append(
            {
                "round": value,
                "label": label,
                "rated": len(rated),
                "took_place": took_place,
                "took_place_percent": round(100 * took_place / len(rated), 1) if rated else None,
                "outcomes": {o: best.get(o, 0) for o in Outcome.values if o != Outcome.NONE},
            }
        )
    return {"meetings": meetings, "rounds": rounds, "cooperation": cooperation_cases([event.pk])}


def cooperation_cases(event_ids: Iterable[int]) -> dict[str, int]:
    """Business cooperation cases of events: distinct meetings with an agreement or an MoU.

    Each participant's latest rating of a meeting is their current word (the six-month answer
    replaces the one given after the event); a meeting counts if either participant reports
    an outcome, once, under the better of the two (an MoU beats an agreement), so
    ``agreements + mous == total``. Partnerships' impact reports add these up.
    """
    latest: dict[tuple[int, int], tuple[int, str]] = {}
    for request_id, registration_id, round_, _took_place, outcome in _ratings(event_ids):
        key = (request_id, registration_id)
        order = ROUND_ORDER[round_]
        if key not in latest or latest[key][0] < order:
            latest[key] = (order, outcome)
    per_meeting: dict[int, str] = {}
    for (request_id, _registration_id), (_order, outcome) in latest.items():
        per_meeting[request_id] = _best([per_meeting.get(request_id, Outcome.NONE), outcome])
    counts = Counter(per_meeting.values())
    agreements, mous = counts.get(Outcome.AGREEMENT, 0), counts.get(Outcome.MOU, 0)
    return {"agreements": agreements, "mous": mous, "total": agreements + mous}
