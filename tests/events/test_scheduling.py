"""The meeting scheduler on hand-made instances whose optimum is known (events/scheduling.py).

No database: the scheduler is a pure module. Every schedule is also checked by the independent
validator (events/scheduling_validate.py), and the validator itself by schedules that break
each rule.
"""

from __future__ import annotations

import pytest

from events.scheduling import (
    AFTERNOON,
    MORNING,
    FixedMeeting,
    Participant,
    Placement,
    Problem,
    Reason,
    Request,
    Slot,
    first_fit,
    schedule,
)
from events.scheduling_generate import generate
from events.scheduling_validate import violations


def make_slots(n: int, tables: int = 10, per_session: int | None = None) -> list[Slot]:
    """``n`` slots of 30 minutes; sessions of ``per_session`` (default: one session), the
    first session a morning, the next an afternoon."""
    per_session = per_session or n
    return [
        Slot(i, 30 * i, 30 * i + 25, i // per_session, (MORNING, AFTERNOON)[(i // per_session) % 2],
             tables)
        for i in range(n)
    ]  # fmt: skip


def people(*ids, **special) -> list[Participant]:
    return [special.get(i, Participant(i)) for i in ids]


def solve(problem: Problem, **kwargs):
    result = schedule(problem, **kwargs)
    assert violations(problem, result.placements) == []
    assert result.weight <= result.bound.best + 1e-9
    return result


def slot_of(result, rid):
    return result.placements[rid].slot


# -- instances first fit gets wrong -----------------------------------------------------------


def test_path_where_first_fit_blocks_the_only_common_slot():
    # a and d can only meet in slot 0; first fit puts b-c there first and loses two meetings.
    problem = Problem(
        make_slots(2),
        people("a", "b", "c", "d", a=Participant("a", frozenset({0})),
               d=Participant("d", frozenset({0}))),
        [Request("bc", "b", "c"), Request("ab", "a", "b"), Request("cd", "c", "d")],
    )  # fmt: skip
    assert first_fit(problem).weight == 1
    for method in ("heuristic", "auto", "exact"):
        result = solve(problem, method=method)
        assert result.weight == 3
        assert slot_of(result, "bc") == 1
        assert result.ratio == 1.0


def test_even_cycle_needs_a_kempe_swap():
    # A 6-cycle with 2 slots: bipartite, degree 2 = slots, so all six fit (König); in this
    # order first fit puts a-b and d-e in slot 0 and then b-c has no common slot.
    names = "abcdef"
    requests = [Request(f"{names[i]}{names[(i + 1) % 6]}", names[i], names[(i + 1) % 6])
                for i in (0, 3, 2, 1, 4, 5)]  # fmt: skip
    problem = Problem(make_slots(2), people(*names), requests)
    assert first_fit(problem).stats["scheduled"] < 6
    result = solve(problem, method="heuristic")
    assert result.stats["scheduled"] == 6
    assert result.bound.exact == result.weight  # it meets the bound: proven optimal


def test_odd_cycle_optimum_below_the_lp_is_proven_by_the_milp():
    # A triangle in 2 slots: at most 2 meetings; the LP relaxation says 3.
    problem = Problem(
        make_slots(2),
        people("a", "b", "c"),
        [Request("ab", "a", "b"), Request("bc", "b", "c"), Request("ca", "c", "a")],
    )
    result = solve(problem)
    assert result.weight == 2
    assert result.bound.lp == 3
    assert result.bound.exact == 2
    assert result.ratio == 1.0


def test_star_capacity_bound_is_loose_and_the_lp_is_not():
    # Five requests to someone who can meet twice: half the capacity sum says 3, the LP 2.
    problem = Problem(
        make_slots(6),
        people("hub", *range(5), hub=Participant("hub", max_meetings=2)),
        [Request(i, "hub", i) for i in range(5)],
    )
    result = solve(problem)
    assert result.weight == 2
    assert result.bound.capacity == 3
    assert result.bound.lp == 2
    assert result.ratio == 1.0


# -- the hard rules ---------------------------------------------------------------------------


def test_fixed_meetings_never_move_and_count_toward_limits():
    problem = Problem(
        make_slots(3, tables=2),
        people("a", "b", "c", "d", a=Participant("a", max_meetings=2)),
        [Request("ab", "a", "b"), Request("ac", "a", "c"), Request("ad", "a", "d", weight=3),
         Request("cd", "c", "d")],
        fixed=[FixedMeeting("ab", 1, table=2), FixedMeeting("ac", 0, table=1)],
    )  # fmt: skip
    result = solve(problem)
    assert result.placements["ab"] == Placement("ab", 1, 2, fixed=True)
    assert result.placements["ac"] == Placement("ac", 0, 1, fixed=True)
    # a reached their limit with the two fixed meetings, whatever the weight of a-d.
    assert result.placements["ad"].reason == Reason.MAX_MEETINGS
    # c is busy in 0: c-d goes elsewhere, and gets a table the fixed ones do not hold.
    cd = result.placements["cd"]
    assert cd.slot != 0
    assert (cd.slot, cd.table) != (1, 2)


def test_fixed_onsite_meeting_keeps_its_table_and_new_ones_take_the_next():
    problem = Problem(
        make_slots(1, tables=2),
        people("a", "b", "c", "d"),
        [Request("ab", "a", "b"), Request("cd", "c", "d")],
        fixed=[FixedMeeting("ab", 0, table=1)],
    )
    result = solve(problem)
    assert result.placements["ab"].table == 1
    assert result.placements["cd"].table == 2


def test_incremental_run_fills_the_remaining_gaps():
    problem = generate(60, n_slots=18, seed=4, tables_factor=0.9)
    first = solve(problem)
    fixed = [FixedMeeting(p.request, p.slot, p.table) for p in first.scheduled[::2]]
    extra = [Request(f"new{i}", i, 30 + i, weight=3) for i in range(10)]
    again = Problem(problem.slots, problem.participants, [*problem.requests, *extra], fixed)
    second = solve(again)
    for f in fixed:
        assert second.placements[f.request] == Placement(f.request, f.slot, f.table, fixed=True)
    assert any(second.placements[r.id].slot is not None for r in extra)
    assert second.ratio >= 0.99


def test_each_unscheduled_reason():
    problem = Problem(
        make_slots(2, tables=1),
        people("a", "b", "c", "d", "e", "f", "g", "h",
               a=Participant("a", frozenset({0})), b=Participant("b", frozenset({1})),
               c=Participant("c", max_meetings=1)),
        [
            Request("ab", "a", "b"),  # never both available
            Request("cd", "c", "d", weight=2),
            Request("ce", "c", "e"),  # c can meet once
            Request("ef", "e", "f"),  # one table per slot: two onsite meetings fit...
            Request("gh", "g", "h"),  # ...so one of these three gets no table
        ],
    )  # fmt: skip
    result = solve(problem)
    reasons = {rid: p.reason for rid, p in result.placements.items()}
    assert reasons["ab"] == Reason.NO_COMMON_SLOT
    assert reasons["ce"] == Reason.MAX_MEETINGS
    assert sorted(r for r in reasons.values() if r is not None) == sorted(
        [Reason.NO_COMMON_SLOT, Reason.MAX_MEETINGS, Reason.NO_TABLE]
    )
    assert result.stats["unscheduled"] == {
        "no common free slot": 1, "max meetings reached": 1, "no table left": 1,
    }  # fmt: skip


def test_no_common_free_slot_when_the_common_slots_are_taken():
    # a can only meet in slot 0, and a fixed meeting holds it there.
    slots = make_slots(2)
    group = people("a", "b", "d", a=Participant("a", frozenset({0})))
    alone = Problem(slots, group, [Request("ab", "a", "b")])
    taken = Problem(
        slots,
        group,
        [Request("ab", "a", "b"), Request("ad", "a", "d")],
        fixed=[FixedMeeting("ad", 0, table=1)],
    )
    assert solve(alone).placements["ab"].slot == 0
    assert solve(taken).placements["ab"].reason == Reason.NO_COMMON_SLOT


def test_online_meetings_need_no_table():
    problem = Problem(
        make_slots(1, tables=0),
        people("a", "b", "c", "d"),
        [Request("online", "a", "b", online=True), Request("onsite", "c", "d")],
    )
    result = solve(problem)
    assert result.placements["online"] == Placement("online", 0, None)
    assert result.placements["onsite"].reason == Reason.NO_TABLE


def test_morning_and_afternoon_restrictions():
    problem = Problem(
        make_slots(4, per_session=2),  # slots 0, 1 morning; 2, 3 afternoon
        people("a", "b", "c", c=Participant("c", frozenset({2, 3}))),
        [Request("pm", "a", "b", part=AFTERNOON), Request("am", "a", "c", part=MORNING)],
    )
    result = solve(problem)
    assert slot_of(result, "pm") in (2, 3)
    assert result.placements["am"].reason == Reason.NO_COMMON_SLOT


def test_forbidden_slots_are_kept_free():
    problem = Problem(
        make_slots(3),
        people("a", "b", a=Participant("a", forbidden=frozenset({0, 1}))),
        [Request("ab", "a", "b")],
    )
    assert slot_of(solve(problem), "ab") == 2


def test_max_meetings_keeps_the_heaviest_requests():
    problem = Problem(
        make_slots(6),
        people("a", 1, 2, 3, 4, a=Participant("a", max_meetings=2)),
        [Request(i, "a", i, weight=w) for i, w in ((1, 1), (2, 3), (3, 2), (4, 3))],
    )
    result = solve(problem)
    assert {p.request for p in result.scheduled} == {2, 4}
    assert result.placements[1].reason == result.placements[3].reason == Reason.MAX_MEETINGS


def test_gaps_are_closed_where_a_gap_free_schedule_exists():
    # b can only meet in the last slot; first fit puts a's other meetings first and leaves a
    # two-slot hole, the scheduler stacks them next to it.
    problem = Problem(
        make_slots(5),
        people("a", "b", "c", "d", b=Participant("b", frozenset({4}))),
        [Request("ac", "a", "c"), Request("ad", "a", "d"), Request("ab", "a", "b")],
    )
    assert first_fit(problem).gaps == 2
    result = solve(problem)
    assert result.stats["scheduled"] == 3
    assert result.gaps == 0


def test_same_seed_same_schedule():
    problem = generate(80, n_slots=18, seed=7, graph="general", tables_factor=0.9)
    one, two = solve(problem, seed=3), solve(problem, seed=3)
    assert one.placements == two.placements
    assert one.gaps == two.gaps


def test_better_than_first_fit_on_a_generated_event():
    problem = generate(100, n_slots=18, seed=2, tables_factor=0.9)
    result = solve(problem, method="heuristic")
    base = first_fit(problem)
    assert violations(problem, base.placements) == []
    assert result.weight > base.weight
    assert result.ratio >= 0.995
    assert result.gaps < base.gaps


# -- input errors and the validator -----------------------------------------------------------


@pytest.mark.parametrize(
    ("requests", "fixed"),
    [
        ([Request(1, "a", "x")], ()),  # unknown participant
        ([Request(1, "a", "a")], ()),  # meeting oneself
        ([Request(1, "a", "b"), Request(1, "a", "b")], ()),  # duplicate id
        ([Request(1, "a", "b"), Request(2, "a", "b")], [FixedMeeting(1, 0), FixedMeeting(2, 0)]),
        ([Request(1, "a", "b"), Request(2, "b", "a")], [FixedMeeting(1, 0, 1),
                                                        FixedMeeting(2, 1, 1),
                                                        FixedMeeting(9, 0)]),
    ],
)  # fmt: skip
def test_inconsistent_input_is_refused(requests, fixed):
    with pytest.raises(ValueError):
        schedule(Problem(make_slots(2), people("a", "b"), requests, fixed))


def test_validator_reports_every_broken_rule():
    problem = Problem(
        make_slots(2, tables=1),
        people("a", "b", "c", "d", a=Participant("a", frozenset({0}), max_meetings=1)),
        [Request("ab", "a", "b"), Request("ac", "a", "c"), Request("bd", "b", "d", online=True),
         Request("cd", "c", "d", part=AFTERNOON)],
        fixed=[FixedMeeting("ab", 0, table=1)],
    )  # fmt: skip
    bad = {
        "ab": Placement("ab", 1, 1, fixed=True),  # moved a fixed meeting (and a unavailable)
        "ac": Placement("ac", 1, 1),  # a twice in slot 1, over a's limit, table 1 twice
        "bd": Placement("bd", 1, 3),  # online meeting at a table; b twice in slot 1
        "cd": Placement("cd", 0, None),  # onsite without a table; morning for an afternoon one
    }
    found = "\n".join(violations(problem, bad))
    for expected in ("moved from 0", "not available", "meetings in 1", "more than 1",
                     "online meeting at table", "without a table", "afternoon only",
                     "table 1 used 2 times", "onsite meetings in 1"):  # fmt: skip
        assert expected in found


def test_fixed_meetings_without_a_table_never_get_one_beyond_the_count():
    """Three fixed onsite meetings had no table (the event was online, now hybrid) and two
    tables exist: two get one, the third keeps none, and nothing new is squeezed in."""
    from events.scheduling import FixedMeeting, Participant, Problem, Request, Slot, schedule

    slots = [Slot(id="s1", start=0, end=20, session="w", tables=2)]
    people = [Participant(id=i) for i in range(8)]
    requests = [Request(id=f"r{i}", a=2 * i, b=2 * i + 1) for i in range(4)]
    fixed = [FixedMeeting(request=f"r{i}", slot="s1", table=None) for i in range(3)]
    placements = schedule(Problem(slots, people, requests, fixed)).placements
    tables = sorted(p.table for p in placements.values() if p.fixed and p.table is not None)
    assert tables == [1, 2]
    assert placements["r3"].slot is None
