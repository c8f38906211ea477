"""The CP-SAT model of a :class:`ScheduleProblem` (whole, or restricted around an incumbent).

One start and end variable per operation; one optional interval per eligible machine (presence literals
with ``AddExactlyOne``); ``NoOverlap`` per machine; sequence-dependent changeovers as a circuit per
machine whose arc literals force ``start(j) ≥ end(i) + changeover(i, j)`` (the formulation of the
OR-Tools job-shop-with-setup examples); calendars as start domains (non-splittable) or gap literals that
stretch the interval over closed periods (splittable); labour pools as ``Cumulative`` with the pool's
closed periods blocked; release slots and freshness as domains; tardiness, changeover minutes, makespan
and moved operations as objective terms.

A :class:`Restriction` builds the neighbourhood model of the large-neighbourhood search: operations
outside ``free`` keep their machine, pool and order on the machine (only their times may move), and
those ending by ``fix_before`` are fixed. Such models are much smaller (one interval per kept
operation, circuit arcs only where a free operation can go), so they presolve and solve fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from ortools.sat.python import cp_model

from microfactory.production.model_parts import Var, circuit, stability, stretch
from microfactory.production.problem import ScheduleProblem
from microfactory.production.settings import Goal, ReleaseMode, ScheduleSettings
from microfactory.production.solution import OpRef, Placement, Solution, machine_sequences
from microfactory.production.timeline import allowed_starts, closed_gaps, is_always_open


@dataclass(frozen=True)
class Restriction:
    """Keep all but ``free`` operations of ``incumbent`` on their machines and in their machine order."""

    incumbent: Solution
    free: frozenset[OpRef]
    fix_before: int = 0
    keep_order: bool = True
    """False keeps only the machines of the other operations; their order is free again."""


@dataclass
class OpVars:
    """Variables of one operation: start, end, and per modelled alternative its index and literal."""

    start: Var
    end: Var
    alts: list[int] = field(default_factory=list)
    """Indices into the operation's alternatives that are modelled (all, or the kept one)."""
    lits: list[Var | None] = field(default_factory=list)
    """Presence literal per modelled alternative; None when it is the only one."""
    pools: list[list[tuple[int, Var | None]]] = field(default_factory=list)
    """Per modelled alternative: ``(pool, literal or None if the only pool)``."""
    gaps: list[tuple[int, int, Var, Var]] = field(default_factory=list)
    """Splittable only: ``(gap start, gap end, inside literal, before literal)``."""


@dataclass
class Arc:
    """A circuit arc on a machine: ``tail``/``head`` are operations, None for the depot."""

    tail: OpRef | None
    head: OpRef | None
    lit: Var
    minutes: int


@dataclass
class CompiledModel:
    """A CP-SAT model with handles to its variables and objective terms."""

    problem: ScheduleProblem
    settings: ScheduleSettings
    model: cp_model.CpModel
    ops: list[list[OpVars]]
    arcs: list[list[Arc]]
    tardiness: list[Var | None]
    makespan: Var
    stay: list[tuple[OpRef, Var]]
    terms: dict[str, Any]

    @property
    def arc_count(self) -> int:
        """Number of circuit arcs (the main driver of model size with changeovers)."""
        return sum(len(a) for a in self.arcs)

    def objective(self, goal: Goal) -> Any:
        """The linear expression of one goal (matches :meth:`ObjectiveParts.goal`)."""
        s = self.settings
        tardiness = s.tardiness_weight * self.terms["tardiness"] + s.stability_weight * self.terms["moved"]
        if goal is Goal.MAKESPAN:
            return self.makespan
        if goal is Goal.CHANGEOVER:
            return self.terms["changeover"]
        if goal is Goal.TARDINESS:
            return tardiness
        return tardiness + s.changeover_weight * self.terms["changeover"] + s.makespan_weight * self.makespan

    def add_hints(self, solution: Solution) -> None:
        """Give ``solution`` as a complete hint."""
        model = self.model
        model.clear_hints()  # type: ignore[no-untyped-call]
        for r, ops in enumerate(self.ops):
            for k, v in enumerate(ops):
                placed = solution[r][k]
                model.add_hint(v.start, placed.start)
                model.add_hint(v.end, placed.end)
                alternatives = self.problem.runs[r].operations[k].alternatives
                for a, lit, pools in zip(v.alts, v.lits, v.pools, strict=True):
                    here = alternatives[a].machine == placed.machine
                    if lit is not None:
                        model.add_hint(lit, here)
                    for pool, pool_lit in pools:
                        if pool_lit is not None:
                            model.add_hint(pool_lit, here and placed.pool == pool)
                for gs, ge, inside, before in v.gaps:
                    model.add_hint(inside, placed.start < gs and placed.end >= ge)
                    model.add_hint(before, placed.end <= gs)
        for seq, arcs in zip(machine_sequences(self.problem, solution), self.arcs, strict=True):
            succ = set(pairwise([None, *seq, None]))
            for arc in arcs:
                if arc.tail is None or arc.tail != arc.head:
                    model.add_hint(arc.lit, (arc.tail, arc.head) in succ)
        for r, t in enumerate(self.tardiness):
            due = self.problem.runs[r].due
            if t is not None and due is not None:
                model.add_hint(t, max(0, solution[r][-1].end - due))
        model.add_hint(self.makespan, max(ops[-1].end for ops in solution))
        published = {(p.run_code, p.sequence): p for p in self.problem.published}
        index = self.problem.machine_index()
        tol = self.settings.stability_tolerance_minutes
        for (r, k), lit in self.stay:
            run = self.problem.runs[r]
            pub = published[(run.code, run.operations[k].sequence)]
            placed = solution[r][k]
            model.add_hint(lit, index[pub.machine] == placed.machine and abs(placed.start - pub.start) <= tol)

    def read(self, solver: cp_model.CpSolver) -> Solution:
        """The solution in the solver's last response."""
        out: list[tuple[Placement, ...]] = []
        for r, ops in enumerate(self.ops):
            placed: list[Placement] = []
            for k, v in enumerate(ops):
                alternatives = self.problem.runs[r].operations[k].alternatives
                i = next(i for i, lit in enumerate(v.lits) if lit is None or solver.boolean_value(lit))
                pool = next((p for p, lit in v.pools[i] if lit is None or solver.boolean_value(lit)), None)
                start, end = int(solver.value(v.start)), int(solver.value(v.end))
                placed.append(Placement(alternatives[v.alts[i]].machine, start, end, pool))
            out.append(tuple(placed))
        return tuple(out)


def build_model(
    problem: ScheduleProblem,
    settings: ScheduleSettings,
    upper: int | None = None,
    restriction: Restriction | None = None,
) -> CompiledModel:
    """Build the CP-SAT model; ``upper`` caps every end (e.g. a known makespan) to tighten domains."""
    m = cp_model.CpModel()
    cap = problem.window_minutes if upper is None else min(upper, problem.window_minutes)
    window = problem.window_minutes
    machine_intervals: list[list[Var]] = [[] for _ in problem.machines]
    machine_ops: list[list[tuple[OpRef, Var | None]]] = [[] for _ in problem.machines]
    pools_of: dict[str, list[int]] = {}
    for i, pool in enumerate(problem.labour):
        for rtype in pool.resource_types:
            pools_of.setdefault(rtype, []).append(i)
    pool_intervals: list[list[tuple[Var, int]]] = [[] for _ in problem.labour]
    ops: list[list[OpVars]] = []
    tardiness: list[Var | None] = []
    slots = sorted(problem.release_minutes or ())
    kept = restriction.incumbent if restriction is not None else None
    free = restriction.free if restriction is not None else frozenset()
    fix_before = restriction.fix_before if restriction is not None else -1
    for r, run in enumerate(problem.runs):
        mins = [min(a.minutes for a in op.alternatives) for op in run.operations]
        run_vars: list[OpVars] = []
        for k, op in enumerate(run.operations):
            frozen = kept[r][k] if kept is not None and (r, k) not in free else None
            lo = run.earliest_start + sum(mins[:k])
            hi = cap - sum(mins[k + 1 :])
            if frozen is not None and frozen.end <= fix_before:
                start_dom = cp_model.Domain(frozen.start, frozen.start)
                end_lo = end_hi = frozen.end
            else:
                start_dom = cp_model.Domain(lo, max(lo, hi - mins[k]))
                if k == 0 and problem.release_minutes is not None:
                    if settings.release_mode is ReleaseMode.AT_SLOT:
                        start_dom = start_dom.intersection_with(cp_model.Domain.from_values(slots))
                    else:
                        first = next((s for s in slots if s >= run.earliest_start), cap)
                        start_dom = start_dom.intersection_with(cp_model.Domain(first, cap))
                end_lo = lo + mins[k]
                if k == len(run.operations) - 1 and run.fresh_from is not None:
                    end_lo = max(end_lo, run.fresh_from)
                end_hi = max(end_lo, hi)
            start = m.new_int_var_from_domain(start_dom, f"s{r}_{k}")
            end = m.new_int_var(end_lo, end_hi, f"e{r}_{k}")
            chosen = [
                a for a, alt in enumerate(op.alternatives) if frozen is None or alt.machine == frozen.machine
            ]
            v = OpVars(start, end)
            for a in chosen:
                alt = op.alternatives[a]
                lit = None if len(chosen) == 1 else m.new_bool_var(f"x{r}_{k}_{a}")
                v.alts.append(a)
                v.lits.append(lit)
                machine = problem.machines[alt.machine]
                always = is_always_open(machine.open, window)
                if op.splittable and not always:
                    size = m.new_int_var(alt.minutes, cap, f"z{r}_{k}_{a}")
                    interval = _optional(m, start, size, end, lit)
                    stretch(m, v.gaps, machine.open, window, alt.minutes, (start, end, size), lit, (lo, hi))
                else:
                    interval = _optional(m, start, alt.minutes, end, lit)
                    if not always:
                        dom = cp_model.Domain.from_intervals(allowed_starts(machine.open, alt.minutes))
                        cons = m.add_linear_expression_in_domain(start, dom)
                        if lit is not None:
                            cons.only_enforce_if(lit)
                machine_intervals[alt.machine].append(interval)
                machine_ops[alt.machine].append(((r, k), lit))
                pools = pools_of.get(machine.resource_type, []) if op.operators and not op.splittable else []
                if frozen is not None and frozen.pool in pools:
                    pools = [frozen.pool]
                v.pools.append(
                    _pools(m, pools, (start, end, alt.minutes), lit, op.operators, pool_intervals, interval)
                )
            if len(chosen) > 1:
                m.add_exactly_one([lit for lit in v.lits if lit is not None])
            if k > 0:
                m.add(start >= run_vars[-1].end)
            run_vars.append(v)
        ops.append(run_vars)
        if run.due is not None:
            t = m.new_int_var(0, max(0, window - run.due), f"t{r}")
            m.add(t >= run_vars[-1].end - run.due)
            tardiness.append(t)
        else:
            tardiness.append(None)
    for intervals in machine_intervals:
        if len(intervals) > 1:
            m.add_no_overlap(intervals)
    chains = _kept_chains(problem, restriction)
    for mi, chain in enumerate(chains):
        for (ra, ka), (rb, kb) in pairwise(chain):
            before, after = problem.runs[ra].operations[ka], problem.runs[rb].operations[kb]
            gap = problem.changeover_minutes(mi, before, after)
            m.add(ops[rb][kb].start >= ops[ra][ka].end + gap)
    arcs = [
        circuit(m, problem, mi, machine_ops[mi], [[(v.start, v.end) for v in run] for run in ops], chains[mi])
        for mi in range(len(problem.machines))
    ]
    for p, pool in enumerate(problem.labour):
        items = list(pool_intervals[p])
        if not items:
            continue
        for a, b in closed_gaps(pool.open, window):
            items.append((m.new_fixed_size_interval_var(a, b - a, ""), pool.operators))
        m.add_cumulative([i for i, _ in items], [d for _, d in items], pool.operators)
    makespan = m.new_int_var(0, cap, "makespan")
    for run_vars in ops:
        m.add(makespan >= run_vars[-1].end)
    stay = stability(m, problem, settings, [[(v.start, v.alts, v.lits) for v in run] for run in ops])
    arc_objects = [[Arc(t, h, lit, mins) for t, h, lit, mins in arcs_m] for arcs_m in arcs]
    terms = {
        "tardiness": sum(problem.runs[r].weight * t for r, t in enumerate(tardiness) if t is not None),
        "changeover": sum(arc.minutes * arc.lit for arcs_m in arc_objects for arc in arcs_m if arc.minutes),
        "moved": sum(1 - lit for _, lit in stay),
    }
    compiled = CompiledModel(problem, settings, m, ops, arc_objects, tardiness, makespan, stay, terms)
    m.minimize(compiled.objective(settings.goals()[0]))
    return compiled


def _kept_chains(problem: ScheduleProblem, restriction: Restriction | None) -> list[list[OpRef]]:
    if restriction is None or not restriction.keep_order:
        return [[] for _ in problem.machines]
    return [
        [ref for ref in seq if ref not in restriction.free]
        for seq in machine_sequences(problem, restriction.incumbent)
    ]


def _optional(m: cp_model.CpModel, start: Var, size: Var | int, end: Var, lit: Var | None) -> Var:
    if lit is None:
        return m.new_interval_var(start, size, end, "")
    return m.new_optional_interval_var(start, size, end, lit, "")


def _pools(
    m: cp_model.CpModel,
    pools: list[int],
    times: tuple[Var, Var, int],
    lit: Var | None,
    operators: int,
    pool_intervals: list[list[tuple[Var, int]]],
    interval: Var,
) -> list[tuple[int, Var | None]]:
    """Labour demand of one alternative: its own interval if one pool can serve it, else a choice."""
    if len(pools) == 1:
        pool_intervals[pools[0]].append((interval, operators))
        return [(pools[0], None)]
    start, end, minutes = times
    out: list[tuple[int, Var | None]] = []
    for p in pools:
        z = m.new_bool_var("")
        pool_intervals[p].append((m.new_optional_interval_var(start, minutes, end, z, ""), operators))
        out.append((p, z))
    if out:
        m.add(sum(z for _, z in out if z is not None) == (1 if lit is None else lit))
    return out
