"""The meeting scheduler's data: what goes in, what comes out, and the compiled form the
solvers work on. No Django (events/scheduling.py explains the whole scheduler).

The compiled form (``Compiled``) turns ids into indexes and sets of slots into bitmasks (Python
ints, bit ``s`` = the ``s``-th slot by start time): the search does a few million "is this
person free in that slot" tests on large events, and one ``&`` on two ints answers each.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

MORNING = "morning"
AFTERNOON = "afternoon"
PARTS = (MORNING, AFTERNOON)


class Reason(StrEnum):
    """Why a request stays unscheduled (stored with the run and shown to organisers)."""

    NO_COMMON_SLOT = "no common free slot"
    MAX_MEETINGS = "max meetings reached"
    NO_TABLE = "no table left"


@dataclass(frozen=True, slots=True)
class Slot:
    """One meeting time. ``session`` groups the slots of one contiguous window (a morning):
    idle gaps are counted inside a session, never across the lunch break."""

    id: Hashable
    start: Any  # anything ordered: datetimes in the service, minutes in the benchmark
    end: Any
    session: Hashable
    part: str = MORNING
    tables: int = 0


@dataclass(frozen=True, slots=True)
class Participant:
    """``available``: the slots this person can meet in (None: all). ``forbidden``: slots they
    cannot meet in even so (a plenary they attend). ``max_meetings`` None: no limit but the
    slots."""

    id: Hashable
    available: frozenset | None = None
    forbidden: frozenset = frozenset()
    max_meetings: int | None = None


@dataclass(frozen=True, slots=True)
class Request:
    """An accepted meeting request between ``a`` and ``b``. ``weight`` is its priority; an
    ``online`` meeting needs no table; ``part`` restricts it to the morning or afternoon."""

    id: Hashable
    a: Hashable
    b: Hashable
    weight: float = 1.0
    online: bool = False
    part: str | None = None


@dataclass(frozen=True, slots=True)
class FixedMeeting:
    """A meeting a participant already confirmed: it stays in ``slot`` (and at ``table``; None
    for an online meeting, or an onsite one still to get a table) whatever the new schedule."""

    request: Hashable
    slot: Hashable
    table: int | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    slots: Sequence[Slot]
    participants: Sequence[Participant]
    requests: Sequence[Request]
    fixed: Sequence[FixedMeeting] = ()


@dataclass(frozen=True, slots=True)
class Placement:
    """Where one request went: a slot and a table (None online), or a reason it did not."""

    request: Hashable
    slot: Hashable | None = None
    table: int | None = None
    fixed: bool = False
    reason: Reason | None = None


@dataclass(slots=True)
class Bound:
    """Upper bounds on the scheduled weight; ``best`` is the smallest one computed.

    ``capacity``: half the sum over participants of their cap_p heaviest feasible requests
    (each meeting uses capacity at both ends). ``feasible``: all requests with a common slot.
    ``tables``: online weight plus the heaviest onsite requests that fit the table-slots.
    ``lp``: the LP relaxation (aggregated b-matching with per-window limits, then if asked and
    cheap the slot-indexed one), ``exact``: the proven optimum, when a MILP finished.
    """

    capacity: float = 0.0
    feasible: float = 0.0
    tables: float = 0.0
    lp: float | None = None
    lp_kind: str | None = None
    exact: float | None = None

    @property
    def best(self) -> float:
        values = [self.capacity, self.feasible, self.tables, self.lp, self.exact]
        return min(v for v in values if v is not None)


@dataclass(slots=True)
class Result:
    placements: dict[Hashable, Placement]
    weight: float
    bound: Bound
    gaps: int
    method: str
    stats: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        """Scheduled weight over the best bound (1.0 when there is nothing to schedule)."""
        best = self.bound.best
        return 1.0 if best <= 0 else self.weight / best

    @property
    def scheduled(self) -> list[Placement]:
        return [p for p in self.placements.values() if p.slot is not None]


def _popcount(mask: int) -> int:
    return mask.bit_count()


class Compiled:
    """Indexes and bitmasks of one Problem, with the fixed meetings already in.

    Everything here counts what the fixed meetings leave: ``cap[p]`` and ``free_tables[s]`` are
    what new meetings may still use, ``fixed_busy[p]`` the slots fixed meetings hold.
    """

    def __init__(self, problem: Problem) -> None:
        slots = sorted(problem.slots, key=lambda s: (s.start, s.end))
        self.slots = slots
        self.S = S = len(slots)
        self.slot_index = {s.id: i for i, s in enumerate(slots)}
        if len(self.slot_index) != S:
            raise ValueError("slot ids must be unique")
        self.all_mask = (1 << S) - 1
        sessions: dict[Hashable, int] = {}
        for i, s in enumerate(slots):
            if s.part not in PARTS:
                raise ValueError(f"slot {s.id!r}: part must be one of {PARTS}")
            sessions[s.session] = sessions.get(s.session, 0) | (1 << i)
        self.session_masks = list(sessions.values())
        self.session_of = [sessions[s.session] for s in slots]
        self.part_mask = {
            part: sum(1 << i for i, s in enumerate(slots) if s.part == part) for part in PARTS
        }
        self.tables = [max(0, int(s.tables)) for s in slots]

        people = list(problem.participants)
        self.people = people
        self.P = len(people)
        self.person_index = {p.id: i for i, p in enumerate(people)}
        if len(self.person_index) != self.P:
            raise ValueError("participant ids must be unique")
        self.avail = []
        for p in people:
            ids = self.slot_index.keys() if p.available is None else p.available
            mask = 0
            for sid in ids:
                if sid in self.slot_index and sid not in p.forbidden:
                    mask |= 1 << self.slot_index[sid]
            self.avail.append(mask)
        self.cap = [
            S if p.max_meetings is None else max(0, min(int(p.max_meetings), S)) for p in people
        ]

        reqs = list(problem.requests)
        self.requests = reqs
        self.R = len(reqs)
        self.request_index = {r.id: i for i, r in enumerate(reqs)}
        if len(self.request_index) != self.R:
            raise ValueError("request ids must be unique")
        self.ra, self.rb, self.w, self.online, self.feas = [], [], [], [], []
        for r in reqs:
            if r.a not in self.person_index or r.b not in self.person_index:
                raise ValueError(f"request {r.id!r}: unknown participant")
            if r.a == r.b:
                raise ValueError(f"request {r.id!r}: a participant cannot meet themselves")
            if r.part is not None and r.part not in PARTS:
                raise ValueError(f"request {r.id!r}: part must be None or one of {PARTS}")
            if r.weight < 0:
                raise ValueError(f"request {r.id!r}: weight must not be negative")
            a, b = self.person_index[r.a], self.person_index[r.b]
            self.ra.append(a)
            self.rb.append(b)
            self.w.append(float(r.weight))
            self.online.append(bool(r.online))
            part = self.all_mask if r.part is None else self.part_mask[r.part]
            self.feas.append(self.avail[a] & self.avail[b] & part)

        self.fixed_slot: dict[int, int] = {}
        self.fixed_table: dict[int, int | None] = {}
        self.fixed_busy = [0] * self.P
        self.fixed_count = [0] * self.P
        fixed_onsite = [0] * S
        tables_taken: set[tuple[int, int]] = set()
        for f in problem.fixed:
            if f.request not in self.request_index or f.slot not in self.slot_index:
                raise ValueError(f"fixed meeting {f.request!r}: unknown request or slot")
            r, s = self.request_index[f.request], self.slot_index[f.slot]
            if r in self.fixed_slot:
                raise ValueError(f"request {f.request!r} is fixed twice")
            bit = 1 << s
            for p in (self.ra[r], self.rb[r]):
                if self.fixed_busy[p] & bit:
                    raise ValueError(f"fixed meetings put {people[p].id!r} twice in {f.slot!r}")
                self.fixed_busy[p] |= bit
                self.fixed_count[p] += 1
            table = None if self.online[r] else f.table
            if table is not None:
                if (s, table) in tables_taken:
                    raise ValueError(f"fixed meetings share table {table} in {f.slot!r}")
                tables_taken.add((s, table))
            if not self.online[r]:
                fixed_onsite[s] += 1
            self.fixed_slot[r], self.fixed_table[r] = s, table
        self.fixed_onsite = fixed_onsite
        self.free_tables = [max(0, t - u) for t, u in zip(self.tables, fixed_onsite, strict=True)]
        # What new meetings may use: a person's slots outside fixed ones, and their remaining cap.
        self.free = [a & ~fb for a, fb in zip(self.avail, self.fixed_busy, strict=True)]
        self.cap_left = [
            max(0, min(c - n, _popcount(f)))
            for c, n, f in zip(self.cap, self.fixed_count, self.free, strict=True)
        ]
        # The slots a new meeting may use: both free and, for its part of day, allowed.
        self.open = [
            0
            if r in self.fixed_slot
            else self.feas[r] & self.free[self.ra[r]] & self.free[self.rb[r]]
            for r in range(self.R)
        ]
        self.todo = [r for r in range(self.R) if r not in self.fixed_slot]

    def slot_bits(self, mask: int) -> list[int]:
        """The slot indexes set in ``mask``, in time order."""
        out = []
        while mask:
            low = mask & -mask
            out.append(low.bit_length() - 1)
            mask ^= low
        return out


def session_gaps(busy: int, free: int, session_mask: int) -> int:
    """Idle slots of one person in one session: slots between their first and last meeting
    there in which they are free (not a forbidden plenary, not unavailable) yet do not meet."""
    bits = busy & session_mask
    if not bits or not bits & (bits - 1):
        return 0
    low = bits & -bits
    span = (1 << bits.bit_length()) - low
    return (span & free & ~bits).bit_count()
