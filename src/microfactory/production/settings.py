"""Limits and settings of a scheduling solve: time, threads, objective and how release slots bind."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Objective(StrEnum):
    """What the solver minimises.

    ``WEIGHTED`` adds weighted tardiness, changeover minutes and makespan (weights in
    :class:`ScheduleSettings`); ``LEXICOGRAPHIC`` minimises them one after another, each stage keeping
    the previous optimum; ``MAKESPAN`` minimises the finish time of the last run only (benchmarks).
    """

    WEIGHTED = "weighted"
    LEXICOGRAPHIC = "lexicographic"
    MAKESPAN = "makespan"


class Goal(StrEnum):
    """One expression the solver minimises in one solve (a lexicographic objective is a sequence).

    ``WEIGHTED``: the weighted sum of every term; ``TARDINESS``: weighted tardiness plus the stability
    penalty; ``CHANGEOVER``: changeover minutes; ``MAKESPAN``: finish of the last run.
    """

    WEIGHTED = "weighted"
    TARDINESS = "tardiness"
    CHANGEOVER = "changeover"
    MAKESPAN = "makespan"


class ReleaseMode(StrEnum):
    """How a site's release slots bind the first operation of each run.

    ``FROM_SLOT``: a run is released at a slot and its first operation starts at or after it (the run
    belongs to the latest slot before its start). ``AT_SLOT``: the first operation starts exactly at one
    of the slot times (a morning bake that starts at 05:00 sharp).
    """

    FROM_SLOT = "from_slot"
    AT_SLOT = "at_slot"


@dataclass(frozen=True, slots=True)
class SolveLimits:
    """Wall-clock seconds and solver threads for one solve.

    Raises:
        ValueError: ``seconds`` is not a positive finite number or ``workers`` is below 1.
    """

    seconds: float = 30.0
    workers: int = 2

    def __post_init__(self) -> None:
        if not (isinstance(self.seconds, int | float) and math.isfinite(self.seconds) and self.seconds > 0):
            raise ValueError(f"seconds must be a positive number, got {self.seconds!r}")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1:
            raise ValueError(f"workers must be an integer ≥ 1, got {self.workers!r}")


@dataclass(frozen=True, slots=True)
class Deadline:
    """The one point in time by which every search phase of a solve must have finished.

    :func:`~microfactory.production.schedule` derives it from :attr:`SolveLimits.seconds` once, before
    any search starts, and hands it (or a :meth:`within` phase deadline, never later than it) to the
    warm-start restarts, every CP-SAT call and the neighbourhood search. Each CP-SAT call gets
    :meth:`remaining` as its ``max_time_in_seconds`` at the moment it starts, so the phases share one
    budget instead of each taking a fixed slice. ``clock`` is ``time.monotonic`` in production; tests
    pass a virtual clock to check the budget without wall-clock thresholds.
    """

    at: float
    """The deadline, in seconds on ``clock``."""
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def after(cls, seconds: float, clock: Callable[[], float] = time.monotonic) -> Deadline:
        """The deadline ``seconds`` from now on ``clock``."""
        return cls(clock() + seconds, clock)

    def remaining(self) -> float:
        """Seconds left (0 once passed): the time limit to give the next CP-SAT call."""
        return max(0.0, self.at - self.clock())

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self.clock() >= self.at

    def within(self, seconds: float) -> Deadline:
        """A phase deadline ``seconds`` from now, capped by this one (same clock): a share of the budget
        for one phase can never extend the solve."""
        return Deadline(min(self.at, self.clock() + max(0.0, seconds)), self.clock)


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    """Objective and modelling choices of the scheduler.

    Weights are per minute (tardiness: per minute late per unit of run weight; changeover: per minute
    of changeover; makespan: per minute) and per moved operation (stability). The defaults make one
    minute of lateness of one order cost as much as ten minutes of changeover or 100 minutes of
    makespan.

    Raises:
        ValueError: a weight is negative or a tolerance or the LNS share is out of range.
    """

    objective: Objective = Objective.WEIGHTED
    tardiness_weight: int = 100
    changeover_weight: int = 10
    makespan_weight: int = 1
    stability_weight: int = 200
    """Cost of moving one operation of the published schedule (another machine or start)."""
    stability_tolerance_minutes: int = 0
    """A start within this many minutes of its published start on the same machine is not a move."""
    release_mode: ReleaseMode = ReleaseMode.FROM_SLOT
    full_solve_share: float = 0.15
    """Share of the time limit for one CP-SAT solve of the whole model before large-neighbourhood
    search takes over (the whole solve gives a lower bound and often proves small instances optimal)."""
    use_lns: bool = True

    def goals(self) -> tuple[Goal, ...]:
        """The goals solved in turn: one for weighted or makespan, three for lexicographic."""
        if self.objective is Objective.MAKESPAN:
            return (Goal.MAKESPAN,)
        if self.objective is Objective.LEXICOGRAPHIC:
            return (Goal.TARDINESS, Goal.CHANGEOVER, Goal.MAKESPAN)
        return (Goal.WEIGHTED,)

    def __post_init__(self) -> None:
        for name in ("tardiness_weight", "changeover_weight", "makespan_weight", "stability_weight"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be an integer ≥ 0, got {value!r}")
        if self.stability_tolerance_minutes < 0:
            raise ValueError("stability_tolerance_minutes must be ≥ 0")
        if not 0.0 < self.full_solve_share <= 1.0:
            raise ValueError(f"full_solve_share must be in (0, 1], got {self.full_solve_share!r}")
