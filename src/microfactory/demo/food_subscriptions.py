"""Weekly food subscriptions: coworking spaces and households with a standing order.

Subscriber numbers grow logistically: about 6 % a week at first (the field report's pilot saw 7 % week on
week), slowing as a kitchen's local market fills, with 1.5 % of subscribers leaving each week. Each
subscription has a fixed basket and delivery weekday; its order is raised at the 20:00 cut-off two days
before delivery, so next week's first deliveries already exist as confirmed orders at ``as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from microfactory.demo.clock import MINUTES_PER_DAY
from microfactory.demo.demand import BoolArray, DemandContext, FloatArray
from microfactory.demo.food_catalogue import BRAND, FAMILY_CONDIMENTS, FOOD_ITEMS
from microfactory.demo.food_orders import FoodKitchen, sku_weights
from microfactory.demo.orders import Line, OrderTable
from microfactory.domain import Customer, CustomerKind, FulfilmentKind

CHANNEL = "subscription"
SUBSCRIBERS = {"FOOD-LON": (20, 420), "FOOD-MAN": (10, 220)}
"""Subscribers at the history start and the local market size, at scale 1."""
WEEKLY_GROWTH = 0.06
WEEKLY_CHURN = 0.015
SKIP_SHARE = 0.04
"""Share of weeks a subscriber pauses (holidays, office closed)."""
BUSINESS_SHARE = 0.6
CUT_OFF_DAYS_BEFORE = 2
CUT_OFF_MINUTE = 20 * 60
BUSINESS_WINDOW = (7 * 60 + 30, 10 * 60 + 30)
HOUSEHOLD_WINDOW = (16 * 60 + 30, 19 * 60 + 30)
BUSINESS_DAYS = (0, 1, 2, 3, 4)
HOUSEHOLD_DAYS = (3, 4, 5, 6)
CANCEL_RATE = 0.01


@dataclass(frozen=True)
class Subscriptions:
    """Subscription orders and the subscribers (customers) behind them."""

    table: OrderTable
    customers: tuple[Customer, ...]


@dataclass(frozen=True)
class _Subscriber:
    site: int
    start_week: int
    end_week: int


def _simulate(
    rng: np.random.Generator, site: int, start: int, capacity: float, weeks: int
) -> list[_Subscriber]:
    subs = [_Subscriber(site, 0, int(rng.geometric(WEEKLY_CHURN))) for _ in range(start)]
    for week in range(weeks):
        active = sum(1 for s in subs if s.start_week <= week < s.end_week)
        expected = max(0.0, WEEKLY_GROWTH * active * (1.0 - active / capacity)) + 0.02
        for _ in range(int(rng.poisson(expected))):
            subs.append(_Subscriber(site, week + 1, week + 1 + int(rng.geometric(WEEKLY_CHURN))))
    return subs


def _basket(rng: np.random.Generator, business: bool, weights: FloatArray) -> tuple[Line, ...]:
    condiment = np.array([item.family == FAMILY_CONDIMENTS for item in FOOD_ITEMS])
    if business:
        p = np.where(condiment, 0.0, weights)
        picks = rng.choice(len(FOOD_ITEMS), size=int(rng.integers(2, 4)), replace=False, p=p / p.sum())
        qty = rng.integers(10, 41, size=len(picks))
    else:
        picks = rng.choice(len(FOOD_ITEMS), size=int(rng.integers(2, 5)), replace=False, p=weights)
        qty = rng.integers(1, 5, size=len(picks))
    return tuple(
        (FOOD_ITEMS[i].code, int(q), FOOD_ITEMS[i].price_pence)
        for i, q in sorted(zip(picks, qty, strict=True))
    )


def subscriptions(
    ctx: DemandContext, rng: np.random.Generator, kitchens: list[FoodKitchen], open_day: BoolArray
) -> Subscriptions:
    """Weekly subscription orders for every kitchen, up to the deliveries of the week after ``as_of``."""
    weeks = -(-ctx.history_days // 7) + 1
    subs: list[_Subscriber] = []
    for s, kitchen in enumerate(kitchens):
        start, capacity = SUBSCRIBERS[kitchen.site]
        subs += _simulate(rng, s, max(1, round(start * ctx.scale)), max(3.0, capacity * ctx.scale), weeks)

    customers: list[Customer] = []
    table = OrderTable(brand=BRAND)
    created: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    for number, sub in enumerate(subs, start=1):
        kitchen = kitchens[sub.site]
        business = bool(rng.random() < BUSINESS_SHARE)
        zone = int(rng.choice(len(kitchen.zone_weights), p=kitchen.zone_weights))
        code = f"HJ-S{number:05d}"
        kind = CustomerKind.BUSINESS if business else CustomerKind.HOUSEHOLD
        name = f"Coworking client {number}" if business else None
        customers.append(
            Customer(code=code, brand=BRAND, outcode=ctx.zones.outcodes[zone], kind=kind, name=name)
        )
        weekday = int(rng.choice(BUSINESS_DAYS if business else HOUSEHOLD_DAYS))
        window = BUSINESS_WINDOW if business else HOUSEHOLD_WINDOW
        basket = _basket(rng, business, sku_weights(kitchen.region))
        week = np.arange(sub.start_week, min(sub.end_week, weeks))
        skipped = rng.random(len(week)) < SKIP_SHARE
        for w in week[~skipped]:
            day = int(w) * 7 + weekday
            made = (day - CUT_OFF_DAYS_BEFORE) * MINUTES_PER_DAY + CUT_OFF_MINUTE
            if made < 0 or made >= ctx.as_of_minute or day >= len(open_day) or not open_day[day]:
                continue
            created.append(made)
            starts.append(day * MINUTES_PER_DAY + window[0])
            ends.append(day * MINUTES_PER_DAY + window[1])
            table.channel.append(CHANNEL)
            table.external_id.append(f"HJS-{number:05d}-{ctx.clock.day(day):%Y%m%d}")
            table.customer.append(code)
            table.outcode.append(ctx.zones.outcodes[zone])
            table.site.append(kitchen.site)
            table.fulfilment.append(FulfilmentKind.DELIVERY)
            table.lines.append(basket)
    table.created = np.array(created, dtype=np.int64)
    table.window_start = np.array(starts, dtype=np.int64)
    table.window_end = np.array(ends, dtype=np.int64)
    table.cancelled = rng.random(len(created)) < CANCEL_RATE
    return Subscriptions(table=table, customers=tuple(customers))
