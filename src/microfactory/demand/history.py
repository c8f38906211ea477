"""Weekly demand history per brand × SKU family × zone, from a long frame of order lines.

A pure engine: it takes a frame (one row per order line) and returns typed weekly demand records plus
KPIs. Weeks are planners' weeks: they start on Monday 00:00 Europe/London, so an order placed at
00:30 BST on a Monday counts in that Monday's week, not in the previous one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from microfactory.domain import Order, OrderStatus, PlanHorizon, WeeklyDemand
from microfactory.errors import InvalidInputError

ORDER_LINE_COLUMNS = (
    "brand",
    "sku_family",
    "outcode",
    "channel",
    "external_id",
    "created_at",
    "quantity",
    "cancelled",
)
"""Columns the order-line frame must have: one row per order line."""

LONDON = "Europe/London"


def week_start_london(when: datetime) -> date:
    """The Monday (Europe/London calendar) of the week containing ``when``."""
    local = pd.Timestamp(when).tz_convert(LONDON)
    monday = local.normalize() - pd.Timedelta(days=local.weekday())
    return date(monday.year, monday.month, monday.day)


@dataclass(frozen=True)
class DemandHistory:
    """Weekly demand for one horizon, with the figures a planner looks at first."""

    horizon: PlanHorizon
    weekly: tuple[WeeklyDemand, ...]
    orders: int
    units: int
    cancelled_orders: int
    weeks: int
    zones_with_demand: int
    units_by_family: Mapping[str, int]
    recent_growth_pct: float | None
    """Units in the last 13 weeks against the same 13 weeks a year before, in %."""

    def kpis(self) -> dict[str, float | int | str]:
        """Flat KPI dictionary for reports, the store and the CLI."""
        out: dict[str, float | int | str] = {
            "orders": self.orders,
            "units": self.units,
            "cancelled_orders": self.cancelled_orders,
            "weeks": self.weeks,
            "zones_with_demand": self.zones_with_demand,
            "weekly_rows": len(self.weekly),
            "mean_weekly_orders": round(self.orders / self.weeks, 1) if self.weeks else 0.0,
        }
        if self.recent_growth_pct is not None:
            out["growth_13w_yoy_pct"] = round(self.recent_growth_pct, 1)
        for family, units in sorted(self.units_by_family.items()):
            out[f"units.{family}"] = units
        return out


def order_lines_from_orders(
    orders: Iterable[Order], family_of_sku: Mapping[str, str], *, unknown_family: str = "(unknown)"
) -> pd.DataFrame:
    """The order-line frame (:data:`ORDER_LINE_COLUMNS`) of in-memory orders, for use without a store.

    The pipeline builds the same frame with one SQL query (``store.order_lines_frame``); this is for
    benchmarks and library users holding domain orders.
    """
    rows = [
        (
            o.brand,
            family_of_sku.get(line.sku, unknown_family),
            o.outcode,
            o.channel,
            o.external_id,
            o.created_at,
            line.quantity,
            o.status == OrderStatus.CANCELLED,
        )
        for o in orders
        for line in o.lines
    ]
    frame = pd.DataFrame(rows, columns=list(ORDER_LINE_COLUMNS))
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


def check_order_lines(lines: pd.DataFrame, source: str) -> None:
    """Refuse an order-lines frame that lacks a column of :data:`ORDER_LINE_COLUMNS`, has naive times or a
    negative quantity, naming ``source`` (and the row, when the frame's index is a row number)."""
    missing = [c for c in ORDER_LINE_COLUMNS if c not in lines.columns]
    if missing:
        raise InvalidInputError.single(source, f"missing columns: {', '.join(missing)}")
    if len(lines) and not isinstance(lines["created_at"].dtype, pd.DatetimeTZDtype):
        raise InvalidInputError.single(source, "must be timezone-aware datetimes (UTC)", field="created_at")
    negative = lines.index[lines["quantity"] < 0]
    if len(negative):
        label = negative[0]
        row = int(label) if isinstance(label, int | np.integer) else None
        raise InvalidInputError.single(source, "quantity must not be negative", field="quantity", row=row)


def summarise_demand_history(
    lines: pd.DataFrame, horizon: PlanHorizon, *, source: str = "order lines"
) -> DemandHistory:
    """Aggregate order lines created within ``horizon`` into weekly brand × family × zone demand.

    Cancelled orders are counted separately and excluded from demand. Weeks are Monday-based in
    Europe/London; only whole or partial weeks that contain orders produce rows (zero weeks are
    implicit). Raises :class:`InvalidInputError` when a column is missing or malformed.
    """
    check_order_lines(lines, source)
    start = pd.Timestamp(horizon.start)
    end = pd.Timestamp(horizon.end)
    window = lines[(lines["created_at"] >= start) & (lines["created_at"] < end)]
    is_cancelled = window["cancelled"].astype(bool)
    cancelled = window[is_cancelled]
    live = window[~is_cancelled].copy()

    weeks = int(-(-(end - start).total_seconds() // (7 * 86400)))
    if live.empty:
        return DemandHistory(horizon, (), 0, 0, _order_count(cancelled), weeks, 0, {}, None)

    local = live["created_at"].dt.tz_convert(LONDON)
    live["week_start"] = (local.dt.normalize() - pd.to_timedelta(local.dt.weekday, unit="D")).dt.date
    live["order_key"] = live["channel"].astype(str) + "\x1f" + live["external_id"].astype(str)
    grouped = (
        live.groupby(["brand", "sku_family", "outcode", "week_start"], sort=True)
        .agg(orders=("order_key", "nunique"), units=("quantity", "sum"))
        .reset_index()
    )
    columns = [grouped[c].tolist() for c in ("brand", "sku_family", "outcode", "week_start")]
    weekly = tuple(
        WeeklyDemand(brand=brand, sku_family=family, outcode=outcode, week_start=week, orders=n, units=u)
        for brand, family, outcode, week, n, u in zip(
            *columns,
            grouped["orders"].astype(int).tolist(),
            grouped["units"].astype(int).tolist(),
            strict=True,
        )
    )
    units_by_family = {str(k): int(v) for k, v in live.groupby("sku_family")["quantity"].sum().items()}
    return DemandHistory(
        horizon=horizon,
        weekly=weekly,
        orders=_order_count(live),
        units=int(live["quantity"].sum()),
        cancelled_orders=_order_count(cancelled),
        weeks=weeks,
        zones_with_demand=int(live["outcode"].nunique()),
        units_by_family=units_by_family,
        recent_growth_pct=_recent_growth_pct(live, end),
    )


def _order_count(frame: pd.DataFrame) -> int:
    return int(frame[["channel", "external_id"]].drop_duplicates().shape[0])


def _recent_growth_pct(live: pd.DataFrame, end: pd.Timestamp) -> float | None:
    span = pd.Timedelta(weeks=13)
    year = pd.Timedelta(weeks=52)
    recent = live.loc[live["created_at"] >= end - span, "quantity"].sum()
    last_year = live.loc[
        (live["created_at"] >= end - year - span) & (live["created_at"] < end - year), "quantity"
    ].sum()
    if last_year <= 0:
        return None
    return float(100.0 * (recent - last_year) / last_year)
