"""Food orders from the ghost kitchens: aggregator, own-web and counter orders every day.

Orders peak at lunch and dinner and on Fridays and Saturdays. Aggregator orders arrive through
Deliverect (no customer identity, only the delivery outcode), own-web orders come from known
customers (some pre-order for the next day) and Square counter orders are pickups. Delivery windows are
two to four hours, the same or the next day; pickups are two-hour collection slots. Regional variants
sell mostly in their own city.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from microfactory.demo.clock import MINUTES_PER_DAY, IntArray
from microfactory.demo.demand import (
    BoolArray,
    DemandContext,
    FloatArray,
    daily_counts,
    day_of_each,
    next_open_day,
    round_up,
    sample_minutes,
)
from microfactory.demo.food_catalogue import BRAND, FAMILY_BARS, FAMILY_CONDIMENTS, FAMILY_SNACKS, FOOD_ITEMS
from microfactory.demo.orders import Line, OrderTable
from microfactory.domain import Customer, FulfilmentKind

GROWTH_PER_YEAR = 1.25
MONTH_FACTOR = (0.90, 0.95, 1.00, 1.00, 1.05, 1.00, 0.95, 0.90, 1.05, 1.05, 1.05, 1.10)
WEEKDAY_FACTOR = (0.80, 0.85, 0.90, 1.00, 1.30, 1.35, 0.80)
"""Monday … Sunday: Friday and Saturday are the busy days."""
DAY_NOISE_SHAPE = 25.0

CHANNELS = ("deliverect", "web", "square")
CHANNEL_SHARE = (0.50, 0.30, 0.20)
PREORDER_SHARE = 0.30
"""Share of own-web orders placed for the next day."""
KNOWN_AT_COUNTER = 0.40
"""Share of Square counter orders from loyalty-card customers (the rest are walk-ins)."""
HOURLY_DELIVERY = (1, 0, 0, 0, 0, 0, 0, 2, 4, 4, 4, 9, 14, 11, 5, 3, 4, 8, 12, 13, 10, 6, 3, 1)
HOURLY_COUNTER = (0, 0, 0, 0, 0, 0, 0, 3, 6, 5, 5, 9, 13, 10, 5, 4, 5, 7, 6, 4, 2, 0, 0, 0)

FIRST_START = 7 * 60 + 30
"""Earliest delivery or pickup slot start, local minutes after midnight."""
LAST_START = 20 * 60
NEXT_DAY_SLOTS = (8 * 60, 18 * 60)
WINDOW_MINUTES = (120, 180, 240)
WINDOW_SHARE = (0.5, 0.3, 0.2)
PICKUP_MINUTES = 120
CANCEL_RATE = 0.03

EXTRA_LINES_MEAN = 0.75
MAX_LINES = 5
FAMILY_SHARE = {FAMILY_BARS: 0.50, FAMILY_SNACKS: 0.35, FAMILY_CONDIMENTS: 0.15}
EXTRA_UNITS_MEAN = {FAMILY_BARS: 0.6, FAMILY_SNACKS: 0.3, FAMILY_CONDIMENTS: 0.15}
OTHER_REGION_WEIGHT = 0.05
"""A regional variant sells at 5 % of its home rate in the other city (a guest special)."""


@dataclass(frozen=True)
class FoodKitchen:
    """A ghost kitchen's demand: where it is, its region, its order rate and customer base."""

    site: str
    region: str
    orders_per_day: float
    customer_pool: int
    zone_weights: FloatArray


FOOD_DEMAND = {"FOOD-LON": (66.0, 9_000), "FOOD-MAN": (38.0, 5_000)}
"""Orders per day at the history start and loyal customers, at scale 1."""


@dataclass(frozen=True)
class FoodSales:
    """On-demand food orders and the brand's known customers."""

    table: OrderTable
    customers: tuple[Customer, ...]


def sku_weights(region: str) -> FloatArray:
    """Probability of each food SKU on an order line at a kitchen in ``region``."""
    weights = np.zeros(len(FOOD_ITEMS))
    for family, share in FAMILY_SHARE.items():
        idx = [i for i, item in enumerate(FOOD_ITEMS) if item.family == family]
        w = np.array(
            [
                FOOD_ITEMS[i].popularity
                * (1.0 if FOOD_ITEMS[i].region in (None, region) else OTHER_REGION_WEIGHT)
                for i in idx
            ]
        )
        weights[idx] = share * w / w.sum()
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def _windows(
    rng: np.random.Generator, created: IntArray, channel: IntArray, open_day: BoolArray
) -> tuple[IntArray, IntArray]:
    n = len(created)
    day = created // MINUTES_PER_DAY
    pickup = channel == CHANNELS.index("square")
    preorder = (channel == CHANNELS.index("web")) & (rng.random(n) < PREORDER_SHARE)
    lead = np.where(pickup, 20, rng.integers(45, 91, size=n))
    start = round_up(created + lead, 30)
    start = np.maximum(start, day * MINUTES_PER_DAY + FIRST_START)
    late = start - day * MINUTES_PER_DAY > LAST_START
    next_day = preorder | late
    slots = (NEXT_DAY_SLOTS[1] - NEXT_DAY_SLOTS[0]) // 30 + 1
    next_start = (day + 1) * MINUTES_PER_DAY + NEXT_DAY_SLOTS[0] + 30 * rng.integers(0, slots, size=n)
    start = np.where(next_day, next_start, start)
    length = np.where(pickup, PICKUP_MINUTES, rng.choice(WINDOW_MINUTES, size=n, p=WINDOW_SHARE))
    window_day = start // MINUTES_PER_DAY
    start = start + (next_open_day(window_day, open_day) - window_day) * MINUTES_PER_DAY
    return start, start + length


def _lines(rng: np.random.Generator, region: list[str], n: int) -> list[tuple[Line, ...]]:
    """Order lines: 1–5 SKUs per order, drawn by regional popularity, duplicates merged."""
    per_order = np.minimum(1 + rng.poisson(EXTRA_LINES_MEAN, size=n), MAX_LINES)
    owner = np.repeat(np.arange(n, dtype=np.int64), per_order)
    sku = np.zeros(len(owner), dtype=np.int64)
    line_region = np.array(region, dtype=object)[owner] if n else np.array([], dtype=object)
    for r in sorted(set(region)):
        here = line_region == r
        sku[here] = rng.choice(len(FOOD_ITEMS), size=int(here.sum()), p=sku_weights(r))
    extra = np.array([EXTRA_UNITS_MEAN[item.family] for item in FOOD_ITEMS])[sku]
    qty = 1 + rng.poisson(extra)
    key, inverse = np.unique(owner * len(FOOD_ITEMS) + sku, return_inverse=True)
    total = np.bincount(inverse, weights=qty).astype(np.int64)
    key_owner, key_sku = np.divmod(key, len(FOOD_ITEMS))
    bounds = np.searchsorted(key_owner, np.arange(n + 1))
    out: list[tuple[Line, ...]] = []
    for k in range(n):
        lo, hi = bounds[k], bounds[k + 1]
        out.append(
            tuple(
                (FOOD_ITEMS[s].code, int(q), FOOD_ITEMS[s].price_pence)
                for s, q in zip(key_sku[lo:hi], total[lo:hi], strict=True)
            )
        )
    return out


def food_sales(
    ctx: DemandContext, rng: np.random.Generator, kitchens: list[FoodKitchen], open_day: BoolArray
) -> FoodSales:
    """Two years of on-demand orders at each ghost kitchen; ``open_day`` marks trading days (whole clock)."""
    rate_shape = (
        GROWTH_PER_YEAR**ctx.years
        * np.asarray(MONTH_FACTOR)[ctx.month - 1]
        * np.asarray(WEEKDAY_FACTOR)[ctx.weekday]
        * open_day[: ctx.history_days]
    )
    customers: list[Customer] = []
    parts: list[dict[str, np.ndarray]] = []
    site_names: list[str] = []
    for s, kitchen in enumerate(kitchens):
        pool = max(20, round(kitchen.customer_pool * ctx.scale))
        pool_zone = rng.choice(len(kitchen.zone_weights), size=pool, p=kitchen.zone_weights)
        first = len(customers)
        customers += [
            Customer(code=f"HJ-C{first + i + 1:06d}", brand=BRAND, outcode=ctx.zones.outcodes[z])
            for i, z in enumerate(pool_zone)
        ]
        loyalty = rng.pareto(1.2, size=pool) + 1.0
        rate = kitchen.orders_per_day * ctx.scale * rate_shape
        day = day_of_each(daily_counts(rng, rate, DAY_NOISE_SHAPE))
        n = len(day)
        channel = rng.choice(len(CHANNELS), size=n, p=CHANNEL_SHARE)
        counter = channel == CHANNELS.index("square")
        minute = sample_minutes(rng, HOURLY_DELIVERY, n)
        minute[counter] = sample_minutes(rng, HOURLY_COUNTER, int(counter.sum()))
        who = rng.choice(pool, size=n, p=loyalty / loyalty.sum())
        known = (channel == CHANNELS.index("web")) | (counter & (rng.random(n) < KNOWN_AT_COUNTER))
        zone = np.where(
            known, pool_zone[who], rng.choice(len(kitchen.zone_weights), size=n, p=kitchen.zone_weights)
        )
        parts.append(
            {
                "created": day * MINUTES_PER_DAY + minute,
                "channel": channel,
                "customer": np.where(known, first + who, -1),
                "zone": zone,
                "site": np.full(n, s),
            }
        )
        site_names.append(kitchen.site)
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.lexsort((cols["site"], cols["created"]))
    order = order[cols["created"][order] < ctx.as_of_minute]
    cols = {k: v[order] for k, v in cols.items()}
    n = len(order)
    created, channel = cols["created"].astype(np.int64), cols["channel"].astype(np.int64)
    start, end = _windows(rng, created, channel, open_day)

    table = OrderTable(brand=BRAND)
    table.channel = [CHANNELS[c] for c in channel]
    table.external_id = _external_ids(table.channel, ctx, created)
    table.customer = [customers[c].code if c >= 0 else None for c in cols["customer"]]
    table.outcode = [ctx.zones.outcodes[z] for z in cols["zone"]]
    table.site = [site_names[s] for s in cols["site"]]
    pickup = FulfilmentKind.PICKUP
    table.fulfilment = [pickup if c == CHANNELS.index("square") else FulfilmentKind.DELIVERY for c in channel]
    table.created, table.window_start, table.window_end = created, start, end
    table.cancelled = rng.random(n) < CANCEL_RATE
    regions = [kitchens[s].region for s in cols["site"]]
    table.lines = _lines(rng, regions, n)
    return FoodSales(table=table, customers=tuple(customers))


def _external_ids(channels: list[str], ctx: DemandContext, created: IntArray) -> list[str]:
    """Channel-style ids: Deliverect's 24-hex ObjectId (seconds + counter), web and Square numbers."""
    epoch_day = (
        np.datetime64(ctx.clock.start_day.isoformat(), "D") - np.datetime64("1970-01-01", "D")
    ).astype(np.int64)
    seconds = epoch_day * 86_400 + ctx.clock.to_utc_minutes(created) * 60
    counters = dict.fromkeys(CHANNELS, 0)
    out: list[str] = []
    for name, sec in zip(channels, seconds, strict=True):
        counters[name] += 1
        if name == "deliverect":
            out.append(f"{int(sec):08x}{counters[name]:016x}")
        elif name == "web":
            out.append(f"HJW-{counters[name]:07d}")
        else:
            out.append(f"SQ-{counters[name]:08d}")
    return out
