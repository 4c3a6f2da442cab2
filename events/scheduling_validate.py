"""An independent check of a schedule against every hard rule, from the raw input. No Django.

Written apart from the scheduler on purpose: it shares no code with scheduling_model's compiled
form or the search (only the input dataclasses), so a bug in the bitmask bookkeeping cannot
hide itself. The tests and ``manage.py bench_scheduler`` run it on every schedule.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping

from .scheduling_model import Placement, Problem


def violations(problem: Problem, placements: Mapping[Hashable, Placement]) -> list[str]:
    """Every broken rule, one line each (an empty list: the schedule is valid).

    Fixed meetings must sit exactly where they were fixed; they are exempt from the
    availability rules (a confirmed meeting stands) but count toward the limits, so a limit
    is only broken when a non-fixed meeting takes part in going over it.
    """
    out: list[str] = []
    slots = {s.id: s for s in problem.slots}
    people = {p.id: p for p in problem.participants}
    requests = {r.id: r for r in problem.requests}
    fixed = {f.request: f for f in problem.fixed}

    for rid in requests:
        if rid not in placements:
            out.append(f"request {rid!r}: no placement returned")
    for rid, pl in placements.items():
        if rid not in requests:
            out.append(f"placement for unknown request {rid!r}")
        elif pl.request != rid:
            out.append(f"placement under {rid!r} is for {pl.request!r}")

    for rid, f in fixed.items():
        pl = placements.get(rid)
        if pl is None or pl.slot != f.slot:
            out.append(f"fixed meeting {rid!r} moved from {f.slot!r}")
        elif f.table is not None and not requests[rid].online and pl.table != f.table:
            out.append(f"fixed meeting {rid!r} moved from table {f.table}")

    per_person_slot: dict[tuple, list] = defaultdict(list)
    per_person: dict[Hashable, list] = defaultdict(list)
    tables_used: dict[Hashable, list] = defaultdict(list)
    for rid, pl in placements.items():
        req = requests.get(rid)
        if req is None or pl.slot is None:
            if req is not None and pl.reason is None:
                out.append(f"request {rid!r}: unscheduled without a reason")
            continue
        if pl.slot not in slots:
            out.append(f"request {rid!r}: unknown slot {pl.slot!r}")
            continue
        slot = slots[pl.slot]
        is_fixed = rid in fixed
        for pid in (req.a, req.b):
            per_person_slot[(pid, pl.slot)].append(rid)
            per_person[pid].append(rid)
            person = people[pid]
            if is_fixed:
                continue
            if person.available is not None and pl.slot not in person.available:
                out.append(f"request {rid!r}: {pid!r} not available in {pl.slot!r}")
            if pl.slot in person.forbidden:
                out.append(f"request {rid!r}: {pid!r} may not meet in {pl.slot!r}")
        if not is_fixed and req.part is not None and slot.part != req.part:
            out.append(f"request {rid!r}: {req.part} only, placed in the {slot.part}")
        if req.online:
            if pl.table is not None:
                out.append(f"request {rid!r}: online meeting at table {pl.table}")
        else:
            if pl.table is None:
                out.append(f"request {rid!r}: onsite meeting without a table")
            elif not is_fixed and not 1 <= pl.table <= slot.tables:
                out.append(f"request {rid!r}: table {pl.table} does not exist in {pl.slot!r}")
            tables_used[pl.slot].append((rid, pl.table, is_fixed))

    for (pid, sid), rids in per_person_slot.items():
        if len(rids) > 1:
            out.append(f"{pid!r} is in {len(rids)} meetings in {sid!r}: {sorted(map(str, rids))}")
    for pid, rids in per_person.items():
        limit = people[pid].max_meetings
        if limit is not None and len(rids) > limit and any(r not in fixed for r in rids):
            out.append(f"{pid!r} has {len(rids)} meetings, more than {limit}")
    for sid, used in tables_used.items():
        if len(used) > slots[sid].tables and any(not f for _, _, f in used):
            out.append(f"{len(used)} onsite meetings in {sid!r}, {slots[sid].tables} tables")
        for table, n in Counter(t for _, t, _ in used if t is not None).items():
            if n > 1:
                out.append(f"table {table} used {n} times in {sid!r}")
    return out


def weight(problem: Problem, placements: Mapping[Hashable, Placement]) -> float:
    """The scheduled weight, recomputed from the input."""
    return sum(r.weight for r in problem.requests if placements[r.id].slot is not None)
