"""The solve honours its time limit: one deadline, and every CP-SAT call limited to the time it leaves.

No wall-clock thresholds: the engine runs on a virtual clock that moves only by a small tick per reading
(its own bookkeeping) and, through a spy on ``CpSolver.solve``, by the full ``max_time_in_seconds`` of
every CP-SAT call, as if each used all of its time. The checks are then exact: each call's limit is at
most the time its deadline leaves, the limits add up to at most the configured seconds, and the virtual
time at the end exceeds the limit by bookkeeping ticks only.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from ortools.sat.python import cp_model

import microfactory.production.solve as solve_module
from microfactory.production import (
    Deadline,
    Objective,
    ScheduleProblem,
    ScheduleSettings,
    SolveLimits,
    check_schedule,
    schedule,
)
from microfactory.production.greedy import GreedyResult, construct
from tests.production.builders import machine, op, problem, run

TICK_SECONDS = 1e-4
"""Virtual seconds every reading of the clock costs (the engine's bookkeeping)."""
BOOKKEEPING_READS = 200
"""Generous bound on clock readings after the deadline has passed (a handful per phase in practice)."""


class VirtualClock:
    """A clock that advances by :data:`TICK_SECONDS` per reading and by whatever :meth:`advance` adds."""

    def __init__(self) -> None:
        self.now = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            self.now += TICK_SECONDS
            return self.now

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass (a CP-SAT call that used its whole limit)."""
        with self._lock:
            self.now += seconds


@dataclass
class SolverSpy:
    """Every CP-SAT call: its ``max_time_in_seconds`` and the time the deadline had left when it began."""

    clock: VirtualClock
    deadline: Deadline
    calls: list[tuple[float, float]] = field(default_factory=list)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[VirtualClock, Deadline], SolverSpy]]:
    """Install a spy on ``CpSolver.solve`` (whole-model and neighbourhood solves alike)."""
    spies: list[SolverSpy] = []
    original = cp_model.CpSolver.solve

    def solve(self: cp_model.CpSolver, model: cp_model.CpModel, *args: object, **kwargs: object) -> object:
        current = spies[-1]
        limit = float(self.parameters.max_time_in_seconds)
        current.calls.append((limit, current.deadline.at - current.clock.now))
        status = original(self, model, *args, **kwargs)  # type: ignore[arg-type]
        current.clock.advance(limit)
        return status

    monkeypatch.setattr(cp_model.CpSolver, "solve", solve)

    def install(clock: VirtualClock, deadline: Deadline) -> SolverSpy:
        spies.append(SolverSpy(clock, deadline))
        return spies[-1]

    yield install


def shop(seed: int, jobs: int = 12, machines: int = 5, ops: int = 4) -> ScheduleProblem:
    """A random flexible job shop with due times (so tardiness, changeover and makespan all matter)."""
    rng = random.Random(seed)
    runs = []
    for j in range(jobs):
        steps = [
            op(
                *((m, rng.randint(5, 30)) for m in rng.sample(range(machines), 2)),
                setup={"c": rng.choice("ab")},
            )
            for _ in range(ops)
        ]
        runs.append(run(f"J{j:02d}", *steps, due=rng.randint(60, 200)))
    return problem([machine(f"M{m}") for m in range(machines)], runs)


@pytest.mark.parametrize("objective", list(Objective))
def test_cp_sat_calls_share_one_deadline_and_never_exceed_the_limit(
    spy: Callable[[VirtualClock, Deadline], SolverSpy], objective: Objective
) -> None:
    """Each CP-SAT call (whole model, every goal, every neighbourhood) gets at most the time left, the
    limits sum to at most the configured seconds, and the solve ends within bookkeeping ticks of it."""
    seconds = 1.0
    clock = VirtualClock()
    deadline = Deadline.after(seconds, clock)
    watched = spy(clock, deadline)
    started = deadline.at - seconds
    p = shop(seed=3)
    result = schedule(
        p,
        limits=SolveLimits(seconds=seconds, workers=1),
        seed=1,
        settings=ScheduleSettings(objective=objective),
        deadline=deadline,
    )
    assert check_schedule(result.problem, result.solution) == []
    assert watched.calls, "the solve made no CP-SAT call"
    for limit, left in watched.calls:
        assert 0 < limit <= left + 1e-9
    assert sum(limit for limit, _ in watched.calls) <= seconds + 1e-9
    assert clock.now - started <= seconds + BOOKKEEPING_READS * TICK_SECONDS


def test_a_tighter_outer_deadline_wins(spy: Callable[[VirtualClock, Deadline], SolverSpy]) -> None:
    """An outer deadline earlier than ``limits.seconds`` bounds every call (the limit does not extend it)."""
    clock = VirtualClock()
    deadline = Deadline.after(0.5, clock)
    watched = spy(clock, deadline)
    result = schedule(shop(seed=4), limits=SolveLimits(seconds=30, workers=1), seed=2, deadline=deadline)
    assert check_schedule(result.problem, result.solution) == []
    assert sum(limit for limit, _ in watched.calls) <= 0.5 + 1e-9
    assert all(0 < limit <= left + 1e-9 for limit, left in watched.calls)


def test_no_time_left_after_the_first_pass_skips_restarts_and_the_model(
    spy: Callable[[VirtualClock, Deadline], SolverSpy], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the time gone after the first dispatching pass, no restart runs, no model is built and
    CP-SAT is never called: the first pass is the answer, still a valid schedule."""
    clock = VirtualClock()
    deadline = Deadline.after(TICK_SECONDS, clock)
    watched = spy(clock, deadline)
    constructed: list[Deadline | None] = []
    original = construct

    def counting(*args: object, deadline: Deadline | None = None, **kwargs: object) -> GreedyResult:
        constructed.append(deadline)
        return original(*args, deadline=deadline, **kwargs)  # type: ignore[arg-type]

    def no_model(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was built with no time left")

    monkeypatch.setattr(solve_module, "construct", counting)
    monkeypatch.setattr(solve_module, "build_model", no_model)
    result = schedule(shop(seed=5), limits=SolveLimits(seconds=1, workers=1), seed=1, deadline=deadline)
    assert constructed == [None]
    assert watched.calls == []
    assert result.stats["search"] == "skipped: no time left after the warm start"
    assert result.lower_bound is None
    assert check_schedule(result.problem, result.solution) == []


def test_a_restart_gives_up_at_its_deadline() -> None:
    """``construct`` with a passed deadline stops before dispatching and says so; ``complete`` refuses."""
    clock = VirtualClock()
    passed = Deadline(0.0, clock)
    for rule in ("slack", "finish"):
        result = construct(shop(seed=6), rule=rule, deadline=passed)
        assert result.timed_out
        with pytest.raises(ValueError, match="deadline"):
            result.complete()
    finished = construct(shop(seed=6), rule="slack", deadline=Deadline.after(1e6, clock))
    assert not finished.timed_out and len(finished.complete()) == 12


def test_deadline_phases_never_extend_it() -> None:
    """``within`` cuts a phase from the deadline but never past it; ``remaining`` stops at zero."""
    clock = VirtualClock()
    deadline = Deadline.after(1.0, clock)
    assert deadline.within(10.0).at == deadline.at
    assert deadline.within(0.25).at < deadline.at
    assert deadline.within(-1.0).at <= clock.now
    clock.advance(2.0)
    assert deadline.expired() and deadline.remaining() == 0.0
