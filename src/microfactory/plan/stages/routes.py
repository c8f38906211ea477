"""Stage ``routes``: one day of local deliveries per active site, routed, costed and carbon-accounted.

For every active site with deliveries on its plan day the stage reads the site's orders from the
store (delivery and install orders, not cancelled, window starting that local day), builds a
:class:`~microfactory.fulfilment.RoutingProblem` from the master data (zone centroids, SKU masses and
volumes, vehicle types, site calendar), solves it with PyVRP, and computes each route's emissions by
the DESNZ 2025 factor set, well-to-wheel and tank-to-wheel, allocated to its orders by tonne-km
share (ISO 14083:2023 §5.6). Sites fan out over the runner; everything is written in one transaction:
one plan run per site and day (routes, stops, problems, route and order emissions) plus a week of
central-versus-local comparisons. Re-running for the same day replaces it.

Assumptions, until the pieces they stand in for land:

- **Plan day.** The demo's history ends at ``as_of`` and few orders lie after it, so by default each
  site replays a real day: the day with the most deliveries among the :data:`LOOKBACK_DAYS` local
  days before ``as_of`` (the latest such day on a tie). An explicit ``day`` plans that day instead.
- **Ready times.** No scheduler yet: goods are taken as packed just in time, 90 minutes before the
  delivery window opens (the routing engine's default), not before the order was placed or the
  site opens.
- **Fleet.** Master data has no per-site fleet yet: each site gets its brand's vehicle types,
  :data:`FLEETS` by sector (types missing from the master data are left out; a sector without an
  entry gets every vehicle type, as many as it has deliveries).
- **Central versus local** is run for brands with an active central plant (the kitchen brand): for
  every active microfactory of the brand and every day of the week (the :data:`WEEK_DAYS` local days
  ending on ``day``, or before ``as_of``) with deliveries, the day's orders are served from the
  microfactory and, alternatively, from the plant by a trunk HGV to a cross-dock at the
  microfactory's address, then the same last mile. Kitchens are made before the delivery day, so in
  both scenarios goods are ready at 00:00 (local) at the producing site; the trunk leaves at 04:00.
  Site-days fan out over the runner; the days add up to one week per site
  (``central_vs_local/<site>/week-<first day>``) and per brand (``central_vs_local/<brand>/week-...``)
  by :func:`~microfactory.fulfilment.routing_compare.sum_comparisons`: km and kg CO2e summed,
  on-time share weighted by deliveries, mean lead time by served deliveries. The food brand has no
  central plant.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from microfactory.domain import (
    Brand,
    Calendar,
    DeliveryRoute,
    GeoPoint,
    MasterData,
    Order,
    PlanHorizon,
    Problem,
    ProblemKind,
    RouteStop,
    Sector,
    Severity,
    Site,
    SiteKind,
    SiteStatus,
    Sku,
    VehicleType,
)
from microfactory.emissions import Boundary, FactorSet, TripEmissions, load_desnz_2025, trips_emissions
from microfactory.emissions import trips_from_routes as emission_trips
from microfactory.errors import MicrofactoryError, NotFoundError
from microfactory.fulfilment import (
    CentralLocalComparison,
    RoutingDepot,
    RoutingProblem,
    RoutingResult,
    SolveLimits,
    compare_central_local,
    solve,
)
from microfactory.fulfilment.routing_compare import CentralLocalTotals, sum_comparisons
from microfactory.fulfilment.routing_result import STAGE as ROUTING_PROBLEM_STAGE
from microfactory.plan.progress import ProgressSink, SilentProgress
from microfactory.plan.runner import Runner
from microfactory.plan.stages.base import StageContext, StageReport
from microfactory.store import (
    OrderEmission,
    RouteEmission,
    delivery_day_counts,
    load_master_data,
    load_window_orders,
    save_emissions,
    save_plan_run,
    transaction,
)

STAGE = "routes"
COMPARE_SCOPE_PREFIX = "central_vs_local/"
"""Scope of a comparison's plan run: prefix + site (or brand) code + ``/week-`` + the week's first day."""
WEEK_DAYS = 7
"""Days of the central-versus-local week."""
TIMEZONE = "Europe/London"
LOOKBACK_DAYS = 7
ROUTES_SECONDS = 10.0
"""Default time limit per site solve (capped by ``Settings.solver_seconds``)."""
ITERATIONS_BASE = 1_000
ITERATIONS_PER_DELIVERY = 100
"""Default iteration budget per solve: base + per delivery. PyVRP on a demo day converges well
within it, and an iteration limit (unlike a time limit) gives the same plan on any machine."""
FLEETS: Mapping[Sector, Mapping[str, int]] = {
    Sector.FOOD: {"ECARGO-BIKE": 8, "EVAN-35": 4, "REEFER-VAN": 2},
    Sector.KITCHEN: {"RIGID-75": 6, "EVAN-35": 2, "DVAN-35": 2},
}
"""Vehicles per type code available each day at a site of each sector (demo vehicle codes)."""
READY_TIMES_NOTE = "no scheduler yet: packed 90 min before the window opens"
COMPARE_READY_NOTE = "made the day before: ready 00:00 at the producing site in both scenarios"
BOUNDARIES = (Boundary.WTW, Boundary.TTW)


class NoDeliveriesError(MicrofactoryError):
    """A site has no delivery or install orders to route on the asked day (or recent days)."""

    def __init__(self, site: str, when: str) -> None:
        self.site = site
        self.when = when
        super().__init__(
            f"no deliveries to route at {site} {when}: no delivery or install orders with a window "
            f"starting then ({TIMEZONE})"
        )


@dataclass(frozen=True)
class RoutesOptions:
    """Solver limits and routing settings for every site of one run."""

    seconds: float = ROUTES_SECONDS
    """Time limit per solve."""
    iterations: int | None = None
    """Iteration limit per solve; ``None``: the size-based budget when ``auto_iterations``."""
    auto_iterations: bool = True
    seed: int = 1
    circuity: float = 1.4

    def limits(self, deliveries: int) -> SolveLimits:
        """Limits for a solve of ``deliveries`` deliveries."""
        iterations = self.iterations
        if iterations is None and self.auto_iterations:
            iterations = ITERATIONS_BASE + ITERATIONS_PER_DELIVERY * deliveries
        return SolveLimits(seconds=self.seconds, max_iterations=iterations)


@dataclass(frozen=True)
class SiteDayTask:
    """One unit of fan-out: a site's orders for one day and everything needed to route them."""

    site: Site
    day: date
    day_rule: str
    orders: tuple[Order, ...]
    skus: tuple[Sku, ...]
    vehicle_types: tuple[VehicleType, ...]
    fleet: Mapping[str, int] | None
    zones: Mapping[str, GeoPoint]
    calendar: Calendar | None
    options: RoutesOptions
    compare_plant: Site | None = None
    """When set, also compare serving these orders from this central plant (kitchen brand)."""


@dataclass(frozen=True)
class SiteDayPlan:
    """A site's routed day: the routing result, orders refused for bad data, emissions, comparison."""

    site: str
    day: date
    day_rule: str
    horizon: PlanHorizon
    result: RoutingResult
    screened: tuple[Problem, ...]
    """Orders that could not be made into deliveries (unknown outcode or SKU), one problem each."""
    emissions: Mapping[Boundary, tuple[TripEmissions, ...]]
    factor_set_id: str
    factor_year: int
    vehicle_of_route: Mapping[str, str]
    seconds: float = 0.0

    def problems(self) -> tuple[Problem, ...]:
        """Every order not on a route, with its reason, plus any broken route constraint."""
        return (*self.screened, *self.result.problems())

    def records(self) -> tuple[list[DeliveryRoute], list[RouteStop]]:
        """Routes and stops as plan records."""
        routes: list[DeliveryRoute] = []
        stops: list[RouteStop] = []
        for planned in self.result.routes:
            route, route_stops = planned.to_domain(self.day)
            routes.append(route)
            stops.extend(route_stops)
        return routes, stops

    def emission_records(self) -> tuple[list[RouteEmission], list[OrderEmission]]:
        """Route and order emission records for both boundaries."""
        keys = {d.code: (d.order_channel, d.order_external_id) for d in self.result.problem.deliveries}
        routes: list[RouteEmission] = []
        orders: list[OrderEmission] = []
        for trips in self.emissions.values():
            for t in trips:
                fig = t.figure
                routes.append(
                    RouteEmission(
                        site=self.site,
                        route_code=t.trip.trip_code,
                        day=self.day,
                        vehicle_type=self.vehicle_of_route[t.trip.trip_code],
                        boundary=fig.boundary.value,
                        method=fig.method.value,
                        distance_km=t.trip.distance_km,
                        tonne_km=fig.tonne_km,
                        kg_co2e=fig.kg_co2e,
                        factor_set_id=fig.factor_set_id,
                        factor_year=fig.year,
                        factor_row_ids=fig.row_ids,
                    )
                )
                for o in t.orders:
                    channel, external_id = keys[o.order]
                    if channel is None or external_id is None:
                        continue
                    orders.append(
                        OrderEmission(
                            site=self.site,
                            route_code=t.trip.trip_code,
                            day=self.day,
                            order_channel=channel,
                            order_external_id=external_id,
                            boundary=o.figure.boundary.value,
                            method=o.figure.method.value,
                            tonne_km=o.figure.tonne_km,
                            kg_co2e=o.figure.kg_co2e,
                            factor_set_id=o.figure.factor_set_id,
                            factor_year=o.figure.year,
                            factor_row_ids=o.figure.row_ids,
                        )
                    )
        return routes, orders

    def kpis(self) -> dict[str, float | int | str]:
        """Per-site figures: stops, vehicles, km, kg CO2e (WTW and TTW), intensity, on-time share."""
        r = self.result
        base = r.kpis()
        deliveries = len(r.problem.deliveries) + len(self.screened)
        on_time = sum(1 for s in r.stops() if s.on_time)
        wtw = self.emissions[Boundary.WTW]
        ttw = self.emissions[Boundary.TTW]
        tonne_km = sum(t.figure.tonne_km for t in wtw)
        kg_wtw = sum(t.figure.kg_co2e for t in wtw)
        rows = dict.fromkeys(row for t in wtw for row in t.figure.row_ids)
        kpis: dict[str, float | int | str] = {
            "day": self.day.isoformat(),
            "day_rule": self.day_rule,
            "deliveries": deliveries,
            "stops": base["stops"],
            "unserved": len(r.unserved) + len(self.screened),
            "vehicles_used": base["vehicles_used"],
            "distance_km": round(r.distance_km(), 3),
            "tonne_km": round(tonne_km, 4),
            "kg_co2e_wtw": round(kg_wtw, 4),
            "kg_co2e_ttw": round(sum(t.figure.kg_co2e for t in ttw), 4),
        }
        if tonne_km > 0:
            kpis["g_co2e_per_tonne_km_wtw"] = round(1000.0 * kg_wtw / tonne_km, 2)
        kpis |= {
            "on_time_share": on_time / deliveries if deliveries else 1.0,
            "mean_lead_minutes": base["mean_lead_minutes"],
            "cost_pence": base["cost_pence"],
            "solver_seconds": base["solver_seconds"],
            "solver_iterations": r.iterations,
            "emission_factor_set": f"{self.factor_set_id}:{self.factor_year}",
            "emission_method": "per_km",
            "emission_factor_rows_wtw": ";".join(rows),
            "ready_times": READY_TIMES_NOTE,
        }
        return kpis


@dataclass(frozen=True)
class DayComparison:
    """One site-day of the central-versus-local comparison."""

    site: str
    brand: str
    plant: str
    day: date
    comparison: CentralLocalComparison
    seconds: float = 0.0


@dataclass(frozen=True)
class WeekComparison:
    """Site-days of one week added up, for one site or a whole brand."""

    subject: str
    """Site code, or brand code for the brand total."""
    plant: str
    first_day: date
    days: tuple[DayComparison, ...]
    totals: CentralLocalTotals
    seconds: float

    @property
    def scope(self) -> str:
        """The plan run's scope: ``central_vs_local/<subject>/week-<first day>``."""
        return f"{COMPARE_SCOPE_PREFIX}{self.subject}/week-{self.first_day.isoformat()}"

    @property
    def horizon(self) -> PlanHorizon:
        """The week's local days as one horizon."""
        return week_horizon(self.first_day)

    def kpis(self) -> dict[str, float | int | str]:
        """Both scenarios flattened (``central_km``, ``local_km``...), the counts and provenance."""
        t = self.totals
        sites = sorted({d.site for d in self.days})
        kpis: dict[str, float | int | str] = {
            "subject": self.subject,
            "level": "brand" if self.days and self.subject == self.days[0].brand else "site",
            "sites": ";".join(sites),
            "plant": self.plant,
            "hubs": ";".join(hub_code(site) for site in sites),
            "week_start": self.first_day.isoformat(),
            "week_end": (self.first_day + timedelta(days=WEEK_DAYS - 1)).isoformat(),
            "site_days": len(self.days),
            "days_with_deliveries": len({d.day for d in self.days}),
            "deliveries": t.local.deliveries,
        }
        for row in t.rows():
            name = str(row["scenario"])
            kpis |= {f"{name}_{k}": v for k, v in row.items() if k != "scenario"}
        kpis |= {
            "boundary": t.boundary.value,
            "emission_factor_set": f"{t.factor_set_id}:{t.factor_year}",
            "emission_factor_rows": ";".join(t.row_ids),
            "ready_times": COMPARE_READY_NOTE,
            "solver_seconds": round(self.seconds, 3),
        }
        return kpis


def week_days(*, day: date | None = None, as_of: datetime | None = None) -> list[date]:
    """The comparison week: the :data:`WEEK_DAYS` local days ending on ``day``, else before ``as_of``."""
    if day is not None:
        last = day
    elif as_of is not None:
        last = as_of.astimezone(ZoneInfo(TIMEZONE)).date() - timedelta(days=1)
    else:
        raise ValueError("give a day or an as_of instant for the comparison week")
    return [last - timedelta(days=WEEK_DAYS - 1 - i) for i in range(WEEK_DAYS)]


def week_horizon(first_day: date) -> PlanHorizon:
    """The :data:`WEEK_DAYS` local days from ``first_day`` as one aware UTC horizon."""
    last = day_horizon(first_day + timedelta(days=WEEK_DAYS - 1))
    return PlanHorizon(start=day_horizon(first_day).start, end=last.end)


def week_comparisons(days: Sequence[DayComparison], first_day: date) -> list[WeekComparison]:
    """One week per site (site order) and one per brand over all its sites, from the site-days."""
    weeks: list[WeekComparison] = []
    by_brand: dict[str, list[DayComparison]] = {}
    by_site: dict[str, list[DayComparison]] = {}
    for d in sorted(days, key=lambda d: (d.brand, d.site, d.day)):
        by_brand.setdefault(d.brand, []).append(d)
        by_site.setdefault(d.site, []).append(d)
    for subject, group in (*by_site.items(), *by_brand.items()):
        weeks.append(
            WeekComparison(
                subject=subject,
                plant=group[0].plant,
                first_day=first_day,
                days=tuple(group),
                totals=sum_comparisons([d.comparison for d in group]),
                seconds=sum(d.seconds for d in group),
            )
        )
    return weeks


def hub_code(site: str) -> str:
    """Code of the cross-dock the comparison's trunk delivers to, at the microfactory's address."""
    return f"{site}-XDOCK"


def day_horizon(day: date, timezone: str = TIMEZONE) -> PlanHorizon:
    """The local day ``[00:00, next 00:00)`` in ``timezone`` as an aware UTC horizon (DST-safe)."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, clock_time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), clock_time(0), tzinfo=zone).astimezone(UTC)
    return PlanHorizon(start=start, end=end)


def _screen(
    orders: Sequence[Order], zones: Mapping[str, GeoPoint], skus: Mapping[str, Sku]
) -> tuple[list[Order], list[Problem]]:
    """Split off orders the routing problem cannot take (no zone, unknown SKU), one problem each."""
    good: list[Order] = []
    refused: list[Problem] = []
    for order in orders:
        reasons = []
        if order.outcode not in zones:
            reasons.append(f"no delivery zone for outcode {order.outcode}")
        unknown = sorted({line.sku for line in order.lines if line.sku not in skus})
        if unknown:
            reasons.append(f"unknown SKU {', '.join(unknown)}")
        if not reasons:
            good.append(order)
            continue
        refused.append(
            Problem(
                stage=ROUTING_PROBLEM_STAGE,
                kind=ProblemKind.DATA,
                subject_kind="order",
                subject=f"{order.channel}/{order.external_id}",
                reason="; ".join(reasons) + ": not routed",
                severity=Severity.ERROR,
                binding_constraint="master_data",
            )
        )
    return good, refused


def _compare(
    task: SiteDayTask, problem: RoutingProblem, limits: SolveLimits, factors: FactorSet
) -> CentralLocalComparison:
    assert task.compare_plant is not None
    plant = task.compare_plant
    depot = problem.depots[0]
    hub = RoutingDepot(
        code=hub_code(task.site.code),
        location=depot.location,
        open_minutes=depot.open_minutes,
        last_departure_minutes=depot.last_departure_minutes,
    )
    made_before = problem.replace(
        deliveries=tuple(d.model_copy(update={"ready_minutes": 0.0}) for d in problem.deliveries)
    )
    return compare_central_local(
        made_before,
        plant=RoutingDepot(code=plant.code, location=plant.location),
        hub=hub,
        hub_fleet=tuple(v.model_copy(update={"depot": hub.code}) for v in problem.vehicle_types),
        limits=limits,
        seed=task.options.seed,
        factors=factors,
        boundary=Boundary.WTW,
    )


def plan_site_day(task: SiteDayTask) -> SiteDayPlan:
    """Route one site's day and compute its emissions (top-level so worker processes can import it)."""
    started = time.perf_counter()
    problem, screened = _problem(task)
    limits = task.options.limits(len(problem.deliveries))
    result = solve(problem, limits, seed=task.options.seed)
    factors = load_desnz_2025()
    keys = {v.code: v.emission_factor_key for v in task.vehicle_types}
    trips = emission_trips(result.routes, task.day, keys)
    emissions = {b: trips_emissions(trips, factors, b) for b in BOUNDARIES}
    seconds = time.perf_counter() - started
    return SiteDayPlan(
        site=task.site.code,
        day=task.day,
        day_rule=task.day_rule,
        horizon=day_horizon(task.day),
        result=result,
        screened=tuple(screened),
        emissions=emissions,
        factor_set_id=factors.id,
        factor_year=factors.year,
        vehicle_of_route={r.route_code: r.vehicle_type for r in result.routes},
        seconds=seconds,
    )


def _problem(task: SiteDayTask) -> tuple[RoutingProblem, list[Problem]]:
    skus = {s.code: s for s in task.skus}
    orders, screened = _screen(task.orders, task.zones, skus)
    problem = RoutingProblem.from_orders(
        task.site,
        orders,
        task.skus,
        task.vehicle_types,
        task.day,
        zones=task.zones,
        circuity=task.options.circuity,
        fleet=task.fleet,
        calendar=task.calendar,
    )
    return problem, screened


def compare_site_day(task: SiteDayTask) -> DayComparison | None:
    """Central versus local for one site-day (top-level so worker processes can import it).

    ``None`` when no order of the day could be made into a delivery.
    """
    assert task.compare_plant is not None
    started = time.perf_counter()
    problem, _ = _problem(task)
    if not problem.deliveries:
        return None
    limits = task.options.limits(len(problem.deliveries))
    comparison = _compare(task, problem, limits, load_desnz_2025())
    return DayComparison(
        site=task.site.code,
        brand=task.site.brand,
        plant=task.compare_plant.code,
        day=task.day,
        comparison=comparison,
        seconds=time.perf_counter() - started,
    )


def busiest_days(
    session: Session, sites: Sequence[str], as_of: datetime, lookback_days: int = LOOKBACK_DAYS
) -> dict[str, date]:
    """Per site, the local day among the ``lookback_days`` before ``as_of`` with the most deliveries.

    The latest such day wins a tie; sites without deliveries in the window are left out.
    """
    zone = ZoneInfo(TIMEZONE)
    first = as_of.astimezone(zone).date() - timedelta(days=lookback_days)
    start = datetime.combine(first, clock_time(0), tzinfo=zone).astimezone(UTC)
    counts = delivery_day_counts(session, start=start, end=as_of, timezone=TIMEZONE)
    return {
        site: max(counts[site].items(), key=lambda kv: (kv[1], kv[0]))[0]
        for site in sites
        if counts.get(site)
    }


def fleet_for(
    brand: Brand, vehicle_types: Sequence[VehicleType]
) -> tuple[tuple[VehicleType, ...], dict[str, int] | None]:
    """The brand's vehicle types and counts per day (:data:`FLEETS`); every type, unlimited, otherwise."""
    wanted = FLEETS.get(brand.sector)
    types = tuple(v for v in vehicle_types if wanted is None or v.code in wanted)
    if not types:
        return tuple(vehicle_types), None
    return types, None if wanted is None else {v.code: wanted[v.code] for v in types}


def _central_plants(master: MasterData) -> dict[str, Site]:
    """Per brand code, its active central plant (the first by code), for brands that have one."""
    plants: dict[str, Site] = {}
    for site in sorted(master.sites, key=lambda s: s.code):
        if site.kind is SiteKind.CENTRAL_PLANT and site.status is SiteStatus.ACTIVE:
            plants.setdefault(site.brand, site)
    return plants


def _site_day_task(
    session: Session,
    master: MasterData,
    site: Site,
    site_day: date,
    rule: str,
    options: RoutesOptions,
    compare_plant: Site | None = None,
) -> SiteDayTask | None:
    """The site's orders of that local day and what routing them needs; ``None`` without orders."""
    horizon = day_horizon(site_day)
    orders = load_window_orders(
        session, start=horizon.start, end=horizon.end, site=site.code, brand=site.brand
    )
    if not orders:
        return None
    brand = next(b for b in master.brands if b.code == site.brand)
    zones = {z.outcode: z.centroid for z in master.zones}
    wanted = {line.sku for o in orders for line in o.lines}
    types, fleet = fleet_for(brand, master.vehicle_types)
    return SiteDayTask(
        site=site,
        day=site_day,
        day_rule=rule,
        orders=tuple(orders),
        skus=tuple(s for s in master.skus if s.code in wanted),
        vehicle_types=types,
        fleet=fleet,
        zones={o.outcode: zones[o.outcode] for o in orders if o.outcode in zones},
        calendar=master.calendar(site.calendar),
        options=options,
        compare_plant=compare_plant,
    )


def _compare_tasks(
    session: Session,
    master: MasterData,
    options: RoutesOptions,
    week: Sequence[date],
    sites: Sequence[str] | None,
) -> list[SiteDayTask]:
    """One task per active microfactory of a brand with a central plant and day of ``week`` with orders."""
    plants = _central_plants(master)
    sectors = {b.code: b.sector for b in master.brands}
    micros = [
        s
        for s in sorted(master.sites, key=lambda s: s.code)
        if s.kind is SiteKind.MICROFACTORY
        and s.status is SiteStatus.ACTIVE
        and s.brand in plants
        and sectors.get(s.brand) is Sector.KITCHEN
        and (sites is None or s.code in sites)
    ]
    if not micros:
        return []
    zone = ZoneInfo(TIMEZONE)
    start = datetime.combine(week[0], clock_time(0), tzinfo=zone).astimezone(UTC)
    counts = delivery_day_counts(session, start=start, end=week_horizon(week[0]).end, timezone=TIMEZONE)
    tasks: list[SiteDayTask] = []
    rule = f"the {WEEK_DAYS} days {week[0].isoformat()} to {week[-1].isoformat()}"
    for site in micros:
        for site_day in week:
            if not counts.get(site.code, {}).get(site_day):
                continue
            task = _site_day_task(session, master, site, site_day, rule, options, plants[site.brand])
            if task is not None:
                tasks.append(task)
    return tasks


def _tasks(
    session: Session,
    options: RoutesOptions,
    *,
    as_of: datetime | None,
    sites: Sequence[str] | None,
    day: date | None,
    require_deliveries: bool,
) -> tuple[MasterData, list[SiteDayTask]]:
    master = load_master_data(session)
    if sites is None:
        chosen = [s for s in master.sites if s.status is SiteStatus.ACTIVE]
    else:
        known = {s.code for s in master.sites}
        for code in sites:
            if code not in known:
                raise NotFoundError("site", code)
        chosen = [master.site(code) for code in sites]
    if day is not None:
        days = {s.code: day for s in chosen}
        rule = "given"
    else:
        if as_of is None:
            raise ValueError("give a day or an as_of instant to pick the busiest recent day")
        days = busiest_days(session, [s.code for s in chosen], as_of)
        rule = f"busiest of the {LOOKBACK_DAYS} days before as_of"
    tasks: list[SiteDayTask] = []
    for site in chosen:
        site_day = days.get(site.code)
        if site_day is None:
            if require_deliveries:
                raise NoDeliveriesError(site.code, f"in the {LOOKBACK_DAYS} days before {as_of}")
            continue
        task = _site_day_task(session, master, site, site_day, rule, options)
        if task is None:
            if require_deliveries:
                raise NoDeliveriesError(site.code, f"on {site_day.isoformat()}")
            continue
        tasks.append(task)
    return master, tasks


@dataclass(frozen=True)
class RoutesRun:
    """What :func:`plan_routes` planned and stored: one report per site and per comparison week."""

    plans: list[SiteDayPlan] = field(default_factory=list)
    weeks: list[WeekComparison] = field(default_factory=list)
    reports: list[StageReport] = field(default_factory=list)


def plan_routes(
    sessions: sessionmaker[Session],
    runner: Runner,
    options: RoutesOptions,
    *,
    as_of: datetime | None = None,
    sites: Sequence[str] | None = None,
    day: date | None = None,
    compare: bool = True,
    require_deliveries: bool = False,
    progress: ProgressSink | None = None,
) -> RoutesRun:
    """Plan, cost and store one day of routes for ``sites`` (every active site by default).

    ``day`` plans that local day at every site; otherwise each site's busiest day of the
    :data:`LOOKBACK_DAYS` before ``as_of``. Writes one plan run per site (routes, stops, problems,
    emissions) and, with ``compare``, the week's central-versus-local runs (one per kitchen
    microfactory with deliveries that week, one for the brand; week: :func:`week_days`), all in one
    transaction.

    Raises:
        NotFoundError: A named site does not exist.
        NoDeliveriesError: With ``require_deliveries``, a named site has no deliveries that day.
    """
    sink = progress or SilentProgress()
    sink.step("Reading orders for routing", None)
    with sessions() as session:
        master, tasks = _tasks(
            session, options, as_of=as_of, sites=sites, day=day, require_deliveries=require_deliveries
        )
        week = week_days(day=day, as_of=as_of)
        compare_tasks = _compare_tasks(session, master, options, week, sites) if compare else []
    advance = sink.step("Routing deliveries per site", len(tasks))
    plans = runner.map(plan_site_day, tasks, progress=advance)
    weeks: list[WeekComparison] = []
    if compare_tasks:
        advance = sink.step("Comparing central plant and microfactories per site-day", len(compare_tasks))
        compared = runner.map(compare_site_day, compare_tasks, progress=advance)
        weeks = week_comparisons([d for d in compared if d is not None], week[0])
    sink.step("Writing routes and emissions", None)
    reports: list[StageReport] = []
    with transaction(sessions) as session:
        for plan in plans:
            routes, stops = plan.records()
            kpis = plan.kpis()
            problems = plan.problems()
            run_id = save_plan_run(
                session,
                stage=STAGE,
                scope=plan.site,
                horizon=plan.horizon,
                kpis=kpis,
                problems=problems,
                routes=routes,
                stops=stops,
            )
            route_emissions, order_emissions = plan.emission_records()
            save_emissions(session, run_id, routes=route_emissions, orders=order_emissions)
            reports.append(StageReport(STAGE, plan.site, plan.horizon, kpis, problems, plan.seconds, run_id))
        for wk in weeks:
            cmp_kpis = wk.kpis()
            cmp_id = save_plan_run(session, stage=STAGE, scope=wk.scope, horizon=wk.horizon, kpis=cmp_kpis)
            reports.append(StageReport(STAGE, wk.scope, wk.horizon, cmp_kpis, (), wk.seconds, cmp_id))
    return RoutesRun(plans=list(plans), weeks=weeks, reports=reports)


def run_routes(
    ctx: StageContext,
    *,
    day: date | None = None,
    seconds: float = ROUTES_SECONDS,
    iterations: int | None = None,
) -> list[StageReport]:
    """The ``routes`` stage: every active site's busiest recent day (or ``day``), plus the week's comparison.

    ``seconds`` caps each solve (and is itself capped by ``Settings.solver_seconds``).
    """
    options = RoutesOptions(
        seconds=min(seconds, ctx.settings.solver_seconds),
        iterations=iterations,
        seed=ctx.settings.seed,
        circuity=ctx.settings.circuity,
    )
    run = plan_routes(ctx.sessions, ctx.runner, options, as_of=ctx.as_of, day=day, progress=ctx.progress)
    return run.reports
