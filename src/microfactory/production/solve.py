"""``schedule(problem, limits, seed)``: warm start, CP-SAT, neighbourhood search, explanations.

1. A dispatching rule builds a schedule; runs it cannot place anywhere in the planning window are
   taken out and reported as ``unserved`` problems, so the model that remains is always feasible.
2. Randomised restarts of the rule (a small share of the time) keep the best warm start.
3. CP-SAT solves the whole model, hinted with the warm start (in makespan mode every end is capped by
   the warm start's makespan), for ``full_solve_share`` of the time; this also gives a lower bound.
4. Large-neighbourhood search (:mod:`microfactory.production.lns`) improves the incumbent until the
   time is up or it meets the bound. A lexicographic objective repeats 3–4 per goal, each goal
   keeping the previous one at its best value.
5. Late orders get a ``late`` problem naming their binding cause.

Time: one :class:`~microfactory.production.settings.Deadline`, ``limits.seconds`` after the call starts,
bounds every search phase. The restarts (2), the whole-model solve (3) and the neighbourhood search (4)
get phase deadlines cut from it (never later), and every CP-SAT call's ``max_time_in_seconds`` is the
time its phase has left when the call starts; a phase with too little time left is skipped. Only the
first dispatching pass (1), building the model and the explanations (5) run outside it: they are needed
for any answer at all.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import random

from ortools.sat.python import cp_model

from microfactory.production.explain import late_problems, unscheduled_problems
from microfactory.production.greedy import construct
from microfactory.production.lns import improve
from microfactory.production.model import CompiledModel, build_model
from microfactory.production.problem import ScheduleProblem
from microfactory.production.result import ScheduleResult, SolveStatus
from microfactory.production.settings import Deadline, Goal, Objective, ScheduleSettings, SolveLimits
from microfactory.production.solution import Solution, evaluate

log = logging.getLogger(__name__)

_WARM_SHARE = 0.05
_WARM_MAX_SECONDS = 2.0
_BIG_MODEL_ARCS = 5000
_MIN_SOLVE_SECONDS = 0.01
"""A whole-model CP-SAT solve is not started with less time than this left."""
_MIN_BIG_SOLVE_SECONDS = 0.5
"""The same for a big model (over ``_BIG_MODEL_ARCS``): loading it alone takes about a second."""
_MIN_LNS_SECONDS = 0.1
"""The neighbourhood search is not started with less time than this left."""


def schedule(
    problem: ScheduleProblem,
    limits: SolveLimits | None = None,
    seed: int = 0,
    settings: ScheduleSettings | None = None,
    *,
    deadline: Deadline | None = None,
) -> ScheduleResult:
    """Schedule every run of ``problem`` within ``limits``.

    Args:
        problem: A validated problem (see :class:`ScheduleProblem`).
        limits: Wall-clock seconds and solver threads (default 30 s, 2 workers).
        seed: Seed of every random choice (restarts, neighbourhoods, CP-SAT's ``random_seed``).
        settings: Objective and modelling choices (default: weighted objective).
        deadline: An outer deadline to finish by as well (e.g. one shared by several solves, or a
            virtual clock in tests); the solve's own deadline is the earlier of it and
            ``limits.seconds`` from now, on its clock.

    Returns:
        A :class:`ScheduleResult`; runs that cannot be placed and late orders appear as problems,
        never as exceptions.
    """
    limits = limits or SolveLimits()
    settings = settings or ScheduleSettings()
    until = Deadline.after(limits.seconds) if deadline is None else deadline.within(limits.seconds)
    clock = until.clock
    started = clock()
    rule = "finish" if settings.objective is Objective.MAKESPAN else "slack"
    prefer = _published_machines(problem)
    first = construct(problem, rule=rule, release_mode=settings.release_mode, prefer=prefer)
    problems = unscheduled_problems(problem, first.unplaced, settings.release_mode)
    keep = [r for r in range(len(problem.runs)) if r not in set(first.unplaced)]
    solved = (
        problem
        if not first.unplaced
        else dataclasses.replace(problem, runs=tuple(problem.runs[r] for r in keep))
    )
    unscheduled = tuple(problem.runs[r] for r in first.unplaced)
    if not solved.runs:
        return ScheduleResult(
            solved, (), settings, SolveStatus.EMPTY, unscheduled, tuple(problems), None, 0.0
        )
    incumbent: Solution = tuple(tuple(p) for p in (first.placements[r] for r in keep) if p is not None)
    warm = Deadline(min(until.at, started + min(_WARM_MAX_SECONDS, _WARM_SHARE * limits.seconds)), clock)
    incumbent = _restarts(solved, incumbent, settings, rule, seed, warm)
    stats: dict[str, int | float | str] = {
        "warm_start_cost": evaluate(solved, incumbent, settings).cost(settings)
    }
    incumbent, bound, optimal = _search(solved, incumbent, settings, until, limits, seed, stats)
    problems += late_problems(solved, incumbent, settings.release_mode)
    status = SolveStatus.OPTIMAL if optimal and not unscheduled else SolveStatus.FEASIBLE
    return ScheduleResult(
        problem=solved,
        solution=incumbent,
        settings=settings,
        status=status,
        unscheduled=unscheduled,
        problems=tuple(problems),
        lower_bound=bound,
        seconds=clock() - started,
        stats=stats,
    )


def _published_machines(problem: ScheduleProblem) -> dict[tuple[int, int], int] | None:
    if not problem.published:
        return None
    index = problem.machine_index()
    where = {
        (run.code, op.sequence): (r, k)
        for r, run in enumerate(problem.runs)
        for k, op in enumerate(run.operations)
    }
    out: dict[tuple[int, int], int] = {}
    for pub in problem.published:
        ref = where.get((pub.run_code, pub.sequence))
        if ref is not None and pub.machine in index:
            out[ref] = index[pub.machine]
    return out


def _search(
    problem: ScheduleProblem,
    incumbent: Solution,
    settings: ScheduleSettings,
    until: Deadline,
    limits: SolveLimits,
    seed: int,
    stats: dict[str, int | float | str],
) -> tuple[Solution, int | None, bool]:
    """Build the CP-SAT model and optimise each goal in turn; (solution, lower bound, optimal).

    Each goal gets an equal share of what is left of ``until``. When the warm start has used up the
    time, the model is not even built: the warm start is the answer (no bound, not optimal).
    """
    if until.remaining() < _MIN_SOLVE_SECONDS:
        stats["search"] = "skipped: no time left after the warm start"
        return incumbent, None, False
    upper = max(ops[-1].end for ops in incumbent) if settings.objective is Objective.MAKESPAN else None
    compiled = build_model(problem, settings, upper)
    bound: int | None = None
    optimal = True
    goals = settings.goals()
    locks: list[tuple[Goal, int]] = []
    for i, goal in enumerate(goals):
        phase = until.within(until.remaining() / (len(goals) - i))
        incumbent, goal_bound, goal_optimal = _optimise(
            compiled, incumbent, goal, phase, limits, seed + i, stats, locks
        )
        optimal = optimal and goal_optimal
        if i == 0:
            bound = goal_bound
        if i + 1 < len(goals):
            value = evaluate(problem, incumbent, settings).goal(settings, goal)
            compiled.model.add(compiled.objective(goal) <= value)
            locks.append((goal, value))
    return incumbent, bound, optimal


def _restarts(
    problem: ScheduleProblem,
    incumbent: Solution,
    settings: ScheduleSettings,
    rule: str,
    seed: int,
    until: Deadline,
) -> Solution:
    """Randomised dispatching restarts (and the other rule) until ``until``; keep the cheapest.

    None starts once ``until`` has passed, and a restart running when it passes is abandoned (the
    other rule can be far slower than the first pass on a big week).
    """
    rng = random.Random(seed)
    best, best_cost = incumbent, evaluate(problem, incumbent, settings).cost(settings)
    other = "slack" if rule == "finish" else "finish"
    attempts = 0
    while not until.expired():
        attempts += 1
        use = other if attempts == 1 else rule
        result = construct(
            problem,
            rule=use,
            rng=rng,
            noise=0.0 if attempts == 1 else 0.3,
            release_mode=settings.release_mode,
            deadline=until,
        )
        if result.timed_out:
            break
        if result.unplaced:
            continue
        candidate = result.complete()
        cost = evaluate(problem, candidate, settings).cost(settings)
        if cost < best_cost:
            best, best_cost = candidate, cost
    return best


def _optimise(
    compiled: CompiledModel,
    incumbent: Solution,
    goal: Goal,
    until: Deadline,
    limits: SolveLimits,
    seed: int,
    stats: dict[str, int | float | str],
    locks: list[tuple[Goal, int]],
) -> tuple[Solution, int, bool]:
    """Whole-model CP-SAT solve then neighbourhood search for one goal; (solution, bound, optimal).

    Both share ``until``: the whole solve gets ``full_solve_share`` of what is left (all of it without
    LNS), the search the rest.
    """
    settings = compiled.settings
    model = compiled.model
    cost = evaluate(compiled.problem, incumbent, settings).goal(settings, goal)
    if until.remaining() < _MIN_SOLVE_SECONDS:
        # Setting the objective and hints of a big model takes seconds: not worth it without time to solve.
        stats[f"{goal.value}_cp_sat_status"] = "SKIPPED"
        return incumbent, 0, cost <= 0
    model.minimize(compiled.objective(goal))
    compiled.add_hints(incumbent)
    whole = until.within(until.remaining() * settings.full_solve_share) if settings.use_lns else until
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = limits.workers
    params.random_seed = seed % (1 << 31)
    if compiled.arc_count > _BIG_MODEL_ARCS:
        # Probing a model with tens of thousands of arc literals takes seconds; search gains more.
        params.cp_model_probing_level = 0
    seconds = whole.remaining()
    if seconds < (_MIN_BIG_SOLVE_SECONDS if compiled.arc_count > _BIG_MODEL_ARCS else _MIN_SOLVE_SECONDS):
        status = cp_model.UNKNOWN
        stats[f"{goal.value}_cp_sat_status"] = "SKIPPED"
    else:
        params.max_time_in_seconds = seconds
        status = solver.solve(model)
        stats[f"{goal.value}_cp_sat_status"] = solver.status_name(status)
    bound = 0
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        candidate = compiled.read(solver)
        candidate_cost = evaluate(compiled.problem, candidate, settings).goal(settings, goal)
        if candidate_cost <= cost:
            incumbent, cost = candidate, candidate_cost
        bound = max(0, math.ceil(solver.best_objective_bound - 1e-6))
    elif status == cp_model.INFEASIBLE:
        log.warning("CP-SAT found the model infeasible although the warm start is a schedule; keeping it")
    if status == cp_model.OPTIMAL or cost <= bound:
        return incumbent, cost, True
    if settings.use_lns and until.remaining() > _MIN_LNS_SECONDS:
        state = improve(
            compiled,
            incumbent,
            deadline=until,
            workers=limits.workers,
            seed=seed,
            goal=goal,
            lower_bound=bound,
            locks=locks,
        )
        stats[f"{goal.value}_lns_rounds"] = state.rounds
        stats[f"{goal.value}_lns_improvements"] = state.improvements
        incumbent, cost = state.solution, state.cost
    return incumbent, bound, cost <= bound
