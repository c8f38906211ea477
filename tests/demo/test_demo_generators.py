"""Demand shapes of the kitchen generators at full scale (tables only, no order objects, so fast)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pytest

from microfactory.demo import DEFAULT_AS_OF
from microfactory.demo.clock import MINUTES_PER_DAY
from microfactory.demo.demand import DemandContext
from microfactory.demo.geography import kitchen_zone_weights
from microfactory.demo.kitchen_codes import FAMILY_SPARES
from microfactory.demo.kitchen_orders import KitchenSales, kitchen_sales
from microfactory.demo.kitchen_parts import PartSales, part_sales
from microfactory.demo.kitchen_stock import SPARES
from microfactory.demo.network import demand_context


@dataclass(frozen=True)
class FullScale:
    ctx: DemandContext
    kitchens: KitchenSales
    parts: PartSales


@pytest.fixture(scope="module")
def full() -> FullScale:
    ctx = demand_context(DEFAULT_AS_OF, 1.0)
    weights = kitchen_zone_weights(ctx.zones)
    site_of_zone = ["KIT-CENTRAL"] * len(ctx.zones.outcodes)
    working = np.arange(ctx.clock.days) % 7 < 5
    kitchens = kitchen_sales(ctx, np.random.default_rng(11), weights, site_of_zone, working)
    parts = part_sales(ctx, np.random.default_rng(12), kitchens, weights, site_of_zone, working)
    return FullScale(ctx, kitchens, parts)


def _orders_per_day_by_month(full: FullScale) -> np.ndarray:
    ctx = full.ctx
    days = full.kitchens.table.created // MINUTES_PER_DAY
    months = ctx.month - 1
    orders = np.bincount(months[days], minlength=12)
    days_in_month = np.bincount(months, minlength=12)
    return orders / days_in_month


def test_kitchen_sales_peak_in_january_and_september(full: FullScale) -> None:
    """Orders per day in January and September are well above the yearly mean; December is below."""
    rate = _orders_per_day_by_month(full)
    mean = rate.mean()
    assert rate[0] > 1.2 * mean  # January
    assert rate[8] > 1.2 * mean  # September
    assert rate[11] < 0.85 * mean  # December
    assert set(np.argsort(rate)[-2:]) == {0, 8}


def test_kitchen_sales_are_quiet_on_sunday_and_grow(full: FullScale) -> None:
    """Sunday sees under half the average weekday's orders; the second year sells 10–20 % more."""
    days = full.kitchens.table.created // MINUTES_PER_DAY
    per_weekday = np.bincount(days % 7, minlength=7)
    assert per_weekday[6] < 0.5 * per_weekday[:6].mean()
    first, second = np.sum(days < 364), np.sum((days >= 364) & (days < 728))
    assert 1.05 < second / first < 1.30


def test_full_scale_kitchen_volume(full: FullScale) -> None:
    """About 1,500 kitchens a year at scale 1, most with 10–30 lines."""
    n = len(full.kitchens.table)
    assert 2_500 < n < 4_000
    lines = np.array([len(lines) for lines in full.kitchens.table.lines])
    assert 10 <= np.median(lines) <= 30


def test_spare_parts_are_intermittent_but_alive(full: FullScale) -> None:
    """At full scale most spares have no order in over 30 % of weeks, yet each sells in some weeks."""
    weeks = full.ctx.history_days // 7
    weekly: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(weeks))
    table = full.parts.table
    for created, lines in zip(table.created, table.lines, strict=True):
        week = int(created // (7 * MINUTES_PER_DAY))
        for sku, quantity, _ in lines:
            weekly[sku][week] += quantity
    spares = [s.code for s in SPARES if s.family == FAMILY_SPARES]
    zero_share = np.array([np.mean(weekly[code] == 0) for code in spares])
    assert np.mean(zero_share > 0.3) >= 0.8
    assert all(np.count_nonzero(weekly[code]) >= 5 for code in spares)


def test_most_part_buyers_already_own_a_kitchen(full: FullScale) -> None:
    """Aftercare demand comes mostly from existing kitchen owners."""
    owners = set(full.kitchens.owner_codes)
    buyers = [c for c in full.parts.table.customer if c is not None]
    assert np.mean([c in owners for c in buyers]) > 0.5
