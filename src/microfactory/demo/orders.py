"""Turning generated order columns into validated :class:`Order` records.

Generators fill an :class:`OrderTable` (times as local minutes, lines as ``(sku, quantity, price)``);
:func:`build_orders` converts times to aware UTC, sets the status (cancelled as drawn, otherwise
delivered when the window ended by ``as_of`` and confirmed when it had not) and validates each order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from microfactory.demo.clock import IntArray, LocalClock
from microfactory.demo.demand import BoolArray
from microfactory.domain import DeliveryWindow, FulfilmentKind, Order, OrderLine, OrderStatus

Line = tuple[str, int, int]
"""``(sku, quantity, unit_price_pence)``."""


@dataclass
class OrderTable:
    """Orders of one generator as columns; times are local minutes since the history start."""

    brand: str
    channel: list[str] = field(default_factory=list)
    external_id: list[str] = field(default_factory=list)
    customer: list[str | None] = field(default_factory=list)
    outcode: list[str] = field(default_factory=list)
    site: list[str | None] = field(default_factory=list)
    fulfilment: list[FulfilmentKind] = field(default_factory=list)
    created: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    window_start: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    window_end: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    cancelled: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))
    lines: list[tuple[Line, ...]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.channel)

    def check(self) -> None:
        """Raise ``ValueError`` when the columns have different lengths (a generator bug)."""
        n = len(self.channel)
        sizes = {
            "external_id": len(self.external_id),
            "customer": len(self.customer),
            "outcode": len(self.outcode),
            "site": len(self.site),
            "fulfilment": len(self.fulfilment),
            "created": len(self.created),
            "window_start": len(self.window_start),
            "window_end": len(self.window_end),
            "cancelled": len(self.cancelled),
            "lines": len(self.lines),
        }
        wrong = {k: v for k, v in sizes.items() if v != n}
        if wrong:
            raise ValueError(f"{self.brand} order table: columns differ from {n} rows: {wrong}")


def sequential_ids(prefix: str, n: int, width: int = 7) -> list[str]:
    """``prefix`` followed by 1..n, zero-padded (``OKW-0000001``)."""
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


def build_orders(tables: list[OrderTable], clock: LocalClock, as_of: datetime) -> tuple[Order, ...]:
    """Validated orders from every table, sorted by creation time then natural key."""
    for table in tables:
        table.check()
    orders: list[Order] = []
    # Order lines are immutable, so identical lines (same number, SKU, quantity and price) are validated
    # once and shared; weekly subscription baskets and one-bar food orders repeat a lot.
    line_cache: dict[tuple[int, str, int, int], OrderLine] = {}

    def line(number: int, sku: str, quantity: int, price: int) -> OrderLine:
        key = (number, sku, quantity, price)
        found = line_cache.get(key)
        if found is None:
            found = OrderLine(line_no=number, sku=sku, quantity=quantity, unit_price_pence=price)
            line_cache[key] = found
        return found

    for table in tables:
        created = clock.to_datetimes(table.created)
        starts = clock.to_datetimes(table.window_start)
        ends = clock.to_datetimes(table.window_end)
        for i in range(len(table)):
            end = ends[i]
            if table.cancelled[i]:
                status = OrderStatus.CANCELLED
            elif end <= as_of:
                status = OrderStatus.DELIVERED
            else:
                status = OrderStatus.CONFIRMED
            orders.append(
                Order(
                    channel=table.channel[i],
                    external_id=table.external_id[i],
                    brand=table.brand,
                    customer=table.customer[i],
                    outcode=table.outcode[i],
                    created_at=created[i],
                    window=DeliveryWindow(start=starts[i], end=end),
                    status=status,
                    fulfilment=table.fulfilment[i],
                    site=table.site[i],
                    lines=tuple(
                        line(n, sku, qty, price)
                        for n, (sku, qty, price) in enumerate(table.lines[i], start=1)
                    ),
                )
            )
    orders.sort(key=lambda o: (o.created_at, o.channel, o.external_id))
    return tuple(orders)
