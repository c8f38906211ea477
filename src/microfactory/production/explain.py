"""Why a run is late: name the binding cause as a plan :class:`~microfactory.domain.Problem`.

First the run is scheduled alone in an empty shop. If it is late even then, the cause is its own
constraints: the freshness window (it may not finish before delivery minus shelf life), the release
slots (alone but free to start at once it would be on time), the calendars (on always-open machines it
would be on time) or plain lead time (its processing time exceeds the time to its due). Otherwise other
runs took the capacity: the operation that waited longest beyond what its calendar explains names the
resource (or labour pool) and the period it waited in.
"""

from __future__ import annotations

import dataclasses

from microfactory.domain import Problem, ProblemKind, Severity
from microfactory.production.greedy import construct
from microfactory.production.problem import Machine, Run, ScheduleProblem
from microfactory.production.settings import ReleaseMode
from microfactory.production.solution import Solution
from microfactory.production.timeline import fit_start, stretch

STAGE = "production"


def _alone_end(problem: ScheduleProblem, run: Run, mode: ReleaseMode, **changes: object) -> int | None:
    single = dataclasses.replace(problem, runs=(run,), published=(), **changes)  # type: ignore[arg-type]
    result = construct(single, rule="finish", release_mode=mode)
    placed = result.placements[0]
    return None if placed is None else placed[-1].end


def run_cause(problem: ScheduleProblem, solution: Solution, r: int, mode: ReleaseMode) -> tuple[str, str]:
    """``(binding_constraint, explanation)`` for a run that ends after its due."""
    run = problem.runs[r]
    due = run.due if run.due is not None else 0
    if run.fresh_from is not None and run.fresh_from > due:
        at = problem.at(run.fresh_from).isoformat()
        return f"freshness:{run.code}", f"it may not finish before {at} (delivery minus shelf life)"
    alone = _alone_end(problem, run, mode)
    if alone is not None and alone <= due:
        return _capacity(problem, solution, r)
    machines = tuple(
        Machine(m.code, m.resource, m.resource_type, ((0, problem.window_minutes),)) for m in problem.machines
    )
    always = ((0, problem.window_minutes),)
    open_labour = tuple(dataclasses.replace(pool, open=always) for pool in problem.labour)
    no_release = _alone_end(problem, run, mode, release_minutes=None)
    no_calendar = _alone_end(problem, run, mode, machines=machines, labour=open_labour)
    neither = _alone_end(problem, run, mode, release_minutes=None, machines=machines, labour=open_labour)
    resource = _most_closed(problem, solution, r)
    if problem.release_minutes is not None and (_met(no_release, due) or _met(neither, due)):
        first = min((s for s in problem.release_minutes or () if s >= run.earliest_start), default=0)
        slot = problem.at(first).isoformat()
        why = f"its first release slot is {slot}"
        if not _met(no_release, due):
            why += f" and the shifts of {resource} leave too little open time after it"
        return f"release_slot:{slot}", why
    if _met(no_calendar, due):
        return f"calendar:{problem.site}/{resource}", f"the shifts of {resource} leave too little open time"
    return "lead_time", "its processing time alone is longer than the time to its due"


def _met(end: int | None, due: int) -> bool:
    return end is not None and end <= due


def _most_closed(problem: ScheduleProblem, solution: Solution, r: int) -> str:
    worst, name = -1, problem.machines[solution[r][0].machine].resource
    for placed in solution[r]:
        machine = problem.machines[placed.machine]
        span = placed.end - placed.start
        closed = span - sum(max(0, min(b, placed.end) - max(a, placed.start)) for a, b in machine.open)
        if closed > worst:
            worst, name = closed, machine.resource
    return name


def _capacity(problem: ScheduleProblem, solution: Solution, r: int) -> tuple[str, str]:
    run = problem.runs[r]
    best: tuple[int, int, int] | None = None
    for k, placed in enumerate(solution[r]):
        ready = run.earliest_start if k == 0 else solution[r][k - 1].end
        if k == 0 and problem.release_minutes is not None:
            ready = min((s for s in problem.release_minutes if s >= ready), default=ready)
        op = run.operations[k]
        machine = problem.machines[placed.machine]
        minutes = next(a.minutes for a in op.alternatives if a.machine == placed.machine)
        span = stretch(machine.open, ready, minutes) if op.splittable else None
        earliest = span[0] if span else fit_start(machine.open, ready, minutes)
        wait = placed.start - (earliest if earliest is not None else ready)
        if wait > 0 and (best is None or wait > best[0]):
            best = (wait, k, earliest if earliest is not None else ready)
    if best is None:
        machine = problem.machines[solution[r][-1].machine]
        return (
            f"capacity:{problem.site}/{machine.resource}",
            f"the work queued on {machine.resource} ahead of it",
        )
    wait, k, earliest = best
    placed = solution[r][k]
    machine = problem.machines[placed.machine]
    others = any(
        other.machine == placed.machine and other.start < placed.start and other.end > earliest
        for rr, ops in enumerate(solution)
        for other in ops
        if rr != r
    )
    period = problem.at(earliest).date().isoformat()
    window = f"{problem.at(earliest).isoformat()} to {problem.at(placed.start).isoformat()}"
    if not others and placed.pool is not None:
        pool = problem.labour[placed.pool].code
        return (
            f"labour:{problem.site}/{pool} {period}",
            f"operation {run.operations[k].sequence} waited {wait} min for operators of {pool} ({window})",
        )
    return (
        f"capacity:{problem.site}/{machine.resource} {period}",
        f"operation {run.operations[k].sequence} waited {wait} min for {machine.resource}, busy with other "
        f"runs ({window})",
    )


def late_problems(problem: ScheduleProblem, solution: Solution, mode: ReleaseMode) -> list[Problem]:
    """One ``late`` problem per late order (or stock demand), naming the binding cause of its latest run.

    A late run that serves no recorded demand is reported under its own run code.
    """
    worst: dict[str, tuple[int, int]] = {}
    for r, run in enumerate(problem.runs):
        end = solution[r][-1].end
        links = [(link.key, link.due) for link in run.demands]
        if not links and run.due is not None:
            links = [(run.code, run.due)]
        for key, due in links:
            late = end - due
            if late > 0 and late > worst.get(key, (0, -1))[0]:
                worst[key] = (late, r)
    causes: dict[int, tuple[str, str]] = {}
    out: list[Problem] = []
    for key in sorted(worst):
        late, r = worst[key]
        if r not in causes:
            causes[r] = run_cause(problem, solution, r, mode)
        binding, why = causes[r]
        run = problem.runs[r]
        out.append(
            Problem(
                stage=STAGE,
                kind=ProblemKind.LATE,
                subject_kind=_subject_kind(run, key),
                subject=key,
                reason=(
                    f"run {run.code} ({run.sku}) ends {problem.at(solution[r][-1].end).isoformat()}, "
                    f"{late} min after the order is due: {why}"
                ),
                severity=Severity.WARNING,
                binding_constraint=binding,
                quantity=float(late),
            )
        )
    return out


def _subject_kind(run: Run, key: str) -> str:
    if key == run.code and not run.demands:
        return "run"
    return "sku" if key.startswith("stock:") else "order"


def unscheduled_problems(problem: ScheduleProblem, runs: list[int], mode: ReleaseMode) -> list[Problem]:
    """One ``unserved`` problem per demand of runs that found no room in the planning window.

    If the run does not fit even in an empty shop its own routing, calendars and release slots are
    the cause (``window:<site>``); otherwise other work took the room (``capacity:<site>/window``).
    """
    out: list[Problem] = []
    end = problem.at(problem.window_minutes).isoformat()
    for r in runs:
        run = problem.runs[r]
        if _alone_end(problem, run, mode) is None:
            binding = f"window:{problem.site}"
            why = "even alone, its routing needs more open time than the planning window offers"
        else:
            binding = f"capacity:{problem.site}/window"
            why = "no machine, labour or release slot has room left for it in the planning window"
        subjects = [link.key for link in run.demands] or [run.code]
        for key in subjects:
            out.append(
                Problem(
                    stage=STAGE,
                    kind=ProblemKind.UNSERVED,
                    subject_kind="order" if run.demands and not key.startswith("stock:") else "run",
                    subject=key,
                    reason=f"run {run.code} ({run.quantity} × {run.sku}) cannot be placed before {end}: "
                    + why,
                    severity=Severity.ERROR,
                    binding_constraint=binding,
                    quantity=float(run.quantity),
                )
            )
    return out
