"""Accessory and spare-part orders: intermittent, lumpy demand from kitchen owners and the trade.

Each stock item has a weekly order rate below or around one, so most weeks have no order for a given
SKU (the intermittent demand Croston and Syntetos–Boylan methods are for); quantities are geometric
with an occasional bulk trade order, which makes the series lumpy as well. Most buyers already own an
Oakline kitchen. Delivery is a four-hour slot two to five working days later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from microfactory.demo.clock import MINUTES_PER_DAY
from microfactory.demo.demand import BoolArray, DemandContext, FloatArray, next_open_day, sample_minutes
from microfactory.demo.kitchen_codes import BRAND, FAMILY_SPARES
from microfactory.demo.kitchen_orders import KitchenSales
from microfactory.demo.kitchen_stock import ACCESSORIES, SPARES, StockItem
from microfactory.demo.orders import OrderTable
from microfactory.domain import Customer, FulfilmentKind

ACCESSORY_GROWTH_PER_YEAR = 1.12
SPARES_GROWTH_PER_YEAR = 1.30
"""Spares grow faster than sales: the installed base of kitchens keeps growing."""
WEEKDAY_FACTOR = (1.15, 1.1, 1.1, 1.1, 1.05, 0.9, 0.6)
OWNER_SHARE = 0.7
"""Share of orders placed by someone who already has an Oakline kitchen (when there is one)."""
BULK_SHARE = 0.03
BULK_FACTOR = (5, 12)
CANCEL_RATE = 0.02
DELIVERY_LEAD_DAYS = (2, 5)
SLOTS = ((8, 12), (12, 16), (16, 20))
SLOT_SHARE = (0.45, 0.40, 0.15)
HOURLY = (1, 0, 0, 0, 0, 0, 1, 2, 4, 6, 7, 7, 7, 6, 6, 6, 6, 6, 7, 8, 8, 7, 4, 2)
CHANNEL = {"accessory": "web", "spare": "aftercare"}
ID_PREFIX = {"accessory": "OKW-A", "spare": "OKA-"}


@dataclass(frozen=True)
class PartSales:
    """Accessory and spare-part orders and the new customers they brought."""

    table: OrderTable
    customers: tuple[Customer, ...]


def part_sales(
    ctx: DemandContext,
    rng: np.random.Generator,
    kitchens: KitchenSales,
    zone_weights: FloatArray,
    site_of_zone: list[str],
    delivery_open: BoolArray,
) -> PartSales:
    """Two years of single-line accessory and spare-part orders."""
    items: tuple[StockItem, ...] = (*ACCESSORIES, *SPARES)
    growth = np.array(
        [SPARES_GROWTH_PER_YEAR if i.family == FAMILY_SPARES else ACCESSORY_GROWTH_PER_YEAR for i in items]
    )
    weekly = np.array([i.weekly_orders for i in items]) * ctx.scale
    weekday = np.asarray(WEEKDAY_FACTOR) / np.mean(WEEKDAY_FACTOR)
    rate = (weekly[:, None] / 7.0) * growth[:, None] ** ctx.years[None, :] * weekday[ctx.weekday][None, :]
    counts = rng.poisson(rate)
    item, day = np.nonzero(counts)
    item, day = np.repeat(item, counts[item, day]), np.repeat(day, counts[item, day])
    created = day * MINUTES_PER_DAY + sample_minutes(rng, HOURLY, len(day))
    order = np.lexsort((item, created))
    keep = order[created[order] < ctx.as_of_minute]
    item, day, created = item[keep], day[keep], created[keep]
    n = len(item)

    mean_q = np.array([i.mean_quantity for i in items])[item]
    quantity = rng.geometric(1.0 / mean_q)
    bulk = rng.random(n) < BULK_SHARE
    quantity[bulk] *= rng.integers(BULK_FACTOR[0], BULK_FACTOR[1] + 1, size=int(bulk.sum()))

    # A buyer who owns a kitchen installed at least a week before; otherwise a new customer.
    owners_before = np.searchsorted(kitchens.owner_installed, created - 7 * MINUTES_PER_DAY)
    is_owner = (rng.random(n) < OWNER_SHARE) & (owners_before > 0)
    owner = np.floor(rng.random(n) * np.maximum(owners_before, 1)).astype(np.int64)
    zone = rng.choice(len(zone_weights), size=n, p=zone_weights)
    zone[is_owner] = kitchens.owner_zones[owner[is_owner]]
    customers: list[Customer] = []
    customer: list[str | None] = []
    for k in range(n):
        if is_owner[k]:
            customer.append(kitchens.owner_codes[owner[k]])
            continue
        code = f"KC-P{len(customers) + 1:06d}"
        customers.append(Customer(code=code, brand=BRAND, outcode=ctx.zones.outcodes[zone[k]]))
        customer.append(code)

    lead = rng.integers(DELIVERY_LEAD_DAYS[0], DELIVERY_LEAD_DAYS[1] + 1, size=n)
    deliver = next_open_day(day + lead, delivery_open)
    slot = rng.choice(len(SLOTS), size=n, p=SLOT_SHARE)
    start = deliver * MINUTES_PER_DAY + np.array([s for s, _ in SLOTS])[slot] * 60
    end = deliver * MINUTES_PER_DAY + np.array([e for _, e in SLOTS])[slot] * 60

    kinds = ["spare" if items[i].family == FAMILY_SPARES else "accessory" for i in item]
    counters = {"accessory": 0, "spare": 0}
    external: list[str] = []
    for kind in kinds:
        counters[kind] += 1
        external.append(f"{ID_PREFIX[kind]}{counters[kind]:07d}")
    table = OrderTable(brand=BRAND)
    table.channel = [CHANNEL[k] for k in kinds]
    table.external_id = external
    table.customer = customer
    table.outcode = [ctx.zones.outcodes[z] for z in zone]
    table.site = [site_of_zone[z] for z in zone]
    table.fulfilment = [FulfilmentKind.DELIVERY] * n
    table.created, table.window_start, table.window_end = created, start, end
    table.cancelled = rng.random(n) < CANCEL_RATE
    table.lines = [
        ((items[i].code, int(q), items[i].price_pence),) for i, q in zip(item, quantity, strict=True)
    ]
    return PartSales(table=table, customers=tuple(customers))
