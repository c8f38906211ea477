"""Pieces of the CP-SAT model: changeover circuits, stretched splittable intervals, stability literals."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from ortools.sat.python import cp_model

from microfactory.production.problem import Interval, ScheduleProblem
from microfactory.production.settings import ScheduleSettings
from microfactory.production.solution import OpRef
from microfactory.production.timeline import closed_gaps

Var = Any
"""A CP-SAT variable, literal or constant (OR-Tools' Python types)."""

ArcSpec = tuple[OpRef | None, OpRef | None, Var, int]
"""``(tail, head, literal, changeover minutes)``; None stands for the depot."""


def circuit(
    m: cp_model.CpModel,
    problem: ScheduleProblem,
    machine: int,
    nodes: list[tuple[OpRef, Var | None]],
    times: list[list[tuple[Var, Var]]],
    kept: list[OpRef],
) -> list[ArcSpec]:
    """A circuit over the operations that may run on ``machine``, when some pair needs a changeover.

    Node 0 is the depot; an absent operation takes its self-loop. Arc ``i → j`` forces
    ``start(j) ≥ end(i) + changeover(i, j)``. ``kept`` is the order of operations a restriction keeps
    on this machine: arcs that would skip or reorder them are left out.
    """
    refs = [ref for ref, _ in nodes]
    the_ops = [problem.runs[r].operations[k] for r, k in refs]
    minutes = [[problem.changeover_minutes(machine, a, b) for b in the_ops] for a in the_ops]
    if len(nodes) < 2 or not any(any(row) for row in minutes):
        return []
    kept_set = set(kept)
    follows = dict(pairwise(kept))
    arcs: list[ArcSpec] = []
    links: list[tuple[int, int, Var]] = []
    if all(lit is not None for _, lit in nodes):
        empty = m.new_bool_var("")
        links.append((0, 0, empty))
        arcs.append((None, None, empty, 0))
    for i, (ref, lit) in enumerate(nodes, start=1):
        if ref not in kept_set or ref == kept[0]:
            first = m.new_bool_var("")
            links.append((0, i, first))
            arcs.append((None, ref, first, 0))
        if ref not in kept_set or ref == kept[-1]:
            last = m.new_bool_var("")
            links.append((i, 0, last))
            arcs.append((ref, None, last, 0))
        if lit is not None:
            links.append((i, i, ~lit))
            arcs.append((ref, ref, ~lit, 0))
        for j, (other, _) in enumerate(nodes, start=1):
            if i == j or (ref[0] == other[0] and other[1] < ref[1]):
                continue
            if ref in kept_set and other in kept_set and follows.get(ref) != other:
                continue
            arc = m.new_bool_var("")
            gap = minutes[i - 1][j - 1]
            m.add(times[other[0]][other[1]][0] >= times[ref[0]][ref[1]][1] + gap).only_enforce_if(arc)
            links.append((i, j, arc))
            arcs.append((ref, other, arc, gap))
    m.add_circuit(links)
    return arcs


def stretch(
    m: cp_model.CpModel,
    gaps_out: list[tuple[int, int, Var, Var]],
    open_periods: tuple[Interval, ...],
    window: int,
    minutes: int,
    variables: tuple[Var, Var, Var],
    lit: Var | None,
    bounds: tuple[int, int],
) -> None:
    """Size = minutes + closed gaps fully inside the interval; no gap may be partly covered.

    For each closed gap either it lies inside ``[start, end)`` (``inside``; the start must then be
    before it) or the interval ends by its start (``before``) or starts after its end. The start so
    always falls in open time and the open minutes inside the interval equal ``minutes``.
    """
    start, end, size = variables
    lo, hi = bounds
    enforce = [] if lit is None else [lit]
    covered = []
    for gs, ge in closed_gaps(open_periods, window):
        if ge <= lo or gs >= hi:
            continue
        inside = m.new_bool_var("")
        before = m.new_bool_var("")
        if ge >= window:
            m.add(inside == 0)
        m.add(start <= gs - 1).only_enforce_if([*enforce, inside])
        m.add(end >= ge).only_enforce_if([*enforce, inside])
        m.add(end <= gs).only_enforce_if([*enforce, ~inside, before])
        m.add(start >= ge).only_enforce_if([*enforce, ~inside, ~before])
        covered.append((ge - gs) * inside)
        gaps_out.append((gs, ge, inside, before))
    m.add(size == minutes + sum(covered)).only_enforce_if(enforce)


def stability(
    m: cp_model.CpModel,
    problem: ScheduleProblem,
    settings: ScheduleSettings,
    ops: list[list[tuple[Var, list[int], list[Var | None]]]],
) -> list[tuple[OpRef, Var]]:
    """A 'stays' literal per published operation that can stay: same machine, start within tolerance.

    ``ops[r][k]`` is ``(start, modelled alternative indices, their literals)``.
    """
    if not problem.published:
        return []
    index = problem.machine_index()
    where = {
        (run.code, op.sequence): (r, k)
        for r, run in enumerate(problem.runs)
        for k, op in enumerate(run.operations)
    }
    tol = settings.stability_tolerance_minutes
    stay: list[tuple[OpRef, Var]] = []
    for pub in problem.published:
        ref = where.get((pub.run_code, pub.sequence))
        machine = index.get(pub.machine)
        if ref is None or machine is None:
            continue
        r, k = ref
        start, alts, lits = ops[r][k]
        alternatives = problem.runs[r].operations[k].alternatives
        i = next((i for i, a in enumerate(alts) if alternatives[a].machine == machine), None)
        if i is None:
            continue
        lit = m.new_bool_var(f"stay{r}_{k}")
        chosen = lits[i]
        if chosen is not None:
            m.add_implication(lit, chosen)
        m.add(start >= pub.start - tol).only_enforce_if(lit)
        m.add(start <= pub.start + tol).only_enforce_if(lit)
        stay.append((ref, lit))
    return stay
