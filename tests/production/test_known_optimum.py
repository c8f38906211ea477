"""Tiny cases with a known optimum: checked by hand, and small random ones against brute force."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microfactory.production import (
    Alternative,
    Objective,
    ScheduleProblem,
    ScheduleSettings,
    SolveLimits,
    SolveStatus,
    check_schedule,
    parse_fjs,
    schedule,
)
from tests.production.builders import machine, op, problem, run

MAKESPAN = ScheduleSettings(objective=Objective.MAKESPAN)


def test_two_jobs_two_machines_hand_checked() -> None:
    """A: M1 3 then M2 2; B: M2 2 then M1 4. M1 carries 7 minutes of work, and 7 is reachable.

    A1 [0,3) M1, B1 [0,2) M2, A2 [3,5) M2, B2 [3,7) M1 — B2 before A1 would give 11.
    """
    p = problem(
        [machine("M1"), machine("M2")],
        [run("A", op((0, 3)), op((1, 2))), run("B", op((1, 2)), op((0, 4)))],
    )
    result = schedule(p, limits=SolveLimits(seconds=5, workers=1), seed=1, settings=MAKESPAN)
    assert result.makespan() == 7
    assert result.status is SolveStatus.OPTIMAL
    assert result.lower_bound == 7


def test_flexible_choice_balances_the_machines() -> None:
    """Three 6-minute jobs, each on M1 or M2 (M2 takes 9): best is two on M1, one on M2 → 12.

    All three on M1 gives 18; two on M2 gives 18; M1 twice and M2 once gives max(12, 9) = 12.
    """
    jobs = [run(code, op((0, 6), (1, 9))) for code in ("A", "B", "C")]
    result = schedule(
        problem([machine("M1"), machine("M2")], jobs),
        limits=SolveLimits(seconds=5, workers=1),
        seed=1,
        settings=MAKESPAN,
    )
    assert result.makespan() == 12


def test_fjs_text_solves_to_its_optimum() -> None:
    """The hand-checked case as .fjs text gives the same optimum through the parser."""
    text = "2 2 1\n2 1 1 3 1 2 2\n2 1 2 2 1 1 4\n"
    result = schedule(parse_fjs(text), limits=SolveLimits(seconds=5, workers=1), seed=1, settings=MAKESPAN)
    assert result.makespan() == 7


def brute_force_makespan(p: ScheduleProblem) -> int:
    """Optimal makespan by enumerating machine choices and, per machine, operation orders.

    For each assignment and each combination of machine orders, the semi-active schedule is the
    longest path; orders that conflict with the job order (a cycle) are skipped.
    """
    refs = [(r, k) for r, run_ in enumerate(p.runs) for k in range(len(run_.operations))]
    best = 1 << 30
    choices = [p.runs[r].operations[k].alternatives for r, k in refs]
    for picked in itertools.product(*choices):
        on: dict[int, list[int]] = {}
        for i, alt in enumerate(picked):
            on.setdefault(alt.machine, []).append(i)
        for orders in itertools.product(*(itertools.permutations(v) for v in on.values())):
            ends = _semi_active(refs, picked, orders)
            if ends is not None:
                best = min(best, max(ends))
    return best


def _semi_active(
    refs: list[tuple[int, int]], picked: tuple[Alternative, ...], orders: tuple[tuple[int, ...], ...]
) -> list[int] | None:
    position = {i: (m, j) for m, order in enumerate(orders) for j, i in enumerate(order)}
    end: dict[int, int] = {}
    pending = set(range(len(refs)))
    while pending:
        progressed = False
        for i in sorted(pending):
            r, k = refs[i]
            job_prev = refs.index((r, k - 1)) if k > 0 else None
            m, j = position[i]
            mach_prev = orders[m][j - 1] if j > 0 else None
            if (job_prev is not None and job_prev not in end) or (
                mach_prev is not None and mach_prev not in end
            ):
                continue
            start = max(0 if job_prev is None else end[job_prev], 0 if mach_prev is None else end[mach_prev])
            end[i] = start + picked[i].minutes
            pending.discard(i)
            progressed = True
        if not progressed:
            return None
    return [end[i] for i in range(len(refs))]


durations = st.integers(min_value=1, max_value=9)


@st.composite
def tiny_fjsp(draw: st.DrawFn) -> ScheduleProblem:
    """2–3 jobs of 1–2 operations on 2 machines, each operation on one or both machines."""
    n_jobs = draw(st.integers(min_value=2, max_value=3))
    jobs = []
    for j in range(n_jobs):
        ops = []
        for s in range(1, draw(st.integers(min_value=1, max_value=2)) + 1):
            machines = draw(st.sampled_from([(0,), (1,), (0, 1)]))
            ops.append(op(*((m, draw(durations)) for m in machines), sequence=s))
        jobs.append(run(f"J{j}", *ops))
    return problem([machine("M1"), machine("M2")], jobs)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_fjsp())
def test_solver_matches_brute_force_on_tiny_instances(p: ScheduleProblem) -> None:
    """On instances small enough to enumerate, the solver proves the brute-force optimum."""
    result = schedule(p, limits=SolveLimits(seconds=5, workers=1), seed=0, settings=MAKESPAN)
    assert check_schedule(result.problem, result.solution) == []
    assert result.makespan() == brute_force_makespan(p)
