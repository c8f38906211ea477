"""Late orders name their binding cause; demands that cannot be placed become problems, not crashes."""

from __future__ import annotations

from microfactory.domain import ProblemKind
from microfactory.production import DemandLink, ScheduleProblem, ScheduleResult, SolveLimits, schedule
from tests.production.builders import machine, op, problem, run


def solve(p: ScheduleProblem) -> ScheduleResult:
    return schedule(p, limits=SolveLimits(seconds=3, workers=1), seed=1)


def link(key: str, due: int) -> tuple[DemandLink, ...]:
    return (DemandLink(key, 1, due, due + 60),)


def binding(result: ScheduleResult, subject: str) -> str:
    (found,) = result.explain(subject)
    assert found.kind is ProblemKind.LATE
    assert found.binding_constraint is not None
    return found.binding_constraint


def test_release_slot_is_named_when_the_first_slot_comes_after_the_due() -> None:
    """Due at 50, the site releases work at 100."""
    p = problem([machine("M1")], [run("A", op((0, 10)), due=50, demands=link("web:1", 50))], release=[100])
    assert binding(solve(p), "web:1") == "release_slot:2026-01-05T01:40:00+00:00"


def test_capacity_on_the_machine_is_named_when_another_run_took_it() -> None:
    """Two one-hour runs due at 60 on one machine: whichever goes second waited for M1."""
    runs = [run(c, op((0, 60)), due=60, demands=link(f"web:{c}", 60)) for c in ("A", "B")]
    result = solve(problem([machine("M1")], runs))
    late = result.late_problems()
    assert len(late) == 1
    assert late[0].binding_constraint == "capacity:TEST/M1 2026-01-05"
    assert "busy with other runs" in late[0].reason
    assert result.kpis().late_orders == 1


def test_calendar_is_named_when_the_shift_starts_after_the_due() -> None:
    """Machine opens at 100, due at 50, no release slots."""
    p = problem([machine("M1", [(100, 1000)])], [run("A", op((0, 10)), due=50, demands=link("web:1", 50))])
    assert binding(solve(p), "web:1") == "calendar:TEST/M1"


def test_freshness_is_named_when_the_product_may_not_be_made_that_early() -> None:
    """Delivery minus shelf life is 300 but the due is 100: a batching conflict, reported as freshness."""
    p = problem([machine("M1")], [run("A", op((0, 10)), due=100, fresh_from=300, demands=link("web:1", 100))])
    assert binding(solve(p), "web:1") == "freshness:A"


def test_lead_time_is_named_when_processing_alone_exceeds_the_time_to_due() -> None:
    """A 100-minute step due at 50."""
    p = problem([machine("M1")], [run("A", op((0, 100)), due=50, demands=link("web:1", 50))])
    assert binding(solve(p), "web:1") == "lead_time"


def test_late_run_without_demands_is_reported_under_its_code() -> None:
    """Runs built directly (no order links) still get a problem."""
    p = problem([machine("M1")], [run("A", op((0, 100)), due=50)])
    (found,) = solve(p).explain("A")
    assert (found.subject_kind, found.binding_constraint) == ("run", "lead_time")


def test_demand_that_cannot_be_placed_is_a_problem_not_a_crash() -> None:
    """The machine is open 0–100: two 80-minute runs; the second has nowhere to go."""
    runs = [run(c, op((0, 80)), due=100, demands=link(f"web:{c}", 100)) for c in ("A", "B")]
    result = solve(problem([machine("M1", [(0, 100)])], runs))
    assert not result.is_feasible()
    assert len(result.unscheduled) == 1
    (gone,) = result.unscheduled
    (found,) = result.explain(f"web:{gone.code}")
    assert found.kind is ProblemKind.UNSERVED
    assert found.binding_constraint == "capacity:TEST/window"
    assert len(result.problem.runs) == 1


def test_on_time_order_has_nothing_to_explain() -> None:
    """Due well after the work ends."""
    p = problem([machine("M1")], [run("A", op((0, 10)), due=500, demands=link("web:1", 500))])
    result = solve(p)
    assert result.explain("web:1") == ()
    assert result.is_feasible()


def test_run_longer_than_the_window_is_blamed_on_the_window() -> None:
    """A 14-day fermentation in a one-day window does not fit even alone."""
    p = problem(
        [machine("M1", [(0, 1000)])],
        [run("A", op((0, 900), splittable=True)), run("B", op((0, 2000), splittable=True))],
    )
    result = solve(p)
    (found,) = result.explain("B")
    assert found.binding_constraint == "window:TEST"
