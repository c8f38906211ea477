"""A fast constructive schedule (the warm start): dispatching with insertion into machine gaps.

Operations are dispatched one at a time; each goes on the eligible machine where it finishes earliest,
inserted into the first gap that respects the machine's calendar, changeovers on both sides, labour and
release slots. Which run goes next is a dispatching rule: earliest finish with most work remaining for
makespan (a classic FJSP rule), least slack (due minus work remaining) otherwise. Random noise on the
rule gives restarts; the best schedule found seeds CP-SAT as solution hints. A restart is given the
solve's :class:`~microfactory.production.settings.Deadline` and gives up (``timed_out``) when it passes, so
a slow rule on a big week cannot overrun the time limit.
"""

from __future__ import annotations

import heapq
import random
from bisect import bisect_left, insort
from dataclasses import dataclass, field

from microfactory.production.problem import Operation, ScheduleProblem
from microfactory.production.settings import Deadline, ReleaseMode
from microfactory.production.solution import Placement
from microfactory.production.timeline import fit_start, stretch

_MAX_STEPS = 10_000


@dataclass(slots=True)
class GreedyResult:
    """Placements per run (None for runs that could not be placed in the window) and those runs.

    ``timed_out``: the deadline passed before every run was dispatched (the placements are partial).
    """

    placements: list[list[Placement] | None]
    unplaced: list[int] = field(default_factory=list)
    timed_out: bool = False

    def complete(self) -> tuple[tuple[Placement, ...], ...]:
        """The placements as a solution; raises ``ValueError`` when some run is unplaced or it timed out."""
        if self.timed_out:
            raise ValueError("the construction stopped at its deadline")
        if self.unplaced:
            raise ValueError(f"runs {self.unplaced} could not be placed")
        return tuple(tuple(p) for p in self.placements if p is not None)


class _Shop:
    """Machine timelines and labour loads while building one schedule."""

    def __init__(self, problem: ScheduleProblem, release_mode: ReleaseMode) -> None:
        self.p = problem
        self.release_mode = release_mode
        self.busy: list[list[tuple[int, int, int, int]]] = [[] for _ in problem.machines]
        self.loads: list[list[tuple[int, int, int]]] = [[] for _ in problem.labour]
        self.pools_of: dict[str, list[int]] = {}
        for i, pool in enumerate(problem.labour):
            for rtype in pool.resource_types:
                self.pools_of.setdefault(rtype, []).append(i)
        slots = sorted(problem.release_minutes or ())
        self.slots = slots

    def ready_time(self, run: int, k: int, prev_end: int) -> int:
        """Earliest start of operation ``k`` of ``run`` before machine, calendar and labour checks."""
        ready = max(prev_end, self.p.runs[run].earliest_start)
        if k == 0 and self.p.release_minutes is not None:
            later = [s for s in self.slots if s >= ready]
            ready = later[0] if later else self.p.window_minutes
        return ready

    def best(self, run: int, k: int, ready: int, prefer: int | None = None) -> Placement | None:
        """The placement of an operation finishing earliest over its alternatives (or None)."""
        best: Placement | None = None
        for alt in self.p.runs[run].operations[k].alternatives:
            placed = self._on(run, k, alt.machine, alt.minutes, ready)
            if placed is None:
                continue
            if best is None or (placed.end, len(self.busy[placed.machine])) < (
                best.end,
                len(self.busy[best.machine]),
            ):
                best = placed
            if prefer is not None and placed.machine == prefer:
                return placed
        return best

    def _co(self, machine: int, before: tuple[int, int] | None, after: Operation) -> int:
        if before is None:
            return 0
        return self.p.changeover_minutes(machine, self.p.runs[before[0]].operations[before[1]], after)

    def _on(self, run: int, k: int, machine: int, minutes: int, ready: int) -> Placement | None:
        op = self.p.runs[run].operations[k]
        busy = self.busy[machine]
        spec = self.p.machines[machine]
        last = k == len(self.p.runs[run].operations) - 1
        fresh = self.p.runs[run].fresh_from if last else None
        i = max(0, bisect_left(busy, (ready, -1, -1, -1)) - 1)
        while i <= len(busy):
            prev = busy[i - 1] if i > 0 else None
            nxt = busy[i] if i < len(busy) else None
            lo = ready
            if prev is not None:
                lo = max(lo, prev[1] + self._co(machine, (prev[2], prev[3]), op))
            hi = self.p.window_minutes
            if nxt is not None:
                after = self.p.runs[nxt[2]].operations[nxt[3]]
                hi = nxt[0] - self.p.changeover_minutes(machine, op, after)
            placed, stop = self._in_gap(run, k, op, spec.open, minutes, lo, hi, fresh, machine)
            if placed is not None or stop:
                return placed
            i += 1
        return None

    def _in_gap(
        self,
        run: int,
        k: int,
        op: Operation,
        open_periods: tuple[tuple[int, int], ...],
        minutes: int,
        lo: int,
        hi: int,
        fresh: int | None,
        machine: int,
    ) -> tuple[Placement | None, bool]:
        """Place in the gap ``[lo, hi)``; the flag says no later gap can work either."""
        start = lo
        for _ in range(_MAX_STEPS):
            if start + minutes > hi:
                return None, False
            span = (
                stretch(open_periods, start, minutes) if op.splittable else _fit(open_periods, start, minutes)
            )
            if span is None:
                return None, True
            s, e = span
            if e > hi:
                return None, False
            if k == 0 and self.release_mode is ReleaseMode.AT_SLOT and self.p.release_minutes is not None:
                nxt_slot = next((t for t in self.slots if t >= s), None)
                if nxt_slot is None:
                    return None, True
                if nxt_slot != s:
                    start = nxt_slot
                    continue
            if fresh is not None and e < fresh:
                start = s + (fresh - e)
                continue
            pool, retry = self._labour(op, machine, s, e)
            if retry is None:
                return Placement(machine, s, e, pool), False
            if retry <= s:
                return None, True
            start = retry
        return None, True

    def _labour(self, op: Operation, machine: int, s: int, e: int) -> tuple[int | None, int | None]:
        """A pool with room over ``[s, e)``, or (None, next start worth trying); (None, None) if free."""
        pools = self.pools_of.get(self.p.machines[machine].resource_type, [])
        if op.operators == 0 or op.splittable or not pools:
            return None, None
        retry: int | None = None
        for i in pools:
            pool = self.p.labour[i]
            fit = fit_start(pool.open, s, e - s)
            if fit is None:
                continue
            if fit != s:
                retry = fit if retry is None else min(retry, fit)
                continue
            over = [(a, b, n) for a, b, n in self.loads[i] if a < e and b > s]
            points = sorted({s} | {a for a, _, _ in over if a > s})
            ok = all(
                sum(n for a, b, n in over if a <= t < b) + op.operators <= pool.operators for t in points
            )
            if ok:
                return i, None
            nxt = min(b for _, b, _ in over)
            retry = nxt if retry is None else min(retry, nxt)
        return None, (retry if retry is not None else s)

    def commit(self, run: int, k: int, placed: Placement) -> None:
        """Record a placement on its machine and labour pool."""
        insort(self.busy[placed.machine], (placed.start, placed.end, run, k))
        if placed.pool is not None:
            op = self.p.runs[run].operations[k]
            self.loads[placed.pool].append((placed.start, placed.end, op.operators))

    def remove(self, run: int, k: int, placed: Placement) -> None:
        """Undo :meth:`commit`."""
        self.busy[placed.machine].remove((placed.start, placed.end, run, k))
        if placed.pool is not None:
            op = self.p.runs[run].operations[k]
            self.loads[placed.pool].remove((placed.start, placed.end, op.operators))


def _fit(open_periods: tuple[tuple[int, int], ...], start: int, minutes: int) -> tuple[int, int] | None:
    s = fit_start(open_periods, start, minutes)
    return None if s is None else (s, s + minutes)


def construct(
    problem: ScheduleProblem,
    *,
    rule: str,
    rng: random.Random | None = None,
    noise: float = 0.0,
    release_mode: ReleaseMode = ReleaseMode.FROM_SLOT,
    prefer: dict[tuple[int, int], int] | None = None,
    deadline: Deadline | None = None,
) -> GreedyResult:
    """Build one schedule by dispatching.

    Args:
        problem: The problem.
        rule: ``"finish"`` (earliest finish, most work remaining; for makespan) or ``"slack"`` (least
            due-minus-remaining-work first; for tardiness).
        rng: Random source for ``noise`` (required when ``noise > 0``).
        noise: Relative random perturbation of the rule's keys (0 = deterministic).
        release_mode: How release slots bind first operations.
        prefer: Machine to use per ``(run, op)`` when it is feasible (published schedule).
        deadline: Give up once it passes (checked before every dispatch); ``None``: always finish (the
            first warm start, which decides which runs can be placed at all).

    Returns:
        Placements per run; runs whose operations found no room in the window are listed as unplaced;
        ``timed_out`` when ``deadline`` stopped the construction.
    """
    shop = _Shop(problem, release_mode)
    runs = problem.runs
    remaining = [sum(min(a.minutes for a in op.alternatives) for op in run.operations) for run in runs]
    placements: list[list[Placement] | None] = [[] for _ in runs]
    ends = [0] * len(runs)
    unplaced: list[int] = []

    def jitter() -> float:
        return 1.0 + (noise * rng.random() if rng is not None and noise else 0.0)

    def candidate(r: int) -> Placement | None:
        k = len(placements[r] or [])
        want = None if prefer is None else prefer.get((r, k))
        return shop.best(r, k, shop.ready_time(r, k, ends[r]), want)

    def fail(r: int) -> None:
        for k, placed in enumerate(placements[r] or []):
            shop.remove(r, k, placed)
        placements[r] = None
        unplaced.append(r)

    if rule == "finish":
        active = set(range(len(runs)))
        cache: dict[int, Placement | None] = {}
        while active:
            if deadline is not None and deadline.expired():
                return GreedyResult(placements, sorted(unplaced), timed_out=True)
            best_key: tuple[float, float] | None = None
            best_run = -1
            for r in sorted(active):
                if r not in cache:
                    cache[r] = candidate(r)
                placed = cache[r]
                if placed is None:
                    continue
                key = (placed.end * jitter(), -remaining[r] * jitter())
                if best_key is None or key < best_key:
                    best_key, best_run = key, r
            if best_key is None:
                for r in sorted(active):
                    fail(r)
                break
            placed = cache.pop(best_run)
            assert placed is not None
            _advance(shop, problem, best_run, placed, placements, ends, remaining)
            if len(placements[best_run] or []) == len(runs[best_run].operations):
                active.discard(best_run)
            for r in list(cache):
                if _touches(problem, r, len(placements[r] or []), placed.machine, shop):
                    del cache[r]
        return GreedyResult(placements, sorted(unplaced))

    big = problem.window_minutes * 4
    dues = [big if run.due is None else run.due for run in runs]
    heap = [(dues[r] - remaining[r] * jitter(), r) for r in range(len(runs))]
    heapq.heapify(heap)
    while heap:
        if deadline is not None and deadline.expired():
            return GreedyResult(placements, sorted(unplaced), timed_out=True)
        _, r = heapq.heappop(heap)
        placed = candidate(r)
        if placed is None:
            fail(r)
            continue
        _advance(shop, problem, r, placed, placements, ends, remaining)
        if len(placements[r] or []) < len(runs[r].operations):
            heapq.heappush(heap, (dues[r] - remaining[r] * jitter(), r))
    return GreedyResult(placements, sorted(unplaced))


def _advance(
    shop: _Shop,
    problem: ScheduleProblem,
    r: int,
    placed: Placement,
    placements: list[list[Placement] | None],
    ends: list[int],
    remaining: list[int],
) -> None:
    ops = placements[r]
    assert ops is not None
    k = len(ops)
    shop.commit(r, k, placed)
    ops.append(placed)
    ends[r] = placed.end
    remaining[r] -= min(a.minutes for a in problem.runs[r].operations[k].alternatives)


def _touches(problem: ScheduleProblem, r: int, k: int, machine: int, shop: _Shop) -> bool:
    ops = problem.runs[r].operations
    if k >= len(ops):
        return True
    if shop.loads and any(shop.loads):
        return True
    return any(a.machine == machine for a in ops[k].alternatives)
