"""Closing idle gaps without unscheduling anything: the scheduler's second objective. No Django.

A gap is a free slot between a person's first and last meeting of a session. Two moves, both
weight-neutral (the set of meetings never changes), applied while they help:

* single moves: take a meeting out and put it back in the free slot where both people's gaps
  add up least (first fit and the searches leave many of these);
* chain moves: for a person with a hole in a session, move their first (or last) meeting of
  the session into the hole, swapping the two slots along the alternating path of meetings the
  move pushes (a Kempe chain, as in scheduling_search). This reaches what single moves cannot:
  when the partner is busy in the hole, or when every table in it is taken (then only a swap,
  which keeps the number of onsite meetings per slot, can move anything). Kept only when the
  gaps of everyone on the path add up to fewer.
"""

from __future__ import annotations

import time

from .scheduling_model import session_gaps
from .scheduling_search import State


def reduce_gaps(st: State, deadline: float, max_rounds: int = 4) -> None:
    for _ in range(max_rounds):
        if time.perf_counter() >= deadline:
            break
        changed = _single_moves(st, deadline) + _chain_moves(st, deadline)
        st.log.clear()
        if not changed:
            break


def _single_moves(st: State, deadline: float) -> int:
    c = st.c
    moved = 0
    for r in range(c.R):
        s = st.slot[r]
        if s < 0 or st.is_fixed[r]:
            continue
        if r % 512 == 0 and time.perf_counter() >= deadline:
            break
        a, b = c.ra[r], c.rb[r]
        if not (st.person_session_gaps(a, s) or st.person_session_gaps(b, s)):
            continue
        st.remove(r)
        base = st.gap_delta(a, s) + st.gap_delta(b, s)
        best, best_delta = s, 0
        for t in c.slot_bits(st.free_slots(r) & ~(1 << s)):
            delta = st.gap_delta(a, t) + st.gap_delta(b, t) - base
            if delta < best_delta:
                best, best_delta = t, delta
        st.place(r, best)
        if best != s:
            moved += 1
    st.moves["gap_moves"] += moved
    return moved


def _chain_moves(st: State, deadline: float) -> int:
    c = st.c
    moved = 0
    for p in range(c.P):
        if p % 256 == 0 and time.perf_counter() >= deadline:
            break
        for k in c.session_masks:
            for _ in range(c.S):  # each success shrinks p's gaps here; retry until none helps
                bits = st.busy[p] & k
                if not bits or not bits & (bits - 1):
                    break
                low = bits & -bits
                span = (1 << bits.bit_length()) - low
                holes = span & c.avail[p] & ~bits
                if not holes:
                    break
                edges = (low.bit_length() - 1, bits.bit_length() - 1)
                if not any(_try_chain(st, p, e, g) for e in edges for g in c.slot_bits(holes)):
                    break
                moved += 1
    st.moves["gap_chains"] += moved
    return moved


def _try_chain(st: State, p: int, s: int, g: int) -> bool:
    """Move p's meeting in s to g, swapping s and g along the chain; keep it if it helps."""
    c = st.c
    m = st.at[p * c.S + s]
    if m < 0 or st.is_fixed[m]:
        return False
    chain = st._chain(p, s, g, -1)
    if not chain:
        return False
    into_g = sum(1 for x in chain if st.slot[x] == s and not c.online[x])
    into_s = sum(1 for x in chain if st.slot[x] == g and not c.online[x])
    if st.tables_left[g] - into_g + into_s < 0 or st.tables_left[s] + into_g - into_s < 0:
        return False
    people = {q for x in chain for q in (c.ra[x], c.rb[x])}
    sessions = {c.session_of[s], c.session_of[g]}

    def gaps() -> int:
        return sum(session_gaps(st.busy[q], c.avail[q], k) for q in people for k in sessions)

    before = gaps()
    mark = len(st.log)
    moved = [(x, st.remove(x)) for x in chain]
    for x, was in moved:
        st.place(x, g if was == s else s)
    if gaps() < before:
        return True
    st.rollback(mark)
    return False
