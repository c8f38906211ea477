"""Long frames and per-brand counts for engines and reports (``store/frames.py``)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy.orm import Session

from microfactory.domain import Order, OrderLine, OrderStatus, PlanHorizon
from microfactory.store.frames import (
    UNKNOWN_FAMILY,
    order_counts,
    order_lines_frame,
    weekly_order_counts,
    zone_units,
)
from microfactory.store.master_repository import save_master_data
from microfactory.store.order_repository import upsert_orders
from microfactory.store.plan_repository import DEMAND_HISTORY_STAGE, save_plan_run
from tests.store.factories import T0, master_data, order, weekly_demand

FRAME_COLUMNS = [
    "brand",
    "sku_family",
    "outcode",
    "channel",
    "external_id",
    "created_at",
    "quantity",
    "cancelled",
]


def _store(session: Session) -> None:
    save_master_data(session, master_data())
    unknown_sku = order(6, quantities=(1,))
    unknown_sku = unknown_sku.model_copy(
        update={"lines": (OrderLine(line_no=1, sku="NOT-IN-MASTER", quantity=1),)}
    )
    orders: list[Order] = [
        order(1, quantities=(2, 1)),
        order(2, channel="square", quantities=(4,), outcode="M1"),
        order(3, status=OrderStatus.CANCELLED, quantities=(7,)),
        order(4, created_at=T0 + timedelta(weeks=2), quantities=(1,)),
        order(5, brand="FOOD", quantities=(3,)),
        unknown_sku,
    ]
    upsert_orders(session, orders)


def test_order_lines_frame_has_one_row_per_line(session: Session) -> None:
    """Columns the demand engine needs, aware UTC times, SKU family or the unknown marker."""
    _store(session)
    frame = order_lines_frame(session)
    assert list(frame.columns) == FRAME_COLUMNS
    assert len(frame) == 7
    assert isinstance(frame["created_at"].dtype, pd.DatetimeTZDtype)
    assert int(frame["quantity"].sum()) == 19
    assert frame["cancelled"].tolist() == [False, False, False, True, False, False, False]
    assert sorted(set(frame["sku_family"])) == sorted({"DOORS", UNKNOWN_FAMILY})
    window = order_lines_frame(
        session, brand="KIT", created_from=T0 + timedelta(hours=2), created_to=T0 + timedelta(days=1)
    )
    assert window["external_id"].tolist() == ["ORD-00002", "ORD-00003", "ORD-00006"]


def test_order_lines_frame_of_an_empty_store_has_the_columns(session: Session) -> None:
    """No orders: an empty frame with the same columns."""
    frame = order_lines_frame(session)
    assert list(frame.columns) == FRAME_COLUMNS
    assert frame.empty


def test_order_counts_per_brand(session: Session) -> None:
    """Orders, cancelled, lines, units and per-channel order counts, per brand."""
    _store(session)
    counts = order_counts(session)
    assert counts["FOOD"] == {"orders": 1, "lines": 1, "units": 3, "channel.web": 1}
    kit = counts["KIT"]
    assert (kit["orders"], kit["cancelled"], kit["channel.web"], kit["channel.square"]) == (5, 1, 4, 1)
    assert (kit["lines"], kit["units"]) == (6, 16)


def test_weekly_order_counts_per_london_week(session: Session) -> None:
    """Live orders per Monday week (Europe/London), oldest first."""
    _store(session)
    monday = date(2026, 11, 23)
    assert weekly_order_counts(session) == {
        "FOOD": [(monday, 1.0)],
        "KIT": [(monday, 3.0), (monday + timedelta(weeks=2), 1.0)],
    }


def test_zone_units_come_from_the_latest_demand_history_runs(session: Session) -> None:
    """Units per outcode summed over the newest demand-history run of each scope."""
    week = PlanHorizon(start=T0, end=T0 + timedelta(days=7))
    later = PlanHorizon(start=week.end, end=week.end + timedelta(days=7))
    for horizon, weeks in ((week, 3), (later, 2)):
        save_plan_run(
            session,
            stage=DEMAND_HISTORY_STAGE,
            scope="KIT",
            horizon=horizon,
            kpis={},
            weekly_demand=weekly_demand("KIT", weeks=weeks),
        )
    assert zone_units(session) == {"KIT": {"E1": 25 + 26}}
    assert zone_units(session, stage="nothing") == {}
