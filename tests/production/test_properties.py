"""Property tests: on random small instances every returned schedule keeps every hard constraint.

Instances mix shift calendars with gaps, splittable steps, release slots, asymmetric changeovers,
labour pools with shifts, freshness bounds and due times. The independent checker is the oracle; and
every run is either scheduled or reported (conservation: nothing is silently dropped).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microfactory.production import (
    Changeover,
    LabourLimit,
    Objective,
    ReleaseMode,
    ScheduleProblem,
    ScheduleSettings,
    SolveLimits,
    check_schedule,
    schedule,
)
from tests.production.builders import machine, op, problem, run

WINDOW = 2000
SHIFTS = [
    ((0, WINDOW),),
    ((0, 300), (400, 700), (800, 1100), (1200, 1500), (1600, 1900)),
    ((100, 500), (600, 1000), (1100, 1500), (1600, 2000)),
]
COLOURS = ("light", "dark", "none")


@st.composite
def instances(draw: st.DrawFn) -> tuple[ScheduleProblem, ReleaseMode]:
    """2–3 machines of one or two types, 2–4 runs of 1–3 operations, optional extras."""
    n_machines = draw(st.integers(min_value=2, max_value=3))
    machines = [
        machine(f"M{i}", draw(st.sampled_from(SHIFTS)), rtype=draw(st.sampled_from(["cut", "coat"])))
        for i in range(n_machines)
    ]
    runs = []
    for j in range(draw(st.integers(min_value=2, max_value=4))):
        ops = []
        for s in range(1, draw(st.integers(min_value=1, max_value=3)) + 1):
            eligible = draw(
                st.lists(st.integers(0, n_machines - 1), min_size=1, max_size=n_machines, unique=True)
            )
            ops.append(
                op(
                    *((m, draw(st.integers(5, 120))) for m in eligible),
                    sequence=s,
                    setup={"colour": draw(st.sampled_from(COLOURS))},
                    operators=draw(st.integers(0, 1)),
                    splittable=draw(st.booleans()),
                )
            )
        extra: dict[str, object] = {}
        if draw(st.booleans()):
            extra["due"] = draw(st.integers(50, 900))
        if draw(st.booleans()):
            extra["fresh_from"] = draw(st.integers(0, 600))
        runs.append(run(f"R{j}", *ops, **extra))
    rules = [
        Changeover(rtype, "colour", a, b, draw(st.integers(0, 45)))
        for rtype in ("cut", "coat")
        for a in COLOURS
        for b in COLOURS
        if a != b and draw(st.booleans())
    ]
    labour = []
    if draw(st.booleans()):
        labour.append(
            LabourLimit("CREW", draw(st.integers(1, 2)), ("cut", "coat"), draw(st.sampled_from(SHIFTS)))
        )
    release = (
        sorted(draw(st.sets(st.integers(0, 800), min_size=1, max_size=3))) if draw(st.booleans()) else None
    )
    mode = draw(st.sampled_from(list(ReleaseMode)))
    p = problem(machines, runs, labour=labour, release=release, changeovers=rules, window=WINDOW)
    return p, mode


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(instances(), st.sampled_from([Objective.WEIGHTED, Objective.MAKESPAN, Objective.LEXICOGRAPHIC]))
def test_returned_schedules_keep_every_constraint(
    case: tuple[ScheduleProblem, ReleaseMode], objective: Objective
) -> None:
    """No overlap, precedence, calendars, release slots, changeovers, labour and freshness always hold."""
    p, mode = case
    result = schedule(
        p,
        limits=SolveLimits(seconds=2, workers=2),
        seed=7,
        settings=ScheduleSettings(objective=objective, release_mode=mode),
    )
    assert check_schedule(result.problem, result.solution, mode) == []
    scheduled = {run.code for run in result.problem.runs}
    unscheduled = {run.code for run in result.unscheduled}
    assert scheduled | unscheduled == {run.code for run in p.runs}
    assert not scheduled & unscheduled
    reported = {x.subject for x in result.problems if x.kind.value == "unserved"}
    assert unscheduled <= reported
    assert len(result.runs()) == len(result.problem.runs)
