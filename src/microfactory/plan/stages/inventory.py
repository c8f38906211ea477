"""Stage ``inventory``: hub stocking policies, a replay of the last months, and the week's transfers.

Hubs (:func:`discover_hubs`):

- every ``hub`` site of the master data that is not closed (the demo's Park Royal cold hub), replenished
  by the nearest active microfactory of its brand; it serves that site's orders whose delivery zone is
  nearer the hub than the site, for every SKU they order (bars and snacks are perishables, condiments
  durable with a 21-day life; subscription orders are firm demand);
- a micro-fulfilment stock point ``<site>-HUB`` beside every active microfactory of a kitchen brand,
  for its make-to-stock SKUs (spare parts and accessories) sold on their own (the seed pairs each
  microfactory with such a hub; it shares the site's address, so its transfers travel 0 km).

For each hub, from the order history before ``as_of``: daily demand per SKU (perishables by delivery
day, spares by order day), the replenishment cycles of the source site's release calendar (lead time
and protection interval per review weekday), a policy per SKU by demand class
(:func:`microfactory.fulfilment.inventory.choose_policies`), a replay of the last
:data:`REPLAY_WEEKS` weeks planned from the data before them (the chosen policies against the textbook
normal baseline: fill rate, waste, stock value), an opening stock balance the first time a hub is
stocked, and the transfers of the week from ``as_of``: stored as plan records (policies, transfers with
their trip and kg CO2e, and generic ``StockMove`` rows), which the ``schedule`` stage makes as
make-to-stock work. One plan run per hub over ``[as_of, as_of + 7 days)``; re-running replaces it.

Lead-time demand of durable SKUs (spares, accessories) comes from the forecasting engine: every hub ×
SKU series of weekly demand (walk-in plus firm) is forecast by ``forecast_auto`` with a mean-type pool
and tail quantiles (:func:`stocking_forecast_config`), once at ``as_of`` for the policies and once at
the replay's start for the replay, and its per-week quantiles become interval distributions over the
release-calendar lead time (:class:`microfactory.fulfilment.inventory.ForecastDemand`). Series the
engine cannot fit (under :data:`MIN_FORECAST_WEEKS` weeks since the first sale, or no scored backtest
window) keep the moving-block bootstrap of their daily history, as do perishables (their newsvendor
reads the weekday's daily demand). The forecast is only a candidate: each hub's durable SKUs are
replayed under both sources (:func:`choose_source`) and keep the forecast only if its replay meets the
fill-rate target and is cheaper than a bootstrap replay that meets it too (or fills more when neither
meets it); otherwise every durable SKU of the hub plans from the bootstrap. KPI ``distribution_source``
counts the SKUs per source, ``distribution_choice`` names the hub's choice (with a reason) and
``choice_<source>_fill_rate`` / ``choice_<source>_avg_stock_value_pence`` hold both replays (durables).
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from microfactory.config import Settings
from microfactory.demand.forecast import (
    DS,
    MODEL,
    UNIQUE_ID,
    ForecastConfig,
    ForecastResult,
    Y,
    forecast_auto,
    quantile_column,
)
from microfactory.demand.forecast.models import MEAN_MODELS
from microfactory.domain import (
    GeoPoint,
    MasterData,
    Order,
    OrderStatus,
    PlanHorizon,
    Problem,
    ProblemKind,
    Severity,
    SiteKind,
    SiteStatus,
    Sku,
    StockMove,
    StockMoveKind,
    great_circle_km,
)
from microfactory.emissions import Boundary, Shipment, Trip, load_desnz_2025, trip_emissions
from microfactory.fulfilment.inventory import (
    ForecastDemand,
    HubItem,
    HubOutcome,
    HubProblem,
    ItemPolicy,
    PolicyKind,
    ReviewDay,
    choose_policies,
    plan_transfers,
    replay_history,
    weekly_lead_times,
)
from microfactory.plan.stages.base import StageContext, StageReport
from microfactory.store import load_master_data, load_orders, save_plan_run, transaction
from microfactory.store.inventory_repository import (
    PolicyRecord,
    TransferRecord,
    receive,
    save_inventory_plan,
    stock_on_hand,
    write_off_expired,
)

STAGE = "inventory"
log = logging.getLogger(__name__)
LONDON = ZoneInfo("Europe/London")
HISTORY_DAYS = 364
"""Days of order history the policies are planned from."""
REPLAY_WEEKS = 13
"""Weeks the stage replays (planned from the history before them) for the report's comparison."""
HORIZON_DAYS = 7
FILL_RATE_TARGET = 0.95
UNIT_COST_SHARE = 0.4
"""Unit cost as a share of price (no costs in the master data): stock value and waste cost."""
SMALL_PART_PRICE_PENCE = 1_000
SMALL_PART_PACK = 5
"""Durable SKUs priced under £10 travel in bags of five (the pack size of the transfer)."""
MAKE_HOURS = {"kitchen": 8.0, "food": 3.0}
"""Hours from a release slot to a transfer ready to leave, by sector."""
CUT_OFF_HOURS = 12.0
HANDLING_HOURS = 0.5
SELLABLE_AFTER_HOUR = 12
"""A transfer landing after this local hour is on sale the next day."""
KITCHEN_HUB_SUFFIX = "-HUB"
STOCKING_MODELS: tuple[str, ...] = MEAN_MODELS
"""Forecast candidates for stocking: mean-type and intermittent-demand methods (the engine's default pool
is tuned for MASE, i.e. medians, which sit below the mean of lumpy demand and under-stock)."""
STOCKING_QUANTILES: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)
"""Quantile levels asked of the forecast: the body and the upper tail a 95 % fill rate reads."""
STOCKING_INNER_WINDOWS = 26
"""Weekly rolling origins (one week apart) whose residuals give each series' quantiles (52 residuals
with a two-week horizon: 13 origins left the upper quantiles short, q99 covering 95 %)."""
MIN_FORECAST_WEEKS = 8
"""Fewest weeks of history (from the first sale) for a series to be forecast; shorter ones bootstrap."""
HUB_VEHICLE = {"kitchen": "EVAN-35", "food": "REEFER-VAN"}


def stocking_forecast_config(
    seed: int, horizon_weeks: int = 2, inner_windows: int = STOCKING_INNER_WINDOWS
) -> ForecastConfig:
    """The forecasting engine's configuration for stocking (weekly, mean-type pool, tail quantiles).

    Origins one week apart (``backtest_step=1``) over :data:`STOCKING_INNER_WINDOWS` weeks give each
    series ``26 × horizon`` backtest residuals for its quantiles, instead of four with the default step.
    One outer backtest window only: the scores are not used here, and each window costs a refit.
    """
    return ForecastConfig(
        horizon=horizon_weeks,
        season_length=52,
        freq="W-MON",
        quantiles=STOCKING_QUANTILES,
        backtest_windows=1,
        backtest_step=1,
        models=STOCKING_MODELS,
        seed=seed,
        inner_windows=inner_windows,
        fallback_model="WindowAverage(13)",
    )


def forecast_demands(result: ForecastResult, *, period_days: float = 7.0) -> dict[str, ForecastDemand]:
    """Per series id, the engine's quantile forecasts as a :class:`ForecastDemand` (periods in order).

    Series the engine could not select a model for (``fallback:…``: too short for a scored backtest
    window) are left out, so the caller keeps the bootstrap for them.
    """
    frame = result.forecasts
    levels = tuple(sorted(result.config.quantiles))
    columns = [quantile_column(q) for q in levels]
    out: dict[str, ForecastDemand] = {}
    if frame.empty:
        return out
    for uid, group in frame.sort_values([UNIQUE_ID, DS]).groupby(UNIQUE_ID, sort=False):
        model = str(group[MODEL].iloc[0])
        if model.startswith("fallback:"):
            continue
        out[str(uid)] = ForecastDemand(
            levels, group[columns].to_numpy(dtype=np.float64), period_days, f"forecast:{model}"
        )
    return out


def weekly_history(problem: HubProblem, until_day: int) -> pd.DataFrame:
    """Weekly demand (walk-in plus firm) of the hub's durable SKUs before day ``until_day``, long frame.

    Weeks are counted back from ``until_day`` (whole weeks only); a series starts at its first week with
    demand and is left out with under :data:`MIN_FORECAST_WEEKS` weeks from there. ``ds`` labels are the
    Mondays of a grid ending the week before the origin (the engine reads ``W-MON`` periods); ids are
    ``HUB/SKU``.
    """
    weeks = until_day // 7
    origin = problem.history_start + timedelta(days=until_day)
    monday = origin - timedelta(days=origin.weekday())
    labels = pd.to_datetime([monday - timedelta(days=7 * (weeks - j)) for j in range(weeks)])
    parts = []
    for item in problem.items:
        if item.perishable or weeks == 0:
            continue
        days = (item.demand_units + item.firm_units)[until_day - 7 * weeks : until_day]
        units = days.reshape(weeks, 7).sum(axis=1).astype(np.float64)
        first = int(np.argmax(units > 0)) if units.any() else weeks
        if weeks - first < MIN_FORECAST_WEEKS:
            continue
        parts.append(
            pd.DataFrame({UNIQUE_ID: f"{problem.hub}/{item.sku}", DS: labels[first:], Y: units[first:]})
        )
    if not parts:
        return pd.DataFrame({UNIQUE_ID: pd.Series(dtype=str), DS: pd.Series(dtype="datetime64[ns]"), Y: []})
    return pd.concat(parts, ignore_index=True)


def hub_forecasts(
    problems: Sequence[HubProblem], *, back_days: int, seed: int
) -> dict[str, dict[str, ForecastDemand]]:
    """Forecast distributions per hub and SKU from the history before its last ``back_days`` days.

    One ``forecast_auto`` call over every hub's durable series (the engine selects per series, and
    one call amortises its fixed cost). A hub or SKU missing from the result keeps the bootstrap; if the
    engine refuses the data altogether, every SKU does (logged).
    """
    frames = [weekly_history(p, p.history_days - back_days) for p in problems if p.items]
    frames = [f for f in frames if not f.empty]
    out: dict[str, dict[str, ForecastDemand]] = defaultdict(dict)
    if not frames:
        return {}
    try:
        result = forecast_auto(pd.concat(frames, ignore_index=True), stocking_forecast_config(seed))
    except ValueError as error:
        log.warning("inventory: forecasting engine refused the hub histories (%s); bootstrap kept", error)
        return {}
    for uid, demand in forecast_demands(result).items():
        hub, sku = uid.split("/", 1)
        out[hub][sku] = demand
    return dict(out)


@dataclass(frozen=True)
class HubSpec:
    """A hub to stock: where it is, which site replenishes it, which SKUs and orders it serves."""

    hub: str
    brand: str
    sector: str
    source_site: str
    location: GeoPoint
    source_location: GeoPoint
    skus: tuple[str, ...]
    co_located: bool
    serves_zones: frozenset[str] | None
    """Delivery outcodes served from the hub (None: all orders of the source site for its SKUs)."""
    demand_by_delivery_day: bool


def discover_hubs(master: MasterData) -> list[HubSpec]:
    """The hubs to stock (module docstring), sorted by code."""
    zones = {z.outcode: z.centroid for z in master.zones}
    brands = {b.code: b for b in master.brands}
    active = [s for s in master.sites if s.kind is SiteKind.MICROFACTORY and s.status is SiteStatus.ACTIVE]
    with_slots = [s for s in active if master.calendar(s.calendar).release_slots]
    out: list[HubSpec] = []
    for hub in (s for s in master.sites if s.kind is SiteKind.HUB and s.status is not SiteStatus.CLOSED):
        sources = [s for s in with_slots if s.brand == hub.brand]
        if not sources:
            continue
        source = min(sources, key=lambda s: great_circle_km(s.location, hub.location))
        served = frozenset(
            code
            for code, point in zones.items()
            if great_circle_km(point, hub.location) < great_circle_km(point, source.location)
        )
        skus = tuple(sorted(k.code for k in master.skus if _brand_of(master, k) == hub.brand))
        out.append(
            HubSpec(
                hub.code,
                hub.brand,
                brands[hub.brand].sector.value,
                source.code,
                hub.location,
                source.location,
                skus,
                False,
                served,
                True,
            )
        )
    for site in with_slots:
        if brands[site.brand].sector.value != "kitchen":
            continue
        skus = tuple(
            sorted(
                k.code
                for k in master.skus
                if _brand_of(master, k) == site.brand
                and k.make_policy.value == "make_to_stock"
                and not k.perishable
            )
        )
        if skus:
            out.append(
                HubSpec(
                    f"{site.code}{KITCHEN_HUB_SUFFIX}",
                    site.brand,
                    "kitchen",
                    site.code,
                    site.location,
                    site.location,
                    skus,
                    True,
                    None,
                    False,
                )
            )
    return sorted(out, key=lambda h: h.hub)


def _brand_of(master: MasterData, sku: Sku) -> str:
    return next((f.brand for f in master.sku_families if f.code == sku.family), "")


def _local_day(when: datetime) -> date:
    return when.astimezone(LONDON).date()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=LONDON).astimezone(UTC)


def _reviews(
    master: MasterData, spec: HubSpec, as_of: datetime, transit_hours: float
) -> tuple[ReviewDay, ...]:
    site = master.site(spec.source_site)
    calendar = master.calendar(site.calendar)
    start = _midnight(_local_day(as_of) - timedelta(days=_local_day(as_of).weekday()))
    # Look a few weeks ahead for a week without closures hiding a slot.
    best: dict[int, ReviewDay] = {}
    for week in range(4):
        cycles = weekly_lead_times(
            calendar,
            start + timedelta(days=7 * week),
            make_hours=MAKE_HOURS.get(spec.sector, 8.0),
            transit_hours=transit_hours,
            cut_off_hours=CUT_OFF_HOURS,
        )
        found: dict[int, ReviewDay] = {}
        for weekday, cycle in cycles.items():
            review_day = _local_day(cycle.release_at)
            lead = (_sellable_day(cycle.arrival_at) - review_day).days
            protection = (_sellable_day(cycle.next_arrival_at) - review_day).days
            found[int(weekday)] = ReviewDay(weekday, lead, max(protection, lead + 1))
        if len(found) > len(best):
            best = found
    return tuple(best[k] for k in sorted(best))


def _sellable_day(arrival: datetime) -> date:
    local = arrival.astimezone(LONDON)
    return local.date() + timedelta(days=1 if local.hour >= SELLABLE_AFTER_HOUR else 0)


def _demand_arrays(
    spec: HubSpec, orders: Sequence[Order], first_day: date, days: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Walk-in and firm daily units per SKU over the history, and firm units already known ahead."""
    skus = set(spec.skus)
    walk_in = {s: np.zeros(days, dtype=np.int64) for s in spec.skus}
    firm = {s: np.zeros(days, dtype=np.int64) for s in spec.skus}
    ahead = {s: np.zeros(HORIZON_DAYS, dtype=np.int64) for s in spec.skus}
    for order in orders:
        if order.site != spec.source_site or order.status is OrderStatus.CANCELLED:
            continue
        if spec.serves_zones is not None and order.outcode not in spec.serves_zones:
            continue
        if not spec.serves_zones and not all(line.sku in skus for line in order.lines):
            continue
        day = _local_day(order.window.start if spec.demand_by_delivery_day else order.created_at)
        index = (day - first_day).days
        is_firm = order.channel == "subscription"
        for line in order.lines:
            if line.sku not in skus:
                continue
            if 0 <= index < days:
                (firm if is_firm else walk_in)[line.sku][index] += line.quantity
            elif days <= index < days + HORIZON_DAYS and is_firm:
                ahead[line.sku][index - days] += line.quantity
    return walk_in, firm, ahead


def _trip_kg_co2e(master: MasterData, spec: HubSpec, distance_km: float, mass_kg: float) -> float:
    if distance_km <= 0:
        return 0.0
    vehicles = {v.code: v for v in master.vehicle_types}
    vehicle = vehicles.get(HUB_VEHICLE.get(spec.sector, ""), next(iter(vehicles.values()), None))
    if vehicle is None:
        return 0.0
    trip = Trip(
        trip_code=f"T-{spec.hub}",
        site=spec.source_site,
        day=date(2026, 1, 1),
        emission_factor_key=vehicle.emission_factor_key,
        distance_km=distance_km,
        shipments=(Shipment(spec.hub, mass_kg, distance_km / 2),),
        capacity_kg=vehicle.capacity_kg,
    )
    return trip_emissions(trip, load_desnz_2025(), Boundary.WTW).figure.kg_co2e


@dataclass(frozen=True)
class HubSetup:
    """A hub's engine problem and what the plan around it needs: distance, transit, trip CO2e, firm orders."""

    spec: HubSpec
    problem: HubProblem
    distance_km: float
    transit_hours: float
    kg_co2e_per_trip: float
    firm_ahead: dict[str, np.ndarray]
    start_day: date


def hub_setup(
    master: MasterData, spec: HubSpec, orders: Sequence[Order], *, as_of: datetime, circuity: float
) -> HubSetup:
    """Build the hub's :class:`HubProblem` from the orders before ``as_of`` (no database access)."""
    distance_km = (
        0.0 if spec.co_located else 2 * great_circle_km(spec.source_location, spec.location) * circuity
    )
    speed = next((v.speed_kmh for v in master.vehicle_types if v.code == HUB_VEHICLE.get(spec.sector)), 30.0)
    transit_hours = HANDLING_HOURS + (distance_km / 2) / speed
    reviews = _reviews(master, spec, as_of, transit_hours)
    start_day = _local_day(as_of)
    first_day = start_day - timedelta(days=HISTORY_DAYS)
    walk_in, firm, ahead = _demand_arrays(spec, orders, first_day, HISTORY_DAYS)
    items = []
    for code in spec.skus:
        if walk_in[code].sum() + firm[code].sum() == 0:
            continue
        sku = master.sku(code)
        durable_small = not sku.perishable and sku.unit_price_pence < SMALL_PART_PRICE_PENCE
        items.append(
            HubItem(
                sku=code,
                unit_price_pence=sku.unit_price_pence,
                unit_cost_pence=max(1, round(sku.unit_price_pence * UNIT_COST_SHARE)),
                mass_kg=sku.unit_mass_kg,
                shelf_life_hours=sku.shelf_life_hours,
                demand_units=walk_in[code],
                firm_units=firm[code],
                pack_size=SMALL_PART_PACK if durable_small else 1,
            )
        )
    problem = HubProblem(spec.hub, spec.source_site, first_day, tuple(items), reviews, FILL_RATE_TARGET)
    daily_kg = sum(i.mass_kg * float(np.mean(i.demand_units + i.firm_units)) for i in items)
    cover_days = 7.0 / max(1, len(reviews))
    kg_per_trip = _trip_kg_co2e(master, spec, distance_km, max(daily_kg * cover_days, 1.0))
    return HubSetup(spec, problem, distance_km, transit_hours, kg_per_trip, ahead, start_day)


@dataclass
class HubPlan:
    """What the stage planned for one hub."""

    spec: HubSpec
    problem: HubProblem
    policies: list[ItemPolicy]
    replays: list[HubOutcome]
    transfers: list[TransferRecord]
    kpis: dict[str, float | int | str]
    problems: list[Problem]
    seconds: float
    opening: dict[str, int]
    """Opening balance per SKU for a hub stocked for the first time (empty otherwise)."""


def plan_hub(
    master: MasterData,
    spec: HubSpec,
    orders: Sequence[Order],
    *,
    as_of: datetime,
    seed: int,
    circuity: float,
    on_hand: dict[str, list[tuple[int, int | None]]] | None,
    replay_weeks: int = REPLAY_WEEKS,
    setup: HubSetup | None = None,
    forecasts: Mapping[str, ForecastDemand] | None = None,
    replay_forecasts: Mapping[str, ForecastDemand] | None = None,
) -> HubPlan:
    """Policies, replay comparison and the week's transfers of one hub (no database access).

    ``on_hand`` is the hub's stock (units and last sellable day per SKU); ``None`` for a hub never
    stocked, which opens with each durable SKU's highest level less a day's mean demand. ``forecasts``
    (made at ``as_of``) and ``replay_forecasts`` (made at the replay's first day) give durable SKUs
    their lead-time demand (:func:`hub_forecasts`); SKUs without one use the bootstrap. ``setup``
    saves rebuilding :func:`hub_setup` when the caller has it.
    """
    started = time.perf_counter()
    if setup is None:
        setup = hub_setup(master, spec, orders, as_of=as_of, circuity=circuity)
    problem, reviews = setup.problem, setup.problem.reviews
    items = problem.items
    replays: list[HubOutcome] = []
    choice = SourceChoice("bootstrap", "no durable SKU has a forecast", {})
    if items:
        replays, choice = _replay_and_choose(
            problem, days=7 * replay_weeks, seed=seed, setup=setup, replay_forecasts=replay_forecasts
        )
    chosen = forecasts if choice.source == "forecast" else None
    policies = choose_policies(problem, seed=seed, forecasts=chosen) if items else []
    opening = opening_balance(problem, policies) if on_hand is None else {}
    stock: dict[str, list[tuple[int, int | None]]] = (
        on_hand if on_hand is not None else {sku: [(units, None)] for sku, units in opening.items()}
    )
    planned = (
        plan_transfers(problem, policies, on_hand=stock, firm_ahead=setup.firm_ahead, days=HORIZON_DAYS)
        if items
        else []
    )
    transfers = _transfer_records(
        master, spec, planned, setup.start_day, reviews, setup.distance_km, setup.transit_hours
    )
    kpis: dict[str, float | int | str] = {
        "hub": spec.hub,
        "source_site": spec.source_site,
        "skus": len(items),
        "distance_km": round(setup.distance_km, 1),
        **_source_counts(problem, policies),
        **choice.kpis(),
        "review_days": ", ".join(
            f"{r.weekday.name.title()} lead {r.lead_days}d / cover {r.protection_days}d" for r in reviews
        ),
        "fill_rate_target": FILL_RATE_TARGET,
        "transfers": len(transfers),
        "transfer_units": sum(t.quantity for t in transfers),
        "trips": len({t.trip_code for t in transfers}),
        "kg_co2e": round(sum(t.kg_co2e for t in transfers), 3),
    }
    for kind in PolicyKind:
        count = sum(1 for p in policies if p.kind is kind)
        if count:
            kpis[f"policies_{kind.value}"] = count
    for replay in replays:
        for key, value in replay.kpis().items():
            if key not in ("policy", "days", "skus"):
                kpis[f"replay_{replay.label}_{key}"] = value
    kpis["replay_days"] = 7 * replay_weeks if items else 0
    return HubPlan(
        spec,
        problem,
        policies,
        replays,
        transfers,
        kpis,
        _shortfalls(spec, replays),
        time.perf_counter() - started,
        opening,
    )


SOURCES: tuple[str, ...] = ("forecast", "bootstrap")
"""Lead-time demand sources of durable SKUs the stage chooses between (per hub, on its replay)."""


@dataclass(frozen=True)
class SourceChoice:
    """The lead-time demand source chosen for a hub's durable SKUs, why, and each source's replay.

    ``replayed`` maps a source to its durable SKUs' replayed ``(fill rate, average stock value in
    pence)``; empty when there was nothing to choose between.
    """

    source: str
    reason: str
    replayed: dict[str, tuple[float, float]]

    def kpis(self) -> dict[str, float | int | str]:
        """``distribution_choice``, its reason, and per source the replayed durable fill rate and value."""
        out: dict[str, float | int | str] = {
            "distribution_choice": self.source,
            "distribution_choice_reason": self.reason,
        }
        for source, (fill, value_pence) in sorted(self.replayed.items()):
            out[f"choice_{source}_fill_rate"] = round(fill, 4)
            out[f"choice_{source}_avg_stock_value_pence"] = round(value_pence)
        return out


def durable_replay(outcome: HubOutcome, durable_skus: Collection[str]) -> tuple[float, float]:
    """Fill rate (units) and average stock value (pence) of a replay's ``durable_skus`` only.

    Perishables are planned the same way under either source, so they would only dilute the comparison.
    A replay without durable demand fills 100 %.
    """
    durable = [o for o in outcome.items if o.sku in durable_skus]
    demand = sum(int(o.result.demand_units.sum()) for o in durable)
    sold = sum(int(o.result.sold_units.sum()) for o in durable)
    value = sum(o.result.average_stock_units * o.policy.unit_cost_pence for o in durable)
    return (sold / demand if demand else 1.0), float(value)


def choose_source(replayed: Mapping[str, tuple[float, float]], target: float) -> SourceChoice:
    """The source whose replay meets the fill-rate ``target``; the cheaper if both do, else the fuller.

    ``replayed`` maps each source to its ``(fill rate, average stock value)``. Ties keep the order
    of :data:`SOURCES` (the forecast first). Why: a planner would rather hit the target than save stock,
    and would rather save stock than overshoot when both hit it.
    """
    order = [s for s in SOURCES if s in replayed]
    if not order:
        raise ValueError("no replayed source to choose from")
    meeting = [s for s in order if replayed[s][0] >= target]
    if meeting:
        best = min(meeting, key=lambda s: replayed[s][1])
        if len(meeting) == len(order) and len(order) > 1:
            reason = f"both meet the {100 * target:.0f} % target on the replay; {best} is cheaper"
        else:
            reason = f"only {best} meets the {100 * target:.0f} % target on the replay"
    else:
        best = max(order, key=lambda s: replayed[s][0])
        reason = f"none meets the {100 * target:.0f} % target on the replay; {best} fills most"
    if len(order) == 1:
        reason = f"{best} is the only source"
    return SourceChoice(best, reason, dict(replayed))


def _replay_and_choose(
    problem: HubProblem,
    *,
    days: int,
    seed: int,
    setup: HubSetup,
    replay_forecasts: Mapping[str, ForecastDemand] | None,
) -> tuple[list[HubOutcome], SourceChoice]:
    """Replay the hub's last ``days`` under each source and the normal baseline; choose the source.

    Both replays plan from the history before the replayed days only (``replay_forecasts`` are made at
    the replay's first day), so the choice uses no data after ``as_of``. Without a forecast for any
    durable SKU the two would be the same replay: the bootstrap is replayed once. Returns the chosen
    source's replay (label ``auto``) and the normal baseline's, and the choice.
    """

    def replay(kind: PolicyKind | None, forecasts: Mapping[str, ForecastDemand] | None) -> HubOutcome:
        return replay_history(
            problem, kind, days=days, seed=seed, kg_co2e_per_trip=setup.kg_co2e_per_trip, forecasts=forecasts
        )

    durable = {i.sku for i in problem.items if not i.perishable}
    by_source = {"bootstrap": replay(None, None)}
    if replay_forecasts and durable & set(replay_forecasts):
        by_source["forecast"] = replay(None, replay_forecasts)
    choice = choose_source(
        {s: durable_replay(o, durable) for s, o in by_source.items()}, problem.fill_rate_target
    )
    return [by_source[choice.source], replay(PolicyKind.NORMAL, None)], choice


def _source_counts(problem: HubProblem, policies: Sequence[ItemPolicy]) -> dict[str, float | int | str]:
    """SKUs per lead-time demand source: the forecasting engine, the bootstrap fallback, perishables."""
    counts = {"forecast": 0, "bootstrap": 0, "perishable_bootstrap": 0}
    for item, policy in zip(problem.items, policies, strict=True):
        if item.perishable:
            counts["perishable_bootstrap"] += 1
        elif policy.distribution.startswith("forecast"):
            counts["forecast"] += 1
        else:
            counts["bootstrap"] += 1
    out: dict[str, float | int | str] = {
        "distribution_source": ", ".join(f"{k} {v}" for k, v in counts.items() if v) or "none",
    }
    out.update({f"distribution_{k}_skus": v for k, v in counts.items()})
    return out


def opening_balance(problem: HubProblem, policies: Sequence[ItemPolicy]) -> dict[str, int]:
    """Units to open a new hub with: per durable SKU its highest level less a day's mean demand."""
    out = {}
    for policy, item in zip(policies, problem.items, strict=True):
        if item.perishable or not policy.levels:
            continue
        units = max(lv.order_up_to for _, lv in policy.levels) - round(policy.mean_daily_units)
        if units > 0:
            out[item.sku] = units
    return out


def _shortfalls(spec: HubSpec, replays: list[HubOutcome]) -> list[Problem]:
    if not replays:
        return []
    out = []
    for item in replays[0].items:
        result = item.result
        durable = item.policy.kind not in (PolicyKind.NEWSVENDOR, PolicyKind.NORMAL)
        if durable and result.fill_rate < FILL_RATE_TARGET - 0.10 and result.demand_units.sum() > 0:
            out.append(
                Problem(
                    stage=STAGE,
                    kind=ProblemKind.SHORT,
                    subject_kind="sku",
                    subject=f"{spec.hub}/{item.sku}",
                    reason=(
                        f"replayed fill rate {100 * result.fill_rate:.0f} % is more than 10 pp below the "
                        f"{100 * FILL_RATE_TARGET:.0f} % target ({item.policy.demand_class.value} demand)"
                    ),
                    severity=Severity.INFO,
                    binding_constraint="demand_shift",
                    quantity=float(result.demand_units.sum() - result.sold_units.sum()),
                )
            )
    return out


def _transfer_records(
    master: MasterData,
    spec: HubSpec,
    planned: Sequence[object],
    start_day: date,
    reviews: tuple[ReviewDay, ...],
    distance_km: float,
    transit_hours: float,
) -> list[TransferRecord]:
    from microfactory.fulfilment.inventory import PlannedTransfer

    site = master.site(spec.source_site)
    calendar = master.calendar(site.calendar)
    make = timedelta(hours=MAKE_HOURS.get(spec.sector, 8.0))
    by_day: dict[int, list[PlannedTransfer]] = defaultdict(list)
    for p in planned:
        assert isinstance(p, PlannedTransfer)
        by_day[p.day].append(p)
    out: list[TransferRecord] = []
    for day, group in sorted(by_day.items()):
        local = start_day + timedelta(days=day)
        slots = calendar.release_times(_midnight(local), _midnight(local + timedelta(days=1)))
        release = slots[0] if slots else _midnight(local) + timedelta(hours=6)
        dispatch = release + make
        arrive = dispatch + timedelta(hours=transit_hours)
        masses = [master.sku(p.sku).unit_mass_kg * p.units for p in group]
        trip_kg = _trip_kg_co2e(master, spec, distance_km, sum(masses))
        trip_code = f"TR-{spec.hub}-{local:%Y%m%d}"
        total_mass = sum(masses) or 1.0
        for p, mass in sorted(zip(group, masses, strict=True), key=lambda x: x[0].sku):
            out.append(
                TransferRecord(
                    code=f"{trip_code}-{p.sku}",
                    from_site=spec.source_site,
                    to_hub=spec.hub,
                    sku=p.sku,
                    quantity=p.units,
                    dispatch_at=dispatch,
                    arrive_at=arrive,
                    trip_code=trip_code,
                    distance_km=round(distance_km, 3),
                    mass_kg=round(mass, 3),
                    kg_co2e=trip_kg * mass / total_mass,
                )
            )
    return out


def _on_hand(
    session: Session, spec: HubSpec, as_of: datetime
) -> dict[str, list[tuple[int, int | None]]] | None:
    """The hub's sellable lots per SKU (units, last sellable day index), or None if never stocked."""
    if not stock_on_hand(session, hub=spec.hub, include_empty=True):
        return None
    start_day = _local_day(as_of)
    out: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
    for lot in stock_on_hand(session, hub=spec.hub):
        last = None if lot.expires_at is None else (_local_day(lot.expires_at) - start_day).days - 1
        out[lot.sku].append((lot.quantity, last))
    return dict(out)


def _open_stock(session: Session, master: MasterData, plan: HubPlan, as_of: datetime) -> int:
    """Receive a new hub's opening balance (one ``OPENING-<date>`` lot per SKU); 0 if it has stock."""
    if not plan.opening or stock_on_hand(session, hub=plan.spec.hub, include_empty=True):
        return 0
    costs = {i.sku: i.unit_cost_pence for i in plan.problem.items}
    for sku, units in sorted(plan.opening.items()):
        life = master.sku(sku).shelf_life_hours
        receive(
            session,
            hub=plan.spec.hub,
            sku=sku,
            lot_code=f"OPENING-{_local_day(as_of):%Y%m%d}",
            units=units,
            at=as_of,
            expires_at=None if life is None else as_of + timedelta(hours=life),
            unit_cost_pence=costs[sku],
            reference="opening balance (inventory stage)",
        )
    return sum(plan.opening.values())


def _policy_records(plan: HubPlan) -> list[PolicyRecord]:
    reviews = {int(r.weekday): r for r in plan.problem.reviews}
    out = []
    for p in plan.policies:
        for weekday, lv in p.levels:
            review = reviews[int(weekday)]
            fill = lv.expected_fill_rate
            out.append(
                PolicyRecord(
                    hub=plan.spec.hub,
                    sku=p.sku,
                    weekday=int(weekday),
                    kind=p.kind.value,
                    demand_class=p.demand_class.value,
                    reorder_point=lv.reorder_point,
                    order_up_to=lv.order_up_to,
                    minimum_order=p.minimum_order,
                    pack_size=p.pack_size,
                    lead_days=review.lead_days,
                    protection_days=review.protection_days,
                    target=round(p.target, 4),
                    expected_fill_rate=None if math.isnan(fill) else round(fill, 4),
                    mean_daily_units=round(p.mean_daily_units, 4),
                    distribution=p.distribution,
                )
            )
    return out


def run_inventory(ctx: StageContext) -> list[StageReport]:
    """The ``inventory`` stage: policies, replay and the week's transfers of every hub (module docstring)."""
    as_of = ctx.as_of.astimezone(UTC)
    ctx.progress.step("Reading orders for hub stocking", None)
    with ctx.sessions() as session:
        master = load_master_data(session)
        hubs = discover_hubs(master)
        brands = sorted({h.brand for h in hubs})
        orders = {
            b: load_orders(
                session,
                brand=b,
                created_from=as_of - timedelta(days=HISTORY_DAYS + 14),
                created_to=as_of,
            )
            for b in brands
        }
        on_hand = {h.hub: _on_hand(session, h, as_of) for h in hubs}
    ctx.progress.step("Forecasting hub demand", None)
    setups = {
        h.hub: hub_setup(master, h, orders[h.brand], as_of=as_of, circuity=ctx.settings.circuity)
        for h in hubs
    }
    problems = [s.problem for s in setups.values()]
    seed = ctx.settings.seed
    forecasts = hub_forecasts(problems, back_days=0, seed=seed)
    replay_forecasts = hub_forecasts(problems, back_days=7 * REPLAY_WEEKS, seed=seed)
    advance = ctx.progress.step("Planning hub stock", len(hubs))
    plans = []
    for n, spec in enumerate(hubs):
        plans.append(
            plan_hub(
                master,
                spec,
                orders[spec.brand],
                as_of=as_of,
                seed=seed,
                circuity=ctx.settings.circuity,
                on_hand=on_hand[spec.hub],
                setup=setups[spec.hub],
                forecasts=forecasts.get(spec.hub),
                replay_forecasts=replay_forecasts.get(spec.hub),
            )
        )
        advance(n + 1, len(hubs))
    ctx.progress.step("Writing hub stock plans", None)
    horizon = PlanHorizon(start=as_of, end=as_of + timedelta(days=HORIZON_DAYS))
    reports = []
    with transaction(ctx.sessions) as session:
        written_off = write_off_expired(session, at=as_of)
        for plan in plans:
            opened = _open_stock(session, master, plan, as_of)
            kpis = {**plan.kpis, "opening_units": opened}
            kpis["written_off_units"] = sum(-m.quantity for m in written_off if m.hub == plan.spec.hub)
            moves = [
                StockMove(
                    sku=t.sku,
                    quantity=t.quantity,
                    from_site=t.from_site,
                    to_site=t.to_hub,
                    at=t.dispatch_at,
                    kind=StockMoveKind.TRANSFER,
                )
                for t in plan.transfers
            ]
            run_id = save_plan_run(
                session,
                stage=STAGE,
                scope=plan.spec.hub,
                horizon=horizon,
                kpis=kpis,
                problems=plan.problems,
                stock_moves=moves,
            )
            save_inventory_plan(
                session, plan_run_id=run_id, policies=_policy_records(plan), transfers=plan.transfers
            )
            reports.append(
                StageReport(STAGE, plan.spec.hub, horizon, kpis, plan.problems, plan.seconds, run_id)
            )
    return reports


def inventory_report_section(session: Session, settings: Settings) -> str:
    """The report's section for this stage as HTML, or ``""`` when there is nothing to show."""
    from microfactory.report.inventory import inventory_section

    return inventory_section(session)
