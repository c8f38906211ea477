"""The scheduling problem: a flexible job shop in integer minutes from a stated horizon start.

A :class:`ScheduleProblem` is immutable and validated on construction. Each :class:`Run` (a batch of one
SKU) is a job whose :class:`Operation` s run in routing order; each operation picks one
:class:`Alternative` (a physical machine and its processing minutes). Machines carry their open
intervals (shift calendar minus closures); labour pools cap the operators working at once; the site's
release slots bind each run's first operation; a run's last operation may not end before its freshness
bound. Times are minutes from :attr:`ScheduleProblem.start` (aware UTC); nothing can be placed after
:attr:`ScheduleProblem.window_minutes` (the horizon plus an overflow for late work).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from microfactory.domain import MasterData, OperationAssignment, ensure_aware_utc
from microfactory.errors import ErrorLocation, InputIssue, InvalidInputError

if TYPE_CHECKING:
    from microfactory.production.batching import BatchingSettings, Demand

Interval = tuple[int, int]
"""A half-open period ``[start, end)`` in minutes from the horizon start."""


@dataclass(frozen=True, slots=True)
class Machine:
    """One physical unit of a resource (a resource with ``count`` n gives n machines).

    ``open`` lists the periods the machine may work, sorted and disjoint, within the window.
    """

    code: str
    resource: str
    resource_type: str
    open: tuple[Interval, ...]


@dataclass(frozen=True, slots=True)
class Alternative:
    """One way to run an operation: on machine index ``machine`` for ``minutes`` of open time."""

    machine: int
    minutes: int


@dataclass(frozen=True, slots=True)
class Operation:
    """One routing step of a run with its eligible machines.

    A splittable operation may pause over closed periods of its machine (curing, fermenting): it then
    occupies the machine from start to end but only counts open minutes as work.
    """

    sequence: int
    name: str
    alternatives: tuple[Alternative, ...]
    operators: int = 0
    splittable: bool = False
    setup: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class DemandLink:
    """A demand (an order's lines of the run's SKU, or a stock top-up) served by a run."""

    key: str
    """Order key ``channel:external_id`` or ``stock:SKU``."""
    quantity: int
    due: int
    """Minute the demand must be ready (delivery window start minus travel and packing)."""
    delivery: int | None = None
    """Minute of delivery (window start), for freshness and expiry; None when not known."""


@dataclass(frozen=True, slots=True)
class Run:
    """A job: one batch of one SKU through its routing.

    ``due`` is the earliest member's due minute (None: no due, e.g. benchmark jobs); ``fresh_from``
    is the earliest minute the last operation may end (delivery minus shelf life); ``weight``
    multiplies tardiness (orders served).
    """

    code: str
    sku: str
    quantity: int
    operations: tuple[Operation, ...]
    due: int | None = None
    weight: int = 1
    earliest_start: int = 0
    fresh_from: int | None = None
    shelf_life_minutes: int | None = None
    demands: tuple[DemandLink, ...] = ()
    unit_value_pence: int = 0
    """Value of one unit, for the value of expired (wasted) units."""


@dataclass(frozen=True, slots=True)
class LabourLimit:
    """Operators of a labour pool: at most ``operators`` at work at once, only in ``open`` periods.

    An operation needs operators from a pool whose ``resource_types`` include its machine's type.
    """

    code: str
    operators: int
    resource_types: tuple[str, ...]
    open: tuple[Interval, ...]


@dataclass(frozen=True, slots=True)
class Changeover:
    """Minutes to switch machines of ``resource_type`` between two values of a setup attribute."""

    resource_type: str
    attribute: str
    from_value: str
    to_value: str
    minutes: int


@dataclass(frozen=True, slots=True)
class PublishedOperation:
    """An operation of the published schedule, for stability when re-planning."""

    run_code: str
    sequence: int
    machine: str
    start: int


@dataclass(frozen=True, slots=True)
class ScheduleProblem:
    """A validated, immutable scheduling problem for one site.

    Raises:
        InvalidInputError: naming each bad item (an operation with no machine or longer than any open
            period of its machines, a machine or labour pool with no open time, a due time before the
            horizon, duplicate codes, a release-slot list with no slot in the window).
    """

    site: str
    start: datetime
    horizon_minutes: int
    window_minutes: int
    machines: tuple[Machine, ...]
    runs: tuple[Run, ...]
    labour: tuple[LabourLimit, ...] = ()
    release_minutes: tuple[int, ...] | None = None
    """Release-slot minutes; None when the site has no release slots (runs may start any time)."""
    changeovers: tuple[Changeover, ...] = ()
    published: tuple[PublishedOperation, ...] = ()
    _rules: dict[tuple[str, str, str, str], int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", ensure_aware_utc(self.start))
        rules = {
            (c.resource_type, c.attribute, c.from_value, c.to_value): c.minutes for c in self.changeovers
        }
        object.__setattr__(self, "_rules", rules)
        issues = _validate(self)
        if issues:
            raise InvalidInputError(issues)

    @classmethod
    def from_site(
        cls,
        master: MasterData,
        site: str,
        demands: Sequence[Demand],
        *,
        start: datetime,
        days: int = 7,
        overflow_days: int = 7,
        batching: BatchingSettings | None = None,
        published: Sequence[OperationAssignment] = (),
    ) -> ScheduleProblem:
        """Build the problem of one site (see :func:`microfactory.production.build.problem_from_site`)."""
        from microfactory.production.build import problem_from_site

        return problem_from_site(
            master,
            site,
            demands,
            start=start,
            days=days,
            overflow_days=overflow_days,
            batching=batching,
            published=published,
        )

    def at(self, minute: int) -> datetime:
        """The aware UTC instant ``minute`` minutes after the horizon start."""
        return self.start + timedelta(minutes=minute)

    def minute_of(self, when: datetime) -> int:
        """Whole minutes from the horizon start to ``when`` (rounded down); raises on naive input."""
        delta = ensure_aware_utc(when) - self.start
        return int(delta.total_seconds() // 60)

    def changeover_minutes(self, machine: int, before: Operation, after: Operation) -> int:
        """Minutes needed between ``before`` and ``after`` on ``machine``.

        Sums the rules of the machine's type over the setup attributes both operations carry with
        different values; pairs without a rule take no time.
        """
        if not self._rules or not before.setup or not after.setup:
            return 0
        rtype = self.machines[machine].resource_type
        after_values = dict(after.setup)
        total = 0
        for attribute, value in before.setup:
            other = after_values.get(attribute)
            if other is not None and other != value:
                total += self._rules.get((rtype, attribute, value, other), 0)
        return total

    @property
    def operation_count(self) -> int:
        """Number of operations over all runs."""
        return sum(len(run.operations) for run in self.runs)

    def machine_index(self) -> dict[str, int]:
        """Machine code → index."""
        return {m.code: i for i, m in enumerate(self.machines)}


def _issue(source: str, reason: str, field_name: str | None = None) -> InputIssue:
    return InputIssue(ErrorLocation(source, field=field_name), reason)


def _validate(p: ScheduleProblem) -> list[InputIssue]:
    issues: list[InputIssue] = []
    if p.horizon_minutes <= 0 or p.window_minutes < p.horizon_minutes:
        issues.append(_issue("problem", "need 0 < horizon_minutes ≤ window_minutes", "window_minutes"))
    issues += _validate_machines(p)
    issues += _validate_labour(p)
    codes: set[str] = set()
    for run in p.runs:
        source = f"run {run.code} ({run.sku})"
        if run.code in codes:
            issues.append(_issue(source, "duplicate run code", "code"))
        codes.add(run.code)
        if not run.operations:
            issues.append(_issue(source, "run has no operations", "operations"))
        if run.due is not None and run.due < 0:
            issues.append(_issue(source, f"due time {p.at(run.due).isoformat()} is before the horizon start"))
        for link in run.demands:
            if link.due < 0:
                issues.append(_issue(source, f"demand {link.key} is due before the horizon start", "demands"))
        for op in run.operations:
            issues += _validate_operation(p, source, op)
    if p.release_minutes is not None and not any(0 <= r < p.window_minutes for r in p.release_minutes):
        issues.append(_issue(f"site {p.site}", "no release slot falls in the planning window", "release"))
    return issues


def _validate_machines(p: ScheduleProblem) -> list[InputIssue]:
    issues: list[InputIssue] = []
    seen: set[str] = set()
    for machine in p.machines:
        source = f"machine {machine.code} ({machine.resource_type})"
        if machine.code in seen:
            issues.append(_issue(source, "duplicate machine code", "code"))
        seen.add(machine.code)
        if not machine.open:
            issues.append(_issue(source, "calendar has no open time in the planning window", "calendar"))
        if not _sorted_disjoint(machine.open, p.window_minutes):
            issues.append(_issue(source, "open periods must be sorted, disjoint and inside the window"))
    return issues


def _validate_labour(p: ScheduleProblem) -> list[InputIssue]:
    issues: list[InputIssue] = []
    for pool in p.labour:
        source = f"labour pool {pool.code}"
        if pool.operators < 1:
            issues.append(_issue(source, "needs at least one operator", "operators"))
        if not pool.open:
            issues.append(_issue(source, "calendar has no open time in the planning window", "calendar"))
        if not _sorted_disjoint(pool.open, p.window_minutes):
            issues.append(_issue(source, "open periods must be sorted, disjoint and inside the window"))
    return issues


def _validate_operation(p: ScheduleProblem, source: str, op: Operation) -> list[InputIssue]:
    where = f"operations[{op.sequence}] ({op.name})"
    if not op.alternatives:
        return [_issue(source, "operation has no eligible machine", where)]
    issues: list[InputIssue] = []
    longest_ok = False
    for alt in op.alternatives:
        if not 0 <= alt.machine < len(p.machines):
            issues.append(_issue(source, f"unknown machine index {alt.machine}", where))
            continue
        if alt.minutes < 1:
            issues.append(_issue(source, "processing time must be at least one minute", where))
        machine = p.machines[alt.machine]
        if op.splittable or not machine.open or max(b - a for a, b in machine.open) >= alt.minutes:
            longest_ok = True
    if not longest_ok and not issues:
        names = ", ".join(sorted({p.machines[a.machine].code for a in op.alternatives}))
        issues.append(
            _issue(
                source,
                f"takes {min(a.minutes for a in op.alternatives)} min, longer than any open period of "
                f"{names}, and is not splittable",
                where,
            )
        )
    types = {p.machines[a.machine].resource_type for a in op.alternatives if 0 <= a.machine < len(p.machines)}
    for rtype in sorted(types):
        pools = [pool for pool in p.labour if rtype in pool.resource_types]
        if op.operators and pools and max(pool.operators for pool in pools) < op.operators:
            names = ", ".join(pool.code for pool in pools)
            issues.append(_issue(source, f"needs {op.operators} operators; pools {names} have fewer", where))
    return issues


def _sorted_disjoint(periods: tuple[Interval, ...], window: int) -> bool:
    last = 0
    for a, b in periods:
        if a < last or b <= a or b > window:
            return False
        last = b
    return True
