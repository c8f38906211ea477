"""From the work a site must make to batches: demands, due times and batching rules.

A :class:`Demand` is what must be ready by when: one SKU line of a firm order (due = delivery window
start minus travel and packing) or a make-to-stock top-up (due = when the stock is needed). Batching
groups demands of the same SKU (and so the same setup) in due order into batches of at most
``max_batch_units``; a batch below ``min_batch_units`` is made at the minimum (the surplus goes to
stock). For perishable SKUs a batch never mixes deliveries further apart than the shelf life allows:
its freshness bound (latest delivery minus shelf life) must not fall after its due (earliest member).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from microfactory.domain import Order, OrderStatus, Sku, ensure_aware_utc
from microfactory.errors import InvalidInputError


class DemandKind(StrEnum):
    """Where a demand comes from."""

    ORDER = "order"
    STOCK = "stock"


@dataclass(frozen=True, slots=True)
class Demand:
    """Units of one SKU that must be ready by ``due`` (aware UTC); ``delivery`` drives freshness."""

    key: str
    """``channel:external_id`` for orders, ``stock:SKU`` for top-ups."""
    sku: str
    quantity: int
    due: datetime
    delivery: datetime
    kind: DemandKind = DemandKind.ORDER

    def __post_init__(self) -> None:
        object.__setattr__(self, "due", ensure_aware_utc(self.due))
        object.__setattr__(self, "delivery", ensure_aware_utc(self.delivery))
        if self.quantity < 1:
            raise InvalidInputError.single(
                f"demand {self.key}", "quantity must be at least 1", field="quantity"
            )


@dataclass(frozen=True, slots=True)
class StockTopUp:
    """A make-to-stock quantity to make by ``needed_by`` (from the demand or stocking stage)."""

    sku: str
    quantity: int
    needed_by: datetime


@dataclass(frozen=True, slots=True)
class BatchingSettings:
    """Due-time offsets and batching rules.

    ``travel_minutes`` and ``packing_minutes`` are subtracted from the delivery window start to get
    the due time; ``travel_minutes_by_order`` overrides travel per order key (from routing).
    ``max_due_spread_minutes`` keeps a batch from mixing demands due days apart.
    """

    travel_minutes: int = 60
    packing_minutes: int = 30
    travel_minutes_by_order: Mapping[str, int] = field(default_factory=dict)
    max_due_spread_minutes: int = 2 * 24 * 60


@dataclass(frozen=True, slots=True)
class Batch:
    """Demands of one SKU made together: quantity (≥ the members' total), due and freshness bound."""

    sku: str
    quantity: int
    due: datetime
    fresh_from: datetime | None
    members: tuple[tuple[Demand, int], ...]
    """``(demand, units of it in this batch)``; a large demand may be split over batches."""

    @property
    def surplus(self) -> int:
        """Units above the members' total (made to reach the minimum batch size)."""
        return self.quantity - sum(units for _, units in self.members)


def order_key(order: Order) -> str:
    """The key of an order in problems and demand links: ``channel:external_id``."""
    return f"{order.channel}:{order.external_id}"


def demands_from_orders(
    orders: Iterable[Order], settings: BatchingSettings | None = None
) -> tuple[Demand, ...]:
    """One demand per order line of every open or confirmed order (cancelled and shipped are skipped).

    Due = window start minus travel (per order if given) and packing minutes.
    """
    settings = settings or BatchingSettings()
    live = {OrderStatus.OPEN, OrderStatus.CONFIRMED, OrderStatus.IN_PRODUCTION}
    out: list[Demand] = []
    for order in orders:
        if order.status not in live:
            continue
        key = order_key(order)
        travel = settings.travel_minutes_by_order.get(key, settings.travel_minutes)
        due = order.window.start - timedelta(minutes=travel + settings.packing_minutes)
        for line in order.lines:
            out.append(Demand(key, line.sku, line.quantity, due, order.window.start))
    return tuple(out)


def demands_from_top_ups(top_ups: Iterable[StockTopUp]) -> tuple[Demand, ...]:
    """One stock demand per top-up (due and delivery = ``needed_by``)."""
    return tuple(
        Demand(f"stock:{t.sku}", t.sku, t.quantity, t.needed_by, t.needed_by, DemandKind.STOCK)
        for t in top_ups
    )


def batch(
    demands: Sequence[Demand], skus: Mapping[str, Sku], settings: BatchingSettings | None = None
) -> tuple[Batch, ...]:
    """Group demands into batches per SKU, in due order.

    Raises:
        InvalidInputError: a demand names a SKU that is not in ``skus``.
    """
    settings = settings or BatchingSettings()
    unknown = sorted({d.sku for d in demands if d.sku not in skus})
    if unknown:
        raise InvalidInputError.single("demands", f"unknown SKU(s): {', '.join(unknown)}", field="sku")
    by_sku: dict[str, list[Demand]] = {}
    for d in demands:
        by_sku.setdefault(d.sku, []).append(d)
    out: list[Batch] = []
    for code in sorted(by_sku):
        out += _batches_of(skus[code], sorted(by_sku[code], key=lambda d: (d.due, d.key)), settings)
    return tuple(sorted(out, key=lambda b: (b.due, b.sku)))


def _batches_of(sku: Sku, demands: list[Demand], settings: BatchingSettings) -> list[Batch]:
    shelf = None if sku.shelf_life_hours is None else timedelta(hours=sku.shelf_life_hours)
    spread = timedelta(minutes=settings.max_due_spread_minutes)
    batches: list[Batch] = []
    members: list[tuple[Demand, int]] = []

    def close() -> None:
        if members:
            batches.append(_make(sku, members, shelf))
            members.clear()

    for d in demands:
        left = d.quantity
        while left > 0:
            if members:
                first = members[0][0]
                room = sku.max_batch_units - sum(u for _, u in members)
                latest = max(max(m.delivery for m, _ in members), d.delivery)
                stale = shelf is not None and latest - shelf > first.due
                if room <= 0 or d.due - first.due > spread or stale:
                    close()
            units = min(left, sku.max_batch_units - sum(u for _, u in members))
            members.append((d, units))
            left -= units
    close()
    return batches


def _make(sku: Sku, members: list[tuple[Demand, int]], shelf: timedelta | None) -> Batch:
    total = sum(u for _, u in members)
    fresh = None if shelf is None else max(d.delivery for d, _ in members) - shelf
    return Batch(
        sku=sku.code,
        quantity=max(total, sku.min_batch_units),
        due=min(d.due for d, _ in members),
        fresh_from=fresh,
        members=tuple(members),
    )


def minutes(value: float) -> int:
    """Whole minutes, rounded up (a 12.5-minute step takes 13)."""
    return max(1, math.ceil(value - 1e-9))
