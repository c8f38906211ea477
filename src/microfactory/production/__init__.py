"""Production scheduling: batching, a flexible job shop on CP-SAT, explanations and exports.

The engine is pure: an immutable :class:`ScheduleProblem` (built from master data and demands with
:meth:`ScheduleProblem.from_site`, or from a ``.fjs`` benchmark with :func:`parse_fjs`) goes into
:func:`schedule` with explicit :class:`SolveLimits` and a seed, and a :class:`ScheduleResult` comes
back with runs, operation assignments, Gantt rows, KPIs and problem records. No database, web or
file access happens here.
"""

from microfactory.production.batching import (
    Batch,
    BatchingSettings,
    Demand,
    DemandKind,
    StockTopUp,
    batch,
    demands_from_orders,
    demands_from_top_ups,
    order_key,
)
from microfactory.production.build import problem_from_site
from microfactory.production.check import check_schedule
from microfactory.production.export import ics_per_machine, to_csv, to_ics, to_json
from microfactory.production.fjs import parse_fjs
from microfactory.production.problem import (
    Alternative,
    Changeover,
    DemandLink,
    LabourLimit,
    Machine,
    Operation,
    PublishedOperation,
    Run,
    ScheduleProblem,
)
from microfactory.production.result import GanttRow, ScheduleKpis, ScheduleResult, SolveStatus
from microfactory.production.settings import (
    Deadline,
    Goal,
    Objective,
    ReleaseMode,
    ScheduleSettings,
    SolveLimits,
)
from microfactory.production.solution import ObjectiveParts, Placement, Solution, evaluate
from microfactory.production.solve import schedule

__all__ = [
    "Alternative",
    "Batch",
    "BatchingSettings",
    "Changeover",
    "Deadline",
    "Demand",
    "DemandKind",
    "DemandLink",
    "GanttRow",
    "Goal",
    "LabourLimit",
    "Machine",
    "Objective",
    "ObjectiveParts",
    "Operation",
    "Placement",
    "PublishedOperation",
    "ReleaseMode",
    "Run",
    "ScheduleKpis",
    "ScheduleProblem",
    "ScheduleResult",
    "ScheduleSettings",
    "Solution",
    "SolveLimits",
    "SolveStatus",
    "StockTopUp",
    "batch",
    "check_schedule",
    "demands_from_orders",
    "demands_from_top_ups",
    "evaluate",
    "ics_per_machine",
    "order_key",
    "parse_fjs",
    "problem_from_site",
    "schedule",
    "to_csv",
    "to_ics",
    "to_json",
]
