"""Generated small instances: every schedule passes the independent validator, never exceeds
its own bound, keeps fixed meetings where they are, and matches the optimum that a brute-force
search (written here, sharing nothing with the scheduler) finds on tiny instances."""

from __future__ import annotations

import random
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.scheduling import (
    AFTERNOON,
    MORNING,
    FixedMeeting,
    Participant,
    Problem,
    Request,
    Slot,
    first_fit,
    schedule,
)
from events.scheduling_validate import violations, weight

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(draw, max_people: int = 6, max_requests: int = 8, max_slots: int = 4) -> Problem:
    n_slots = draw(st.integers(1, max_slots))
    per_session = draw(st.integers(1, n_slots))
    tables = draw(st.integers(0, 3))
    slots = [
        Slot(i, i, i + 0.5, i // per_session, (MORNING, AFTERNOON)[(i // per_session) % 2], tables)
        for i in range(n_slots)
    ]
    ids = list(range(n_slots))
    subsets = st.frozensets(st.sampled_from(ids)) if ids else st.just(frozenset())
    n_people = draw(st.integers(2, max_people))
    people = [
        Participant(
            p,
            draw(st.none() | subsets),
            draw(st.just(frozenset()) | subsets),
            draw(st.none() | st.integers(0, 3)),
        )
        for p in range(n_people)
    ]
    pairs = draw(
        st.lists(st.sampled_from(list(combinations(range(n_people), 2))), max_size=max_requests)
    )
    requests = [
        Request(
            k,
            *pair,
            weight=draw(st.sampled_from([1, 2, 3])),
            online=draw(st.booleans()),
            part=draw(st.sampled_from([None, None, MORNING, AFTERNOON])),
        )
        for k, pair in enumerate(pairs)
    ]
    # Fixed meetings: a few requests pinned where they can physically coexist.
    fixed, busy, tables_used = [], set(), {}
    for req in requests:
        if not draw(st.booleans()) or draw(st.booleans()):
            continue
        s = draw(st.sampled_from(ids))
        if (req.a, s) in busy or (req.b, s) in busy:
            continue
        table = None
        if not req.online:
            table = tables_used.get(s, 0) + 1
            tables_used[s] = table
        busy |= {(req.a, s), (req.b, s)}
        fixed.append(FixedMeeting(req.id, s, table))
    return Problem(slots, people, requests, fixed)


def brute_force_optimum(problem: Problem) -> float:
    """The best weight by trying every slot (or none) for every request, from the raw input."""
    slots = {s.id: s for s in problem.slots}
    people = {p.id: p for p in problem.participants}
    fixed = {f.request: f.slot for f in problem.fixed}
    busy: set = set()
    count: dict = dict.fromkeys(people, 0)
    onsite: dict = dict.fromkeys(slots, 0)
    for req in problem.requests:
        if req.id in fixed:
            s = fixed[req.id]
            busy |= {(req.a, s), (req.b, s)}
            count[req.a] += 1
            count[req.b] += 1
            onsite[s] += not req.online
    free = [r for r in problem.requests if r.id not in fixed]

    def allowed(req, s) -> bool:
        for pid in (req.a, req.b):
            person = people[pid]
            if (pid, s) in busy or s in person.forbidden:
                return False
            if person.available is not None and s not in person.available:
                return False
            if person.max_meetings is not None and count[pid] >= person.max_meetings:
                return False
        if req.part is not None and slots[s].part != req.part:
            return False
        return req.online or onsite[s] < slots[s].tables

    best = 0.0

    def search(i: int, total: float, rest: float) -> None:
        nonlocal best
        if total + rest <= best:
            return
        if i == len(free):
            best = total
            return
        req = free[i]
        for s in slots:
            if allowed(req, s):
                busy.update({(req.a, s), (req.b, s)})
                count[req.a] += 1
                count[req.b] += 1
                onsite[s] += not req.online
                search(i + 1, total + req.weight, rest - req.weight)
                busy.difference_update({(req.a, s), (req.b, s)})
                count[req.a] -= 1
                count[req.b] -= 1
                onsite[s] -= not req.online
        search(i + 1, total, rest - req.weight)

    search(0, 0.0, sum(r.weight for r in free))
    return best + sum(r.weight for r in problem.requests if r.id in fixed)


def _check(problem: Problem, result) -> None:
    assert violations(problem, result.placements) == []
    assert weight(problem, result.placements) == result.weight
    assert result.weight <= result.bound.best + 1e-9
    for f in problem.fixed:
        placed = result.placements[f.request]
        assert placed.fixed and placed.slot == f.slot
        if (
            f.table is not None
            and not next(r for r in problem.requests if r.id == f.request).online
        ):
            assert placed.table == f.table


@FAST
@given(problems())
def test_every_schedule_is_valid_and_within_its_bound(problem):
    for method in ("heuristic", "auto"):
        _check(problem, schedule(problem, method=method))
    assert violations(problem, first_fit(problem).placements) == []


@FAST
@given(problems(max_people=5, max_requests=6, max_slots=3))
def test_auto_finds_the_brute_force_optimum(problem):
    optimum = brute_force_optimum(problem)
    result = schedule(problem, method="auto")
    _check(problem, result)
    assert result.weight == optimum
    assert result.bound.best >= optimum - 1e-9  # the bounds are bounds
    if result.bound.exact is not None:
        assert result.bound.exact == optimum


def random_problem(rng: random.Random, n_people: int = 6, n_requests: int = 7) -> Problem:
    """A tiny instance from a seeded generator (for the statistics below, where hypothesis's
    shrinking has nothing to do)."""
    n_slots = rng.randint(1, 3)
    per_session = rng.randint(1, n_slots)
    tables = rng.randint(0, 3)
    slots = [
        Slot(i, i, i + 0.5, i // per_session, (MORNING, AFTERNOON)[(i // per_session) % 2], tables)
        for i in range(n_slots)
    ]

    def subset():
        return frozenset(s for s in range(n_slots) if rng.random() < 0.6)

    people = [
        Participant(
            p,
            subset() if rng.random() < 0.4 else None,
            subset() if rng.random() < 0.1 else frozenset(),
            rng.choice([None, None, 1, 2, 3]),
        )
        for p in range(rng.randint(2, n_people))
    ]
    pairs = list(combinations(range(len(people)), 2))
    requests = [
        Request(
            k,
            *rng.choice(pairs),
            weight=rng.choice([1, 2, 3]),
            online=rng.random() < 0.2,
            part=rng.choice([None, None, None, MORNING, AFTERNOON]),
        )
        for k in range(rng.randint(1, n_requests))
    ]
    return Problem(slots, people, requests)


def test_heuristic_alone_is_optimal_on_most_tiny_instances():
    """Without the MILP fallback: optimal on at least 95% of 300 random tiny instances (99.3%
    of 1,000 when measured), the rest within one top-priority meeting, never above the
    optimum, never below first fit."""
    rng = random.Random(11)
    hits = 0
    total = 300
    for _ in range(total):
        problem = random_problem(rng)
        optimum = brute_force_optimum(problem)
        result = schedule(problem, method="heuristic")
        _check(problem, result)
        assert result.weight <= optimum
        assert result.weight >= optimum - 3
        assert result.weight >= first_fit(problem).weight
        hits += result.weight == optimum
    assert hits >= 0.95 * total
