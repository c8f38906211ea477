"""Read-only queries that return long frames and aggregates for engines and reports.

The pipeline feeds engines tables in long form (one row per order line, per week); building them with
one SQL query each is far faster than loading every order as an object.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microfactory.store.models import (
    OrderLineRow,
    OrderRow,
    PlanRunRow,
    SkuFamilyRow,
    SkuRow,
    WeeklyDemandRow,
)

UNKNOWN_FAMILY = "(unknown)"
"""Family shown for order lines whose SKU the master data does not hold."""

CANCELLED = "cancelled"


def order_lines_frame(
    session: Session,
    *,
    brand: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> pd.DataFrame:
    """Every order line with its order's brand, zone, key, creation time and SKU family.

    Columns: ``brand, sku_family, outcode, channel, external_id, created_at`` (UTC), ``quantity``,
    ``cancelled`` — the input of :func:`microfactory.demand.summarise_demand_history`. Filters on
    ``created_at`` are ``[created_from, created_to)``.
    """
    query = (
        select(
            OrderRow.brand,
            func.coalesce(SkuFamilyRow.code, UNKNOWN_FAMILY).label("sku_family"),
            OrderRow.outcode,
            OrderRow.channel,
            OrderRow.external_id,
            OrderRow.created_at,
            OrderLineRow.quantity,
            OrderRow.status,
        )
        .join(OrderRow, OrderLineRow.order_id == OrderRow.id)
        .outerjoin(SkuRow, SkuRow.code == OrderLineRow.sku)
        .outerjoin(SkuFamilyRow, SkuFamilyRow.id == SkuRow.family_id)
        .order_by(OrderRow.created_at, OrderRow.id, OrderLineRow.line_no)
    )
    if brand is not None:
        query = query.where(OrderRow.brand == brand)
    if created_from is not None:
        query = query.where(OrderRow.created_at >= created_from)
    if created_to is not None:
        query = query.where(OrderRow.created_at < created_to)
    rows = session.execute(query).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "brand",
            "sku_family",
            "outcode",
            "channel",
            "external_id",
            "created_at",
            "quantity",
            "status",
        ],
    )
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["quantity"] = frame["quantity"].astype("int64")
    frame["cancelled"] = frame.pop("status") == CANCELLED
    return frame


def order_counts(session: Session) -> dict[str, dict[str, int]]:
    """Per brand: ``orders``, ``cancelled``, ``lines``, ``units`` and ``channel.<name>`` counts."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    by_channel = session.execute(
        select(OrderRow.brand, OrderRow.channel, OrderRow.status, func.count()).group_by(
            OrderRow.brand, OrderRow.channel, OrderRow.status
        )
    ).all()
    for brand, channel, status, n in by_channel:
        counts = out[brand]
        counts["orders"] = counts.get("orders", 0) + n
        counts[f"channel.{channel}"] = counts.get(f"channel.{channel}", 0) + n
        if status == CANCELLED:
            counts["cancelled"] = counts.get("cancelled", 0) + n
    lines = session.execute(
        select(OrderRow.brand, func.count(), func.coalesce(func.sum(OrderLineRow.quantity), 0))
        .join(OrderRow, OrderLineRow.order_id == OrderRow.id)
        .group_by(OrderRow.brand)
    ).all()
    for brand, n_lines, units in lines:
        out[brand]["lines"] = int(n_lines)
        out[brand]["units"] = int(units)
    return {brand: dict(counts) for brand, counts in out.items()}


def weekly_order_counts(session: Session) -> dict[str, list[tuple[date, float]]]:
    """Per brand: live (not cancelled) orders per Europe/London week, oldest first."""
    rows = session.execute(
        select(OrderRow.brand, OrderRow.created_at).where(OrderRow.status != CANCELLED)
    ).all()
    if not rows:
        return {}
    frame = pd.DataFrame(rows, columns=["brand", "created_at"])
    local = pd.to_datetime(frame["created_at"], utc=True).dt.tz_convert("Europe/London")
    frame["week"] = (local.dt.normalize() - pd.to_timedelta(local.dt.weekday, unit="D")).dt.date
    counts = frame.groupby(["brand", "week"]).size().reset_index(name="orders")
    out: dict[str, list[tuple[date, float]]] = defaultdict(list)
    for brand, week, n in zip(
        counts["brand"].tolist(), counts["week"].tolist(), counts["orders"].tolist(), strict=True
    ):
        out[str(brand)].append((week, float(n)))
    return dict(out)


def zone_units(session: Session, *, stage: str = "demand_history") -> dict[str, dict[str, int]]:
    """Per brand: units per outcode over the latest demand-history plan run of that brand."""
    latest = (
        select(PlanRunRow.scope, func.max(PlanRunRow.id).label("run_id"))
        .where(PlanRunRow.stage == stage)
        .group_by(PlanRunRow.scope)
        .subquery()
    )
    rows = session.execute(
        select(WeeklyDemandRow.brand, WeeklyDemandRow.outcode, func.sum(WeeklyDemandRow.units))
        .join(latest, latest.c.run_id == WeeklyDemandRow.plan_run_id)
        .group_by(WeeklyDemandRow.brand, WeeklyDemandRow.outcode)
    ).all()
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for brand, outcode, units in rows:
        out[brand][outcode] = int(units)
    return dict(out)
