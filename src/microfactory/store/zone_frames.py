"""Read-only queries for demand heat-zones: order lines with their customer, and the brands with orders.

Heat-zones need the customer of each order (for the repeat-customer share), which the general
:func:`microfactory.store.frames.order_lines_frame` does not carry; otherwise the frame is the same.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from microfactory.store.models import OrderLineRow, OrderRow

CANCELLED = "cancelled"
ZONE_LINE_COLUMNS = (
    "brand",
    "sku_family",
    "outcode",
    "channel",
    "external_id",
    "customer",
    "created_at",
    "quantity",
    "cancelled",
)
"""Columns of :func:`zone_order_lines_frame`: ``ORDER_LINE_COLUMNS`` plus ``customer``."""
NO_FAMILY = "(any)"
"""Heat-zones do not split by SKU family, so the frame does not join the master data for it."""


def zone_order_lines_frame(session: Session, *, brand: str | None = None) -> pd.DataFrame:
    """Every order line (cancelled ones flagged) with its order's brand, zone, key, customer and time.

    One query; ordered by creation time. ``created_at`` is UTC; ``customer`` is ``None`` when the
    order does not name one (aggregator orders).
    """
    query = (
        select(
            OrderRow.brand,
            OrderRow.outcode,
            OrderRow.channel,
            OrderRow.external_id,
            OrderRow.customer,
            OrderRow.created_at,
            OrderLineRow.quantity,
            OrderRow.status,
        )
        .join(OrderRow, OrderLineRow.order_id == OrderRow.id)
        .order_by(OrderRow.created_at, OrderRow.id, OrderLineRow.line_no)
    )
    if brand is not None:
        query = query.where(OrderRow.brand == brand)
    rows = session.execute(query).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "brand",
            "outcode",
            "channel",
            "external_id",
            "customer",
            "created_at",
            "quantity",
            "status",
        ],
    )
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["quantity"] = frame["quantity"].astype("int64")
    frame["cancelled"] = frame.pop("status") == CANCELLED
    frame["customer"] = frame["customer"].astype(object).where(frame["customer"].notna(), None)
    frame["sku_family"] = NO_FAMILY
    return frame[list(ZONE_LINE_COLUMNS)]


def brands_with_orders(session: Session) -> list[str]:
    """Brand codes that have at least one live (not cancelled) order, sorted."""
    rows = session.execute(
        select(OrderRow.brand).where(OrderRow.status != CANCELLED).distinct().order_by(OrderRow.brand)
    ).all()
    return [str(r[0]) for r in rows]
