"""Validation of the scheduling problem: every error names the item."""

from __future__ import annotations

import pytest

from microfactory.errors import InvalidInputError
from microfactory.production import LabourLimit, Operation, ScheduleSettings, SolveLimits
from tests.production.builders import machine, op, problem, run


def test_operation_longer_than_every_shift_is_refused() -> None:
    """Shifts of 60 minutes, a 90-minute step that may not pause."""
    with pytest.raises(
        InvalidInputError, match=r"run A \(SKU-A\):operations\[1\] \(op1\): takes 90 min, longer"
    ):
        problem([machine("M1", [(0, 60), (120, 180)])], [run("A", op((0, 90)))])


def test_machine_with_no_open_time_is_refused() -> None:
    """An empty calendar."""
    with pytest.raises(InvalidInputError, match=r"machine M1 \(m\):calendar: calendar has no open time"):
        problem([machine("M1", [])], [run("A", op((0, 10)))])


def test_due_before_the_horizon_and_unknown_machine_are_refused() -> None:
    """Both errors are reported together."""
    with pytest.raises(InvalidInputError) as err:
        problem([machine("M1")], [run("A", op((0, 10)), due=-5), run("B", op((3, 10)))])
    text = " | ".join(str(i) for i in err.value.issues)
    assert "run A (SKU-A)" in text and "before the horizon start" in text
    assert "run B (SKU-B)" in text and "unknown machine index 3" in text


def test_operation_without_machines_duplicate_codes_and_slots_outside_the_window_are_refused() -> None:
    """No alternative; two runs called A; release slots all after the window."""
    bare = Operation(sequence=1, name="cut", alternatives=())
    with pytest.raises(InvalidInputError, match="no eligible machine"):
        problem([machine("M1")], [run("A", bare)])
    with pytest.raises(InvalidInputError, match="duplicate run code"):
        problem([machine("M1")], [run("A", op((0, 1))), run("A", op((0, 1)))])
    with pytest.raises(InvalidInputError, match="no release slot falls in the planning window"):
        problem([machine("M1")], [run("A", op((0, 1)))], release=[5000])


def test_step_needing_more_operators_than_any_pool_is_refused() -> None:
    """Two operators needed, the only pool has one."""
    pool = LabourLimit("CREW", 1, ("m",), ((0, 1000),))
    with pytest.raises(InvalidInputError, match="needs 2 operators"):
        problem([machine("M1")], [run("A", op((0, 10), operators=2))], labour=[pool])


def test_limits_and_settings_refuse_nonsense() -> None:
    """Zero seconds, zero workers, negative weights."""
    with pytest.raises(ValueError, match="seconds"):
        SolveLimits(seconds=0)
    with pytest.raises(ValueError, match="workers"):
        SolveLimits(workers=0)
    with pytest.raises(ValueError, match="tardiness_weight"):
        ScheduleSettings(tardiness_weight=-1)


def test_minutes_convert_to_aware_utc() -> None:
    """Minute 90 is 01:30 UTC on the start day; converting back gives 90."""
    p = problem([machine("M1")], [run("A", op((0, 10)))])
    assert p.at(90).isoformat() == "2026-01-05T01:30:00+00:00"
    assert p.minute_of(p.at(90)) == 90


def test_empty_problem_gives_an_empty_feasible_result() -> None:
    """No runs: nothing to do, no exception, KPIs of zero."""
    from microfactory.production import SolveStatus, schedule

    result = schedule(problem([machine("M1")], []), limits=SolveLimits(seconds=1, workers=1))
    assert result.status is SolveStatus.EMPTY
    assert result.is_feasible()
    kpis = result.kpis()
    assert (kpis.runs, kpis.operations, kpis.late_orders, kpis.makespan_minutes) == (0, 0, 0, 0)
    assert result.gantt_rows() == ()
