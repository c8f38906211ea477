"""Stage ``schedule``: one week of production per active microfactory, stored as runs and operations.

For every active microfactory (kitchen and food) the stage selects the week's work from the stored
orders, builds a :class:`~microfactory.production.ScheduleProblem` from the master data (machines,
calendars, changeovers, labour, release slots), solves it with
:func:`microfactory.production.schedule` and stores the production runs, operation assignments (machine
code as resource) and problems (late orders with their binding cause, unserved work with its reason).
Sites fan out over the runner; everything is written in one transaction, one plan run per site over
its scheduling window ``[start, start + days + OVERFLOW_DAYS)`` (the week plus the overflow the engine
may place late work in). Re-running for the same week replaces it.

Work selection (documented in each run's KPIs as ``work_rule``):

- **Delivery window.** The week's work is the orders whose delivery window starts in
  ``[start + LEAD_DAYS, start + LEAD_DAYS + days)``: deliveries in the first :data:`LEAD_DAYS` days were
  last week's production (the same rule as the demo row of ``benchmarks/fjsp.py``).
- **Firm** (:attr:`WorkRule.FIRM`, the CLI's default): open, confirmed and in-production orders of the
  site with their window in that range.
- **Replay** (:attr:`WorkRule.REPLAY`, the stage's default): the demo's history ends at ``as_of`` and few
  orders lie after it, so the stage replays the last real week: every order of the site that was not
  cancelled, with its window starting in the range shifted back by ``days``, is moved forward by
  ``days`` and taken as confirmed. The shape of a real week, at the dates of the coming one.
- Orders are read among those placed at most :data:`MAX_ORDER_LEAD_DAYS` before the range starts (the
  demo's kitchens are ordered up to 44 days ahead, food up to 2).
- **Make-to-stock top-ups**: the hub transfers the ``inventory`` stage stored (its newest plan per hub)
  that leave the site in ``[start, start + days)`` are scheduled like orders: one stock demand per
  transfer (key ``stock:SKU@HUB``), due at its dispatch time, delivered at its arrival (freshness).
  A site with transfers but no orders is still scheduled.

Solver: ``seconds`` per site (capped by ``Settings.solver_seconds``), ``Settings.seed``, and
``Settings.workers`` threads split over the sites solved at once.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from microfactory.domain import MasterData, Order, OrderStatus, PlanHorizon, SiteKind, SiteStatus
from microfactory.errors import MicrofactoryError, NotFoundError
from microfactory.plan.progress import ProgressSink, SilentProgress
from microfactory.plan.runner import Runner
from microfactory.plan.stages.base import StageContext, StageReport
from microfactory.production import (
    Demand,
    DemandKind,
    ScheduleProblem,
    ScheduleResult,
    SolveLimits,
    demands_from_orders,
    schedule,
)
from microfactory.store import load_master_data, load_orders, save_plan_run, transaction
from microfactory.store.inventory_repository import load_transfers

STAGE = "schedule"
TIMEZONE = "Europe/London"
SCHEDULE_SECONDS = 10.0
"""Default time limit per site solve (capped by ``Settings.solver_seconds``)."""
DAYS = 7
LEAD_DAYS = 2
"""Days from the horizon start to the first delivery the week's production serves."""
MAX_ORDER_LEAD_DAYS = 60
"""Orders placed more than this many days before the first delivery of the range are not read."""
OVERFLOW_DAYS = 7
TOP_UPS_NOTE = "hub transfers stored by the inventory stage, due at dispatch"


class WorkRule(StrEnum):
    """Which orders make up the week's work (see the module docstring)."""

    FIRM = "firm"
    REPLAY = "replay"

    def describe(self, days: int) -> str:
        """One line for the KPIs' scope."""
        window = f"windows in [start+{LEAD_DAYS}d, start+{LEAD_DAYS + days}d)"
        if self is WorkRule.FIRM:
            return f"firm orders (open/confirmed/in production), {window}"
        return f"replay: orders of the {days} days before, shifted +{days}d as confirmed, {window}"


class NoWorkError(MicrofactoryError):
    """A site has no orders to make in the asked week."""

    def __init__(self, site: str, start: datetime, rule: WorkRule) -> None:
        self.site = site
        day = start.astimezone(ZoneInfo(TIMEZONE)).date().isoformat()
        super().__init__(
            f"no work to schedule at {site} for the week from {day}: "
            f"no {rule.value} orders with a delivery window in it"
            + ("" if rule is WorkRule.REPLAY else " (try --replay to replay the previous week)")
        )


@dataclass(frozen=True)
class ScheduleOptions:
    """Solver limits for every site of one run."""

    seconds: float = SCHEDULE_SECONDS
    workers: int = 1
    seed: int = 1
    days: int = DAYS
    rule: WorkRule = WorkRule.REPLAY


@dataclass(frozen=True)
class SiteWeekTask:
    """One unit of fan-out: a site's orders for one week and the master data to schedule them."""

    master: MasterData
    site: str
    start: datetime
    orders: tuple[Order, ...]
    options: ScheduleOptions
    stock: tuple[Demand, ...] = ()
    """Make-to-stock demands: hub transfers leaving the site this week."""


@dataclass(frozen=True)
class SiteWeekPlan:
    """A site's scheduled week: the engine's result, the orders it served and the wall time."""

    site: str
    horizon: PlanHorizon
    rule: WorkRule
    days: int
    orders: int
    result: ScheduleResult
    seconds: float
    transfers: int = 0
    transfer_units: int = 0

    def kpis(self) -> dict[str, float | int | str]:
        """Per-site figures: runs, operations, late orders, tardiness, changeovers, utilisation..."""
        k = self.result.kpis()
        gap = ""
        if k.lower_bound is not None and k.objective > 0:
            gap = f"{100.0 * (k.objective - k.lower_bound) / k.objective:.1f}"
        zone = ZoneInfo(TIMEZONE)
        return {
            "week_start": self.horizon.start.astimezone(zone).date().isoformat(),
            "days": self.days,
            "overflow_days": OVERFLOW_DAYS,
            "work_rule": self.rule.describe(self.days),
            "top_ups": TOP_UPS_NOTE,
            "orders": self.orders,
            "hub_transfers": self.transfers,
            "hub_transfer_units": self.transfer_units,
            "runs": k.runs,
            "operations": k.operations,
            "unscheduled_runs": k.unscheduled_runs,
            "late_orders": k.late_orders,
            "tardiness_hours": round(k.total_tardiness_minutes / 60.0, 2),
            "changeover_hours": k.changeover_hours,
            "utilisation_pct": round(100.0 * k.overall_utilisation, 1),
            "waste_units": k.waste_units,
            "makespan_hours": round(k.makespan_minutes / 60.0, 2),
            "objective": k.objective,
            "solver_status": self.result.status.value,
            "solver_gap_pct": gap,
            "solver_seconds": k.seconds,
        }


def week_horizon(start: datetime, days: int = DAYS) -> PlanHorizon:
    """The stored plan run's horizon: ``[start, start + days + OVERFLOW_DAYS)`` (``start`` aware).

    Every operation lies in it: the week, plus the overflow where late work may still be placed.
    """
    start = start.astimezone(UTC)
    return PlanHorizon(start=start, end=start + timedelta(days=days + OVERFLOW_DAYS))


def local_midnight(day: date, timezone: str = TIMEZONE) -> datetime:
    """00:00 of ``day`` in ``timezone`` as aware UTC."""
    return datetime.combine(day, clock_time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def week_orders(
    session: Session, site: str, brand: str, start: datetime, days: int, rule: WorkRule
) -> list[Order]:
    """The orders making up ``site``'s work for the week from ``start`` under ``rule`` (module docstring)."""
    first = start + timedelta(days=LEAD_DAYS)
    shift = timedelta(days=days) if rule is WorkRule.REPLAY else timedelta(0)
    low, high = first - shift, first + timedelta(days=days) - shift
    candidates = load_orders(
        session, brand=brand, created_from=low - timedelta(days=MAX_ORDER_LEAD_DAYS), created_to=high
    )
    chosen = [o for o in candidates if o.site == site and low <= o.window.start < high]
    if rule is WorkRule.FIRM:
        return chosen
    return [
        o.model_copy(
            update={
                "status": OrderStatus.CONFIRMED,
                "window": o.window.model_copy(
                    update={"start": o.window.start + shift, "end": o.window.end + shift}
                ),
            }
        )
        for o in chosen
        if o.status is not OrderStatus.CANCELLED
    ]


def schedule_site_week(task: SiteWeekTask) -> SiteWeekPlan:
    """Schedule one site's week (top-level so worker processes can import it)."""
    started = time.perf_counter()
    opts = task.options
    demands = [d for d in (*demands_from_orders(task.orders), *task.stock) if d.due >= task.start]
    problem = ScheduleProblem.from_site(
        task.master, task.site, demands, start=task.start, days=opts.days, overflow_days=OVERFLOW_DAYS
    )
    result = schedule(problem, limits=SolveLimits(seconds=opts.seconds, workers=opts.workers), seed=opts.seed)
    return SiteWeekPlan(
        site=task.site,
        horizon=week_horizon(task.start, opts.days),
        rule=opts.rule,
        days=opts.days,
        orders=len(task.orders),
        result=result,
        seconds=time.perf_counter() - started,
        transfers=len(task.stock),
        transfer_units=sum(d.quantity for d in task.stock),
    )


def transfer_demands(session: Session, site: str, start: datetime, days: int) -> tuple[Demand, ...]:
    """Stored hub transfers leaving ``site`` in ``[start, start + days)`` as make-to-stock demands.

    Each is due at its dispatch time and delivered at its arrival (for freshness), keyed
    ``stock:SKU@HUB`` so late or unserved problems name the SKU and the hub.
    """
    transfers = load_transfers(
        session, from_site=site, dispatch_from=start, dispatch_to=start + timedelta(days=days)
    )
    return tuple(
        Demand(f"stock:{t.sku}@{t.to_hub}", t.sku, t.quantity, t.dispatch_at, t.arrive_at, DemandKind.STOCK)
        for t in transfers
    )


def _tasks(
    session: Session,
    options: ScheduleOptions,
    start: datetime,
    sites: Sequence[str] | None,
    require_work: bool,
) -> list[SiteWeekTask]:
    master = load_master_data(session)
    if sites is None:
        chosen = [
            s for s in master.sites if s.kind is SiteKind.MICROFACTORY and s.status is SiteStatus.ACTIVE
        ]
    else:
        known = {s.code for s in master.sites}
        for code in sites:
            if code not in known:
                raise NotFoundError("site", code)
        chosen = [master.site(code) for code in sites]
    tasks = []
    for site in chosen:
        orders = week_orders(session, site.code, site.brand, start, options.days, options.rule)
        stock = transfer_demands(session, site.code, start, options.days)
        if not orders and not stock:
            if require_work:
                raise NoWorkError(site.code, start, options.rule)
            continue
        tasks.append(SiteWeekTask(master, site.code, start, tuple(orders), options, stock))
    return tasks


@dataclass(frozen=True)
class ScheduleRun:
    """What :func:`plan_schedules` planned and stored: one plan and one report per site."""

    plans: list[SiteWeekPlan] = field(default_factory=list)
    reports: list[StageReport] = field(default_factory=list)


def plan_schedules(
    sessions: sessionmaker[Session],
    runner: Runner,
    options: ScheduleOptions,
    *,
    start: datetime,
    sites: Sequence[str] | None = None,
    require_work: bool = False,
    progress: ProgressSink | None = None,
) -> ScheduleRun:
    """Schedule and store the week from ``start`` for ``sites`` (every active microfactory by default).

    Writes one plan run per site (runs, operations, problems) in one transaction.

    Raises:
        NotFoundError: A named site does not exist.
        NoWorkError: With ``require_work``, a named site has no orders in the week.
    """
    sink = progress or SilentProgress()
    sink.step("Reading orders for scheduling", None)
    with sessions() as session:
        tasks = _tasks(session, options, start, sites, require_work)
    advance = sink.step("Scheduling production per site", len(tasks))
    plans = runner.map(schedule_site_week, tasks, progress=advance)
    sink.step("Writing production schedules", None)
    reports: list[StageReport] = []
    with transaction(sessions) as session:
        for plan in plans:
            kpis = plan.kpis()
            problems = plan.result.problems
            run_id = save_plan_run(
                session,
                stage=STAGE,
                scope=plan.site,
                horizon=plan.horizon,
                kpis=kpis,
                problems=problems,
                production_runs=plan.result.runs(),
                operations=plan.result.operations(),
            )
            reports.append(StageReport(STAGE, plan.site, plan.horizon, kpis, problems, plan.seconds, run_id))
    return ScheduleRun(plans=list(plans), reports=reports)


def run_schedule(ctx: StageContext, *, seconds: float = SCHEDULE_SECONDS) -> list[StageReport]:
    """The ``schedule`` stage: the week from ``as_of`` at every active microfactory (replayed orders).

    ``seconds`` caps each site's solve (and is itself capped by ``Settings.solver_seconds``); the
    settings' workers are split over the sites solved at once.
    """
    parallel = max(1, min(ctx.settings.workers, 4))
    options = ScheduleOptions(
        seconds=min(seconds, ctx.settings.solver_seconds),
        workers=max(1, ctx.settings.workers // parallel),
        seed=ctx.settings.seed,
    )
    run = plan_schedules(ctx.sessions, ctx.runner, options, start=ctx.as_of, progress=ctx.progress)
    return run.reports
