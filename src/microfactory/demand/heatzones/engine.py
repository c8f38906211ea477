"""The heat-zone engine: order lines → per-zone weekly orders, density, growth and repeat share.

A pure function of a long order-line frame (:data:`microfactory.demand.ORDER_LINE_COLUMNS`, plus an
optional ``customer`` column) and the outcode geometry. Definitions (also in ``docs/heat-zones.md``):

* **Window**: the ``weeks`` planners' weeks (Monday 00:00 Europe/London) ending at ``end`` (exclusive;
  a Monday). By default ``end`` is the Monday after the week of the latest live order.
* **Orders / units**: distinct live (not cancelled) orders ``(channel, external_id)`` and their units
  in the window; per week and in total. An order has one outcode, so it is in exactly one zone.
* **Location**: an order is placed at its outcode's centroid — the order schema holds no finer
  location — so for H3 every order of an outcode falls in the cell holding that centroid.
* **Density**: orders per week over the zone area, ``orders / weeks / max(area_km2, MIN_AREA_KM2)``.
  Outcode areas are Voronoi land areas (:mod:`.geometry`); H3 areas are ``h3.cell_area`` (land and sea).
* **Growth** (anchored on ``end``, independent of ``weeks``): ``growth_13w_pct`` compares orders in the
  last 13 weeks with the 13 weeks before; ``growth_yoy_pct`` with the same 13 weeks 52 weeks earlier.
  Both are ``100 × (recent − base) / base``; ``None`` when ``base`` is 0 or the data start after the
  base period starts (a partial base would inflate growth).
* **Repeat share**: of the window's orders that name their customer, the share whose customer (within
  the same brand) had an earlier live order, at any time and in any zone. ``None`` when no order in the
  zone names its customer (aggregator orders usually do not).
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import UTC, date, datetime, timedelta

import h3
import numpy as np
import pandas as pd

from microfactory.demand.heatzones.model import (
    HeatZoneResult,
    OutcodeGeometry,
    Ring,
    ZoneHeat,
    ZoneLevel,
    ZoneShape,
)
from microfactory.demand.history import check_order_lines
from microfactory.errors import ErrorLocation, InputIssue, InvalidInputError

LONDON = "Europe/London"
MIN_AREA_KM2 = 0.25
"""Floor of the area in the density denominator: a few city blocks. Keeps density finite for PO-box
outcodes (``EC1P``) whose Voronoi cells are slivers, and for islands missing from the 1:10m outline."""
GROWTH_WEEKS = 13
YEAR_WEEKS = 52
MAX_ISSUES = 50
"""Unknown-outcode rows reported at most (the error says how many more)."""


def heat_zones(
    lines: pd.DataFrame,
    outcodes: OutcodeGeometry,
    *,
    level: ZoneLevel = ZoneLevel.OUTCODE,
    h3_resolution: int = 6,
    weeks: int = 13,
    end: date | None = None,
    skip_unknown_outcodes: bool = False,
    source: str = "order lines",
) -> HeatZoneResult:
    """Aggregate order lines into demand heat-zones (outcodes or H3 cells); see the module docstring.

    Args:
        lines: One row per order line (``ORDER_LINE_COLUMNS``; ``customer`` optional), UTC timestamps.
        outcodes: Centres and shapes of outcodes (``gb_outcode_map()`` for the shipped GB data).
        level: Aggregate to outcodes or to H3 cells.
        h3_resolution: H3 resolution (0–15) when ``level`` is H3.
        weeks: Length of the window in weeks (≥ 1).
        end: Exclusive end of the window; a date that is not a Monday means the Monday before it.
        skip_unknown_outcodes: Leave out (and count) orders whose outcode ``outcodes`` does not know,
            instead of refusing the input.
        source: Name of the input used in error messages.

    Raises:
        InvalidInputError: a column is missing or malformed, a quantity is negative, an outcode is
            unknown (unless skipped), or there is no live order and no ``end`` to place the window.
        ValueError: ``weeks`` < 1 or ``h3_resolution`` outside 0–15.
    """
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    if not 0 <= h3_resolution <= 15:
        raise ValueError(f"h3_resolution must be 0..15, got {h3_resolution}")
    check_order_lines(lines, source)
    unknown = sorted({str(o) for o in lines["outcode"].unique() if o not in outcodes})
    if unknown and not skip_unknown_outcodes:
        raise _unknown_outcode_error(lines, set(unknown), source)

    orders = _orders(lines)
    if end is None and orders.empty:
        raise InvalidInputError.single(source, "no live (not cancelled) orders to place the window on")
    end_week = _monday(end) if end is not None else max(orders["week"]) + timedelta(days=7)
    week_starts = tuple(end_week - timedelta(days=7 * (weeks - k)) for k in range(weeks))
    window_start = _london_midnight_utc(week_starts[0])
    window_end = _london_midnight_utc(end_week)

    known_codes = {str(o) for o in orders["outcode"].unique() if o in outcodes}
    orders["known"] = orders["outcode"].isin(known_codes)
    in_window = orders["week"].isin(set(week_starts))
    unlocated = int((in_window & ~orders["known"]).sum())
    located = orders[orders["known"]].copy()
    located["zone"] = _zone_keys(located["outcode"], outcodes, level, h3_resolution)

    first_week = min(orders["week"]) if not orders.empty else end_week
    growth = _growth(located, end_week)
    window = located[located["week"].isin(set(week_starts))]

    weekly = _weekly_table(window, week_starts)
    weekly_by_zone = {str(z): g for z, g in weekly.groupby("zone", sort=False)}
    measurable = (
        first_week <= _weeks_before(end_week, 2 * GROWTH_WEEKS),
        first_week <= _weeks_before(end_week, YEAR_WEEKS + GROWTH_WEEKS),
    )
    zones = [
        _zone_heat(
            _shape(str(zone), level, outcodes),
            group,
            weekly_by_zone[str(zone)],
            growth.get(str(zone), (0, 0, 0)),
            weeks=weeks,
            measurable=measurable,
        )
        for zone, group in window.groupby("zone", sort=True)
    ]
    zones.sort(key=lambda z: (-z.density_orders_per_km2_week, -z.orders, z.zone))
    return HeatZoneResult(
        level=level,
        h3_resolution=h3_resolution if level is ZoneLevel.H3 else None,
        weeks=weeks,
        window_start=window_start,
        window_end=window_end,
        week_starts=week_starts,
        zones=tuple(zones),
        weekly=weekly[weekly["zone"].isin({z.zone for z in zones})].reset_index(drop=True),
        unlocated_orders=unlocated,
        unknown_outcodes=tuple(unknown),
    )


def _zone_heat(
    shape: ZoneShape,
    group: pd.DataFrame,
    zone_weekly: pd.DataFrame,
    growth: tuple[int, int, int],
    *,
    weeks: int,
    measurable: tuple[bool, bool],
) -> ZoneHeat:
    """One zone's figures from its window orders, weekly rows and growth counts."""
    identified = group["customer"].notna()
    n_identified = int(identified.sum())
    n_repeat = int((identified & group["repeat"]).sum())
    n_orders = len(group)
    units = int(group["units"].sum())
    recent, base_13w, base_yoy = growth
    return ZoneHeat(
        shape=shape,
        orders=n_orders,
        units=units,
        weekly_orders=tuple(int(v) for v in zone_weekly["orders"]),
        weekly_units=tuple(int(v) for v in zone_weekly["units"]),
        orders_per_week=n_orders / weeks,
        units_per_week=units / weeks,
        density_orders_per_km2_week=n_orders / weeks / max(shape.area_km2, MIN_AREA_KM2),
        growth_13w_pct=_pct(recent, base_13w, measurable=measurable[0]),
        growth_yoy_pct=_pct(recent, base_yoy, measurable=measurable[1]),
        identified_orders=n_identified,
        repeat_orders=n_repeat,
        repeat_share=n_repeat / n_identified if n_identified else None,
        outcodes=tuple(sorted({str(o) for o in group["outcode"]})),
    )


def h3_shape(cell: str) -> ZoneShape:
    """An H3 cell's centre, area (km², ``h3.cell_area``) and hexagon (or pentagon) outline."""
    lat, lon = h3.cell_to_latlng(cell)
    ring = [(round(float(x), 5), round(float(y), 5)) for y, x in h3.cell_to_boundary(cell)]
    if _lonlat_signed_area(ring) < 0:
        ring.reverse()
    ring.append(ring[0])
    return ZoneShape(
        zone=cell,
        centre_lon=float(lon),
        centre_lat=float(lat),
        area_km2=float(h3.cell_area(cell, unit="km^2")),
        rings=(tuple(ring),),
    )


def _lonlat_signed_area(ring: list[tuple[float, float]] | Ring) -> float:
    total = 0.0
    for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]], strict=True):
        total += float(x0) * float(y1) - float(x1) * float(y0)
    return 0.5 * total


def _shape(zone: str, level: ZoneLevel, outcodes: OutcodeGeometry) -> ZoneShape:
    return h3_shape(zone) if level is ZoneLevel.H3 else outcodes.shape(zone)


def _row(label: Hashable) -> int | None:
    return int(label) if isinstance(label, int | np.integer) else None


def _unknown_outcode_error(lines: pd.DataFrame, unknown: set[str], source: str) -> InvalidInputError:
    bad = lines.index[lines["outcode"].isin(unknown)]
    issues = [
        InputIssue(
            ErrorLocation(source, field="outcode", row=_row(label)),
            f"unknown outcode {lines.at[label, 'outcode']!r} (not a shipped GB outcode)",
        )
        for label in bad[:MAX_ISSUES]
    ]
    if len(bad) > MAX_ISSUES:
        hidden = len(bad) - MAX_ISSUES
        issues.append(InputIssue(ErrorLocation(source, field="outcode"), f"{hidden} more rows not listed"))
    return InvalidInputError(issues)


def _orders(lines: pd.DataFrame) -> pd.DataFrame:
    """One row per live order: brand, outcode, customer, created_at, week (London Monday), units, repeat."""
    live = lines[~lines["cancelled"].astype(bool)]
    customer = live["customer"] if "customer" in live.columns else pd.Series(None, index=live.index)
    frame = pd.DataFrame(
        {
            "brand": live["brand"].astype(str),
            "outcode": live["outcode"].astype(str),
            "key": live["channel"].astype(str) + "\x1f" + live["external_id"].astype(str),
            "customer": customer.astype(object).where(customer.notna(), None),
            "created_at": live["created_at"],
            "units": live["quantity"].astype("int64"),
        }
    )
    orders = frame.groupby("key", sort=True).agg(
        brand=("brand", "first"),
        outcode=("outcode", "first"),
        customer=("customer", "first"),
        created_at=("created_at", "first"),
        units=("units", "sum"),
    )
    orders = orders.reset_index()
    if orders.empty:
        orders["week"] = pd.Series(dtype=object)
        orders["repeat"] = pd.Series(dtype=bool)
        return orders
    local = orders["created_at"].dt.tz_convert(LONDON)
    orders["week"] = (local.dt.normalize() - pd.to_timedelta(local.dt.weekday, unit="D")).dt.date
    # Repeat: the customer (within the brand) has an earlier order; ties in time break on the order key.
    orders = orders.sort_values(["created_at", "key"], kind="stable")
    identified = orders["customer"].notna()
    rank = orders[identified].groupby(["brand", "customer"], sort=False).cumcount()
    orders["repeat"] = False
    orders.loc[rank.index, "repeat"] = rank > 0
    return orders.reset_index(drop=True)


def _zone_keys(
    outcode: pd.Series[str], outcodes: OutcodeGeometry, level: ZoneLevel, resolution: int
) -> list[str]:
    if level is ZoneLevel.OUTCODE:
        return [str(o) for o in outcode]
    cells: dict[str, str] = {}
    for code in outcode.unique():
        lon, lat = outcodes.centre(str(code))
        cells[str(code)] = str(h3.latlng_to_cell(lat, lon, resolution))
    return [cells[str(o)] for o in outcode]


def _weeks_before(end_week: date, n: int) -> date:
    return end_week - timedelta(days=7 * n)


def _growth(orders: pd.DataFrame, end_week: date) -> dict[str, tuple[int, int, int]]:
    """Per zone: orders in the last 13 weeks, in the 13 weeks before, and in the same weeks a year ago."""
    week = orders["week"]
    recent = (week >= _weeks_before(end_week, GROWTH_WEEKS)) & (week < end_week)
    base = (week >= _weeks_before(end_week, 2 * GROWTH_WEEKS)) & (
        week < _weeks_before(end_week, GROWTH_WEEKS)
    )
    yoy = (week >= _weeks_before(end_week, YEAR_WEEKS + GROWTH_WEEKS)) & (
        week < _weeks_before(end_week, YEAR_WEEKS)
    )
    counts = pd.DataFrame({"zone": orders["zone"], "recent": recent, "base": base, "yoy": yoy})
    sums = counts.groupby("zone").sum()
    return {
        str(zone): (int(r), int(b), int(y))
        for zone, r, b, y in zip(
            sums.index, sums["recent"].tolist(), sums["base"].tolist(), sums["yoy"].tolist(), strict=True
        )
    }


def _pct(recent: int, base: int, *, measurable: bool) -> float | None:
    if not measurable or base <= 0:
        return None
    return 100.0 * (recent - base) / base


def _weekly_table(window: pd.DataFrame, week_starts: tuple[date, ...]) -> pd.DataFrame:
    zones = sorted({str(z) for z in window["zone"]})
    grid = pd.MultiIndex.from_product([zones, list(week_starts)], names=["zone", "week_start"])
    counts = (
        window.groupby(["zone", "week"])
        .agg(orders=("key", "size"), units=("units", "sum"))
        .rename_axis(["zone", "week_start"])
    )
    table = counts.reindex(grid, fill_value=0).reset_index()
    table["orders"] = table["orders"].astype("int64")
    table["units"] = table["units"].astype("int64")
    return table


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _london_midnight_utc(day: date) -> datetime:
    stamp = pd.Timestamp(day.isoformat()).tz_localize(LONDON).tz_convert(UTC)
    return datetime.fromtimestamp(stamp.timestamp(), tz=UTC)
