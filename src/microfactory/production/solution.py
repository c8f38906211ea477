"""A schedule in solver terms (machine and minutes per operation) and its objective parts.

The warm start, the CP-SAT model, the neighbourhood search and the checker all speak this form;
:mod:`microfactory.production.result` turns it into plan records with aware UTC times.
"""

from __future__ import annotations

from dataclasses import dataclass

from microfactory.production.problem import ScheduleProblem
from microfactory.production.settings import Goal, Objective, ScheduleSettings


@dataclass(frozen=True, slots=True)
class Placement:
    """Where and when one operation runs; ``pool`` is the labour pool index it draws operators from."""

    machine: int
    start: int
    end: int
    pool: int | None = None


Solution = tuple[tuple[Placement, ...], ...]
"""Placements per run, per operation (same indices as :attr:`ScheduleProblem.runs`)."""

OpRef = tuple[int, int]
"""``(run index, operation index)``."""


@dataclass(frozen=True, slots=True)
class ObjectiveParts:
    """The terms the solver trades off, in minutes (tardiness weighted by run weight) and counts."""

    weighted_tardiness: int
    changeover_minutes: int
    makespan: int
    moved_operations: int

    def cost(self, settings: ScheduleSettings) -> int:
        """The objective value under ``settings``: makespan in makespan mode, else the weighted sum."""
        if settings.objective is Objective.MAKESPAN:
            return self.makespan
        return self.goal(settings, Goal.WEIGHTED)

    def goal(self, settings: ScheduleSettings, goal: Goal) -> int:
        """The value of one goal (see :class:`~microfactory.production.settings.Goal`)."""
        tardiness = settings.tardiness_weight * self.weighted_tardiness
        moved = settings.stability_weight * self.moved_operations
        if goal is Goal.MAKESPAN:
            return self.makespan
        if goal is Goal.CHANGEOVER:
            return self.changeover_minutes
        if goal is Goal.TARDINESS:
            return tardiness + moved
        return (
            tardiness
            + settings.changeover_weight * self.changeover_minutes
            + (settings.makespan_weight * self.makespan + moved)
        )


def machine_sequences(problem: ScheduleProblem, solution: Solution) -> list[list[OpRef]]:
    """Operations on each machine in start order (ties by run, then operation index)."""
    seqs: list[list[tuple[int, int, int]]] = [[] for _ in problem.machines]
    for r, ops in enumerate(solution):
        for k, placed in enumerate(ops):
            seqs[placed.machine].append((placed.start, r, k))
    return [[(r, k) for _, r, k in sorted(seq)] for seq in seqs]


def changeovers_before(problem: ScheduleProblem, solution: Solution) -> dict[OpRef, int]:
    """Changeover minutes before each operation on its machine (0 for the first on a machine)."""
    out: dict[OpRef, int] = {}
    for m, seq in enumerate(machine_sequences(problem, solution)):
        prev: OpRef | None = None
        for ref in seq:
            if prev is None:
                out[ref] = 0
            else:
                before = problem.runs[prev[0]].operations[prev[1]]
                after = problem.runs[ref[0]].operations[ref[1]]
                out[ref] = problem.changeover_minutes(m, before, after)
            prev = ref
    return out


def run_end(solution: Solution, run: int) -> int:
    """End minute of a run's last operation."""
    return solution[run][-1].end


def tardiness(problem: ScheduleProblem, solution: Solution, run: int) -> int:
    """Minutes the run ends after its due minute (0 when on time or without a due)."""
    due = problem.runs[run].due
    return 0 if due is None else max(0, run_end(solution, run) - due)


def moved_operations(problem: ScheduleProblem, solution: Solution, tolerance: int) -> int:
    """Operations of the published schedule now on another machine or outside the start tolerance.

    Only published operations that still exist with an eligible machine count (others cannot stay).
    """
    if not problem.published:
        return 0
    index = problem.machine_index()
    runs = {run.code: r for r, run in enumerate(problem.runs)}
    moved = 0
    for pub in problem.published:
        r = runs.get(pub.run_code)
        if r is None:
            continue
        ops = problem.runs[r].operations
        k = next((i for i, op in enumerate(ops) if op.sequence == pub.sequence), None)
        if k is None:
            continue
        machine = index.get(pub.machine)
        if machine is None or all(a.machine != machine for a in ops[k].alternatives):
            continue
        placed = solution[r][k]
        if machine != placed.machine or abs(placed.start - pub.start) > tolerance:
            moved += 1
    return moved


def evaluate(problem: ScheduleProblem, solution: Solution, settings: ScheduleSettings) -> ObjectiveParts:
    """Objective parts of a complete solution."""
    weighted = sum(problem.runs[r].weight * tardiness(problem, solution, r) for r in range(len(solution)))
    return ObjectiveParts(
        weighted_tardiness=weighted,
        changeover_minutes=sum(changeovers_before(problem, solution).values()),
        makespan=max((run_end(solution, r) for r in range(len(solution))), default=0),
        moved_operations=moved_operations(problem, solution, settings.stability_tolerance_minutes),
    )
