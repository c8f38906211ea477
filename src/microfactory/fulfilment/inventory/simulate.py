"""Replay demand against a stocking rule, period by period: fill rate, stock-outs, stock, waste, orders.

One period is a day at a hub (or a week in the benchmark). Each period, in this order: lots past their
shelf life are written off; orders due this period arrive as new lots; on a review period an order
tops the inventory position (sellable stock that will still be in date when the order lands, plus
stock on order) up to ``S`` whenever it is at or below ``s`` (rounded up to the minimum order and
whole packs); then the period's demand is served first-expiry-first-out and what cannot be served is
lost (a hub customer short of a part is served from the factory instead). Quantities are conserved:
opening + received = sold + wasted + closing, which the tests check.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from microfactory.errors import InvalidInputError
from microfactory.fulfilment.inventory.policy import round_order

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class SimulationInput:
    """One hub × SKU to replay: demand and the rule's levels per period (all arrays of one length).

    ``firm_units`` is the part of ``demand_units`` known before ordering (subscriptions): it is added
    to ``S`` of the period it falls in. ``lead_periods[t]`` is when an order placed in period ``t``
    arrives (0: before that period's sales). ``shelf_life_periods`` is how many periods a lot can be
    sold in (1: only the day it arrives); ``None`` for durable goods.
    """

    demand_units: IntArray
    reorder_point: IntArray
    order_up_to: IntArray
    review: NDArray[np.bool_]
    lead_periods: IntArray
    firm_units: IntArray | None = None
    minimum_order: int = 1
    pack_size: int = 1
    shelf_life_periods: int | None = None
    opening_units: int = 0
    opening_pipeline: tuple[tuple[int, int], ...] = ()
    """Orders already on the way: ``(arrival period, units)``."""

    def __post_init__(self) -> None:
        n = len(self.demand_units)
        arrays = {
            "reorder_point": self.reorder_point,
            "order_up_to": self.order_up_to,
            "review": self.review,
            "lead_periods": self.lead_periods,
        }
        for name, values in arrays.items():
            if len(values) != n:
                raise InvalidInputError.single(
                    "simulation", f"{len(values)} values for {n} periods", field=name
                )
        if np.any(self.demand_units < 0) or np.any(self.lead_periods < 0):
            raise InvalidInputError.single("simulation", "demand and lead times must be ≥ 0")
        if self.shelf_life_periods is not None and self.shelf_life_periods < 1:
            raise InvalidInputError.single("simulation", "shelf life must be at least one period")


@dataclass
class SimulationResult:
    """Per-period outcome of one replay (units); totals and rates as properties."""

    demand_units: IntArray
    sold_units: IntArray
    wasted_units: IntArray
    received_units: IntArray
    ordered_units: IntArray
    closing_units: IntArray
    opening_units: int
    lots: list[tuple[int, int, int]] = field(default_factory=list)
    """Every lot received: ``(arrival period, units, last sellable period or -1)``."""

    @property
    def fill_rate(self) -> float:
        """Share of demanded units served from stock (1.0 when nothing was demanded)."""
        total = int(self.demand_units.sum())
        return 1.0 if total == 0 else float(self.sold_units.sum()) / total

    @property
    def stockout_periods(self) -> int:
        """Periods with some demand not served."""
        return int(np.sum(self.sold_units < self.demand_units))

    @property
    def average_stock_units(self) -> float:
        """Mean closing stock per period."""
        return float(self.closing_units.mean()) if len(self.closing_units) else 0.0

    @property
    def orders(self) -> int:
        """Number of replenishment orders (transfers) placed."""
        return int(np.sum(self.ordered_units > 0))

    @property
    def waste_pct(self) -> float:
        """Wasted units as a share of units received, per cent (0 when nothing was received)."""
        received = int(self.received_units.sum()) + self.opening_units
        return 0.0 if received == 0 else 100.0 * float(self.wasted_units.sum()) / received


def simulate(item: SimulationInput) -> SimulationResult:
    """Replay ``item`` period by period (module docstring); deterministic, no randomness."""
    n = len(item.demand_units)
    life = item.shelf_life_periods
    firm = item.firm_units if item.firm_units is not None else np.zeros(n, dtype=np.int64)
    lots: deque[list[int]] = deque()  # [units, last sellable period or -1], in expiry order (FEFO)
    if item.opening_units > 0:
        lots.append([item.opening_units, (life - 1) if life else -1])
    pipeline: dict[int, int] = {}
    for when, units in item.opening_pipeline:
        pipeline[when] = pipeline.get(when, 0) + units
    out = {k: np.zeros(n, dtype=np.int64) for k in ("sold", "wasted", "received", "ordered", "closing")}
    received_lots: list[tuple[int, int, int]] = []
    for t in range(n):
        while lots and lots[0][1] != -1 and lots[0][1] < t:
            out["wasted"][t] += lots.popleft()[0]
        arriving = pipeline.pop(t, 0)
        if arriving:
            expiry = t + life - 1 if life else -1
            lots.append([arriving, expiry])
            received_lots.append((t, arriving, expiry))
            out["received"][t] = arriving
        if item.review[t]:
            lead = int(item.lead_periods[t])
            arrive = t + lead
            sellable = sum(u for u, e in lots if e == -1 or e >= arrive)
            position = sellable + sum(pipeline.values())
            target = int(item.order_up_to[t]) + int(firm[t])
            if position <= int(item.reorder_point[t]) + int(firm[t]) and target > position:
                qty = round_order(target - position, item.minimum_order, item.pack_size)
                out["ordered"][t] = qty
                if lead == 0:
                    expiry = t + life - 1 if life else -1
                    lots.append([qty, expiry])
                    received_lots.append((t, qty, expiry))
                    out["received"][t] += qty
                else:
                    pipeline[arrive] = pipeline.get(arrive, 0) + qty
        need = int(item.demand_units[t])
        while need > 0 and lots:
            take = min(need, lots[0][0])
            lots[0][0] -= take
            need -= take
            out["sold"][t] += take
            if lots[0][0] == 0:
                lots.popleft()
        out["closing"][t] = sum(u for u, _ in lots)
    return SimulationResult(
        demand_units=np.asarray(item.demand_units, dtype=np.int64),
        sold_units=out["sold"],
        wasted_units=out["wasted"],
        received_units=out["received"],
        ordered_units=out["ordered"],
        closing_units=out["closing"],
        opening_units=item.opening_units,
        lots=received_lots,
    )


def simulate_base_stock_batch(
    demand_units: IntArray, order_up_to: IntArray, lead_periods: int, pipeline_units: IntArray
) -> tuple[IntArray, IntArray, NDArray[np.float64]]:
    """Many durable items under weekly order-up-to with lost sales, vectorised over items.

    ``demand_units`` is ``items × periods``; ``order_up_to`` one level per item; the pipeline starts
    with ``pipeline_units`` due in each of periods ``1 … lead_periods`` and stock on hand at
    ``S − lead_periods × pipeline`` (the steady state with mean demand). Each period: receive, order up
    to ``S`` (arrives ``lead_periods`` later), serve. Returns units demanded, units sold and the mean
    closing stock per item.
    """
    items, periods = demand_units.shape
    level = np.asarray(order_up_to, dtype=np.int64)
    pipe = np.zeros((items, periods + lead_periods + 1), dtype=np.int64)
    pipe[:, 1 : lead_periods + 1] = pipeline_units[:, None]
    on_hand = np.maximum(level - lead_periods * pipeline_units, 0)
    sold = np.zeros(items, dtype=np.int64)
    closing = np.zeros(items, dtype=np.float64)
    for t in range(periods):
        on_hand = on_hand + pipe[:, t]
        on_order = pipe[:, t + 1 : t + lead_periods + 1].sum(axis=1) if lead_periods else 0
        qty = np.maximum(level - on_hand - on_order, 0)
        if lead_periods == 0:
            on_hand = on_hand + qty
        else:
            pipe[:, t + lead_periods] += qty
        served = np.minimum(on_hand, demand_units[:, t])
        sold += served
        on_hand = on_hand - served
        closing += on_hand
    return demand_units.sum(axis=1), sold, closing / max(periods, 1)
