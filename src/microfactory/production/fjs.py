"""Read the standard flexible-job-shop text format (``.fjs``) into a :class:`ScheduleProblem`.

Format (Brandimarte 1993; Hurink et al. 1994): line 1 is ``#jobs #machines average_flexibility``;
then one line per job: ``#operations`` and, per operation, ``#options`` followed by that many
``machine duration`` pairs, machines numbered from 1. Tokens are read as one stream, so jobs may wrap
lines. Each job becomes a run, each machine an always-open machine, each time unit one minute, so
benchmark instances go through exactly the same engine as real sites.
"""

from __future__ import annotations

from datetime import UTC, datetime

from microfactory.errors import InvalidInputError
from microfactory.production.problem import Alternative, Machine, Operation, Run, ScheduleProblem

FJS_EPOCH = datetime(2026, 1, 5, tzinfo=UTC)
"""Minute 0 of a parsed instance (any aware instant would do: the format has no dates)."""


def parse_fjs(text: str, *, name: str = "instance", start: datetime = FJS_EPOCH) -> ScheduleProblem:
    """Parse ``.fjs`` text into a problem with one run per job and one machine per FJSP machine.

    The window (and horizon) is the sum over operations of their longest option, an upper bound of
    any semi-active schedule's makespan.

    Raises:
        InvalidInputError: naming the job and operation when the text is truncated, a number is not an
            integer, a machine is out of range or a duration is not positive.
    """
    tokens = text.split()
    pos = 0

    def take(where: str) -> int:
        nonlocal pos
        if pos >= len(tokens):
            raise InvalidInputError.single(name, "unexpected end of file", field=where)
        token = tokens[pos]
        pos += 1
        try:
            return int(token)
        except ValueError:
            try:
                value = float(token)
            except ValueError:
                raise InvalidInputError.single(name, f"{token!r} is not a number", field=where) from None
            if not value.is_integer():
                raise InvalidInputError.single(name, f"{token!r} is not an integer", field=where) from None
            return int(value)

    n_jobs = take("header: jobs")
    n_machines = take("header: machines")
    if pos < len(tokens):
        pos += 1  # average flexibility: informative only, may be fractional
    if n_jobs < 1 or n_machines < 1:
        raise InvalidInputError.single(name, "need at least one job and one machine", field="header")
    jobs: list[list[list[tuple[int, int]]]] = []
    for j in range(n_jobs):
        ops: list[list[tuple[int, int]]] = []
        for o in range(take(f"job {j + 1}: operations")):
            where = f"job {j + 1} operation {o + 1}"
            options = []
            for _ in range(take(f"{where}: options")):
                machine, duration = take(f"{where}: machine"), take(f"{where}: duration")
                if not 1 <= machine <= n_machines:
                    raise InvalidInputError.single(
                        name, f"machine {machine} is not in 1..{n_machines}", field=where
                    )
                if duration < 1:
                    raise InvalidInputError.single(name, f"duration {duration} must be positive", field=where)
                options.append((machine - 1, duration))
            if not options:
                raise InvalidInputError.single(name, "operation has no machine", field=where)
            ops.append(options)
        jobs.append(ops)
    window = max(1, sum(max(d for _, d in op) for ops in jobs for op in ops))
    machines = tuple(
        Machine(f"M{i + 1:02d}", f"M{i + 1:02d}", "fjsp", ((0, window),)) for i in range(n_machines)
    )
    runs = tuple(
        Run(
            code=f"J{j + 1:02d}",
            sku=f"job{j + 1}",
            quantity=1,
            operations=tuple(
                Operation(
                    sequence=o + 1,
                    name=f"op{o + 1}",
                    alternatives=tuple(Alternative(m, d) for m, d in _best_per_machine(op)),
                )
                for o, op in enumerate(ops)
            ),
        )
        for j, ops in enumerate(jobs)
    )
    return ScheduleProblem(
        site=name, start=start, horizon_minutes=window, window_minutes=window, machines=machines, runs=runs
    )


def _best_per_machine(options: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """One option per machine (the shortest), in machine order; duplicates add nothing."""
    best: dict[int, int] = {}
    for machine, duration in options:
        best[machine] = min(duration, best.get(machine, duration))
    return sorted(best.items())
