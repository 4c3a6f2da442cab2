"""Synthetic scheduling instances for ``manage.py bench_scheduler`` and the tests. No Django.

Shape of a B2B event as organisers run them: sessions of 9 slots (a morning, an afternoon; 18
slots is one day, 36 two), about ``degree`` accepted requests per participant with skewed
(lognormal) popularity, so that a few participants are asked far more often than they can
meet; 30% of participants come for one session only; some attend a plenary (a forbidden slot);
priorities 1-3; some requests online-only or restricted to the morning or the afternoon. The
request graph is bipartite (buyers meet sellers) or general (anyone meets anyone).

``konig`` instances are bipartite with full availability, no limits but the slots, enough
tables and maximum degree equal to the number of slots: by König's edge-colouring theorem
every request fits, so the optimum is known (all of them).
"""

from __future__ import annotations

import math

import numpy as np

from .scheduling_bounds import aggregated_lp, candidates
from .scheduling_model import AFTERNOON, MORNING, Compiled, Participant, Problem, Request, Slot

SESSION_SLOTS = 9
SLOT_MINUTES = 30
PRIORITIES = (1, 2, 3)
PRIORITY_SHARES = (0.5, 0.3, 0.2)


def make_slots(n_slots: int, tables: int, session_slots: int = SESSION_SLOTS) -> list[Slot]:
    """Sessions of ``session_slots`` slots, alternating morning (9:00) and afternoon (14:00),
    two a day; slot times in minutes from the first day's midnight."""
    slots = []
    for i in range(n_slots):
        session, pos = divmod(i, session_slots)
        day, half = divmod(session, 2)
        start = day * 1440 + (540 if half == 0 else 840) + pos * SLOT_MINUTES
        slots.append(
            Slot(
                id=i,
                start=start,
                end=start + SLOT_MINUTES - 5,
                session=session,
                part=MORNING if half == 0 else AFTERNOON,
                tables=tables,
            )
        )
    return slots


def _pairs(
    rng: np.random.Generator,
    n: int,
    m: int,
    bipartite: bool,
    sigma: float,
    max_degree: int | None = None,
) -> list[tuple[int, int]]:
    """``m`` distinct pairs (fewer if the graph saturates); one end drawn by activity (mild
    skew), the other by popularity (lognormal with ``sigma``). Bipartite: buyers are the first
    half, sellers the second."""
    activity = rng.lognormal(0.0, sigma / 2, n)
    popularity = rng.lognormal(0.0, sigma, n)
    if bipartite:
        half = n // 2
        left, right = np.arange(half), np.arange(half, n)
    else:
        left = right = np.arange(n)
    p_left = activity[left] / activity[left].sum()
    p_right = popularity[right] / popularity[right].sum()
    seen: set[tuple[int, int]] = set()
    degree = np.zeros(n, dtype=np.int64)
    pairs: list[tuple[int, int]] = []
    for _ in range(40):  # rounds of draws; duplicates and saturated people are redrawn
        need = m - len(pairs)
        if need <= 0:
            break
        a_draw = rng.choice(left, size=2 * need, p=p_left)
        b_draw = rng.choice(right, size=2 * need, p=p_right)
        for a, b in zip(a_draw.tolist(), b_draw.tolist(), strict=True):
            key = (min(a, b), max(a, b))
            if a == b or key in seen:
                continue
            if max_degree is not None and (degree[a] >= max_degree or degree[b] >= max_degree):
                continue
            seen.add(key)
            degree[a] += 1
            degree[b] += 1
            pairs.append((a, b))
            if len(pairs) == m:
                break
    return pairs


def generate(
    n: int,
    *,
    n_slots: int = 18,
    seed: int = 0,
    graph: str = "bipartite",
    tables_factor: float = 1.1,
    degree: float = 10.0,
    sigma: float = 1.0,
    one_window_share: float = 0.3,
    plenary_share: float = 0.2,
    online_share: float = 0.1,
    part_share: float = 0.1,
    max_meetings: tuple[int | None, ...] = (None, None, 8, 10, 12),
) -> Problem:
    """A seeded instance with ``n`` participants and about ``n * degree / 2`` requests; tables
    per slot ``round(tables_factor * meetings / slots)`` (``onsite_meetings``)."""
    if graph not in ("bipartite", "general"):
        raise ValueError("graph must be 'bipartite' or 'general'")
    rng = np.random.default_rng(seed)
    m = round(n * degree / 2)
    pairs = _pairs(rng, n, m, graph == "bipartite", sigma)
    slots = make_slots(n_slots, len(pairs))
    n_sessions = math.ceil(n_slots / SESSION_SLOTS)
    afternoon_plenaries = frozenset(
        s.id for s in slots if s.part == AFTERNOON and s.start % 1440 == 840
    )
    people = []
    for i in range(n):
        available = None
        if rng.random() < one_window_share:
            session = int(rng.integers(n_sessions))
            available = frozenset(s.id for s in slots if s.session == session)
        forbidden = afternoon_plenaries if rng.random() < plenary_share else frozenset()
        cap = max_meetings[int(rng.integers(len(max_meetings)))]
        people.append(Participant(i, available, forbidden, cap))
    priorities = rng.choice(PRIORITIES, size=len(pairs), p=PRIORITY_SHARES)
    online = rng.random(len(pairs)) < online_share
    part_draw = rng.random(len(pairs))
    requests = []
    for k, (a, b) in enumerate(pairs):
        part = None
        if part_draw[k] < part_share:
            part = MORNING if part_draw[k] < part_share / 2 else AFTERNOON
        requests.append(Request(k, a, b, float(priorities[k]), bool(online[k]), part))
    meetings = onsite_meetings(Problem(slots, people, requests))
    tables = max(1, round(tables_factor * meetings / n_slots))
    return Problem(make_slots(n_slots, tables), people, requests)


def onsite_meetings(problem: Problem) -> float:
    """How many onsite meetings could take place with unlimited tables (the aggregated LP's
    count): the "meetings" that tables are sized by. Sizing by requests instead would make
    even the tight variant roomy, since a third of the requests cannot take place anyway
    (limits, no common slot)."""
    c = Compiled(problem)
    cand = candidates(c)
    _, y, _ = aggregated_lp(c, cand, time_limit=60.0)
    if y is None:
        return float(sum(1 for r in cand if not c.online[r]))
    return float(sum(v for v, r in zip(y, cand, strict=True) if not c.online[r]))


def generate_konig(
    n: int, *, n_slots: int = 18, seed: int = 0, degree: float = 10.0, sigma: float = 1.0
) -> Problem:
    """Bipartite, full availability, no limit but the slots, a table for every buyer, maximum
    degree exactly ``n_slots``: every request fits (König), so the optimum is the total weight.

    Most of the requests come from a core of buyers and sellers joined by ``n_slots`` disjoint
    perfect matchings (randomly shifted, sellers shuffled): every core participant has exactly
    one request per slot, the case where first fit fails and only re-colouring places the last
    meetings. The others get a sparse skewed graph.
    """
    rng = np.random.default_rng(seed)
    m = round(n * degree / 2)
    half = n // 2
    core = min(half, max(n_slots, int(0.6 * m / n_slots)))  # core buyers (as many sellers)
    pairs: set[tuple[int, int]] = set()
    sellers = half + rng.permutation(core)
    for shift in rng.choice(core, size=min(n_slots, core), replace=False).tolist():
        for i in range(core):  # buyer i meets seller (i + shift) mod core: a perfect matching
            pairs.add((i, int(sellers[(i + shift) % core])))
    rest = n - 2 * core
    if rest >= 4:
        sub = _pairs(rng, rest, m - len(pairs), True, sigma, max_degree=n_slots)
        buyers = list(range(core, half))
        sellers = list(range(half + core, n))
        both = buyers[: rest // 2] + sellers
        pairs.update((both[a], both[b]) for a, b in sub)
    slots = make_slots(n_slots, n // 2 + 1)
    people = [Participant(i) for i in range(n)]
    ordered = sorted(pairs)
    shuffled = [ordered[i] for i in rng.permutation(len(ordered))]
    priorities = rng.choice(PRIORITIES, size=len(shuffled), p=PRIORITY_SHARES)
    requests = [Request(k, a, b, float(priorities[k])) for k, (a, b) in enumerate(shuffled)]
    return Problem(slots, people, requests)
