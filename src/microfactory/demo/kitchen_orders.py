"""Kitchen orders: whole kitchens sold in showrooms, online and to the trade, installed 2–6 weeks later.

Seasonality follows the UK kitchen trade: a peak after New Year (sales and January planning) and a
second one in September (back from summer, ready for Christmas), a trough in December and high summer.
Sundays are quiet; volume grows about 15 % a year. A kitchen is one multi-line order: base, wall and
tall units, worktops sized to the base run, doors and panels in one finish, handles for every front
and a few add-ons. The install window is 08:00–17:00 local on a working day.
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
    sample_minutes,
)
from microfactory.demo.kitchen_catalogue import FINISHES
from microfactory.demo.kitchen_codes import BRAND
from microfactory.demo.kitchen_layout import KitchenColumns, compose_kitchens, kitchen_lines
from microfactory.demo.orders import OrderTable
from microfactory.domain import Customer, CustomerKind, FulfilmentKind

KITCHENS_PER_DAY = 3.9
"""Kitchens sold per day at the history start at scale 1 (before seasonality and weekday effects)."""
GROWTH_PER_YEAR = 1.15
MONTH_FACTOR = (1.45, 1.15, 1.05, 0.95, 0.90, 0.85, 0.80, 0.85, 1.35, 1.05, 0.90, 0.70)
"""January … December; the mean is 1."""
WEEKDAY_FACTOR = (1.15, 1.10, 1.05, 1.05, 0.95, 1.15, 0.45)
"""Monday … Sunday."""

CHANNELS = ("showroom", "web", "trade")
CHANNEL_SHARE = (0.50, 0.33, 0.17)
ID_PREFIX = {"showroom": "OKS-", "web": "OKW-", "trade": "OKT-"}
HOURLY = {
    "showroom": (0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 8, 9, 8, 8, 9, 9, 8, 6, 2, 0, 0, 0, 0, 0),
    "web": (1, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 5, 6, 5, 5, 5, 5, 5, 6, 8, 10, 10, 7, 3),
    "trade": (0, 0, 0, 0, 0, 0, 0, 4, 9, 9, 8, 7, 6, 7, 8, 7, 5, 2, 0, 0, 0, 0, 0, 0),
}
TRADE_DISCOUNT = 0.85
CANCEL_RATE = 0.025
INSTALL_LEAD_DAYS = (14, 42)
INSTALL_HOURS = (8, 17)


@dataclass(frozen=True)
class KitchenSales:
    """The kitchen orders, the customers they created and who owns a kitchen (for aftercare demand)."""

    table: OrderTable
    customers: tuple[Customer, ...]
    owner_codes: tuple[str, ...]
    """Household customers with a kitchen, in order of their install."""
    owner_zones: IntArray
    owner_installed: IntArray
    """Local minute each owner's install window ended."""


def kitchen_sales(
    ctx: DemandContext,
    rng: np.random.Generator,
    zone_weights: FloatArray,
    site_of_zone: list[str],
    install_open: BoolArray,
) -> KitchenSales:
    """Two years of kitchen orders (install fulfilment) and the customers who placed them.

    ``site_of_zone`` names the site serving each zone; ``install_open`` marks the local days (over the
    whole clock) an install crew works.
    """
    month = ctx.month - 1
    rate = (
        KITCHENS_PER_DAY
        * ctx.scale
        * GROWTH_PER_YEAR**ctx.years
        * np.asarray(MONTH_FACTOR)[month]
        * np.asarray(WEEKDAY_FACTOR)[ctx.weekday]
    )
    days = day_of_each(daily_counts(rng, rate, dispersion=20.0))
    channel = rng.choice(len(CHANNELS), size=len(days), p=CHANNEL_SHARE)
    minute = np.zeros(len(days), dtype=np.int64)
    for c, name in enumerate(CHANNELS):
        here = channel == c
        minute[here] = sample_minutes(rng, HOURLY[name], int(here.sum()))
    created = days * MINUTES_PER_DAY + minute
    order = np.argsort(created, kind="stable")
    keep = order[created[order] < ctx.as_of_minute]
    days, channel, created = days[keep], channel[keep], created[keep]
    n = len(days)

    zone = rng.choice(len(zone_weights), size=n, p=zone_weights)
    lead = rng.integers(INSTALL_LEAD_DAYS[0], INSTALL_LEAD_DAYS[1] + 1, size=n)
    install_day = next_open_day(days + lead, install_open)
    start = install_day * MINUTES_PER_DAY + INSTALL_HOURS[0] * 60
    end = install_day * MINUTES_PER_DAY + INSTALL_HOURS[1] * 60

    trade = channel == CHANNELS.index("trade")
    n_accounts = max(3, round(60 * ctx.scale))
    account_zone = rng.choice(len(zone_weights), size=n_accounts, p=zone_weights)
    account = rng.integers(0, n_accounts, size=n)
    customers: list[Customer] = [
        Customer(
            code=f"KT-{i + 1:04d}",
            brand=BRAND,
            outcode=ctx.zones.outcodes[account_zone[i]],
            kind=CustomerKind.TRADE,
            name=f"Trade account {i + 1}",
        )
        for i in range(n_accounts)
    ]
    customer: list[str | None] = []
    owners: list[str] = []
    owner_rows: list[int] = []
    household = 0
    for k in range(n):
        if trade[k]:
            customer.append(customers[account[k]].code)
            continue
        household += 1
        code = f"KC-{household:06d}"
        customers.append(Customer(code=code, brand=BRAND, outcode=ctx.zones.outcodes[zone[k]]))
        customer.append(code)
        owners.append(code)
        owner_rows.append(k)

    cols = KitchenColumns()
    finish_p = np.array([f.popularity for f in FINISHES])
    finish = rng.choice(len(FINISHES), size=n, p=finish_p / finish_p.sum())
    lines = kitchen_lines(compose_kitchens(rng, n, cols), finish, np.where(trade, TRADE_DISCOUNT, 1.0), cols)
    cancelled = rng.random(n) < CANCEL_RATE

    table = OrderTable(brand=BRAND)
    names = [CHANNELS[c] for c in channel]
    table.channel = names
    table.external_id = _ids_per_channel(names)
    table.customer = customer
    table.outcode = [ctx.zones.outcodes[z] for z in zone]
    table.site = [site_of_zone[z] for z in zone]
    table.fulfilment = [FulfilmentKind.INSTALL] * n
    table.created, table.window_start, table.window_end = created, start, end
    table.cancelled = cancelled
    table.lines = lines
    rows = np.array(owner_rows, dtype=np.int64)
    live = ~cancelled[rows]
    by_install = np.argsort(end[rows][live], kind="stable")
    return KitchenSales(
        table=table,
        customers=tuple(customers),
        owner_codes=tuple(np.array(owners, dtype=object)[live][by_install]),
        owner_zones=zone[rows][live][by_install],
        owner_installed=end[rows][live][by_install],
    )


def _ids_per_channel(channels: list[str]) -> list[str]:
    counters = dict.fromkeys(ID_PREFIX, 0)
    out: list[str] = []
    for name in channels:
        counters[name] += 1
        out.append(f"{ID_PREFIX[name]}{counters[name]:07d}")
    return out
