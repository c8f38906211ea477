"""One test per constraint: the smallest input a careless schedule would violate, and the solver keeps it."""

from __future__ import annotations

from microfactory.production import (
    Changeover,
    LabourLimit,
    Objective,
    PublishedOperation,
    ReleaseMode,
    ScheduleProblem,
    ScheduleResult,
    ScheduleSettings,
    SolveLimits,
    check_schedule,
    schedule,
)
from tests.production.builders import machine, op, problem, run

MAKESPAN = ScheduleSettings(objective=Objective.MAKESPAN)


def solve(p: ScheduleProblem, settings: ScheduleSettings = MAKESPAN) -> ScheduleResult:
    result = schedule(p, limits=SolveLimits(seconds=5, workers=1), seed=3, settings=settings)
    assert result.is_feasible()
    assert check_schedule(result.problem, result.solution, settings.release_mode) == []
    return result


def test_two_runs_on_one_machine_do_not_overlap() -> None:
    """Both runs want minute 0 on the only machine; one must wait for the other."""
    result = solve(problem([machine("M1")], [run("A", op((0, 10))), run("B", op((0, 10)))]))
    (a,), (b,) = result.solution
    assert a.end <= b.start or b.end <= a.start
    assert result.makespan() == 20


def test_operations_of_a_run_follow_their_routing_order() -> None:
    """Step 2 is on another machine and could start at 0; it must wait for step 1."""
    result = solve(problem([machine("M1"), machine("M2")], [run("A", op((0, 30)), op((1, 5)))]))
    first, second = result.solution[0]
    assert second.start >= first.end == 30


def test_non_splittable_operation_does_not_cross_a_closed_period() -> None:
    """Open 0–60 and 120–240: a 90-minute step cannot start at 0, so it starts at 120."""
    p = problem([machine("M1", [(0, 60), (120, 240)])], [run("A", op((0, 90)))])
    (placed,) = solve(p).solution[0]
    assert (placed.start, placed.end) == (120, 210)


def test_splittable_operation_pauses_over_the_closed_period() -> None:
    """The same 90 minutes, splittable (curing): 60 before the gap, 30 after, ending at 150."""
    p = problem([machine("M1", [(0, 60), (120, 240)])], [run("A", op((0, 90), splittable=True))])
    (placed,) = solve(p).solution[0]
    assert (placed.start, placed.end) == (0, 150)


def test_first_operation_waits_for_the_release_slot() -> None:
    """The machine is free at 0 but the site releases work at minute 100 only."""
    p = problem([machine("M1")], [run("A", op((0, 10)), op((0, 10)))], release=[100, 400])
    result = solve(p)
    assert result.solution[0][0].start >= 100


def test_at_slot_mode_starts_runs_exactly_at_a_slot() -> None:
    """Two runs, one machine, slots at 100 and 400: the second run starts at 400, not at 110."""
    p = problem([machine("M1")], [run("A", op((0, 10))), run("B", op((0, 10)))], release=[100, 400])
    settings = ScheduleSettings(objective=Objective.MAKESPAN, release_mode=ReleaseMode.AT_SLOT)
    result = solve(p, settings)
    assert sorted(ops[0].start for ops in result.solution) == [100, 400]


def test_asymmetric_changeover_is_respected_and_minimised() -> None:
    """light→dark takes 5 min, dark→light 30: the solver coats the light run first (25 min)."""
    rules = [
        Changeover("m", "colour", "light", "dark", 5),
        Changeover("m", "colour", "dark", "light", 30),
    ]
    runs = [
        run("DARK", op((0, 10), setup={"colour": "dark"})),
        run("LIGHT", op((0, 10), setup={"colour": "light"})),
    ]
    result = solve(problem([machine("M1")], runs, changeovers=rules))
    (dark,), (light,) = result.solution
    assert dark.start >= light.end + 5
    assert result.makespan() == 25
    assert result.kpis().changeover_hours == round(5 / 60, 3)


def test_labour_pool_limits_operators_at_once() -> None:
    """Two machines but one operator: the two attended steps cannot run together."""
    pool = LabourLimit("CREW", 1, ("m",), ((0, 1000),))
    runs = [run("A", op((0, 10), operators=1)), run("B", op((1, 10), operators=1))]
    result = solve(problem([machine("M1"), machine("M2")], runs, labour=[pool]))
    (a,), (b,) = result.solution
    assert a.end <= b.start or b.end <= a.start
    assert a.pool == b.pool == 0


def test_labour_pool_off_shift_blocks_attended_work() -> None:
    """The machine is open from 0 but the crew starts at 60."""
    pool = LabourLimit("CREW", 2, ("m",), ((60, 1000),))
    (placed,) = solve(problem([machine("M1")], [run("A", op((0, 10), operators=1))], labour=[pool])).solution[
        0
    ]
    assert placed.start >= 60


def test_freshness_keeps_food_from_finishing_too_early() -> None:
    """Delivery minus shelf life is minute 200: the bake may not end before it."""
    result = solve(problem([machine("M1")], [run("BAR", op((0, 30)), fresh_from=200)]))
    assert result.solution[0][-1].end >= 200


def test_earliest_start_is_respected() -> None:
    """Material arrives at minute 50."""
    result = solve(problem([machine("M1")], [run("A", op((0, 10)), earliest_start=50)]))
    assert result.solution[0][0].start >= 50


def test_weighted_objective_puts_the_urgent_run_first() -> None:
    """One machine, two runs of 60 min: due 60 and due 500; earliest due first makes both on time."""
    runs = [run("LATER", op((0, 60)), due=500), run("URGENT", op((0, 60)), due=60)]
    result = solve(problem([machine("M1")], runs), ScheduleSettings())
    (later,), (urgent,) = result.solution
    assert urgent.end <= 60 < later.end <= 500
    assert result.late_problems() == ()


def test_stability_keeps_the_published_order() -> None:
    """Two equal runs: the published schedule had B first; re-planning keeps it (no reason to move)."""
    runs = [run("A", op((0, 10))), run("B", op((0, 10)))]
    published = [PublishedOperation("B", 1, "M1", 0), PublishedOperation("A", 1, "M1", 10)]
    settings = ScheduleSettings(stability_weight=1000)
    result = solve(problem([machine("M1")], runs, published=published), settings)
    (a,), (b,) = result.solution
    assert (b.start, a.start) == (0, 10)


def test_operation_uses_one_of_its_eligible_machines() -> None:
    """Only M2 is eligible (and slower); M1 is free but must not be used."""
    (placed,) = solve(problem([machine("M1"), machine("M2")], [run("A", op((1, 40)))])).solution[0]
    assert placed.machine == 1
    assert placed.end - placed.start == 40
