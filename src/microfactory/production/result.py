"""The typed outcome of a scheduling solve: plan records, Gantt rows, KPIs and problems.

Times leave the engine here as aware UTC datetimes; integer minutes stay available on the Gantt rows
for tools that want them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from microfactory.domain import OperationAssignment, Problem, ProductionRun
from microfactory.production.problem import Run, ScheduleProblem
from microfactory.production.settings import ScheduleSettings
from microfactory.production.solution import Solution, changeovers_before, evaluate
from microfactory.production.timeline import open_minutes_between


class SolveStatus(StrEnum):
    """How good the schedule is known to be."""

    OPTIMAL = "optimal"
    """Proved optimal for the objective (every run placed)."""
    FEASIBLE = "feasible"
    """A valid schedule, not proved optimal."""
    EMPTY = "empty"
    """Nothing to schedule, or no run could be placed."""


@dataclass(frozen=True, slots=True)
class GanttRow:
    """One bar of a Gantt chart: an operation on a machine, in UTC and in minutes from the start."""

    machine: str
    resource: str
    resource_type: str
    run_code: str
    sku: str
    sequence: int
    operation: str
    start: datetime
    end: datetime
    start_minute: int
    end_minute: int
    changeover_minutes: int
    labour_pool: str | None
    setup: str
    """Setup attributes as ``key=value`` pairs joined by ``;``."""


@dataclass(frozen=True, slots=True)
class ScheduleKpis:
    """Headline figures of a schedule (minutes, hours, units, pence, fractions 0–1)."""

    runs: int
    operations: int
    unscheduled_runs: int
    late_orders: int
    late_runs: int
    total_tardiness_minutes: int
    """Sum over late orders of minutes late (each order counted once, at its latest run)."""
    changeover_hours: float
    makespan_minutes: int
    utilisation: Mapping[str, float]
    """Per resource code: busy open minutes over open minutes within the horizon."""
    overall_utilisation: float
    """Busy open minutes over open minutes of every machine within the horizon."""
    waste_units: int
    """Perishable units that expire before their delivery, or surplus of a minimum batch that expires."""
    waste_pence: int
    objective: int
    lower_bound: int | None
    seconds: float


@dataclass(frozen=True)
class ScheduleResult:
    """A schedule for the runs that could be placed, plus problems for everything else.

    ``problem`` is the solved problem (runs that fit the window); ``unscheduled`` are runs of the
    original problem that could not be placed at all and are reported as problems.
    """

    problem: ScheduleProblem
    solution: Solution
    settings: ScheduleSettings
    status: SolveStatus
    unscheduled: tuple[Run, ...] = ()
    problems: tuple[Problem, ...] = ()
    lower_bound: int | None = None
    seconds: float = 0.0
    stats: Mapping[str, int | float | str] = field(default_factory=dict)

    def is_feasible(self) -> bool:
        """True when every run of the original problem was scheduled (late runs still count)."""
        return not self.unscheduled

    def objective(self) -> int:
        """The objective value of the schedule under the settings (makespan in makespan mode)."""
        return evaluate(self.problem, self.solution, self.settings).cost(self.settings)

    def makespan(self) -> int:
        """Finish of the last operation, in minutes from the horizon start (0 when empty)."""
        return max((ops[-1].end for ops in self.solution), default=0)

    def runs(self) -> tuple[ProductionRun, ...]:
        """Production runs with their start and end (aware UTC)."""
        p = self.problem
        return tuple(
            ProductionRun(
                site=p.site,
                run_code=run.code,
                sku=run.sku,
                quantity=run.quantity,
                start=p.at(ops[0].start),
                end=p.at(ops[-1].end),
            )
            for run, ops in zip(p.runs, self.solution, strict=True)
        )

    def operations(self) -> tuple[OperationAssignment, ...]:
        """Operation assignments (machine code as ``resource``), sorted by start then machine."""
        return tuple(
            OperationAssignment(
                site=self.problem.site,
                run_code=row.run_code,
                sequence=row.sequence,
                resource=row.machine,
                start=row.start,
                end=row.end,
                changeover_minutes=float(row.changeover_minutes),
            )
            for row in self.gantt_rows()
        )

    def gantt_rows(self) -> tuple[GanttRow, ...]:
        """One row per operation, sorted by start then machine: what a Gantt chart needs."""
        p = self.problem
        before = changeovers_before(p, self.solution)
        rows = []
        for r, (run, ops) in enumerate(zip(p.runs, self.solution, strict=True)):
            for k, placed in enumerate(ops):
                op = run.operations[k]
                machine = p.machines[placed.machine]
                rows.append(
                    GanttRow(
                        machine=machine.code,
                        resource=machine.resource,
                        resource_type=machine.resource_type,
                        run_code=run.code,
                        sku=run.sku,
                        sequence=op.sequence,
                        operation=op.name,
                        start=p.at(placed.start),
                        end=p.at(placed.end),
                        start_minute=placed.start,
                        end_minute=placed.end,
                        changeover_minutes=before[(r, k)],
                        labour_pool=None if placed.pool is None else p.labour[placed.pool].code,
                        setup=";".join(f"{a}={v}" for a, v in op.setup),
                    )
                )
        return tuple(sorted(rows, key=lambda row: (row.start_minute, row.machine)))

    def late_problems(self) -> tuple[Problem, ...]:
        """The problem records of kind ``late``."""
        return tuple(x for x in self.problems if x.kind.value == "late")

    def explain(self, order_id: str) -> tuple[Problem, ...]:
        """Why an order (``channel:external_id`` or ``stock:SKU``) is late or unserved; empty if fine."""
        return tuple(x for x in self.problems if x.subject == order_id)

    def kpis(self) -> ScheduleKpis:
        """Utilisation per resource, changeover hours, late orders, tardiness, waste, objective."""
        p, sol = self.problem, self.solution
        late: dict[str, int] = {}
        late_runs = 0
        for run, ops in zip(p.runs, sol, strict=True):
            end = ops[-1].end
            if run.due is not None and end > run.due:
                late_runs += 1
            for link in run.demands:
                if end > link.due:
                    late[link.key] = max(late.get(link.key, 0), end - link.due)
        waste_units, waste_pence = self._waste()
        usage = self._usage()
        busy = sum(b for b, _ in usage.values())
        total = sum(o for _, o in usage.values())
        return ScheduleKpis(
            runs=len(p.runs),
            operations=sum(len(ops) for ops in sol),
            unscheduled_runs=len(self.unscheduled),
            late_orders=sum(1 for key in late if not key.startswith("stock:")),
            late_runs=late_runs,
            total_tardiness_minutes=sum(late.values()),
            changeover_hours=round(sum(changeovers_before(p, sol).values()) / 60.0, 3),
            makespan_minutes=self.makespan(),
            utilisation={code: round(b / o, 4) if o else 0.0 for code, (b, o) in usage.items()},
            overall_utilisation=round(busy / total, 4) if total else 0.0,
            waste_units=waste_units,
            waste_pence=waste_pence,
            objective=self.objective() if sol else 0,
            lower_bound=self.lower_bound,
            seconds=round(self.seconds, 3),
        )

    def _usage(self) -> dict[str, tuple[int, int]]:
        p = self.problem
        busy: dict[str, int] = {}
        open_total: dict[str, int] = {}
        for machine in p.machines:
            open_total[machine.resource] = open_total.get(machine.resource, 0) + open_minutes_between(
                machine.open, 0, p.horizon_minutes
            )
            busy.setdefault(machine.resource, 0)
        for ops in self.solution:
            for placed in ops:
                machine = p.machines[placed.machine]
                busy[machine.resource] += open_minutes_between(
                    machine.open, placed.start, min(placed.end, p.horizon_minutes)
                )
        return {code: (busy[code], total) for code, total in open_total.items()}

    def _waste(self) -> tuple[int, int]:
        p = self.problem
        units = 0
        value = 0
        for run, ops in zip(p.runs, self.solution, strict=True):
            if run.shelf_life_minutes is None:
                continue
            expiry = ops[-1].end + run.shelf_life_minutes
            expired = sum(link.quantity for link in run.demands if (link.delivery or link.due) > expiry)
            surplus = run.quantity - sum(link.quantity for link in run.demands)
            if surplus > 0 and expiry < p.horizon_minutes:
                expired += surplus
            units += expired
            value += expired * run.unit_value_pence
        return units, value
