"""Stage ``network``: design the kitchen brand's site network and compare central, local and N-1.

For every brand with a central plant and at least one candidate site (the demo's kitchen brand; brands
without candidates, like the food brand, have nothing to choose and are skipped), the stage reads
master data and the brand's stored weekly demand (written by ``demand_history``) in one session,
builds the :class:`~microfactory.network.NetworkProblem` from the last :data:`DEMAND_WEEKS` full weeks
before ``as_of`` and, when the ``forecast`` stage stored a forecast for the brand made as at the same
week, replaces each zone's demand by the forecast mean weekly units over the forecast horizon (area
forecasts split over outcodes by their recent share; see
:func:`~microfactory.store.forecast_repository.forecast_weekly_units`). It solves three scenarios —
``centralised`` (the plant alone), ``local`` (microfactories allowed) and ``n-1`` (local with N-1
redundancy) — fanned out over the runner. All are written in one transaction, one plan run per
scenario (scope ``<brand>/<scenario>``), with KPIs and the problems that say which zones cannot be
covered and why; the KPI ``demand_source`` says whether the design used the forecast or the history
(and ``demand_note`` why not the forecast). Re-running replaces them. Site capacities per family
follow the history's family mix either way.

Assumptions: deliveries by the brand's largest vehicle of its sector fleet (kitchen: 7.5 t rigid),
transport kg CO2e from that vehicle's DESNZ 2025 well-to-wheel per-km factor, an 8 h delivery limit,
no carbon price. The CLI (``microfactory network design``) uses the same builder with its options
(on the history: it passes no forecast).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from microfactory.domain import MasterData, PlanHorizon, SiteKind, SiteStatus, WeeklyDemand
from microfactory.emissions import Boundary, load_desnz_2025
from microfactory.errors import InvalidInputError, MicrofactoryError
from microfactory.network import (
    DemandZone,
    NetworkProblem,
    Scenario,
    ScenarioResult,
    SolveLimits,
    compare,
    network_problem_from_master,
    parse_scenario,
    run_scenario,
)
from microfactory.plan.progress import ProgressSink, SilentProgress
from microfactory.plan.runner import Runner
from microfactory.plan.stages.base import StageContext, StageReport
from microfactory.plan.stages.routes import FLEETS
from microfactory.store import (
    NETWORK_STAGE,
    NetworkScenarioRecord,
    NetworkSiteRecord,
    NetworkZoneRecord,
    load_master_data,
    load_weekly_demand,
    network_scope,
    save_network_scenario,
    transaction,
)
from microfactory.store.forecast_repository import forecast_weekly_units, latest_forecast_run

STAGE = NETWORK_STAGE
NETWORK_SECONDS = 20.0
"""Default time limit per scenario solve (capped by ``Settings.solver_seconds``)."""
DEMAND_WEEKS = 13
MAX_DELIVERY_HOURS = 8.0
SCENARIOS = ("centralised", "local", "n-1")
EMISSION_BOUNDARY = Boundary.WTW


class NoDemandHistoryError(MicrofactoryError):
    """A brand has no stored weekly demand to design its network from."""

    def __init__(self, brand: str) -> None:
        self.brand = brand
        super().__init__(
            f"no demand history stored for brand {brand!r}: run `microfactory demo` "
            "(or the demand_history stage) first"
        )


class NoCandidatesError(MicrofactoryError):
    """A brand has no central plant or no candidate site, so there is no network to design."""

    def __init__(self, brand: str) -> None:
        super().__init__(f"brand {brand!r} has no central plant and candidate sites to design a network from")


@dataclass(frozen=True)
class NetworkOptions:
    """Problem and solver settings shared by every scenario of one run."""

    seconds: float = NETWORK_SECONDS
    workers: int = 2
    seed: int = 1
    circuity: float = 1.4
    max_delivery_hours: float = MAX_DELIVERY_HOURS
    carbon_price_gbp_per_tonne: float = 0.0
    weeks: int = DEMAND_WEEKS
    use_forecast: bool = True
    """Design on the brand's stored forecast when one was made as at the same week."""
    forecast_weeks: int | None = None
    """Forecast weeks averaged; ``None``: every stored forecast week (the forecast stage's horizon)."""

    def limits(self) -> SolveLimits:
        """Solver limits of one scenario."""
        return SolveLimits(seconds=self.seconds, workers=self.workers)


def design_brands(master: MasterData) -> list[str]:
    """Brands with a (not closed) central plant and at least one candidate site, sorted."""
    out = []
    for brand in master.brands:
        sites = [s for s in master.sites if s.brand == brand.code and s.status is not SiteStatus.CLOSED]
        plant = any(s.kind is SiteKind.CENTRAL_PLANT for s in sites)
        candidates = any(s.status is SiteStatus.CANDIDATE for s in sites)
        if plant and candidates:
            out.append(brand.code)
    return sorted(out)


def _vehicle(master: MasterData, brand: str) -> tuple[str | None, float | None]:
    """The brand's delivery vehicle (largest of its sector fleet) and its kg CO2e per km."""
    sector = next(b.sector for b in master.brands if b.code == brand)
    wanted = FLEETS.get(sector, {})
    types = [v for v in master.vehicle_types if v.code in wanted] or list(master.vehicle_types)
    if not types:
        return None, None
    vehicle = max(types, key=lambda v: (v.capacity_kg, v.code))
    try:
        factor = load_desnz_2025().vehicle_factor(vehicle.emission_factor_key, EMISSION_BOUNDARY, "km")
    except KeyError:
        return vehicle.code, None
    return vehicle.code, factor.kg_co2e_per_unit


def window_end_day(weekly: Sequence[WeeklyDemand], as_of: datetime | None) -> date:
    """Last day of the demand window: the last full week before ``as_of``, else the latest week stored."""
    if as_of is not None:
        return (as_of - timedelta(days=7)).date()
    return max(w.week_start for w in weekly)


def demand_window(end_day: date, weeks: int) -> PlanHorizon:
    """The ``weeks`` Monday-to-Monday weeks ending with the week containing ``end_day`` (UTC)."""
    monday = end_day - timedelta(days=end_day.weekday())
    end = datetime.combine(monday + timedelta(days=7), clock_time(0), tzinfo=UTC)
    return PlanHorizon(start=end - timedelta(weeks=weeks), end=end)


@dataclass(frozen=True)
class ForecastDemand:
    """A brand's stored forecast as mean weekly units per ``(outcode, family)`` over its horizon."""

    plan_run_id: int
    first_week: date
    """Monday of the first forecast week (the Monday after the forecast's history)."""
    weeks: int
    version: str
    units: Mapping[tuple[str, str], float]


def load_forecast_demand(session: Session, brand: str, weeks: int | None = None) -> ForecastDemand | None:
    """``brand``'s latest stored forecast as mean weekly units per (outcode, family), or ``None``.

    ``weeks`` limits the forecast weeks averaged (default all of them).
    """
    run = latest_forecast_run(session, brand)
    if run is None:
        return None
    used = run.horizon_weeks if weeks is None else min(weeks, run.horizon_weeks)
    units = forecast_weekly_units(session, brand, weeks=used)
    return ForecastDemand(run.plan_run_id, run.history_end, used, run.version, units) if units else None


@dataclass(frozen=True)
class BrandProblem:
    """A brand's problem, the demand window it was built from, and the parameters to store."""

    brand: str
    problem: NetworkProblem
    horizon: PlanHorizon
    parameters: dict[str, Any]
    demand_kpis: dict[str, float | int | str] = field(default_factory=dict)
    """Where the zones' demand came from (``demand_source``...), added to every scenario's KPIs."""


def forecast_zones(
    master: MasterData, problem: NetworkProblem, units: Mapping[tuple[str, str], float]
) -> tuple[DemandZone, ...]:
    """Demand zones with the forecast ``units`` per (outcode, family) in place of the history's.

    Raises :class:`InvalidInputError` for an outcode that is not a zone of the master data or a
    family that is not one of the problem's (as the history builder does).
    """
    by_outcode = {z.outcode: z for z in master.zones}
    per_zone: dict[str, dict[str, float]] = defaultdict(dict)
    for (outcode, family), value in units.items():
        if family not in problem.families:
            raise InvalidInputError.single(
                "network problem", f"unknown SKU family {family!r} of {problem.name}", field="forecast"
            )
        if outcode not in by_outcode:
            raise InvalidInputError.single(
                "network problem", f"outcode {outcode!r} is not a zone of the master data", field="forecast"
            )
        if value > 0:
            per_zone[outcode][family] = float(value)
    return tuple(
        DemandZone(outcode=o, centroid=by_outcode[o].centroid, units_per_week=per_zone[o])
        for o in sorted(per_zone)
    )


def brand_problem(
    master: MasterData,
    weekly: Sequence[WeeklyDemand],
    brand: str,
    options: NetworkOptions,
    as_of: datetime | None,
    forecast: ForecastDemand | None = None,
) -> BrandProblem:
    """Build ``brand``'s network problem from master data and its weekly demand (or its forecast).

    With ``forecast`` (and ``options.use_forecast``) made as at the week after the demand window, the
    zones' demand is the forecast's mean weekly units; otherwise the window's mean weekly history.

    Raises:
        NotFoundError: unknown brand (via the builder's ``InvalidInputError``).
        NoDemandHistoryError: no weekly demand rows for the brand.
    """
    rows = [w for w in weekly if w.brand == brand]
    if not rows:
        raise NoDemandHistoryError(brand)
    end_day = window_end_day(rows, as_of)
    vehicle, kg_per_km = _vehicle(master, brand)
    problem = network_problem_from_master(
        master,
        rows,
        brand=brand,
        weeks=options.weeks,
        as_of=end_day,
        vehicle_type=vehicle,
        max_delivery_hours=options.max_delivery_hours,
        circuity=options.circuity,
        kg_co2e_per_vehicle_km=kg_per_km,
        carbon_price_gbp_per_tonne=options.carbon_price_gbp_per_tonne,
    )
    parameters: dict[str, Any] = {
        "weeks": options.weeks,
        "window_end": end_day.isoformat(),
        "vehicle_type": problem.delivery.vehicle_type,
        "kg_co2e_per_vehicle_km": kg_per_km,
        "emission_boundary": EMISSION_BOUNDARY.value,
        "max_delivery_hours": options.max_delivery_hours,
        "circuity": options.circuity,
        "carbon_price_gbp_per_tonne": options.carbon_price_gbp_per_tonne,
        "seconds": options.seconds,
        "workers": options.workers,
        "seed": options.seed,
    }
    window = demand_window(end_day, options.weeks)
    demand: dict[str, float | int | str] = {"demand_source": "history"}
    if not options.use_forecast:
        demand["demand_note"] = "forecast not used (option)"
    elif forecast is None:
        demand["demand_note"] = "no stored forecast"
    elif forecast.first_week != window.end.date():
        demand["demand_note"] = (
            f"stored forecast starts {forecast.first_week.isoformat()}, not after the demand window "
            f"({window.end.date().isoformat()})"
        )
    else:
        problem = problem.model_copy(update={"zones": forecast_zones(master, problem, forecast.units)})
        demand = {
            "demand_source": "forecast",
            "forecast_plan_run_id": forecast.plan_run_id,
            "forecast_weeks": forecast.weeks,
            "forecast_first_week": forecast.first_week.isoformat(),
        }
    parameters["demand_source"] = demand["demand_source"]
    return BrandProblem(brand, problem, window, parameters, demand)


@dataclass(frozen=True)
class ScenarioTask:
    """One unit of fan-out: a brand's problem and one scenario to solve on it."""

    brand: str
    problem: NetworkProblem
    scenario: Scenario
    limits: SolveLimits
    seed: int


def design_scenario(task: ScenarioTask) -> ScenarioResult:
    """Solve one scenario (top-level so worker processes can import it)."""
    return run_scenario(task.problem, task.scenario, task.limits, task.seed)


def scenario_record(
    brand: str, item: ScenarioResult, parameters: dict[str, Any] | None = None
) -> NetworkScenarioRecord:
    """A solved scenario as a store record: KPIs (with the compare columns), open sites, zones, problems."""
    result = item.result
    kpis: dict[str, float | int | str] = dict(result.kpis())
    kpis |= {k: v for k, v in compare([item])[0].items() if k != "scenario"}
    sites = tuple(
        NetworkSiteRecord(
            site=s.code,
            kind=s.kind.value,
            fixed_cost_pence=s.fixed_cost_pence_per_week,
            zones_served=s.zones_served,
            at_risk_units_per_week=round(s.units_per_week, 4),
            lost_if_down_units_per_week=(
                round(s.lost_if_down_units_per_week, 4) if s.lost_if_down_units_per_week is not None else None
            ),
            utilisation=round(s.utilisation, 4),
        )
        for s in result.sites
        if s.open
    )
    zones = tuple(
        NetworkZoneRecord(
            outcode=z.outcode,
            primary_site=z.primary,
            backup_site=z.backup,
            road_km=round(z.road_km, 3) if z.road_km is not None else None,
            delivery_hours=round(z.delivery_hours, 3) if z.delivery_hours is not None else None,
            units_per_week=round(z.units_per_week, 4),
            served_share=round(z.served_share, 4),
        )
        for z in result.zones
    )
    return NetworkScenarioRecord(
        brand=brand,
        name=item.scenario.name,
        parameters={**(parameters or {}), "scenario": item.scenario.model_dump(mode="json")},
        status=result.status.value,
        gap=result.gap,
        bound_pence=round(result.bound_pence) if result.bound_pence is not None else None,
        objective_pence=round(result.objective_pence) if result.objective_pence is not None else None,
        kpis=kpis,
        sites=sites,
        zones=zones,
        problems=result.problems,
    )


def design_network(
    sessions: sessionmaker[Session],
    runner: Runner,
    options: NetworkOptions,
    *,
    scenarios: Sequence[Scenario] | None = None,
    brands: Sequence[str] | None = None,
    as_of: datetime | None = None,
    progress: ProgressSink | None = None,
) -> list[StageReport]:
    """Design, store and report ``scenarios`` (default centralised, local, n-1) for ``brands``.

    ``brands`` defaults to :func:`design_brands`. Reads in one session, solves over ``runner``,
    writes every scenario in one transaction. Raises :class:`NoDemandHistoryError` for a named brand
    without stored weekly demand (default brands without it are skipped).
    """
    sink = progress or SilentProgress()
    chosen = [parse_scenario(s) for s in SCENARIOS] if scenarios is None else list(scenarios)
    sink.step("Reading demand for network design", None)
    with sessions() as session:
        master = load_master_data(session)
        names = design_brands(master) if brands is None else list(brands)
        weekly = {b: load_weekly_demand(session, brand=b) for b in names}
        forecasts = {
            b: load_forecast_demand(session, b, options.forecast_weeks) if options.use_forecast else None
            for b in names
        }
    if brands is None:
        names = [b for b in names if weekly[b]]
    problems = [brand_problem(master, weekly[b], b, options, as_of, forecasts[b]) for b in names]
    tasks = [
        ScenarioTask(p.brand, p.problem, s, options.limits(), options.seed) for p in problems for s in chosen
    ]
    advance = sink.step("Designing the network per scenario", len(tasks))
    results = runner.map(design_scenario, tasks, progress=advance)
    sink.step("Writing network scenarios", None)
    built = {p.brand: p for p in problems}
    reports: list[StageReport] = []
    with transaction(sessions) as session:
        for task, item in zip(tasks, results, strict=True):
            bp = built[task.brand]
            record = scenario_record(task.brand, item, bp.parameters)
            record = replace(record, kpis={**record.kpis, **bp.demand_kpis})
            run_id = save_network_scenario(session, record, horizon=bp.horizon)
            reports.append(
                StageReport(
                    STAGE,
                    network_scope(task.brand, item.scenario.name),
                    bp.horizon,
                    record.kpis,
                    record.problems,
                    item.result.seconds,
                    run_id,
                )
            )
    return reports


def run_network(ctx: StageContext, *, seconds: float = NETWORK_SECONDS) -> list[StageReport]:
    """The ``network`` stage: centralised, local and N-1 designs of every brand with candidates.

    ``seconds`` caps each scenario's solve (and is itself capped by ``Settings.solver_seconds``);
    solver threads are ``Settings.workers``.
    """
    options = NetworkOptions(
        seconds=min(seconds, ctx.settings.solver_seconds),
        workers=ctx.settings.workers,
        seed=ctx.settings.seed,
        circuity=ctx.settings.circuity,
    )
    return design_network(ctx.sessions, ctx.runner, options, as_of=ctx.as_of, progress=ctx.progress)
