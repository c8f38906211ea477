"""Tiny scheduling problems for tests, built directly from the problem types (minutes from T0)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from microfactory.production import (
    Alternative,
    Changeover,
    LabourLimit,
    Machine,
    Operation,
    PublishedOperation,
    Run,
    ScheduleProblem,
)

T0 = datetime(2026, 1, 5, tzinfo=UTC)
"""Monday 5 January 2026, 00:00 UTC: minute 0 of every test problem."""
WINDOW = 1000


def machine(code: str, open_periods: Sequence[tuple[int, int]] | None = None, rtype: str = "m") -> Machine:
    """A machine open over ``open_periods`` (the whole window when None)."""
    return Machine(code, code, rtype, tuple(open_periods) if open_periods is not None else ((0, WINDOW),))


def op(
    *alternatives: tuple[int, int],
    sequence: int = 1,
    setup: dict[str, str] | None = None,
    operators: int = 0,
    splittable: bool = False,
) -> Operation:
    """An operation with ``(machine index, minutes)`` alternatives."""
    return Operation(
        sequence=sequence,
        name=f"op{sequence}",
        alternatives=tuple(Alternative(m, d) for m, d in alternatives),
        operators=operators,
        splittable=splittable,
        setup=tuple(sorted((setup or {}).items())),
    )


def run(code: str, *ops: Operation, **fields: object) -> Run:
    """A run whose operations get sequences 1, 2, ... in the order given."""
    numbered = tuple(
        Operation(
            o.sequence if len(ops) == 1 else i, o.name, o.alternatives, o.operators, o.splittable, o.setup
        )
        for i, o in enumerate(ops, start=1)
    )
    return Run(code=code, sku=f"SKU-{code}", quantity=1, operations=numbered, **fields)  # type: ignore[arg-type]


def problem(
    machines: Sequence[Machine],
    runs: Sequence[Run],
    *,
    labour: Sequence[LabourLimit] = (),
    release: Sequence[int] | None = None,
    changeovers: Sequence[Changeover] = (),
    published: Sequence[PublishedOperation] = (),
    window: int = WINDOW,
) -> ScheduleProblem:
    """A validated problem starting at :data:`T0` with horizon = window."""
    return ScheduleProblem(
        site="TEST",
        start=T0,
        horizon_minutes=window,
        window_minutes=window,
        machines=tuple(machines),
        runs=tuple(runs),
        labour=tuple(labour),
        release_minutes=None if release is None else tuple(release),
        changeovers=tuple(changeovers),
        published=tuple(published),
    )
