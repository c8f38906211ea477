"""Building a site's problem from master data and demands, and the errors bad input gets."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from microfactory.domain import (
    Closure,
    DeliveryWindow,
    MasterData,
    Order,
    OrderLine,
    OrderStatus,
    ReleaseSlot,
    Resource,
    Weekday,
)
from microfactory.errors import InvalidInputError
from microfactory.production import (
    BatchingSettings,
    Demand,
    ScheduleProblem,
    SolveLimits,
    check_schedule,
    demands_from_orders,
    schedule,
)
from tests.domain.builders import calendar, master, master_fields, routing_step, sku

T0 = datetime(2026, 1, 5, tzinfo=UTC)
"""Monday: the DAY calendar is open 06:00–14:00 (London = UTC in January)."""


def demand(
    key: str = "web:1", quantity: int = 4, due_hours: float = 50.0, sku_code: str = "WORKTOP-OAK"
) -> Demand:
    due = T0 + timedelta(hours=due_hours)
    return Demand(key, sku_code, quantity, due, due + timedelta(minutes=90))


def test_site_problem_has_machines_runs_labour_and_due_times() -> None:
    """Two CNC units give two machines; one demand one run due at its minute; the pool covers both types."""
    fields = master_fields()
    fields["resources"] = (
        Resource(site="LON-MF", code="CNC", resource_type="cnc_nesting", count=2, calendar="DAY"),
        Resource(site="LON-MF", code="EB1", resource_type="edgebander", calendar="DAY"),
    )
    p = ScheduleProblem.from_site(MasterData(**fields), "LON-MF", [demand()], start=T0)
    assert [m.code for m in p.machines] == ["CNC-1", "CNC-2", "EB1-1"]
    assert p.machines[0].open[0] == (6 * 60, 14 * 60)
    (run,) = p.runs
    assert run.due == 50 * 60
    assert [len(o.alternatives) for o in run.operations] == [2, 1]
    assert run.operations[0].alternatives[0].minutes == 10 + 2 * 4
    assert p.labour[0].operators == 3
    assert p.release_minutes is None
    result = schedule(p, limits=SolveLimits(seconds=3, workers=1), seed=1)
    assert check_schedule(result.problem, result.solution) == []
    assert result.runs()[0].start.tzinfo is not None


def test_due_time_is_window_start_minus_travel_and_packing() -> None:
    """Window 10:00, travel 45, packing 15 → due 09:00; cancelled orders are skipped."""
    window = DeliveryWindow(start=T0 + timedelta(hours=10), end=T0 + timedelta(hours=12))
    line = OrderLine(line_no=1, sku="WORKTOP-OAK", quantity=2)
    live = Order(
        channel="web", external_id="1", brand="KIT", outcode="M1", created_at=T0, window=window, lines=(line,)
    )
    dead = live.model_copy(update={"external_id": "2", "status": OrderStatus.CANCELLED})
    (d,) = demands_from_orders([live, dead], BatchingSettings(travel_minutes=45, packing_minutes=15))
    assert (d.key, d.quantity, d.due) == ("web:1", 2, T0 + timedelta(hours=9))


def test_routing_naming_a_type_without_a_machine_at_the_site_is_refused() -> None:
    """The site has a CNC but no edge bander: the error names the SKU, the step and the type."""
    fields = master_fields()
    fields["resources"] = (Resource(site="LON-MF", code="CNC1", resource_type="cnc_nesting", calendar="DAY"),)
    with pytest.raises(
        InvalidInputError, match=r"SKU WORKTOP-OAK:routing\[2\].*no machine of type edgebander"
    ):
        ScheduleProblem.from_site(MasterData(**fields), "LON-MF", [demand()], start=T0)


def test_routing_naming_an_unknown_resource_type_is_refused() -> None:
    """Master data built without validation (as an importer might) names a type nobody defined."""
    fields = master_fields()
    fields["skus"] = (sku(routing=(routing_step(resource_types=("laser",)),)),)
    unchecked = MasterData.model_construct(**fields)
    with pytest.raises(InvalidInputError, match="unknown resource type 'laser'"):
        ScheduleProblem.from_site(unchecked, "LON-MF", [demand()], start=T0)


def test_empty_calendar_over_the_horizon_is_refused() -> None:
    """A closure over the whole horizon and overflow leaves the resource no open time."""
    shut = Closure(start=T0 - timedelta(days=1), end=T0 + timedelta(days=30), reason="refit")
    closed = calendar(code="SHUT", closures=(shut,))
    fields = master_fields()
    fields["calendars"] = (calendar(), closed)
    fields["resources"] = (
        Resource(site="LON-MF", code="CNC1", resource_type="cnc_nesting", calendar="SHUT"),
        Resource(site="LON-MF", code="EB1", resource_type="edgebander", calendar="DAY"),
    )
    with pytest.raises(
        InvalidInputError, match=r"resource LON-MF/CNC1:calendar: calendar SHUT has no open time"
    ):
        ScheduleProblem.from_site(MasterData(**fields), "LON-MF", [demand()], start=T0)


def test_operation_longer_than_any_shift_is_refused_unless_splittable() -> None:
    """A 600-minute cut does not fit an 8-hour shift; marked splittable it does."""
    long_cut = routing_step(minutes_per_batch=600.0, minutes_per_unit=0.0)
    m = master(skus=(sku(routing=(long_cut,)),))
    with pytest.raises(
        InvalidInputError, match=r"run 20260105-0001 \(WORKTOP-OAK\).*longer than any open period"
    ):
        ScheduleProblem.from_site(m, "LON-MF", [demand()], start=T0)
    ok = master(skus=(sku(routing=(routing_step(minutes_per_batch=600.0, splittable=True),)),))
    p = ScheduleProblem.from_site(ok, "LON-MF", [demand()], start=T0)
    result = schedule(p, limits=SolveLimits(seconds=3, workers=1), seed=1)
    (placed,) = result.solution[0]
    assert placed.end - placed.start > 600
    assert check_schedule(result.problem, result.solution) == []


def test_due_before_the_horizon_is_refused_naming_the_demand() -> None:
    """An order due on Sunday cannot be planned from Monday."""
    with pytest.raises(InvalidInputError, match=r"demand web:9:due: due .* is before the horizon start"):
        ScheduleProblem.from_site(master(), "LON-MF", [demand("web:9", due_hours=-3)], start=T0)


def test_unknown_site_and_unknown_sku_are_refused() -> None:
    """Both name the missing code."""
    with pytest.raises(InvalidInputError, match="unknown site 'NOWHERE'"):
        ScheduleProblem.from_site(master(), "NOWHERE", [demand()], start=T0)
    with pytest.raises(InvalidInputError, match=r"unknown SKU.*GHOST"):
        ScheduleProblem.from_site(master(), "LON-MF", [demand(sku_code="GHOST")], start=T0)


def test_release_slots_become_minutes_from_the_horizon_start() -> None:
    """A Tuesday 06:00 slot on the site calendar is minute 1800 (and 1800 + 7 days in the overflow)."""
    slotted = calendar(release_slots=(ReleaseSlot(weekday=Weekday.TUE, at=time(6)),))
    m = master(calendars=(slotted,))
    p = ScheduleProblem.from_site(m, "LON-MF", [demand()], start=T0)
    assert p.release_minutes == (1800, 1800 + 7 * 1440)
