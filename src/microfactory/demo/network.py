"""Build the seeded UK demo network: two brands, their sites and catalogues, and two years of orders.

The network is synthetic but shaped like the real thing: every GB outcode as a delivery zone, demand
concentrated in metro areas, a kitchen maker with a central plant and candidate microfactories, a food
brand with ghost kitchens, and order histories with seasonality, growth, intermittent spares and
subscriptions. The same ``(seed, scale, as_of)`` always gives the same network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from microfactory.data.outcodes import load_gb_zones
from microfactory.demo.calendars import ClosurePolicy, closed_days
from microfactory.demo.clock import LONDON, MINUTES_PER_DAY, LocalClock, history_start_day, local_midnight_utc
from microfactory.demo.demand import BoolArray, DemandContext
from microfactory.demo.fleet import vehicle_types
from microfactory.demo.food import (
    FOOD_CLOSURES,
    FOOD_SITES,
    food_brand,
    food_resource_types,
    food_site_records,
)
from microfactory.demo.food_catalogue import food_changeovers, food_families, food_skus
from microfactory.demo.food_orders import FOOD_DEMAND, FoodKitchen, food_sales
from microfactory.demo.food_subscriptions import subscriptions
from microfactory.demo.geography import ZoneArrays, kitchen_zone_weights, local_zone_weights, nearest_within
from microfactory.demo.holidays import Nation
from microfactory.demo.kitchen import (
    CENTRAL_SITE,
    KITCHEN_SITES,
    kitchen_brand,
    kitchen_resource_types,
    kitchen_site_records,
)
from microfactory.demo.kitchen_catalogue import kitchen_changeovers, kitchen_families, kitchen_skus
from microfactory.demo.kitchen_codes import BRAND as KITCHEN_BRAND
from microfactory.demo.kitchen_orders import kitchen_sales
from microfactory.demo.kitchen_parts import part_sales
from microfactory.demo.orders import build_orders
from microfactory.domain import MasterData, Order, Site, SiteKind, SiteStatus

DEFAULT_AS_OF = datetime(2026, 11, 23, tzinfo=LONDON).astimezone(UTC)
"""Monday 23 November 2026, 00:00 Europe/London (GMT, so also 00:00 UTC)."""
MAX_SCALE = 20.0
FUTURE_DAYS = 70
"""Days after ``as_of`` the generator may place windows in (installs are up to six weeks out)."""
CALENDAR_DAYS_AHEAD = 371
"""Closures are listed for a year beyond ``as_of``, enough for any planning horizon."""
PILOT_RADIUS_KM = 60.0
"""A pilot microfactory serves kitchens within this straight-line distance; the plant serves the rest."""
FOOD_DELIVERY_RADIUS_KM = {"FOOD-LON": 10.0, "FOOD-MAN": 8.0}
FOOD_DECAY_KM = 3.0
INSTALL_CLOSURES = ClosurePolicy(Nation.ENGLAND_AND_WALES, christmas_shutdown=True)
"""Days install crews and parcel deliveries do not work (besides weekends): the plant's closures."""

_STREAMS = ("kitchen", "parts", "food", "subscriptions")


@dataclass(frozen=True)
class DemoNetwork:
    """A complete demo network: master data plus order history up to ``history_end``."""

    master: MasterData
    orders: tuple[Order, ...]
    history_start: datetime
    """Aware UTC; Monday 00:00 Europe/London, 104 weeks before the week of ``history_end``."""
    history_end: datetime
    """Aware UTC, exclusive; equal to ``as_of``. Orders are created before it."""
    seed: int
    scale: float


def build_demo(*, seed: int = 1, scale: float = 1.0, as_of: datetime | None = None) -> DemoNetwork:
    """Build the seeded UK demo network.

    Args:
        seed: Seed for every random draw (a ``numpy`` ``SeedSequence``; no global random state).
        scale: Multiplies order volumes; 1.0 gives about 120,000 orders. Must be > 0 and ≤ 20.
        as_of: End of the history (exclusive), an aware datetime; default Monday 23 November 2026,
            00:00 Europe/London. The history starts on the Monday 104 weeks before its week.

    Raises:
        ValueError: ``seed`` is negative, ``scale`` is out of range or ``as_of`` is naive.
    """
    _check_seed_and_scale(seed, scale)
    when = DEFAULT_AS_OF if as_of is None else as_of
    ctx = demand_context(when, float(scale))
    when = when.astimezone(UTC)
    start_day = ctx.clock.start_day
    last_day = when.astimezone(LONDON).date() + timedelta(days=CALENDAR_DAYS_AHEAD)
    records = [kitchen_site_records(spec, ctx.zones, start_day, last_day) for spec in KITCHEN_SITES]
    records += [food_site_records(spec, ctx.zones, start_day, last_day) for spec in FOOD_SITES]
    streams = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    rngs = {name: np.random.default_rng(s) for name, s in zip(_STREAMS, streams, strict=True)}

    site_of_zone = kitchen_site_of_zone(ctx.zones, [r.site for r in records])
    last = ctx.clock.day(ctx.clock.days)
    kitchen_closed = closed_days(
        ClosurePolicy(Nation.ENGLAND_AND_WALES, christmas_shutdown=True), start_day, last
    )
    working = (np.arange(ctx.clock.days) % 7 < 5) & ~ctx.day_mask(kitchen_closed)
    food_open: BoolArray = ~ctx.day_mask(closed_days(FOOD_CLOSURES, start_day, last))

    kitchen_weights = kitchen_zone_weights(ctx.zones)
    kitchens = kitchen_sales(ctx, rngs["kitchen"], kitchen_weights, site_of_zone, working)
    parts = part_sales(ctx, rngs["parts"], kitchens, kitchen_weights, site_of_zone, working)
    food_kitchens = _food_kitchens(ctx.zones, [r.site for r in records])
    food = food_sales(ctx, rngs["food"], food_kitchens, food_open)
    subs = subscriptions(ctx, rngs["subscriptions"], food_kitchens, food_open)
    orders = build_orders([kitchens.table, parts.table, food.table, subs.table], ctx.clock, when)

    master = MasterData(
        brands=(kitchen_brand(), food_brand()),
        calendars=tuple(c for r in records for c in r.calendars),
        resource_types=(*kitchen_resource_types(), *food_resource_types()),
        sites=tuple(r.site for r in records),
        resources=tuple(x for r in records for x in r.resources),
        labour_pools=tuple(p for r in records for p in r.labour_pools),
        sku_families=(*kitchen_families(), *food_families()),
        skus=(*kitchen_skus(), *food_skus()),
        changeovers=(*kitchen_changeovers(), *food_changeovers()),
        zones=load_gb_zones(),
        customers=(*kitchens.customers, *parts.customers, *food.customers, *subs.customers),
        vehicle_types=vehicle_types(),
    )
    return DemoNetwork(
        master=master,
        orders=orders,
        history_start=local_midnight_utc(start_day),
        history_end=when,
        seed=seed,
        scale=float(scale),
    )


def _check_seed_and_scale(seed: int, scale: float) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not math.isfinite(scale):
        raise ValueError(f"scale must be a number > 0 and ≤ {MAX_SCALE:g}, got {scale!r}")
    if not 0 < scale <= MAX_SCALE:
        raise ValueError(f"scale must be > 0 and ≤ {MAX_SCALE:g}, got {scale!r}")


def demand_context(as_of: datetime, scale: float) -> DemandContext:
    """The day grid, local clock and zones the order generators share, for a history ending at ``as_of``.

    Raises ``ValueError`` when ``as_of`` is naive.
    """
    if as_of.tzinfo is None or as_of.tzinfo.utcoffset(as_of) is None:
        raise ValueError(f"as_of must be timezone-aware, got naive {as_of.isoformat()}")
    start_day = history_start_day(as_of)
    local = as_of.astimezone(LONDON)
    as_of_minute = (local.date() - start_day).days * MINUTES_PER_DAY + local.hour * 60 + local.minute
    history_days = -(-as_of_minute // MINUTES_PER_DAY)
    return DemandContext(
        clock=LocalClock.covering(start_day, history_days + FUTURE_DAYS),
        history_days=history_days,
        as_of_minute=as_of_minute,
        scale=scale,
        zones=ZoneArrays.of(load_gb_zones()),
    )


def kitchen_site_of_zone(zones: ZoneArrays, sites: list[Site]) -> list[str]:
    """The kitchen site serving each zone today: a pilot microfactory within reach, else the plant."""
    pilots = [
        s
        for s in sites
        if s.brand == KITCHEN_BRAND and s.kind is SiteKind.MICROFACTORY and s.status is SiteStatus.ACTIVE
    ]
    nearest = nearest_within(zones, [s.location for s in pilots], PILOT_RADIUS_KM)
    return [pilots[i].code if i >= 0 else CENTRAL_SITE for i in nearest]


def _food_kitchens(zones: ZoneArrays, sites: list[Site]) -> list[FoodKitchen]:
    by_code = {s.code: s for s in sites}
    return [
        FoodKitchen(
            site=spec.code,
            region=spec.region,
            orders_per_day=FOOD_DEMAND[spec.code][0],
            customer_pool=FOOD_DEMAND[spec.code][1],
            zone_weights=local_zone_weights(
                zones, by_code[spec.code].location, FOOD_DECAY_KM, FOOD_DELIVERY_RADIUS_KM[spec.code]
            ),
        )
        for spec in FOOD_SITES
        if spec.region is not None
    ]
