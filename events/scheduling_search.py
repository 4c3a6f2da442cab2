"""The heuristic scheduler: ordered first fit, then augmenting moves. No Django.

Why these moves (events/scheduling.py has the measurements): first fit alone leaves meetings
out that fit, because an early choice of slot blocks later requests (b-c placed first in the
only slot where a can meet b and d can meet c loses both). Two kinds of repair put them back:

* ejection chains (``State.insert``): place the request in a slot where exactly one meeting is
  in the way, and move that meeting on, recursively, to a free slot; a full slot of tables is
  cleared by moving one onsite meeting out of it. Iterative deepening keeps chains short.
* Kempe chains (``State.kempe``): for a request a-b with a free in slot s and b free in t,
  swap s and t along the alternating path of meetings from b. This is the step of the
  edge-colouring proof (König): on a bipartite instance with full availability and no more
  requests per person than slots it places every request, where chains of bounded depth can
  miss.

Then weight exchanges (a heavier request replaces a lighter meeting of a person at their limit,
and the partners it frees take another request). scheduling_gaps closes idle gaps afterwards.

All state is bitmasks (one int per person: the slots they are busy in), so a feasibility test
is two ``&``; a flat list ``at[p * S + s]`` says which request holds person p in slot s.
"""

from __future__ import annotations

from .scheduling_model import Compiled, session_gaps


class State:
    """A schedule under construction; ``place``/``remove`` keep every index in step."""

    def __init__(self, c: Compiled) -> None:
        self.c = c
        S = c.S
        self.slot = [-1] * c.R
        self.is_fixed = [False] * c.R
        self.busy = list(c.fixed_busy)
        self.left = list(c.cap_left)
        self.at = [-1] * (c.P * S)
        for r, s in c.fixed_slot.items():
            self.slot[r] = s
            self.is_fixed[r] = True
            self.at[c.ra[r] * S + s] = r
            self.at[c.rb[r] * S + s] = r
        self.tables_left = list(c.free_tables)
        self.table_mask = sum(1 << s for s in range(S) if self.tables_left[s] > 0)
        self.onsite_in = [set() for _ in range(S)]  # new onsite meetings per slot
        self.weight = sum(c.w[r] for r in c.fixed_slot)
        self.budget = 0
        self.moves = {"ejection": 0, "kempe": 0, "exchange": 0, "gap_moves": 0, "gap_chains": 0}
        self.log: list[tuple[int, int]] = []  # (request, slot it left or -1 if placed)
        self.incident: list[list[int]] = [[] for _ in range(c.P)]
        for r in c.todo:
            if c.open[r]:
                self.incident[c.ra[r]].append(r)
                self.incident[c.rb[r]].append(r)
        for rs in self.incident:
            rs.sort(key=lambda r: -c.w[r])

    # -- basic steps -------------------------------------------------------------------------
    def place(self, r: int, s: int) -> None:
        c, S, bit = self.c, self.c.S, 1 << s
        a, b = c.ra[r], c.rb[r]
        self.log.append((r, -1))
        self.slot[r] = s
        self.busy[a] |= bit
        self.busy[b] |= bit
        self.at[a * S + s] = r
        self.at[b * S + s] = r
        self.left[a] -= 1
        self.left[b] -= 1
        if not c.online[r]:
            self.tables_left[s] -= 1
            if self.tables_left[s] <= 0:
                self.table_mask &= ~bit
            self.onsite_in[s].add(r)
        self.weight += c.w[r]

    def remove(self, r: int) -> int:
        c, S = self.c, self.c.S
        s = self.slot[r]
        bit = 1 << s
        a, b = c.ra[r], c.rb[r]
        self.log.append((r, s))
        self.slot[r] = -1
        self.busy[a] &= ~bit
        self.busy[b] &= ~bit
        self.at[a * S + s] = -1
        self.at[b * S + s] = -1
        self.left[a] += 1
        self.left[b] += 1
        if not c.online[r]:
            self.tables_left[s] += 1
            self.table_mask |= bit
            self.onsite_in[s].discard(r)
        self.weight -= c.w[r]
        return s

    def rollback(self, mark: int) -> None:
        """Undo every place/remove since ``len(self.log)`` was ``mark``."""
        while len(self.log) > mark:
            r, s = self.log.pop()
            if s < 0:
                self.remove(r)
            else:
                self.place(r, s)
            self.log.pop()

    def free_slots(self, r: int) -> int:
        c = self.c
        mask = c.open[r] & ~(self.busy[c.ra[r]] | self.busy[c.rb[r]])
        return mask if c.online[r] else mask & self.table_mask

    def gap_delta(self, p: int, s: int) -> int:
        """How many idle slots p gains (or, negative, loses) with a meeting added in s."""
        c = self.c
        k, busy, free = c.session_of[s], self.busy[p], c.avail[p]
        return session_gaps(busy | (1 << s), free, k) - session_gaps(busy, free, k)

    def best_slot(self, r: int, mask: int) -> int:
        """Of the slots in ``mask``, the one adding the fewest idle gaps for both (earliest on
        ties): schedules come out compact without a separate pass having to fix much."""
        if not mask & (mask - 1):
            return mask.bit_length() - 1
        c = self.c
        a, b = c.ra[r], c.rb[r]
        best, best_score = -1, None
        while mask:
            low = mask & -mask
            s = low.bit_length() - 1
            mask ^= low
            score = self.gap_delta(a, s) + self.gap_delta(b, s)
            if best_score is None or score < best_score:
                best, best_score = s, score
                if score < 0:
                    break  # fills a gap at both ends' cost of nothing: cannot do better often
        return best

    def try_direct(self, r: int) -> bool:
        c = self.c
        if self.left[c.ra[r]] <= 0 or self.left[c.rb[r]] <= 0:
            return False
        mask = self.free_slots(r)
        if not mask:
            return False
        self.place(r, self.best_slot(r, mask))
        return True

    # -- ejection chains ---------------------------------------------------------------------
    def insert(self, r: int, max_depth: int = 3, budget: int = 400) -> bool:
        """Place unscheduled ``r``, moving other meetings along a chain if needed (iterative
        deepening up to ``max_depth`` moves, ``budget`` slots examined). Unchanged on failure."""
        if self.try_direct(r):
            return True
        c = self.c
        if self.left[c.ra[r]] <= 0 or self.left[c.rb[r]] <= 0:
            return False
        if not c.online[r] and not self.table_mask:
            return False  # every table taken: no move without unscheduling frees one
        self.budget = budget
        for depth in range(1, max_depth + 1):
            if self._eject(r, depth, {r}):
                self.moves["ejection"] += 1
                return True
            if self.budget <= 0:
                break
        return False

    def _eject(self, r: int, depth: int, tabu: set[int]) -> bool:
        c, S = self.c, self.c.S
        mask = self.free_slots(r)
        if mask:
            self.place(r, self.best_slot(r, mask))
            return True
        if depth == 0:
            return False
        a, b = c.ra[r], c.rb[r]
        at, online_r = self.at, c.online[r]
        for s in c.slot_bits(c.open[r]):
            self.budget -= 1
            if self.budget < 0:
                return False
            ma, mb = at[a * S + s], at[b * S + s]
            if ma >= 0 and mb >= 0:
                continue
            m = ma if ma >= 0 else mb
            if m < 0:  # both free in s, but no table left there
                if not online_r and self._clear_table(r, s, depth, tabu):
                    return True
                continue
            if self.is_fixed[m] or m in tabu:
                continue
            if not online_r and self.tables_left[s] <= 0 and c.online[m]:
                continue
            self.remove(m)
            self.place(r, s)
            mark = len(self.log) - 2
            tabu.add(m)
            if self._eject(m, depth - 1, tabu):
                return True
            tabu.discard(m)
            self.rollback(mark)
        return False

    def _clear_table(self, r: int, s: int, depth: int, tabu: set[int], tries: int = 8) -> bool:
        """Free a table in s for ``r``: move one onsite meeting of s on (along a chain)."""
        if not self.table_mask:
            return False
        for m in list(self.onsite_in[s])[:tries]:
            if m in tabu or self.is_fixed[m]:
                continue
            self.budget -= 1
            if self.budget < 0:
                return False
            mark = len(self.log)
            self.remove(m)
            self.place(r, s)
            tabu.add(m)
            if self._eject(m, depth - 1, tabu):
                return True
            tabu.discard(m)
            self.rollback(mark)
        return False

    # -- Kempe chains ------------------------------------------------------------------------
    def _chain(self, start: int, s: int, t: int, avoid: int) -> list[int] | None:
        """The meetings on the s/t alternating path from ``start``'s meeting in s, or None if
        one of them cannot swap (fixed, not allowed in the other slot) or the path reaches
        ``avoid`` (which would then be busy in s)."""
        c, S, at = self.c, self.c.S, self.at
        bits = (1 << s) | (1 << t)
        chain: list[int] = []
        person, look = start, s
        while True:
            m = at[person * S + look]
            if m < 0:
                return chain
            if self.is_fixed[m] or c.open[m] & bits != bits:
                return None
            chain.append(m)
            person = c.rb[m] if c.ra[m] == person else c.ra[m]
            if person == avoid:
                return None
            look = t if look == s else s
            if len(chain) > c.P:
                return None

    def kempe(self, r: int, max_pairs: int = 200) -> bool:
        """Place ``r`` = a-b by swapping two slots along an alternating path (see module)."""
        c = self.c
        a, b = c.ra[r], c.rb[r]
        if self.left[a] <= 0 or self.left[b] <= 0:
            return False
        if not c.online[r] and not self.table_mask:
            return False  # a swap moves tables between two slots, it creates none
        ba, bb = self.busy[a], self.busy[b]
        a_free = c.open[r] & ~ba & bb  # a free, b busy
        b_free = c.open[r] & ~bb & ba
        pairs = 0
        for s in c.slot_bits(a_free):
            for t in c.slot_bits(b_free):
                pairs += 1
                if pairs > max_pairs:
                    return False
                # Swap from b's meeting in s (r then goes to s), or from a's meeting in t.
                for start, avoid, home, away in ((b, a, s, t), (a, b, t, s)):
                    chain = self._chain(start, home, away, avoid)
                    if chain is not None and self._swap(chain, home, away, r):
                        self.moves["kempe"] += 1
                        return True
        return False

    def _swap(self, chain: list[int], home: int, away: int, r: int) -> bool:
        """Swap the chain's meetings between ``home`` and ``away``, then put r in home, if the
        tables allow; unchanged otherwise."""
        c = self.c
        into_away = sum(1 for m in chain if self.slot[m] == home and not c.online[m])
        into_home = sum(1 for m in chain if self.slot[m] == away and not c.online[m])
        need = 0 if c.online[r] else 1
        if self.tables_left[home] + into_away - into_home < need:
            return False
        if self.tables_left[away] - into_away + into_home < 0:
            return False
        moved = [(m, self.remove(m)) for m in chain]
        for m, s in moved:
            self.place(m, away if s == home else home)
        self.place(r, home)
        return True

    # -- weight exchanges --------------------------------------------------------------------
    def exchange(self, r: int) -> bool:
        """Unschedule lighter (or equal) meetings of the ends of ``r`` that reached their limit,
        place ``r``, then let the partners of the removed meetings, who now have room, take
        another of their requests; kept only if the weight grows (an augmenting path of the
        b-matching the limits make)."""
        c = self.c
        full = [p for p in (c.ra[r], c.rb[r]) if self.left[p] <= 0]
        if not full:
            return False
        options = []
        for p in full:
            mine = [
                m
                for m in (self.at[p * c.S + s] for s in c.slot_bits(self.busy[p]))
                if m >= 0 and not self.is_fixed[m] and c.w[m] <= c.w[r]
            ]
            mine.sort(key=lambda m: c.w[m])
            options.append(mine[:4])
        if len(full) == 1:
            combos = [[m] for m in options[0]]
        else:
            combos = [[x, y] for x in options[0] for y in options[1] if x != y]
        for combo in combos:
            loss = sum(c.w[m] for m in combo)
            if loss > c.w[r]:
                continue
            mark = len(self.log)
            for m in combo:
                self.remove(m)
            if not self.insert(r, max_depth=2, budget=150):
                self.rollback(mark)
                continue
            gain = c.w[r] - loss
            for m in combo:
                partner = c.rb[m] if c.ra[m] in full else c.ra[m]
                for r2 in self.incident[partner]:
                    if r2 in combo or self.slot[r2] >= 0 or c.w[r2] + gain <= 0:
                        continue
                    other = c.rb[r2] if c.ra[r2] == partner else c.ra[r2]
                    if self.left[other] <= 0:
                        continue
                    if self.insert(r2, max_depth=2, budget=100):
                        gain += c.w[r2]
                        break
            if gain > 1e-9:
                self.moves["exchange"] += 1
                return True
            self.rollback(mark)
        return False

    # -- idle gaps ---------------------------------------------------------------------------
    def person_session_gaps(self, p: int, s: int) -> int:
        return session_gaps(self.busy[p], self.c.avail[p], self.c.session_of[s])

    def total_gaps(self) -> int:
        c = self.c
        return sum(
            session_gaps(self.busy[p], c.avail[p], k) for p in range(c.P) for k in c.session_masks
        )
