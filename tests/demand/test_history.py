"""Weekly demand history: hand-checked aggregation, London weeks, cancellations, bad frames."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microfactory.demand import ORDER_LINE_COLUMNS, summarise_demand_history, week_start_london
from microfactory.domain import PlanHorizon
from microfactory.errors import InvalidInputError

HORIZON = PlanHorizon(
    start=datetime(2026, 3, 2, tzinfo=UTC),  # a Monday
    end=datetime(2026, 4, 13, tzinfo=UTC),  # six weeks later
)


def _frame(rows: list[tuple[str, str, str, str, str, datetime, int, bool]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(ORDER_LINE_COLUMNS))
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


def test_lines_of_one_order_count_as_one_order_and_sum_units() -> None:
    """Two lines of one order in one family and zone make one order with the summed units."""
    t = datetime(2026, 3, 4, 10, tzinfo=UTC)
    lines = _frame(
        [
            ("K", "base", "M1", "web", "1", t, 3, False),
            ("K", "base", "M1", "web", "1", t, 2, False),
            ("K", "base", "M1", "web", "2", t, 1, False),
        ]
    )
    result = summarise_demand_history(lines, HORIZON)
    assert len(result.weekly) == 1
    row = result.weekly[0]
    assert (row.week_start, row.orders, row.units) == (date(2026, 3, 2), 2, 6)
    assert result.orders == 2
    assert result.units == 6


def test_monday_half_past_midnight_bst_belongs_to_that_monday() -> None:
    """An order at 00:30 BST on Monday (23:30 UTC Sunday) counts in Monday's London week."""
    sunday_utc = datetime(2026, 4, 5, 23, 30, tzinfo=UTC)  # Monday 6 April 00:30 BST
    assert week_start_london(sunday_utc) == date(2026, 4, 6)
    lines = _frame([("K", "base", "M1", "web", "1", sunday_utc, 1, False)])
    result = summarise_demand_history(lines, HORIZON)
    assert result.weekly[0].week_start == date(2026, 4, 6)


def test_cancelled_orders_are_counted_but_not_demand() -> None:
    """Cancelled orders add to the cancelled count and nothing else."""
    t = datetime(2026, 3, 10, 9, tzinfo=UTC)
    lines = _frame(
        [
            ("K", "base", "M1", "web", "1", t, 4, True),
            ("K", "base", "M1", "web", "2", t, 1, False),
        ]
    )
    result = summarise_demand_history(lines, HORIZON)
    assert result.cancelled_orders == 1
    assert result.units == 1
    assert result.kpis()["cancelled_orders"] == 1


def test_orders_outside_the_horizon_are_ignored() -> None:
    """Lines created before the start or at/after the end of the horizon are left out."""
    lines = _frame(
        [
            ("K", "base", "M1", "web", "1", HORIZON.start - timedelta(seconds=1), 5, False),
            ("K", "base", "M1", "web", "2", HORIZON.end, 5, False),
            ("K", "base", "M1", "web", "3", HORIZON.start, 1, False),
        ]
    )
    assert summarise_demand_history(lines, HORIZON).units == 1


def test_missing_column_is_named() -> None:
    """A frame without a required column is refused with the column's name."""
    lines = _frame([]).drop(columns=["outcode"])
    with pytest.raises(InvalidInputError, match="outcode"):
        summarise_demand_history(lines, HORIZON, source="lines.csv")


def test_naive_timestamps_are_refused() -> None:
    """created_at must carry a time zone."""
    lines = _frame([("K", "base", "M1", "web", "1", datetime(2026, 3, 4, tzinfo=UTC), 1, False)])
    lines["created_at"] = lines["created_at"].dt.tz_localize(None)
    with pytest.raises(InvalidInputError, match="created_at"):
        summarise_demand_history(lines, HORIZON)


def test_growth_compares_last_13_weeks_with_a_year_before() -> None:
    """Units in the last 13 weeks against the same weeks a year earlier, in per cent."""
    end = datetime(2026, 11, 23, tzinfo=UTC)
    horizon = PlanHorizon(start=end - timedelta(weeks=104), end=end)
    lines = _frame(
        [
            ("K", "base", "M1", "web", "old", end - timedelta(weeks=53), 10, False),
            ("K", "base", "M1", "web", "new", end - timedelta(weeks=1), 15, False),
        ]
    )
    assert summarise_demand_history(lines, horizon).kpis()["growth_13w_yoy_pct"] == 50.0


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["base", "wall", "bars"]),
            st.sampled_from(["M1", "SW1A", "LS1"]),
            st.integers(min_value=0, max_value=41 * 24 * 60),
            st.integers(min_value=0, max_value=50),
            st.booleans(),
        ),
        max_size=40,
    )
)
def test_units_are_conserved(rows: list[tuple[str, str, int, int, bool]]) -> None:
    """Weekly rows add up to exactly the units of the live lines in the horizon."""
    lines = _frame(
        [
            ("K", fam, zone, "web", str(i), HORIZON.start + timedelta(minutes=m), q, c)
            for i, (fam, zone, m, q, c) in enumerate(rows)
        ]
    )
    result = summarise_demand_history(lines, HORIZON)
    expected = sum(q for _, _, _, q, c in rows if not c)
    assert sum(w.units for w in result.weekly) == expected == result.units
    assert all(w.week_start.weekday() == 0 for w in result.weekly)


def test_frame_from_orders_has_one_row_per_line_and_flags_cancellations() -> None:
    """In-memory orders become the same long frame the store query returns."""
    from microfactory.demand import order_lines_from_orders
    from microfactory.demo import build_demo
    from microfactory.domain import OrderStatus

    demo = build_demo(seed=2, scale=0.02)
    family = {s.code: s.family for s in demo.master.skus}
    frame = order_lines_from_orders(demo.orders, family)
    assert list(frame.columns) == list(ORDER_LINE_COLUMNS)
    assert len(frame) == sum(len(o.lines) for o in demo.orders)
    cancelled = sum(o.units for o in demo.orders if o.status == OrderStatus.CANCELLED)
    assert int(frame.loc[frame["cancelled"], "quantity"].sum()) == cancelled
    assert (frame["sku_family"] != "(unknown)").all()
