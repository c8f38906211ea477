"""Invariants of heat-zones over random order books: totals are the same whatever the zones."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from microfactory.demand.heatzones import StaticOutcodes, ZoneLevel, ZoneShape, heat_zones

END = date(2026, 11, 23)
OUTCODES = StaticOutcodes(
    {
        "E1": ZoneShape("E1", -0.0587, 51.5173, 3.1),
        "E2": ZoneShape("E2", -0.0604, 51.5295, 2.4),
        "M1": ZoneShape("M1", -2.2346, 53.4771, 1.9),
        "M4": ZoneShape("M4", -2.2285, 53.4843, 0.9),
        "EH1": ZoneShape("EH1", -3.1883, 55.9500, 1.2),
    }
)

order_rows = st.lists(
    st.tuples(
        st.sampled_from(sorted(OUTCODES.shapes)),
        st.integers(0, 400),  # days before END
        st.integers(1, 3),  # lines
        st.integers(1, 5),  # quantity per line
        st.one_of(st.none(), st.sampled_from(["C1", "C2", "C3"])),
        st.sampled_from([False, False, False, True]),  # cancelled: mostly live
    ),
    min_size=1,
    max_size=40,
)


def _frame(rows: list[tuple[str, int, int, int, str | None, bool]]) -> pd.DataFrame:
    records = []
    for i, (outcode, days, n_lines, qty, customer, cancelled) in enumerate(rows):
        created = pd.Timestamp(END - timedelta(days=days + 1), tz="UTC") + pd.Timedelta(hours=11)
        records += [
            {
                "brand": "FOOD",
                "sku_family": "MEALS",
                "outcode": outcode,
                "channel": "web",
                "external_id": f"o{i}",
                "customer": customer,
                "created_at": created,
                "quantity": qty,
                "cancelled": cancelled,
            }
            for _ in range(n_lines)
        ]
    return pd.DataFrame(records)


@settings(max_examples=40, deadline=None)
@given(order_rows, st.integers(1, 30), st.integers(3, 9))
def test_totals_are_conserved_across_outcodes_and_h3(
    rows: list[tuple[str, int, int, int, str | None, bool]], weeks: int, resolution: int
) -> None:
    """Orders, units, identified and repeat orders add up the same over outcodes and over H3 cells."""
    lines = _frame(rows)
    by_outcode = heat_zones(lines, OUTCODES, weeks=weeks, end=END)
    by_cell = heat_zones(lines, OUTCODES, level=ZoneLevel.H3, h3_resolution=resolution, weeks=weeks, end=END)
    window_start = pd.Timestamp(by_outcode.window_start)
    live = lines[~lines["cancelled"] & (lines["created_at"] >= window_start)]
    assert by_outcode.orders == by_cell.orders == live["external_id"].nunique()
    assert by_outcode.units == by_cell.units == int(live["quantity"].sum())
    for result in (by_outcode, by_cell):
        assert sum(sum(z.weekly_orders) for z in result.zones) == result.orders
        assert sum(sum(z.weekly_units) for z in result.zones) == result.units
        assert all(z.orders > 0 and len(z.weekly_orders) == weeks for z in result.zones)
        assert all(z.repeat_orders <= z.identified_orders <= z.orders for z in result.zones)
    assert sum(z.repeat_orders for z in by_outcode.zones) == sum(z.repeat_orders for z in by_cell.zones)
    assert sum(z.identified_orders for z in by_outcode.zones) == sum(
        z.identified_orders for z in by_cell.zones
    )
    assert len(by_cell.zones) <= len(by_outcode.zones)
