"""The independent checker catches each kind of violation (so the property tests can fail)."""

from __future__ import annotations

from microfactory.production import Changeover, LabourLimit, Placement, ReleaseMode, check_schedule
from tests.production.builders import machine, op, problem, run


def test_valid_schedule_has_no_violations() -> None:
    """Two runs back to back on one machine."""
    p = problem([machine("M1")], [run("A", op((0, 10))), run("B", op((0, 10)))])
    assert check_schedule(p, ((Placement(0, 0, 10),), (Placement(0, 10, 20),))) == []


def test_overlap_on_a_machine_is_caught() -> None:
    """Both runs at minute 0 on M1."""
    p = problem([machine("M1")], [run("A", op((0, 10))), run("B", op((0, 10)))])
    assert any(
        "before run A ends" in v for v in check_schedule(p, ((Placement(0, 0, 10),), (Placement(0, 5, 15),)))
    )


def test_precedence_wrong_duration_and_ineligible_machine_are_caught() -> None:
    """Step 2 before step 1 ends, a wrong length, and a machine the step cannot use."""
    p = problem([machine("M1"), machine("M2")], [run("A", op((0, 10)), op((1, 10)))])
    out = check_schedule(p, ((Placement(0, 0, 10), Placement(1, 5, 15)),))
    assert any("before the previous operation ends" in v for v in out)
    assert any("lasts 7 min" in v for v in check_schedule(p, ((Placement(0, 0, 7), Placement(1, 7, 17)),)))
    assert any("not eligible" in v for v in check_schedule(p, ((Placement(1, 0, 10), Placement(1, 10, 20)),)))


def test_calendar_crossing_and_bad_stretch_are_caught() -> None:
    """Open 0–60 and 120–240: a 90-minute block at 0 crosses the gap; a splittable one must end at 150."""
    p = problem([machine("M1", [(0, 60), (120, 240)])], [run("A", op((0, 90)))])
    assert any("crosses closed time" in v for v in check_schedule(p, ((Placement(0, 0, 90),),)))
    q = problem([machine("M1", [(0, 60), (120, 240)])], [run("A", op((0, 90), splittable=True))])
    assert check_schedule(q, ((Placement(0, 0, 150),),)) == []
    assert any("open time" in v for v in check_schedule(q, ((Placement(0, 0, 90),),)))


def test_missing_changeover_gap_is_caught() -> None:
    """dark→light needs 30 minutes between the runs."""
    rules = [Changeover("m", "colour", "dark", "light", 30)]
    runs = [run("D", op((0, 10), setup={"colour": "dark"})), run("L", op((0, 10), setup={"colour": "light"}))]
    p = problem([machine("M1")], runs, changeovers=rules)
    assert any(
        "changeover 30" in v for v in check_schedule(p, ((Placement(0, 0, 10),), (Placement(0, 20, 30),)))
    )
    assert check_schedule(p, ((Placement(0, 0, 10),), (Placement(0, 40, 50),))) == []


def test_release_freshness_and_labour_violations_are_caught() -> None:
    """Before the slot, or between slots at-slot; ending before freshness; two at once on one operator."""
    p = problem([machine("M1")], [run("A", op((0, 10)), fresh_from=100)], release=[50, 200])
    out = check_schedule(p, ((Placement(0, 0, 10),),))
    assert any("before any release slot" in v for v in out)
    assert any("freshness" in v for v in out)
    assert any(
        "not at a release slot" in v
        for v in check_schedule(p, ((Placement(0, 90, 100),),), ReleaseMode.AT_SLOT)
    )
    pool = LabourLimit("CREW", 1, ("m",), ((0, 1000),))
    q = problem(
        [machine("M1"), machine("M2")],
        [run("A", op((0, 10), operators=1)), run("B", op((1, 10), operators=1))],
        labour=[pool],
    )
    assert any(
        "operators at minute" in v
        for v in check_schedule(q, ((Placement(0, 0, 10, 0),), (Placement(1, 0, 10, 0),)))
    )
    assert any(
        "needs operators" in v
        for v in check_schedule(q, ((Placement(0, 0, 10),), (Placement(1, 10, 20, 0),)))
    )
