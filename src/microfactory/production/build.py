"""Build a :class:`ScheduleProblem` for one site from master data and the demands of a horizon.

Each resource of the site with ``count`` n becomes n machines on the resource's calendar; each labour
pool becomes a cumulative limit on its own calendar; the site calendar gives the release slots; every
batch becomes a run whose operations may use any machine of the routing step's resource types, taking
``minutes_per_batch + minutes_per_unit × quantity`` (rounded up). Calendars are expanded over the
horizon plus an overflow, so late work still has somewhere to go; minutes count from the horizon start.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from microfactory.domain import Calendar, MasterData, OperationAssignment, ensure_aware_utc
from microfactory.errors import ErrorLocation, InputIssue, InvalidInputError
from microfactory.production.batching import Batch, BatchingSettings, Demand, batch, minutes
from microfactory.production.problem import (
    Alternative,
    Changeover,
    DemandLink,
    Interval,
    LabourLimit,
    Machine,
    Operation,
    PublishedOperation,
    Run,
    ScheduleProblem,
)


def _periods(cal: Calendar, start: datetime, end: datetime) -> tuple[Interval, ...]:
    out: list[Interval] = []
    window = int((end - start).total_seconds() // 60)
    for a, b in cal.open_intervals(start, end):
        lo = math.ceil((a - start).total_seconds() / 60)
        hi = min(window, math.floor((b - start).total_seconds() / 60))
        if hi > lo:
            if out and out[-1][1] >= lo:
                out[-1] = (out[-1][0], max(out[-1][1], hi))
            else:
                out.append((lo, hi))
    return tuple(out)


def problem_from_site(
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
    """The scheduling problem of ``site`` for ``days`` from ``start`` (aware).

    Args:
        master: Master data (calendars, resources, labour pools, SKUs, changeover rules).
        site: Site code.
        demands: Firm order lines and make-to-stock top-ups for the site (see :mod:`.batching`).
        start: Horizon start, aware; minute 0 of the problem.
        days: Horizon length in days (default 7).
        overflow_days: Days after the horizon where late work may still be placed.
        batching: Due-time offsets and batching rules.
        published: The published schedule's operations, for stability when re-planning.

    Raises:
        InvalidInputError: naming each problem: unknown site or SKU, a routing naming an unknown
            resource type or one with no machine at the site, a demand due before the horizon start,
            an empty calendar, an operation longer than any shift when not splittable.
    """
    start = ensure_aware_utc(start)
    if days < 1 or overflow_days < 0:
        raise InvalidInputError.single("horizon", "days must be ≥ 1 and overflow_days ≥ 0", field="days")
    try:
        the_site = master.site(site)
    except KeyError:
        raise InvalidInputError.single("site", f"unknown site {site!r}") from None
    end = start + timedelta(days=days + overflow_days)
    window = (days + overflow_days) * 24 * 60
    calendars = {c.code: c for c in master.calendars}
    machines: list[Machine] = []
    empty: list[InputIssue] = []
    for res in sorted((r for r in master.resources if r.site == site), key=lambda r: r.code):
        periods = _periods(calendars[res.calendar], start, end)
        if not periods:
            where = ErrorLocation(f"resource {site}/{res.code}", field="calendar")
            empty.append(
                InputIssue(where, f"calendar {res.calendar} has no open time from {start.isoformat()}")
            )
        for i in range(1, res.count + 1):
            machines.append(Machine(f"{res.code}-{i}", res.code, res.resource_type, periods))
    labour = tuple(
        LabourLimit(p.code, p.operators_per_shift, p.skills, _periods(calendars[p.calendar], start, end))
        for p in master.labour_pools
        if p.site == site
    )
    for pool in labour:
        if not pool.open:
            where = ErrorLocation(f"labour pool {site}/{pool.code}", field="calendar")
            empty.append(InputIssue(where, f"calendar has no open time from {start.isoformat()}"))
    if empty:
        raise InvalidInputError(empty)
    site_cal = calendars[the_site.calendar]
    release = None
    if site_cal.release_slots:
        release = tuple(int((t - start).total_seconds() // 60) for t in site_cal.release_times(start, end))
    issues = [
        InputIssue(
            ErrorLocation(f"demand {d.key}", field="due"),
            f"due {d.due.isoformat()} is before the horizon start {start.isoformat()}",
        )
        for d in demands
        if d.due < start
    ]
    if issues:
        raise InvalidInputError(issues)
    skus = {s.code: s for s in master.skus}
    batches = batch(demands, skus, batching)
    runs = _runs(master, site, start, batches, machines)
    types = {m.resource_type for m in machines}
    changeovers = tuple(
        Changeover(c.resource_type, c.attribute, c.from_value, c.to_value, minutes(c.minutes))
        for c in master.changeovers
        if c.resource_type in types and c.minutes > 0
    )
    return ScheduleProblem(
        site=site,
        start=start,
        horizon_minutes=days * 24 * 60,
        window_minutes=window,
        machines=tuple(machines),
        runs=runs,
        labour=labour,
        release_minutes=release,
        changeovers=changeovers,
        published=tuple(
            PublishedOperation(
                a.run_code, a.sequence, a.resource, int((a.start - start).total_seconds() // 60)
            )
            for a in published
            if a.site == site
        ),
    )


def _runs(
    master: MasterData, site: str, start: datetime, batches: Sequence[Batch], machines: list[Machine]
) -> tuple[Run, ...]:
    known_types = {t.code for t in master.resource_types}
    skus = {s.code: s for s in master.skus}
    issues: list[InputIssue] = []
    runs: list[Run] = []
    stamp = start.strftime("%Y%m%d")

    def minute(when: datetime) -> int:
        return int((when - start).total_seconds() // 60)

    for n, b in enumerate(batches, start=1):
        sku = skus[b.sku]
        ops: list[Operation] = []
        for step in sku.routing:
            where = ErrorLocation(f"SKU {sku.code}", field=f"routing[{step.sequence}].resource_types")
            alts = []
            for rtype in step.resource_types:
                if rtype not in known_types:
                    issues.append(InputIssue(where, f"unknown resource type {rtype!r}"))
                    continue
                alts += [
                    Alternative(i, minutes(step.duration_minutes(b.quantity)))
                    for i, m in enumerate(machines)
                    if m.resource_type == rtype
                ]
            if not alts and all(t in known_types for t in step.resource_types):
                names = ", ".join(step.resource_types)
                issues.append(InputIssue(where, f"no machine of type {names} at site {site}"))
            ops.append(
                Operation(
                    sequence=step.sequence,
                    name=step.name,
                    alternatives=tuple(alts),
                    operators=step.operators,
                    splittable=step.splittable,
                    setup=tuple(sorted(step.setup.items())),
                )
            )
        links = tuple(DemandLink(d.key, units, minute(d.due), minute(d.delivery)) for d, units in b.members)
        runs.append(
            Run(
                code=f"{stamp}-{n:04d}",
                sku=sku.code,
                quantity=b.quantity,
                operations=tuple(ops),
                due=minute(b.due),
                weight=len({d.key for d, _ in b.members}),
                fresh_from=None if b.fresh_from is None else minute(b.fresh_from),
                shelf_life_minutes=None if sku.shelf_life_hours is None else round(sku.shelf_life_hours * 60),
                demands=links,
                unit_value_pence=sku.unit_price_pence,
            )
        )
    if issues:
        unique = list(dict.fromkeys(issues))
        raise InvalidInputError(unique)
    return tuple(runs)
