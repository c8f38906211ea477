"""Plan records: horizons, runs, operations, routes, stock moves, problems and weekly demand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from microfactory.domain import (
    DeliveryRoute,
    OperationAssignment,
    PlanHorizon,
    Problem,
    ProblemKind,
    ProductionRun,
    RouteStop,
    Severity,
    StockMove,
    StockMoveKind,
    WeeklyDemand,
)

MON = datetime(2026, 3, 2, tzinfo=UTC)
TUE = datetime(2026, 3, 3, tzinfo=UTC)


def test_horizon_length_in_days() -> None:
    """A horizon from Monday to the Monday four weeks later is 28 days."""
    assert PlanHorizon(start=MON, end=datetime(2026, 3, 30, tzinfo=UTC)).days == 28.0


def test_horizon_that_ends_before_it_starts_is_refused() -> None:
    """An empty or reversed horizon is refused."""
    with pytest.raises(ValidationError, match=r"horizon end .* is not after its start"):
        PlanHorizon(start=TUE, end=MON)
    with pytest.raises(ValidationError, match=r"horizon end .* is not after its start"):
        PlanHorizon(start=MON, end=MON)


def test_naive_horizon_is_refused() -> None:
    """Plan times are aware UTC; a naive bound is refused."""
    with pytest.raises(ValidationError, match="timezone-aware"):
        PlanHorizon(start=datetime(2026, 3, 2), end=TUE)


def test_production_run_that_ends_before_it_starts_is_refused() -> None:
    """A run ending before it starts is refused; a zero-length run is allowed."""
    with pytest.raises(ValidationError, match="production run ends before it starts"):
        ProductionRun(site="S", run_code="R1", sku="A", quantity=5, start=TUE, end=MON)
    assert ProductionRun(site="S", run_code="R1", sku="A", quantity=5, start=MON, end=MON).quantity == 5


def test_production_run_quantity_must_be_positive() -> None:
    """A run makes at least one unit."""
    with pytest.raises(ValidationError, match="quantity"):
        ProductionRun(site="S", run_code="R1", sku="A", quantity=0, start=MON, end=TUE)


def test_operation_that_ends_before_it_starts_is_refused() -> None:
    """An operation assignment ending before it starts is refused."""
    with pytest.raises(ValidationError, match="operation ends before it starts"):
        OperationAssignment(site="S", run_code="R1", sequence=1, resource="CNC1", start=TUE, end=MON)


def test_negative_changeover_is_refused() -> None:
    """Changeover minutes are zero or more."""
    with pytest.raises(ValidationError, match="changeover_minutes"):
        OperationAssignment(
            site="S", run_code="R1", sequence=1, resource="CNC1", start=MON, end=TUE, changeover_minutes=-1
        )


def test_route_that_ends_before_it_starts_is_refused() -> None:
    """A delivery route cannot return before it leaves."""
    with pytest.raises(ValidationError, match="end"):
        DeliveryRoute(
            site="S",
            route_code="RT1",
            day=date(2026, 3, 2),
            vehicle_type="EVAN",
            distance_km=10,
            start=TUE,
            end=MON,
        )


def test_stop_departing_before_it_arrives_is_refused() -> None:
    """A stop cannot be left before it is reached."""
    with pytest.raises(ValidationError, match="departure"):
        RouteStop(
            route_code="RT1",
            sequence=1,
            order_channel="web",
            order_external_id="1001",
            arrival=TUE,
            departure=MON,
        )


def test_route_distance_cannot_be_negative() -> None:
    """Route distance is zero or more km."""
    with pytest.raises(ValidationError, match="distance_km"):
        DeliveryRoute(
            site="S",
            route_code="RT1",
            day=date(2026, 3, 2),
            vehicle_type="EVAN",
            distance_km=-1,
            start=MON,
            end=TUE,
        )


def test_stock_move_needs_a_from_or_to_site() -> None:
    """A stock move going nowhere from nowhere is refused; one end is enough."""
    with pytest.raises(ValidationError, match="needs a from_site, a to_site, or both"):
        StockMove(sku="A", quantity=1, at=MON, kind=StockMoveKind.ADJUSTMENT)
    made = StockMove(sku="A", quantity=4, to_site="S", at=MON, kind="production")
    assert made.kind is StockMoveKind.PRODUCTION


def test_problem_defaults_to_a_warning() -> None:
    """A problem record is a warning unless given a severity."""
    problem = Problem(
        stage="schedule", kind="late", subject_kind="order", subject="web/1001", reason="oven full"
    )
    assert problem.severity is Severity.WARNING
    assert problem.kind is ProblemKind.LATE


def test_problem_needs_a_reason() -> None:
    """A problem that does not say why is refused."""
    with pytest.raises(ValidationError, match="reason"):
        Problem(stage="schedule", kind="late", subject_kind="order", subject="web/1001", reason="")


def test_weekly_demand_week_must_start_on_monday() -> None:
    """Weekly demand is bucketed by Monday; a Tuesday week start is refused, naming the date."""
    row = {"brand": "K", "sku_family": "base", "outcode": "M1", "orders": 3, "units": 5}
    assert WeeklyDemand(week_start=date(2026, 3, 2), **row).week_start.weekday() == 0
    with pytest.raises(ValidationError, match="week_start 2026-03-03 is not a Monday"):
        WeeklyDemand(week_start=date(2026, 3, 3), **row)


def test_weekly_demand_counts_cannot_be_negative() -> None:
    """Orders and units are zero or more."""
    with pytest.raises(ValidationError, match="units"):
        WeeklyDemand(
            brand="K", sku_family="base", outcode="M1", week_start=date(2026, 3, 2), orders=1, units=-1
        )
