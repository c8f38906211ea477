"""Heat-zone aggregation on a hand-checked case: three outcodes, two H3 cells, five weeks of data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import h3
import pandas as pd
import pytest

from microfactory.demand.heatzones import (
    MIN_AREA_KM2,
    RankBy,
    StaticOutcodes,
    ZoneLevel,
    ZoneShape,
    heat_zones,
)
from microfactory.errors import InvalidInputError

END = date(2026, 11, 23)  # a Monday; with weeks=2 the window is the weeks of 9 and 16 November 2026
LONDON_CELL = h3.latlng_to_cell(51.5, -0.1, 6)
_LAT, _LON = h3.cell_to_latlng(LONDON_CELL)


def _outcodes() -> StaticOutcodes:
    """AA1 and AA2 sit in the same resolution-6 cell in London; BB2 is in Manchester."""
    return StaticOutcodes(
        {
            "AA1": ZoneShape("AA1", _LON, _LAT, 2.0),
            "AA2": ZoneShape("AA2", _LON + 0.002, _LAT + 0.001, 1.0),
            "BB2": ZoneShape("BB2", -2.24, 53.48, 4.0),
            "CC3": ZoneShape("CC3", -3.19, 55.95, 0.01),
        }
    )


def _lines(extra: Sequence[tuple[object, ...]] = ()) -> pd.DataFrame:
    """o1-o3 in AA1 (o2 a repeat of C1), o4 cancelled, o5 in BB2 (repeat of o0 a year ago), o6 in AA2,
    o7 in AA1 in the 13 weeks before the last 13."""
    rows: list[tuple[object, ...]] = [
        # outcode, external id, customer, created_at (UTC), quantity, cancelled
        ("BB2", "o0", "C2", "2025-11-20T10:00Z", 1, False),
        ("AA1", "o7", None, "2026-06-10T12:00Z", 1, False),
        ("AA1", "o1", "C1", "2026-11-10T12:00Z", 1, False),
        ("AA1", "o1", "C1", "2026-11-10T12:00Z", 2, False),
        ("BB2", "o5", "C2", "2026-11-16T09:00Z", 2, False),
        ("AA1", "o2", "C1", "2026-11-17T12:00Z", 1, False),
        ("AA1", "o3", None, "2026-11-18T12:00Z", 4, False),
        ("AA1", "o4", "C9", "2026-11-18T13:00Z", 9, True),
        ("AA2", "o6", "C3", "2026-11-19T12:00Z", 5, False),
        *extra,
    ]
    frame = pd.DataFrame(
        [
            {
                "brand": "FOOD",
                "sku_family": "MEALS",
                "outcode": oc,
                "channel": "web",
                "external_id": key,
                "customer": customer,
                "created_at": created,
                "quantity": qty,
                "cancelled": cancelled,
            }
            for oc, key, customer, created, qty, cancelled in rows
        ]
    )
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


def test_outcode_counts_density_growth_and_repeat_share() -> None:
    """Per outcode: orders, units, weekly counts, density over the known area, growth and repeat share."""
    result = heat_zones(_lines(), _outcodes(), weeks=2, end=END)
    assert result.week_starts == (date(2026, 11, 9), date(2026, 11, 16))
    assert [z.zone for z in result.zones] == ["AA1", "AA2", "BB2"]  # densest first
    aa1, aa2, bb2 = result.zones
    assert (aa1.orders, aa1.units, aa1.weekly_orders, aa1.weekly_units) == (3, 8, (1, 2), (3, 5))
    assert aa1.orders_per_week == pytest.approx(1.5)
    assert aa1.density_orders_per_km2_week == pytest.approx(1.5 / 2.0)
    assert aa1.growth_13w_pct == pytest.approx(200.0)  # 3 orders against o7 alone
    assert aa1.growth_yoy_pct is None  # the data start after the year-ago quarter starts
    assert (aa1.identified_orders, aa1.repeat_orders, aa1.repeat_share) == (2, 1, 0.5)
    assert (aa2.orders, aa2.units, aa2.repeat_share) == (1, 5, 0.0)
    assert aa2.density_orders_per_km2_week == pytest.approx(0.5 / 1.0)
    assert aa2.growth_13w_pct is None  # nothing to grow from
    assert (bb2.orders, bb2.units, bb2.repeat_share) == (1, 2, 1.0)  # o0 a year earlier makes o5 a repeat
    assert bb2.density_orders_per_km2_week == pytest.approx(0.5 / 4.0)
    assert (result.orders, result.units) == (5, 15)


def test_h3_cells_merge_outcodes_in_the_same_cell() -> None:
    """AA1 and AA2 fall in one resolution-6 cell, whose area is H3's own; BB2 is a second cell."""
    result = heat_zones(_lines(), _outcodes(), level=ZoneLevel.H3, h3_resolution=6, weeks=2, end=END)
    assert len(result.zones) == 2
    london = next(z for z in result.zones if z.zone == LONDON_CELL)
    assert london.outcodes == ("AA1", "AA2")
    assert (london.orders, london.units) == (4, 13)
    area = h3.cell_area(LONDON_CELL, unit="km^2")
    assert london.shape.area_km2 == pytest.approx(area)
    assert london.density_orders_per_km2_week == pytest.approx(2.0 / area)
    assert london.growth_13w_pct == pytest.approx(300.0)
    assert london.repeat_share == pytest.approx(1 / 3)
    assert len(london.shape.rings) == 1 and len(london.shape.rings[0]) == 7  # hexagon, closed
    assert result.h3_resolution == 6


def test_year_on_year_growth_when_the_data_cover_the_year_ago_quarter() -> None:
    """With an order 65+ weeks back, year-on-year growth is measured against the year-ago quarter."""
    extra = [
        ("AA1", "old", None, "2025-08-01T12:00Z", 1, False),  # before the year-ago quarter: sets data start
        ("AA1", "ya1", None, "2025-11-12T12:00Z", 1, False),  # in the year-ago quarter
        ("AA1", "ya2", None, "2025-11-13T12:00Z", 1, False),
    ]
    aa1 = next(z for z in heat_zones(_lines(extra), _outcodes(), weeks=2, end=END).zones if z.zone == "AA1")
    assert aa1.growth_yoy_pct == pytest.approx(50.0)  # 3 against 2


def test_default_end_is_the_monday_after_the_latest_order_and_dates_snap_to_monday() -> None:
    """Without ``end`` the window ends after the latest live order's week; a Wednesday means its Monday."""
    default = heat_zones(_lines(), _outcodes(), weeks=2)
    wednesday = heat_zones(_lines(), _outcodes(), weeks=2, end=date(2026, 11, 25))
    assert default.week_starts == wednesday.week_starts == (date(2026, 11, 9), date(2026, 11, 16))
    assert default.window_end.isoformat() == "2026-11-23T00:00:00+00:00"  # London midnight in GMT


def test_weekly_table_has_every_zone_and_week() -> None:
    """The long weekly table covers every zone × week of the window with zeros filled in."""
    result = heat_zones(_lines(), _outcodes(), weeks=3, end=END)
    assert len(result.weekly) == 3 * len(result.zones)
    assert int(result.weekly["orders"].sum()) == result.orders
    assert int(result.weekly["units"].sum()) == result.units


def test_small_areas_are_floored_and_ranking_options() -> None:
    """A sliver area uses the floor; top() ranks by density, orders or growth reproducibly."""
    extra = [("CC3", "e1", None, "2026-11-18T12:00Z", 1, False)]
    result = heat_zones(_lines(extra), _outcodes(), weeks=2, end=END)
    cc3 = next(z for z in result.zones if z.zone == "CC3")
    assert cc3.density_orders_per_km2_week == pytest.approx(0.5 / MIN_AREA_KM2)
    assert [z.zone for z in result.top(2)] == ["CC3", "AA1"]
    assert [z.zone for z in result.top(2, RankBy.ORDERS)] == ["AA1", "AA2"]
    assert result.top(1, RankBy.GROWTH)[0].zone == "AA1"


def test_unknown_outcode_is_refused_with_row_and_field_or_skipped() -> None:
    """An outcode the geometry does not know: error naming row and field, or left out and counted."""
    extra = [("ZZ9", "x1", None, "2026-11-18T12:00Z", 1, False)]
    with pytest.raises(InvalidInputError) as info:
        heat_zones(_lines(extra), _outcodes(), weeks=2, end=END, source="orders.csv")
    assert str(info.value).startswith("orders.csv:9:outcode: unknown outcode 'ZZ9'")
    result = heat_zones(_lines(extra), _outcodes(), weeks=2, end=END, skip_unknown_outcodes=True)
    assert result.unlocated_orders == 1 and result.unknown_outcodes == ("ZZ9",)
    assert result.orders == 5


def test_bad_frames_are_refused() -> None:
    """Missing columns, naive timestamps, negative quantities and an empty window anchor are refused."""
    lines = _lines()
    with pytest.raises(InvalidInputError, match="missing columns: outcode"):
        heat_zones(lines.drop(columns=["outcode"]), _outcodes())
    naive = lines.assign(created_at=lines["created_at"].dt.tz_localize(None))
    with pytest.raises(InvalidInputError, match="created_at: must be timezone-aware"):
        heat_zones(naive, _outcodes())
    negative = lines.assign(quantity=lines["quantity"].where(lines.index != 2, -1))
    with pytest.raises(InvalidInputError, match=r":2:quantity: quantity must not be negative"):
        heat_zones(negative, _outcodes())
    with pytest.raises(InvalidInputError, match="no live"):
        heat_zones(lines[lines["cancelled"]], _outcodes())
    with pytest.raises(ValueError, match="weeks"):
        heat_zones(lines, _outcodes(), weeks=0)


def test_without_customer_column_repeat_share_is_unknown() -> None:
    """The plain order-line frame (no ``customer``) works; repeat share is then not measurable."""
    result = heat_zones(_lines().drop(columns=["customer"]), _outcodes(), weeks=2, end=END)
    assert all(z.repeat_share is None and z.identified_orders == 0 for z in result.zones)
    assert "repeat_share" not in result.kpis()


def test_empty_window_with_explicit_end() -> None:
    """An explicit end with no orders in its window gives no zones, not an error."""
    result = heat_zones(_lines(), _outcodes(), weeks=1, end=date(2024, 1, 8))
    assert result.zones == () and result.orders == 0
