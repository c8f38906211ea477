"""Stocking one hub: a policy per SKU by demand class, a replay of demand, and the transfers to plan.

Shape (as every engine here): an immutable :class:`HubProblem` (the hub, its producing site's review
days, and per SKU its daily demand history, prices and order rules) → :func:`choose_policies` →
:func:`simulate_hub` / :func:`plan_transfers` → typed results with ``kpis()``. Periods are days in the
hub's local time; day ``0`` of a history is ``history_start``.

Policy by demand class (``auto``):

- perishables (shelf life up to 72 h): newsvendor from the critical ratio of margin vs waste cost on the
  weekday's walk-in demand; for a 48 h life the level is set for carrying one day over, oldest first;
  subscriptions are firm demand added on top, day by day;
- durable spares and accessories (intermittent, lumpy, or smooth): order-up-to for a fill-rate target
  from the distribution of lead-time and protection-interval demand, per review weekday (the release
  calendar makes both weekday-dependent); (s, S) when a minimum order or pack size applies. The
  distribution is the SKU's forecast (:class:`ForecastDemand`, passed in by the caller) when there is
  one, else a moving-block bootstrap of its daily history.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from microfactory.domain import Weekday
from microfactory.errors import InvalidInputError
from microfactory.fulfilment.inventory.distribution import (
    DemandDistribution,
    bootstrap_sums,
    nested_bootstrap_sums,
)
from microfactory.fulfilment.inventory.forecast import ForecastDemand
from microfactory.fulfilment.inventory.policy import (
    CycleDemand,
    DemandClass,
    Levels,
    PolicyKind,
    carry_over_level,
    classify_demand,
    min_max_for_fill_rate,
    newsvendor_quantity,
    normal_levels,
    order_quantity,
    order_up_to_for_cycle_service,
    order_up_to_for_fill_rate,
    z_for,
)
from microfactory.fulfilment.inventory.simulate import IntArray, SimulationInput, SimulationResult, simulate

PERISHABLE_HOURS = 72.0
"""SKUs with a shelf life up to this are stocked as perishables (newsvendor)."""
HALFLIFE_DAYS = 182.0
"""Recent days weigh more in the bootstrap: half weight after about six months."""


@dataclass(frozen=True)
class ReviewDay:
    """A weekday the hub orders on: days until the transfer is on sale and until the next one is."""

    weekday: Weekday
    lead_days: int
    protection_days: int

    def __post_init__(self) -> None:
        if self.lead_days < 0 or self.protection_days <= self.lead_days:
            raise InvalidInputError.single(
                f"review {self.weekday.name}", "need 0 ≤ lead days < protection days", field="lead_days"
            )


@dataclass(frozen=True)
class HubItem:
    """One SKU at a hub: prices, order rules and its daily demand history (walk-in and firm)."""

    sku: str
    unit_price_pence: int
    unit_cost_pence: int
    mass_kg: float
    shelf_life_hours: float | None
    demand_units: IntArray
    """Uncertain daily demand, day 0 = the problem's ``history_start``."""
    firm_units: IntArray
    """Firm (subscription) daily demand, same days; known a few days ahead."""
    minimum_order: int = 1
    pack_size: int = 1

    @property
    def perishable(self) -> bool:
        """Stocked as a perishable (shelf life up to :data:`PERISHABLE_HOURS`)."""
        return self.shelf_life_hours is not None and self.shelf_life_hours <= PERISHABLE_HOURS

    @property
    def shelf_life_days(self) -> int | None:
        """Selling days of a lot (1 for 24 h, 2 for 48 h); None when durable."""
        if self.shelf_life_hours is None:
            return None
        return max(1, math.floor(self.shelf_life_hours / 24.0 + 1e-9))


@dataclass(frozen=True)
class HubProblem:
    """A hub, the site that replenishes it, its review days and SKUs, and the service targets."""

    hub: str
    source_site: str
    history_start: date
    items: tuple[HubItem, ...]
    reviews: tuple[ReviewDay, ...]
    fill_rate_target: float = 0.95
    samples: int = 2000

    def __post_init__(self) -> None:
        if not self.reviews:
            raise InvalidInputError.single(
                f"hub {self.hub}", "no review day: the source has no release slots"
            )
        lengths = {len(i.demand_units) for i in self.items} | {len(i.firm_units) for i in self.items}
        if len(lengths) > 1:
            raise InvalidInputError.single(f"hub {self.hub}", "every SKU needs the same days of history")
        if len({r.weekday for r in self.reviews}) != len(self.reviews):
            raise InvalidInputError.single(f"hub {self.hub}", "a weekday is reviewed twice", field="reviews")

    @property
    def history_days(self) -> int:
        """Days of history."""
        return len(self.items[0].demand_units) if self.items else 0

    def review(self, weekday: int) -> ReviewDay | None:
        """The review on ``weekday``, if the hub orders that day."""
        return next((r for r in self.reviews if r.weekday == weekday), None)


@dataclass(frozen=True)
class ItemPolicy:
    """The stocking rule of one SKU: kind, levels per review weekday and why."""

    sku: str
    kind: PolicyKind
    demand_class: DemandClass
    levels: tuple[tuple[Weekday, Levels], ...]
    minimum_order: int
    pack_size: int
    target: float
    distribution: str
    mean_daily_units: float
    unit_cost_pence: int

    def at(self, weekday: int) -> Levels | None:
        """Levels on ``weekday`` (None: no review that day)."""
        return next((lv for wd, lv in self.levels if wd == weekday), None)

    @property
    def expected_fill_rate(self) -> float:
        """Mean expected fill rate over review days (NaN for rules without one)."""
        values = [lv.expected_fill_rate for _, lv in self.levels]
        return float(np.mean(values)) if values else float("nan")


def _weekday_of(problem: HubProblem, day_index: int) -> int:
    return (problem.history_start + timedelta(days=day_index)).weekday()


def _dist(
    item_days: IntArray, days: int, phase: int, problem: HubProblem, seed: int, every: int = 7
) -> DemandDistribution:
    samples = bootstrap_sums(
        item_days,
        days,
        samples=problem.samples,
        seed=seed,
        recent_weight_halflife=HALFLIFE_DAYS,
        start_every=every,
        start_phase=phase,
    )
    return DemandDistribution.from_samples(samples, source="bootstrap")


def _nested(
    days: IntArray, lead_days: int, protection_days: int, problem: HubProblem, seed: int
) -> tuple[DemandDistribution, DemandDistribution]:
    """Lead-time and protection-interval demand from the same bootstrap blocks."""
    lengths = (lead_days, protection_days) if lead_days > 0 else (protection_days,)
    # Blocks may start on any day: sparse spares need every block (a weekday-aligned sample would
    # have a seventh of them); the weekday still sets the lengths (lead and cover).
    sums = nested_bootstrap_sums(
        days, lengths, samples=problem.samples, seed=seed, recent_weight_halflife=HALFLIFE_DAYS
    )
    protection = DemandDistribution.from_samples(sums[-1], source="bootstrap")
    lead = (
        DemandDistribution.from_samples(sums[0], source="bootstrap")
        if lead_days > 0
        else DemandDistribution.point(0)
    )
    return lead, protection


def _phase(problem: HubProblem, weekday: int) -> int:
    return (weekday - problem.history_start.weekday()) % 7


def choose_policies(
    problem: HubProblem,
    kind: PolicyKind | None = None,
    *,
    seed: int,
    until_day: int | None = None,
    forecasts: Mapping[str, ForecastDemand] | None = None,
) -> list[ItemPolicy]:
    """A policy per SKU (``kind=None``: by demand class, module docstring), from history before ``until_day``.

    ``kind`` forces a rule for durable SKUs (perishables stay newsvendor, or the normal approximation
    of the newsvendor level under :attr:`PolicyKind.NORMAL`). ``forecasts`` (per SKU, made at
    ``until_day``: period 0 starts that day) replace the bootstrap as the lead-time demand of durable
    SKUs under every rule but the normal baseline; SKUs without one keep the bootstrap.
    """
    end = problem.history_days if until_day is None else until_day
    if end < 7:
        raise InvalidInputError.single(f"hub {problem.hub}", f"{end} days of history: need at least 7")
    out = []
    for n, item in enumerate(problem.items):
        history = item.demand_units[:end]
        cls, _, _ = classify_demand(history)
        if item.perishable:
            out.append(_perishable_policy(problem, item, history, cls, kind, seed + n))
        else:
            forecast = None if forecasts is None else forecasts.get(item.sku)
            out.append(_durable_policy(problem, item, history, cls, kind, seed + n, forecast))
    return out


def _perishable_policy(
    problem: HubProblem,
    item: HubItem,
    history: IntArray,
    cls: DemandClass,
    kind: PolicyKind | None,
    seed: int,
) -> ItemPolicy:
    margin = max(item.unit_price_pence - item.unit_cost_pence, 0)
    waste = max(item.unit_cost_pence, 1)
    levels = []
    for review in problem.reviews:
        demand = _dist(history, 1, _phase(problem, review.weekday), problem, seed)
        if kind is PolicyKind.NORMAL:
            z = z_for(min(max(margin / (margin + waste), 0.01), 0.99))
            level = max(0, math.ceil(demand.mean + z * math.sqrt(demand.variance)))
        elif (item.shelf_life_days or 1) >= 2:
            level = carry_over_level(demand, margin, waste, seed=seed)
        else:
            level = newsvendor_quantity(demand, margin, waste)
        levels.append((review.weekday, Levels(level - 1, level, float("nan"))))
    return ItemPolicy(
        sku=item.sku,
        kind=PolicyKind.NORMAL if kind is PolicyKind.NORMAL else PolicyKind.NEWSVENDOR,
        demand_class=cls,
        levels=tuple(levels),
        minimum_order=item.minimum_order,
        pack_size=item.pack_size,
        target=margin / (margin + waste) if margin + waste else 0.0,
        distribution="bootstrap of the weekday's walk-in demand + firm subscriptions",
        mean_daily_units=float(np.mean(history)) + float(np.mean(item.firm_units[: len(history)])),
        unit_cost_pence=item.unit_cost_pence,
    )


def _durable_policy(
    problem: HubProblem,
    item: HubItem,
    history: IntArray,
    cls: DemandClass,
    kind: PolicyKind | None,
    seed: int,
    forecast: ForecastDemand | None = None,
) -> ItemPolicy:
    total = history + item.firm_units[: len(history)]
    mean_daily = float(np.mean(total))
    rules_apply = item.minimum_order > 1 or item.pack_size > 1
    chosen = kind or (PolicyKind.MIN_MAX if rules_apply else PolicyKind.ORDER_UP_TO)
    target = problem.fill_rate_target
    use_forecast = forecast is not None and chosen is not PolicyKind.NORMAL
    levels = []
    for review in problem.reviews:
        review_days = review.protection_days - review.lead_days
        review_dist: DemandDistribution | None = None
        if use_forecast and forecast is not None:
            cycle, review_dist = forecast.cycle(review.lead_days, review.protection_days)
        else:
            lead, protection = _nested(total, review.lead_days, review.protection_days, problem, seed)
            # Same seed, same block starts: each lead sample is the start of its protection sample.
            cycle = CycleDemand(lead, protection, max(protection.mean - lead.mean, 0.0))
        q = order_quantity(cycle.review_mean_units, item.minimum_order, item.pack_size)
        if chosen is PolicyKind.CYCLE_SERVICE:
            lv = order_up_to_for_cycle_service(cycle, target)
        elif chosen is PolicyKind.NORMAL:
            lv = normal_levels(cycle, z_for(target), q if rules_apply else 1)
        elif chosen is PolicyKind.MIN_MAX and q > 1:
            if review_dist is None:
                review_dist = _dist(total, review_days, 0, problem, seed, every=1)
            lv = min_max_for_fill_rate(cycle, review_dist, target, q)
        else:
            lv = order_up_to_for_fill_rate(cycle, target)
        levels.append((review.weekday, lv))
    return ItemPolicy(
        sku=item.sku,
        kind=chosen,
        demand_class=cls,
        levels=tuple(levels),
        minimum_order=item.minimum_order,
        pack_size=item.pack_size,
        target=target,
        distribution=(
            f"{forecast.label} (quantiles per period, thinned to days, {forecast.dependence} periods)"
            if use_forecast and forecast is not None
            else "moving-block bootstrap of daily history (half-life 182 d)"
        ),
        mean_daily_units=mean_daily,
        unit_cost_pence=item.unit_cost_pence,
    )


@dataclass(frozen=True)
class ItemOutcome:
    """One SKU's replay."""

    sku: str
    policy: ItemPolicy
    result: SimulationResult


@dataclass(frozen=True)
class HubOutcome:
    """A hub's replay under one policy choice: per SKU results and the transfers' trips."""

    hub: str
    label: str
    items: tuple[ItemOutcome, ...]
    days: int
    kg_co2e_per_trip: float
    mass_kg: dict[str, float] = field(default_factory=dict)

    @property
    def trip_days(self) -> int:
        """Days with at least one transfer (one trip each: all SKUs ride together)."""
        if not self.items:
            return 0
        ordered = np.sum([o.result.ordered_units > 0 for o in self.items], axis=0)
        return int(np.sum(ordered > 0))

    def kpis(self) -> dict[str, float | int | str]:
        """Fill rate (units), stock-out SKU-days, average stock value (pence), waste, transfers and CO2e."""
        demand = sum(int(o.result.demand_units.sum()) for o in self.items)
        sold = sum(int(o.result.sold_units.sum()) for o in self.items)
        waste = sum(int(o.result.wasted_units.sum()) for o in self.items)
        received = sum(int(o.result.received_units.sum()) + o.result.opening_units for o in self.items)
        value = sum(o.result.average_stock_units * o.policy.unit_cost_pence for o in self.items)
        transferred = sum(int(o.result.ordered_units.sum()) for o in self.items)
        return {
            "policy": self.label,
            "days": self.days,
            "skus": len(self.items),
            "demand_units": demand,
            "fill_rate": round(sold / demand, 4) if demand else 1.0,
            "stockout_sku_days": sum(o.result.stockout_periods for o in self.items),
            "avg_stock_units": round(sum(o.result.average_stock_units for o in self.items), 1),
            "avg_stock_value_pence": round(value),
            "waste_units": waste,
            "waste_pct": round(100.0 * waste / received, 2) if received else 0.0,
            "transfers": sum(o.result.orders for o in self.items),
            "transfer_units": transferred,
            "trips": self.trip_days,
            "kg_co2e": round(self.trip_days * self.kg_co2e_per_trip, 2),
        }


def _inputs(
    problem: HubProblem,
    item: HubItem,
    policy: ItemPolicy,
    first_day: int,
    demand: IntArray,
    firm: IntArray,
) -> SimulationInput:
    n = len(demand)
    s = np.zeros(n, dtype=np.int64)
    big_s = np.zeros(n, dtype=np.int64)
    review = np.zeros(n, dtype=bool)
    lead = np.zeros(n, dtype=np.int64)
    firm_level = np.zeros(n, dtype=np.int64)
    for t in range(n):
        weekday = _weekday_of(problem, first_day + t)
        lv, rv = policy.at(weekday), problem.review(weekday)
        if lv is None or rv is None:
            continue
        review[t] = True
        s[t], big_s[t], lead[t] = lv.reorder_point, lv.order_up_to, rv.lead_days
        if item.perishable:
            firm_level[t] = int(firm[min(t + rv.lead_days, n - 1)])
    first = next((lv for _, lv in policy.levels), None)
    opening = (
        0 if first is None or item.perishable else max(0, first.order_up_to - round(policy.mean_daily_units))
    )
    return SimulationInput(
        demand_units=demand + firm,
        reorder_point=s,
        order_up_to=big_s,
        review=review,
        lead_periods=lead,
        firm_units=firm_level,
        minimum_order=item.minimum_order,
        pack_size=item.pack_size,
        shelf_life_periods=item.shelf_life_days if item.perishable else None,
        opening_units=opening,
    )


def simulate_hub(
    problem: HubProblem,
    policies: Sequence[ItemPolicy],
    *,
    first_day: int,
    demand: Sequence[IntArray],
    firm: Sequence[IntArray],
    label: str,
    kg_co2e_per_trip: float = 0.0,
) -> HubOutcome:
    """Replay per-SKU daily ``demand`` and ``firm`` arrays from day ``first_day`` against ``policies``."""
    by_sku = {p.sku: p for p in policies}
    outcomes = []
    for item, d, f in zip(problem.items, demand, firm, strict=True):
        policy = by_sku[item.sku]
        result = simulate(_inputs(problem, item, policy, first_day, np.asarray(d), np.asarray(f)))
        outcomes.append(ItemOutcome(item.sku, policy, result))
    return HubOutcome(
        hub=problem.hub,
        label=label,
        items=tuple(outcomes),
        days=len(demand[0]) if demand else 0,
        kg_co2e_per_trip=kg_co2e_per_trip,
        mass_kg={i.sku: i.mass_kg for i in problem.items},
    )


def replay_history(
    problem: HubProblem,
    kind: PolicyKind | None,
    *,
    days: int,
    seed: int,
    kg_co2e_per_trip: float = 0.0,
    forecasts: Mapping[str, ForecastDemand] | None = None,
) -> HubOutcome:
    """Plan from the history before its last ``days`` days, then replay those days (a backtest).

    ``forecasts`` must be made from that same history (origin: the first replayed day).
    """
    first = problem.history_days - days
    if first < 28:
        raise InvalidInputError.single(
            f"hub {problem.hub}", f"{days} days to replay leave under 4 weeks to plan from"
        )
    policies = choose_policies(problem, kind, seed=seed, until_day=first, forecasts=forecasts)
    return simulate_hub(
        problem,
        policies,
        first_day=first,
        demand=[i.demand_units[first:] for i in problem.items],
        firm=[i.firm_units[first:] for i in problem.items],
        label=(kind.value if kind else "auto"),
        kg_co2e_per_trip=kg_co2e_per_trip,
    )


def sample_demand(problem: HubProblem, days: int, *, seed: int) -> tuple[list[IntArray], list[IntArray]]:
    """Future daily demand drawn from the history's distribution: weekly blocks, weekday-aligned, seeded."""
    rng = np.random.default_rng(seed)
    n = problem.history_days
    weeks = math.ceil(days / 7)
    phase = (7 - problem.history_start.weekday()) % 7  # first Monday in the history
    starts = np.arange(phase, n - 7 + 1, 7)
    if len(starts) == 0:
        raise InvalidInputError.single(f"hub {problem.hub}", "under a week of history to sample from")
    age = (starts[-1] - starts).astype(np.float64)
    w = 0.5 ** (age / HALFLIFE_DAYS)
    picks = rng.choice(starts, size=weeks, p=w / w.sum())
    # The future starts on the weekday after the history's last day.
    shift = (problem.history_start.weekday() + n) % 7
    demand, firm = [], []
    for item in problem.items:
        d = np.concatenate([item.demand_units[s : s + 7] for s in picks])
        f = np.concatenate([item.firm_units[s : s + 7] for s in picks])
        demand.append(np.roll(d, -shift)[:days].astype(np.int64))
        firm.append(np.roll(f, -shift)[:days].astype(np.int64))
    return demand, firm


@dataclass(frozen=True)
class PlannedTransfer:
    """A transfer to plan: units of a SKU the source sends on ``day`` (index from the plan start)."""

    sku: str
    day: int
    units: int
    on_sale_day: int


def plan_transfers(
    problem: HubProblem,
    policies: Sequence[ItemPolicy],
    *,
    on_hand: dict[str, list[tuple[int, int | None]]],
    firm_ahead: dict[str, IntArray],
    days: int,
) -> list[PlannedTransfer]:
    """Transfers for the ``days`` from the plan start (the day after the history), by the policies.

    Stock is projected with the mean daily demand of the SKU's weekday over the last 8 weeks, in whole
    units whose running total follows the expected total (firm demand exactly), from
    ``on_hand`` lots ``(units, last sellable day index or None)``; each review orders up to its level.
    """
    by_sku = {p.sku: p for p in policies}
    out: list[PlannedTransfer] = []
    start = problem.history_days
    for item in problem.items:
        policy = by_sku[item.sku]
        mean_by_weekday = _weekday_means(problem, item)
        # Whole units whose running total tracks the expected demand (slow movers still use stock).
        means = np.array([mean_by_weekday[_weekday_of(problem, start + t)] for t in range(days)])
        expected = np.diff(np.concatenate([[0], np.round(np.cumsum(means))])).astype(np.int64)
        firm = np.zeros(days, dtype=np.int64)
        known = firm_ahead.get(item.sku)
        if known is not None:
            firm[: min(days, len(known))] = known[:days]
        inputs = _inputs(problem, item, policy, start, expected, firm)
        lots = on_hand.get(item.sku, [])
        sellable = sum(u for u, last in lots if last is None or last >= 0)
        sim = simulate(
            SimulationInput(
                demand_units=inputs.demand_units,
                reorder_point=inputs.reorder_point,
                order_up_to=inputs.order_up_to,
                review=inputs.review,
                lead_periods=inputs.lead_periods,
                firm_units=inputs.firm_units,
                minimum_order=item.minimum_order,
                pack_size=item.pack_size,
                shelf_life_periods=inputs.shelf_life_periods,
                opening_units=sellable,
            )
        )
        for t in np.nonzero(sim.ordered_units)[0]:
            out.append(
                PlannedTransfer(item.sku, int(t), int(sim.ordered_units[t]), int(t + inputs.lead_periods[t]))
            )
    return out


def _weekday_means(problem: HubProblem, item: HubItem) -> dict[int, float]:
    weekdays = np.array([_weekday_of(problem, t) for t in range(problem.history_days)])
    recent = max(0, problem.history_days - 8 * 7)
    means = {}
    for wd in range(7):
        mask = (weekdays == wd) & (np.arange(problem.history_days) >= recent)
        means[wd] = float(np.mean(item.demand_units[mask])) if mask.any() else 0.0
    return means
