"""Large-neighbourhood search over the CP-SAT model: keep most of a schedule, re-solve the rest.

Each attempt frees a set of operations: a time window around a critical operation, a random time
window, whole runs, the operations of two or three machines that share work, or a scatter of critical
and random operations. Every other operation keeps its machine, pool and order on its machine (it may
still move in time) and operations ending before the earliest free one are fixed. That restricted model
is built by the same builder as the whole model (:class:`~microfactory.production.model.Restriction`),
bounded by the incumbent's cost and solved by CP-SAT for up to a second (never past the solve's
deadline: each sub-solve's limit is the time left when it starts, capped at a second); most attempts
are hinted with the incumbent, a fifth are not (so equal-cost results differ and the search moves along
plateaus). A result no worse than the incumbent replaces it. ``workers`` threads run attempts side by
side on the shared incumbent (CP-SAT releases the GIL). Neighbourhood sizes adapt per kind (grow after
a proved sub-problem, shrink after a timeout) and kinds that improve are drawn more often, after Laborie &
Godard (2007), "Self-adapting large neighborhood search: application to single-mode scheduling
problems". Every random choice comes from ``seed``; with several threads the interleaving (and so the
result) also depends on timing.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from ortools.sat.python import cp_model

from microfactory.production.model import CompiledModel, Restriction, build_model
from microfactory.production.settings import Deadline, Goal
from microfactory.production.solution import OpRef, Solution, evaluate, machine_sequences

log = logging.getLogger(__name__)

KINDS = ("critical", "window", "runs", "machines", "scatter")
_MIN_SIZE = 6
_SUB_SECONDS = 1.0
"""Cap on one sub-solve's limit (the time remaining is the other bound)."""
_MIN_SUB_SECONDS = 0.05
"""A sub-solve is not started with less time than this left (CP-SAT could not use it)."""
_UNHINTED_SHARE = 0.2
"""Share of sub-solves without a hint (diversification along plateaus)."""


@dataclass
class SearchState:
    """Incumbent, its cost, and adaptive neighbourhood sizes and kind weights."""

    solution: Solution
    cost: int
    goal: Goal
    size: dict[str, int]
    tie: int = 0
    """Tie-break under the cost: total processing minutes in makespan mode (lower is better)."""
    wins: dict[str, float] = field(default_factory=lambda: dict.fromkeys(KINDS, 1.0))
    rounds: int = 0
    improvements: int = 0


def workload(solution: Solution) -> int:
    """Total minutes the operations occupy their machines (the FJSP 'total workload')."""
    return sum(p.end - p.start for ops in solution for p in ops)


def cost_of(compiled: CompiledModel, solution: Solution, goal: Goal) -> int:
    """The value of one goal of ``compiled`` for a solution."""
    return evaluate(compiled.problem, solution, compiled.settings).goal(compiled.settings, goal)


def critical_operations(compiled: CompiledModel, solution: Solution, by_makespan: bool) -> list[OpRef]:
    """Operations with no slack against each run's deadline (due, or the makespan when it has none).

    A backward pass over job and machine successors with the schedule's actual spans (changeovers
    included, calendars ignored): an operation is critical when its latest start is not after its
    start. With ``by_makespan`` every run's deadline is the makespan.
    """
    problem = compiled.problem
    makespan = max(ops[-1].end for ops in solution)
    succ: dict[OpRef, OpRef] = {}
    for seq in machine_sequences(problem, solution):
        for a, b in pairwise(seq):
            succ[a] = b
    latest: dict[OpRef, int] = {}
    order = sorted(
        ((r, k) for r, ops in enumerate(solution) for k in range(len(ops))),
        key=lambda ref: -solution[ref[0]][ref[1]].start,
    )
    for r, k in order:
        placed = solution[r][k]
        due = problem.runs[r].due
        bound = makespan if by_makespan or due is None else due
        if k + 1 < len(solution[r]):
            bound = min(bound, latest[(r, k + 1)])
        nxt = succ.get((r, k))
        if nxt is not None:
            before = problem.runs[r].operations[k]
            after = problem.runs[nxt[0]].operations[nxt[1]]
            bound = min(bound, latest[nxt] - problem.changeover_minutes(placed.machine, before, after))
        latest[(r, k)] = bound - (placed.end - placed.start)
    return [ref for ref in order if latest[ref] <= solution[ref[0]][ref[1]].start]


def neighbourhood(compiled: CompiledModel, state: SearchState, kind: str, rng: random.Random) -> set[OpRef]:
    """The operations to free for one sub-solve of the given kind."""
    sol = state.solution
    refs = [(r, k) for r, ops in enumerate(sol) for k in range(len(ops))]
    size = min(len(refs), state.size[kind])
    makespan = max(ops[-1].end for ops in sol)
    if kind == "scatter":
        critical = critical_operations(
            compiled, sol, state.goal is Goal.MAKESPAN or state.goal is Goal.CHANGEOVER
        )
        picked = set(rng.sample(critical, min(len(critical), size // 2)))
        rest = [ref for ref in refs if ref not in picked]
        picked.update(rng.sample(rest, min(len(rest), size - len(picked))))
        return picked
    if kind == "runs":
        runs = list(range(len(sol)))
        rng.shuffle(runs)
        chosen: set[OpRef] = set()
        for r in runs:
            if len(chosen) >= size:
                break
            chosen.update((r, k) for k in range(len(sol[r])))
        return chosen
    centre = rng.randrange(0, max(1, makespan))
    if kind == "critical":
        critical = critical_operations(
            compiled, sol, state.goal is not Goal.TARDINESS and state.goal is not Goal.WEIGHTED
        )
        if critical:
            r, k = rng.choice(critical)
            centre = sol[r][k].start
    pool = refs
    if kind == "machines":
        machine = rng.randrange(len(compiled.problem.machines))
        sharing: set[int] = set()
        for run in compiled.problem.runs:
            for op in run.operations:
                if any(a.machine == machine for a in op.alternatives):
                    sharing.update(a.machine for a in op.alternatives)
        sharing.discard(machine)
        related = {machine, *rng.sample(sorted(sharing), min(2, len(sharing)))}
        pool = [ref for ref in refs if sol[ref[0]][ref[1]].machine in related] or refs
    pool = sorted(pool, key=lambda ref: (abs(sol[ref[0]][ref[1]].start - centre), rng.random()))
    return set(pool[:size])


def sub_model(
    compiled: CompiledModel,
    state: SearchState,
    free: set[OpRef],
    locks: Sequence[tuple[Goal, int]],
    hinted: bool = True,
) -> CompiledModel:
    """The restricted model around the incumbent: only ``free`` operations may change machine or order.

    Operations that end before the earliest free operation starts are fixed in time. The incumbent's
    cost is the bound and (when ``hinted``) the incumbent the hint: without a hint CP-SAT builds its own
    arrangement of the free operations, so equal-cost results differ and the search moves along
    plateaus. ``locks`` keep earlier lexicographic goals at their values.
    """
    sol = state.solution
    fix_before = min((sol[r][k].start for r, k in free), default=0)
    restriction = Restriction(sol, frozenset(free), fix_before)
    upper = max(ops[-1].end for ops in sol) if state.goal is Goal.MAKESPAN else None
    sub = build_model(compiled.problem, compiled.settings, upper, restriction)
    if hinted:
        sub.add_hints(sol)
    for goal, value in locks:
        sub.model.add(sub.objective(goal) <= value)
    sub.model.add(sub.objective(state.goal) <= state.cost)
    if state.goal is Goal.MAKESPAN:
        # Among schedules of equal makespan prefer less total work: the standard FJSP tie-break, which
        # steers machine choices towards faster alternatives and frees capacity on loaded machines.
        alternatives = compiled.problem.runs
        terms = [
            alternatives[r].operations[k].alternatives[a].minutes * lit
            for r, k in free
            for a, lit in zip(sub.ops[r][k].alts, sub.ops[r][k].lits, strict=True)
            if lit is not None
        ]
        scale = sum(max(a.minutes for a in alternatives[r].operations[k].alternatives) for r, k in free) + 1
        sub.model.minimize(scale * sub.makespan + sum(terms))
    else:
        sub.model.minimize(sub.objective(state.goal))
    return sub


def improve(
    compiled: CompiledModel,
    solution: Solution,
    *,
    deadline: Deadline,
    workers: int,
    seed: int,
    goal: Goal,
    lower_bound: int = 0,
    locks: Sequence[tuple[Goal, int]] = (),
) -> SearchState:
    """Neighbourhood search from ``solution`` until ``deadline`` on ``workers`` threads.

    Each thread repeatedly takes the current incumbent, frees a neighbourhood, solves it and offers
    the result back (under a lock). Stops early when the incumbent reaches ``lower_bound``. Returns
    the final state (incumbent and search statistics).
    """
    n_ops = sum(len(ops) for ops in solution)
    start_size = max(_MIN_SIZE, min(40, n_ops // 4))
    state = SearchState(solution, cost_of(compiled, solution, goal), goal, dict.fromkeys(KINDS, start_size))
    by_workload = goal is Goal.MAKESPAN
    state.tie = workload(solution) if by_workload else 0
    lock = threading.Lock()

    def worker(index: int) -> None:
        rng = random.Random(seed * 7919 + index)
        while True:
            with lock:
                if deadline.remaining() < _MIN_SUB_SECONDS or state.cost <= lower_bound:
                    return
                kind = rng.choices(KINDS, weights=[state.wins[k] for k in KINDS])[0]
                snapshot = SearchState(state.solution, state.cost, goal, dict(state.size), state.tie)
            free = neighbourhood(compiled, snapshot, kind, rng)
            hinted = rng.random() >= _UNHINTED_SHARE
            status, candidate = _attempt(
                compiled, snapshot, free, locks, deadline, rng.getrandbits(31), hinted
            )
            if status is None:
                return
            cost = None if candidate is None else cost_of(compiled, candidate, goal)
            tie = workload(candidate) if candidate is not None and by_workload else 0
            with lock:
                if hinted:
                    _learn(state, kind, status, n_ops)
                if candidate is None or cost is None or (cost, tie) > (state.cost, state.tie):
                    continue
                if cost < state.cost:
                    state.improvements += 1
                    state.wins[kind] += 1.0
                    log.debug("round %d: cost %d -> %d (%s)", state.rounds, state.cost, cost, kind)
                state.cost, state.solution, state.tie = cost, candidate, tie

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for job in [pool.submit(worker, i) for i in range(workers)]:
            job.result()
    return state


def _learn(state: SearchState, kind: str, status: Any, n_ops: int) -> None:
    """Adapt the size of ``kind``: grow after a proved sub-problem, shrink after a timeout."""
    state.rounds += 1
    grow = max(1, state.size[kind] // 10)
    if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
        state.size[kind] = min(n_ops, state.size[kind] + grow)
    else:
        state.size[kind] = max(_MIN_SIZE, state.size[kind] - grow)
    for k in KINDS:
        state.wins[k] = max(0.2, state.wins[k] * 0.99)


def _attempt(
    compiled: CompiledModel,
    state: SearchState,
    free: set[OpRef],
    locks: Sequence[tuple[Goal, int]],
    deadline: Deadline,
    seed: int,
    hinted: bool = True,
) -> tuple[Any, Solution | None]:
    """Build and solve one neighbourhood (runs in a worker thread; CP-SAT releases the GIL).

    The sub-solve's limit is the time ``deadline`` leaves once the sub-model is built (capped at
    ``_SUB_SECONDS``); a status of ``None`` means too little was left to start it.
    """
    sub = sub_model(compiled, state, free, locks, hinted)
    seconds = min(_SUB_SECONDS, deadline.remaining())
    if seconds < _MIN_SUB_SECONDS:
        return None, None
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = 1
    params.max_time_in_seconds = seconds
    params.random_seed = seed % (1 << 31)
    params.symmetry_level = 0
    status = solver.solve(sub.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return status, None
    return status, sub.read(solver)
