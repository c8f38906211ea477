"""What a traceability query returns: lots up or down the input graph, and where their units went.

The store answers each question with one recursive query
(:func:`microfactory.store.traceability.trace_forward`, ``trace_backward``, ``recall``); these
records carry the answer and summarise it for a recall notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Direction(StrEnum):
    """Forward: from an input to the products and customers it reached. Backward: to its inputs."""

    FORWARD = "forward"
    BACKWARD = "backward"


@dataclass(frozen=True, slots=True)
class TracedLot:
    """A lot reached by a trace, ``depth`` links away from the starting lot (0 = the lot itself)."""

    code: str
    site: str
    sku: str
    kind: str
    status: str
    quantity: int
    produced_at: datetime
    depth: int


@dataclass(frozen=True, slots=True)
class TracedDelivery:
    """Units of a lot allocated to an order line (a delivery) or to another site (a transfer)."""

    lot: str
    kind: str
    sku: str
    quantity: int
    order_channel: str | None = None
    order_external_id: str | None = None
    line_no: int | None = None
    customer: str | None = None
    brand: str | None = None
    outcode: str | None = None
    window_start: datetime | None = None
    to_site: str | None = None

    @property
    def order(self) -> str | None:
        """``channel/external_id`` of the order, or ``None`` for a transfer."""
        if self.order_channel is None:
            return None
        return f"{self.order_channel}/{self.order_external_id}"

    @property
    def recipient(self) -> str:
        """Who received the units: the customer code, ``guest <outcode>``, or ``site <code>``."""
        if self.to_site is not None:
            return f"site {self.to_site}"
        return self.customer or f"guest {self.outcode or '?'}"


@dataclass(frozen=True, slots=True)
class Trace:
    """The answer to ``microfactory trace LOT --forward|--backward``."""

    lot: str
    direction: Direction
    lots: tuple[TracedLot, ...]
    """The starting lot first, then by depth and code."""
    deliveries: tuple[TracedDelivery, ...] = ()
    """Forward traces only: every allocation of every lot reached."""

    @property
    def orders(self) -> tuple[str, ...]:
        """Distinct orders reached, sorted."""
        return tuple(sorted({d.order for d in self.deliveries if d.order is not None}))

    @property
    def recipients(self) -> tuple[str, ...]:
        """Distinct customers (or guest outcodes, or sites) reached, sorted."""
        return tuple(sorted({d.recipient for d in self.deliveries}))

    def kpis(self) -> dict[str, int]:
        """Counts for a summary line: lots, orders, recipients, units delivered or transferred."""
        return {
            "lots": len(self.lots),
            "orders": len(self.orders),
            "recipients": len(self.recipients),
            "units": sum(d.quantity for d in self.deliveries),
        }


RECALL_COLUMNS = (
    "lot",
    "kind",
    "order",
    "line_no",
    "customer",
    "outcode",
    "brand",
    "sku",
    "quantity",
    "window_start",
    "to_site",
)


def recall_rows(trace: Trace) -> list[dict[str, str]]:
    """One row per allocation for a recall list (CSV or table), columns :data:`RECALL_COLUMNS`.

    Sorted by order then lot; times are ISO 8601 UTC.
    """
    rows = [
        {
            "lot": d.lot,
            "kind": d.kind,
            "order": d.order or "",
            "line_no": "" if d.line_no is None else str(d.line_no),
            "customer": d.recipient if d.to_site is None else "",
            "outcode": d.outcode or "",
            "brand": d.brand or "",
            "sku": d.sku,
            "quantity": str(d.quantity),
            "window_start": d.window_start.isoformat() if d.window_start else "",
            "to_site": d.to_site or "",
        }
        for d in trace.deliveries
    ]
    return sorted(rows, key=lambda r: (r["order"], r["lot"], r["line_no"], r["to_site"]))
