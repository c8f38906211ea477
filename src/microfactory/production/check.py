"""An independent checker: does a schedule keep every hard constraint of its problem?

Written apart from the model and the warm start (it shares only the problem types), so tests can use
it as an oracle: machines (eligibility, durations, calendars, no overlap with changeover gaps),
precedence, earliest starts, release slots, freshness and labour pools.
"""

from __future__ import annotations

from itertools import pairwise

from microfactory.production.problem import Interval, ScheduleProblem
from microfactory.production.settings import ReleaseMode
from microfactory.production.solution import Solution


def _inside_one(periods: tuple[Interval, ...], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in periods)


def _open_between(periods: tuple[Interval, ...], start: int, end: int) -> int:
    return sum(max(0, min(b, end) - max(a, start)) for a, b in periods)


def _changeover(problem: ScheduleProblem, rtype: str, before: dict[str, str], after: dict[str, str]) -> int:
    total = 0
    for rule in problem.changeovers:
        if rule.resource_type != rtype or rule.from_value == rule.to_value:
            continue
        if before.get(rule.attribute) == rule.from_value and after.get(rule.attribute) == rule.to_value:
            total += rule.minutes
    return total


def check_schedule(
    problem: ScheduleProblem, solution: Solution, release_mode: ReleaseMode = ReleaseMode.FROM_SLOT
) -> list[str]:
    """Every violated constraint as a readable line; an empty list means the schedule is valid."""
    out: list[str] = []
    if len(solution) != len(problem.runs):
        return [f"{len(solution)} runs scheduled, problem has {len(problem.runs)}"]
    per_machine: dict[int, list[tuple[int, int, int, int]]] = {}
    slots = sorted(problem.release_minutes or ())
    for r, (run, ops) in enumerate(zip(problem.runs, solution, strict=True)):
        if len(ops) != len(run.operations):
            out.append(f"run {run.code}: {len(ops)} operations placed, routing has {len(run.operations)}")
            continue
        for k, (op, placed) in enumerate(zip(run.operations, ops, strict=True)):
            name = f"run {run.code} op {op.sequence}"
            minutes = {a.machine: a.minutes for a in op.alternatives}.get(placed.machine)
            if minutes is None:
                out.append(f"{name}: machine {placed.machine} is not eligible")
                continue
            machine = problem.machines[placed.machine]
            if placed.start < max(0, run.earliest_start) or placed.end > problem.window_minutes:
                out.append(
                    f"{name}: [{placed.start}, {placed.end}) outside the window or before its earliest start"
                )
            if op.splittable:
                if not any(a <= placed.start < b for a, b in machine.open):
                    out.append(f"{name}: starts at {placed.start} in closed time of {machine.code}")
                if _open_between(machine.open, placed.start, placed.end) != minutes:
                    out.append(f"{name}: open time in [{placed.start}, {placed.end}) is not {minutes} min")
            else:
                if placed.end - placed.start != minutes:
                    out.append(f"{name}: lasts {placed.end - placed.start} min, needs {minutes}")
                if not _inside_one(machine.open, placed.start, placed.end):
                    out.append(
                        f"{name}: [{placed.start}, {placed.end}) crosses closed time of {machine.code}"
                    )
            if k > 0 and placed.start < ops[k - 1].end:
                out.append(
                    f"{name}: starts at {placed.start} before the previous operation ends ({ops[k - 1].end})"
                )
            per_machine.setdefault(placed.machine, []).append((placed.start, placed.end, r, k))
        if problem.release_minutes is not None and ops:
            first = ops[0].start
            if release_mode is ReleaseMode.AT_SLOT and first not in slots:
                out.append(f"run {run.code}: first operation starts at {first}, not at a release slot")
            if not any(run.earliest_start <= s <= first for s in slots) and slots:
                out.append(f"run {run.code}: first operation starts at {first}, before any release slot")
        if run.fresh_from is not None and ops and ops[-1].end < run.fresh_from:
            out.append(f"run {run.code}: ends at {ops[-1].end}, before its freshness bound {run.fresh_from}")
    out += _check_machines(problem, per_machine)
    out += _check_labour(problem, solution)
    return out


def _check_machines(
    problem: ScheduleProblem, per_machine: dict[int, list[tuple[int, int, int, int]]]
) -> list[str]:
    out: list[str] = []
    for m, items in per_machine.items():
        machine = problem.machines[m]
        items.sort()
        for (_, e1, r1, k1), (s2, _, r2, k2) in pairwise(items):
            before = dict(problem.runs[r1].operations[k1].setup)
            after = dict(problem.runs[r2].operations[k2].setup)
            gap = _changeover(problem, machine.resource_type, before, after)
            if s2 < e1 + gap:
                out.append(
                    f"{machine.code}: run {problem.runs[r2].code} starts at {s2}, before "
                    f"run {problem.runs[r1].code} ends at {e1} plus changeover {gap}"
                )
    return out


def _check_labour(problem: ScheduleProblem, solution: Solution) -> list[str]:
    out: list[str] = []
    usage: dict[int, list[tuple[int, int, int]]] = {}
    for run, ops in zip(problem.runs, solution, strict=True):
        for op, placed in zip(run.operations, ops, strict=False):
            rtype = problem.machines[placed.machine].resource_type
            pools = [i for i, p in enumerate(problem.labour) if rtype in p.resource_types]
            if op.operators == 0 or op.splittable or not pools:
                continue
            name = f"run {run.code} op {op.sequence}"
            if placed.pool not in pools:
                out.append(f"{name}: needs operators from one of pools {pools}, got {placed.pool}")
                continue
            pool = problem.labour[placed.pool]
            if not _inside_one(pool.open, placed.start, placed.end):
                out.append(f"{name}: pool {pool.code} is off shift during [{placed.start}, {placed.end})")
            usage.setdefault(placed.pool, []).append((placed.start, placed.end, op.operators))
    for i, items in usage.items():
        pool = problem.labour[i]
        events = sorted(
            [(s, n) for s, _, n in items] + [(e, -n) for _, e, n in items], key=lambda x: (x[0], x[1])
        )
        level = 0
        for t, delta in events:
            level += delta
            if level > pool.operators:
                out.append(f"labour pool {pool.code}: {level} operators at minute {t}, only {pool.operators}")
                break
    return out
