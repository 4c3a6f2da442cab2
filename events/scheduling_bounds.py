"""Upper bounds on the weight any schedule can place, and the exact MILP. No Django.

Why several bounds: the organiser is told how close the schedule is to the best possible, and a
loose bound would make a good schedule look bad. The capacity bound (half the sum of each
person's cap_p heaviest requests) costs nothing but counts a popular person's unplaceable
requests at their partners' end: on a star of 30 requests around someone who can meet 10 it
says 20 where 10 is the truth. The aggregated LP (``aggregated_lp``) fixes that: one variable
per request, a person's cap, "at most |W| meetings whose common slots lie inside W" for the
windows W their requests are confined to, and the same for tables. It has as many variables as
requests and solves in well under a second at 15,000 requests. The slot-indexed model
(``slot_model``: one variable per request and slot) is the real problem; as an LP it is a
tighter bound, as a MILP the exact optimum, but both grow with requests x slots, so they run
within a time limit and only where they are cheap.

With integer weights every schedule's weight is an integer, so a fractional bound rounds down.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from .scheduling_model import Bound, Compiled

EPS = 1e-6


def candidates(c: Compiled) -> list[int]:
    """New requests that some schedule could place: a common open slot, room at both ends."""
    return [r for r in c.todo if c.open[r] and c.cap_left[c.ra[r]] > 0 and c.cap_left[c.rb[r]] > 0]


def integral_weights(c: Compiled) -> bool:
    return all(float(w).is_integer() for w in c.w)


def _round_down(value: float, c: Compiled) -> float:
    return math.floor(value + EPS) if integral_weights(c) else value


def fixed_weight(c: Compiled) -> float:
    return sum(c.w[r] for r in c.fixed_slot)


def combinatorial(c: Compiled, cand: list[int]) -> Bound:
    """The capacity, feasible-total and table bounds (fixed meetings' weight included)."""
    base = fixed_weight(c)
    incident: dict[int, list[float]] = defaultdict(list)
    for r in cand:
        incident[c.ra[r]].append(c.w[r])
        incident[c.rb[r]].append(c.w[r])
    capacity = 0.0
    for p, weights in incident.items():
        weights.sort(reverse=True)
        capacity += sum(weights[: c.cap_left[p]])
    feasible = sum(c.w[r] for r in cand)
    online = sum(c.w[r] for r in cand if c.online[r])
    onsite = sorted((c.w[r] for r in cand if not c.online[r]), reverse=True)
    tables = online + sum(onsite[: sum(c.free_tables)])
    return Bound(
        capacity=_round_down(base + capacity / 2, c),
        feasible=base + feasible,
        tables=_round_down(base + tables, c),
    )


def _window_masks(c: Compiled, masks: set[int]) -> set[int]:
    """Windows worth a row: each distinct open-slot set, each session, each part of the day,
    and the piece of each open-slot set inside each session."""
    out = set(masks) | set(c.session_masks) | {m for m in c.part_mask.values() if m}
    for m in masks:  # a request spanning sessions: its part inside each session
        for k in c.session_masks:
            if m & k:
                out.add(m & k)
    return {m for m in out if m}


def _hall_rows(groups: dict[int, list[int]], capacity, windows: set[int], limit: float):
    """For each window W: the requests whose open slots lie inside W, if more than W holds.

    ``groups`` maps an open-slot mask to its requests; ``capacity(W)`` is what W can hold;
    rows that cannot bind (no more requests than capacity, or capacity >= ``limit``) are left
    out, which keeps the LP small."""
    rows = []
    for window in windows:
        cap = capacity(window)
        if cap >= limit:
            continue
        inside = [r for mask, rs in groups.items() if mask & ~window == 0 for r in rs]
        if len(inside) > cap:
            rows.append((inside, cap))
    return rows


def aggregated_lp(
    c: Compiled, cand: list[int], time_limit: float = 10.0, integral: bool = False
) -> tuple[float | None, np.ndarray | None, float]:
    """The aggregated relaxation: (bound incl. fixed weight, y per candidate, seconds).

    ``integral=True`` solves it as a MILP (still a relaxation of the real problem: slots are
    only counted, not assigned); it can be tighter where odd cycles make the LP fractional,
    but on the benchmark's instances the LP came out integral and the MILP took 10x longer.
    None when the solver ran out of time.
    """
    started = time.perf_counter()
    if not cand:
        return fixed_weight(c), np.zeros(0), 0.0
    col = {r: j for j, r in enumerate(cand)}
    rows: list[tuple[list[int], float]] = []
    per_person: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for r in cand:
        per_person[c.ra[r]][c.open[r]].append(r)
        per_person[c.rb[r]][c.open[r]].append(r)
    for p, groups in per_person.items():
        total = sum(len(rs) for rs in groups.values())
        if total > c.cap_left[p]:
            rows.append(([r for rs in groups.values() for r in rs], c.cap_left[p]))
        windows = _window_masks(c, set(groups))
        rows += _hall_rows(groups, lambda w: w.bit_count(), windows, c.cap_left[p])
    onsite: dict[int, list[int]] = defaultdict(list)
    for r in cand:
        if not c.online[r]:
            onsite[c.open[r]].append(r)

    def tables_in(window: int) -> int:
        return sum(c.free_tables[s] for s in c.slot_bits(window))

    all_onsite = [r for rs in onsite.values() for r in rs]
    if len(all_onsite) > sum(c.free_tables):
        rows.append((all_onsite, sum(c.free_tables)))
    if len(onsite) <= 400:  # the windows' table rows; beyond that the pairwise test costs
        rows += _hall_rows(onsite, tables_in, _window_masks(c, set(onsite)), sum(c.free_tables))
    weights = np.array([c.w[r] for r in cand])
    if rows:
        indptr = np.cumsum([0] + [len(rs) for rs, _ in rows])
        indices = np.fromiter((col[r] for rs, _ in rows for r in rs), dtype=np.int64)
        matrix = sparse.csr_array(
            (np.ones(len(indices)), indices, indptr), shape=(len(rows), len(cand))
        )
        upper = np.array([cap for _, cap in rows], dtype=float)
        constraints = [LinearConstraint(matrix, -np.inf, upper)]
    else:
        constraints = []
    res = milp(
        -weights,
        constraints=constraints,
        bounds=Bounds(0, 1),
        integrality=np.ones(len(cand)) if integral else None,
        options={"time_limit": max(0.1, time_limit), "disp": False},
    )
    seconds = time.perf_counter() - started
    if res.status == 0:
        value = -res.fun
    elif integral and getattr(res, "mip_dual_bound", None) is not None and res.x is not None:
        value = -res.mip_dual_bound
    else:
        return None, None, seconds
    return _round_down(fixed_weight(c) + value, c), res.x, seconds


def slot_model(
    c: Compiled, cand: list[int], *, integral: bool, time_limit: float
) -> tuple[str, float | None, dict[int, int], float]:
    """The slot-indexed model: x[r, s] = 1 when request r meets in slot s.

    Returns (status, bound incl. fixed weight, {request: slot} of the best integer solution
    found, seconds). Status "optimal", "time limit" (bound then the solver's dual bound when it
    has one, else None) or "failed".
    """
    started = time.perf_counter()
    var_r, var_s = [], []
    for r in cand:
        for s in c.slot_bits(c.open[r]):
            var_r.append(r)
            var_s.append(s)
    n = len(var_r)
    if n == 0:
        return "optimal", fixed_weight(c), {}, 0.0
    var_r_arr, var_s_arr = np.array(var_r), np.array(var_s)
    col = np.arange(n)
    pieces = []  # (row ids, column ids) of each family of rows
    next_row = 0
    # One slot per request.
    rid = {r: i for i, r in enumerate(cand)}
    pieces.append((np.array([rid[r] for r in var_r]), col))
    upper = [np.ones(len(cand))]
    next_row += len(cand)
    # One meeting per person and slot, and the person's cap.
    ra = np.array(c.ra)[var_r_arr]
    rb = np.array(c.rb)[var_r_arr]
    person_slot = np.concatenate([ra * c.S + var_s_arr, rb * c.S + var_s_arr])
    ps_ids, ps_rows = np.unique(person_slot, return_inverse=True)
    pieces.append((next_row + ps_rows, np.concatenate([col, col])))
    upper.append(np.ones(len(ps_ids)))
    next_row += len(ps_ids)
    people, p_rows = np.unique(np.concatenate([ra, rb]), return_inverse=True)
    pieces.append((next_row + p_rows, np.concatenate([col, col])))
    upper.append(np.array([c.cap_left[p] for p in people], dtype=float))
    next_row += len(people)
    # Tables per slot, for onsite meetings.
    onsite = ~np.array(c.online)[var_r_arr]
    pieces.append((next_row + var_s_arr[onsite], col[onsite]))
    upper.append(np.array(c.free_tables, dtype=float))
    next_row += c.S
    rows = np.concatenate([p[0] for p in pieces])
    cols = np.concatenate([p[1] for p in pieces])
    matrix = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(next_row, n))
    weights = np.array(c.w)[var_r_arr]
    res = milp(
        -weights,
        constraints=[LinearConstraint(matrix, -np.inf, np.concatenate(upper))],
        bounds=Bounds(0, 1),
        integrality=np.ones(n) if integral else None,
        options={"time_limit": max(0.1, time_limit), "disp": False},
    )
    seconds = time.perf_counter() - started
    chosen: dict[int, int] = {}
    if res.x is not None and integral:
        for j in np.flatnonzero(res.x > 0.5):
            chosen[int(var_r_arr[j])] = int(var_s_arr[j])
    if res.status == 0:
        return "optimal", _round_down(fixed_weight(c) - res.fun, c), chosen, seconds
    dual = getattr(res, "mip_dual_bound", None)
    if res.status == 1:
        bound = None
        if integral and dual is not None and np.isfinite(dual):
            bound = _round_down(fixed_weight(c) - dual, c)
        return "time limit", bound, chosen, seconds
    return "failed", None, chosen, seconds
