"""Save and read plan output: one plan run per stage, scope and horizon, replaced on re-run.

A stage (``demand_history``, ``network``, ``schedule``, ``routing``...) writes its records for a
scope (a brand, a site, ``all``) and a horizon in one call to :func:`save_plan_run`. Running the
stage again for the same scope and horizon replaces the earlier run and everything it wrote (the
output tables cascade on delete), so re-running never duplicates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from microfactory.domain import (
    DeliveryRoute,
    OperationAssignment,
    PlanHorizon,
    Problem,
    ProductionRun,
    RouteStop,
    StockMove,
    WeeklyDemand,
)
from microfactory.errors import NotFoundError
from microfactory.store import _sql
from microfactory.store.models import (
    Base,
    DeliveryRouteRow,
    OperationAssignmentRow,
    PlanRunRow,
    ProblemRow,
    ProductionRunRow,
    RouteStopRow,
    StockMoveRow,
    WeeklyDemandRow,
)

DEMAND_HISTORY_STAGE = "demand_history"
"""The stage whose weekly demand :func:`load_weekly_demand` reads."""

Kpis = Mapping[str, float | int | str]


@dataclass(frozen=True, slots=True)
class PlanRunRecord:
    """A stored plan run: which stage, scope and horizon, when it was made, its KPIs and problems."""

    id: int
    stage: str
    scope: str
    horizon: PlanHorizon
    created_at: datetime
    """When the run was saved (aware UTC)."""
    status: str
    kpis: dict[str, float | int | str]
    problem_count: int


@dataclass(frozen=True, slots=True)
class PlanOutput:
    """Everything one plan run wrote, each list in the order described by :func:`load_plan_output`."""

    run: PlanRunRecord
    problems: list[Problem] = field(default_factory=list)
    weekly_demand: list[WeeklyDemand] = field(default_factory=list)
    production_runs: list[ProductionRun] = field(default_factory=list)
    operations: list[OperationAssignment] = field(default_factory=list)
    routes: list[DeliveryRoute] = field(default_factory=list)
    stops: list[RouteStop] = field(default_factory=list)
    stock_moves: list[StockMove] = field(default_factory=list)


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def save_plan_run(
    session: Session,
    *,
    stage: str,
    scope: str,
    horizon: PlanHorizon,
    kpis: Kpis,
    problems: Sequence[Problem] = (),
    weekly_demand: Sequence[WeeklyDemand] = (),
    production_runs: Sequence[ProductionRun] = (),
    operations: Sequence[OperationAssignment] = (),
    routes: Sequence[DeliveryRoute] = (),
    stops: Sequence[RouteStop] = (),
    stock_moves: Sequence[StockMove] = (),
    status: str = "completed",
) -> int:
    """Store one plan run and its records, replacing any run with the same stage, scope and horizon.

    The old run is deleted first (its records go with it by ``ON DELETE CASCADE``), then the new run
    and its records are inserted; ``created_at`` is now (UTC). ``kpis`` values are finite numbers
    or strings (NumPy scalars are unwrapped). Does not commit: run it in
    :func:`microfactory.store.db.transaction` so a failure leaves the old run in place.

    Returns the new run's id. Raises ``ValueError`` naming a KPI that is NaN, infinite or not a
    number or string, and ``sqlalchemy.exc.IntegrityError`` when records repeat a natural
    key (two production runs with the same site and run code, two stops with the same route and
    sequence, two weekly-demand rows for the same brand, family, outcode and week...).
    """
    checked_kpis = _json_kpis(kpis)
    runs = _table(PlanRunRow)
    session.execute(
        delete(runs).where(
            runs.c.stage == stage,
            runs.c.scope == scope,
            runs.c.horizon_start == horizon.start,
            runs.c.horizon_end == horizon.end,
        )
    )
    run = PlanRunRow(
        stage=stage,
        scope=scope,
        horizon_start=horizon.start,
        horizon_end=horizon.end,
        created_at=datetime.now(UTC),
        status=status,
        kpis=checked_kpis,
    )
    session.add(run)
    session.flush()
    run_id = run.id

    def rows(items: Sequence[Any], build: Any) -> list[dict[str, Any]]:
        return [{"plan_run_id": run_id, **build(i, item)} for i, item in enumerate(items)]

    _sql.bulk_insert(
        session,
        _table(ProblemRow),
        rows(problems, lambda i, p: {"position": i, **p.model_dump(mode="json")}),
    )
    _sql.bulk_insert(session, _table(WeeklyDemandRow), rows(weekly_demand, lambda _i, w: w.model_dump()))
    _sql.bulk_insert(
        session,
        _table(ProductionRunRow),
        rows(production_runs, lambda _i, r: _renamed(r.model_dump(), start="starts_at", end="ends_at")),
    )
    _sql.bulk_insert(
        session,
        _table(OperationAssignmentRow),
        rows(operations, lambda _i, o: _renamed(o.model_dump(), start="starts_at", end="ends_at")),
    )
    _sql.bulk_insert(
        session,
        _table(DeliveryRouteRow),
        rows(routes, lambda _i, r: _renamed(r.model_dump(), start="starts_at", end="ends_at")),
    )
    _sql.bulk_insert(session, _table(RouteStopRow), rows(stops, lambda _i, s: s.model_dump()))
    _sql.bulk_insert(
        session,
        _table(StockMoveRow),
        rows(stock_moves, lambda i, m: {"position": i, **m.model_dump(), "kind": m.kind.value}),
    )
    return run_id


def _json_kpis(kpis: Kpis) -> dict[str, float | int | str]:
    """Check KPIs are JSON-safe: string keys; finite numbers or strings (NumPy scalars unwrapped)."""
    out: dict[str, float | int | str] = {}
    for key, value in kpis.items():
        item = value.item() if hasattr(value, "item") else value  # numpy.int64 and friends
        if not isinstance(key, str) or not isinstance(item, int | float | str):
            raise ValueError(f"KPI {key!r}: expected a number or a string, got {type(value).__name__}")
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"KPI {key!r}: {item} cannot be stored (JSON has no NaN or infinity)")
        out[key] = item
    return out


def _renamed(values: dict[str, Any], **names: str) -> dict[str, Any]:
    return {names.get(key, key): value for key, value in values.items()}


def _record(row: PlanRunRow, problem_count: int) -> PlanRunRecord:
    return PlanRunRecord(
        id=row.id,
        stage=row.stage,
        scope=row.scope,
        horizon=PlanHorizon(start=row.horizon_start, end=row.horizon_end),
        created_at=row.created_at,
        status=row.status,
        kpis=dict(row.kpis),
        problem_count=problem_count,
    )


def _problem_counts(session: Session, run_ids: Sequence[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for chunk in _sql.chunks(run_ids, _sql.IN_CHUNK):
        stmt = (
            select(ProblemRow.plan_run_id, func.count())
            .where(ProblemRow.plan_run_id.in_(chunk))
            .group_by(ProblemRow.plan_run_id)
        )
        counts.update({run_id: int(n) for run_id, n in session.execute(stmt)})
    return counts


def _latest_runs(session: Session, stage: str | None) -> list[PlanRunRow]:
    stmt = select(PlanRunRow).order_by(PlanRunRow.created_at.desc(), PlanRunRow.id.desc())
    if stage is not None:
        stmt = stmt.where(PlanRunRow.stage == stage)
    latest: dict[tuple[str, str], PlanRunRow] = {}
    for row in session.scalars(stmt):
        latest.setdefault((row.stage, row.scope), row)
    return list(latest.values())


def latest_plan_runs(session: Session, *, stage: str | None = None) -> list[PlanRunRecord]:
    """The most recent run of each (stage, scope), newest first; only ``stage`` when given.

    "Most recent" is by ``created_at`` (then id), whatever the horizon.
    """
    runs = _latest_runs(session, stage)
    counts = _problem_counts(session, [r.id for r in runs])
    return [_record(r, counts.get(r.id, 0)) for r in runs]


def get_plan_run(session: Session, plan_run_id: int) -> PlanRunRecord:
    """The plan run with id ``plan_run_id``; raises :class:`~microfactory.errors.NotFoundError`."""
    row = session.get(PlanRunRow, plan_run_id)
    if row is None:
        raise NotFoundError("plan run", str(plan_run_id))
    return _record(row, _problem_counts(session, [plan_run_id]).get(plan_run_id, 0))


def load_problems(session: Session, plan_run_id: int) -> list[Problem]:
    """The problems of one plan run, in the order they were saved.

    Raises :class:`~microfactory.errors.NotFoundError` when no run has id ``plan_run_id``.
    """
    if session.get(PlanRunRow, plan_run_id) is None:
        raise NotFoundError("plan run", str(plan_run_id))
    return _load_problems(session, plan_run_id)


def _load_problems(session: Session, plan_run_id: int) -> list[Problem]:
    table = _table(ProblemRow)
    stmt = select(table).where(table.c.plan_run_id == plan_run_id).order_by(table.c.position)
    return [
        Problem.model_validate(_fields(row, Problem.model_fields)) for row in session.execute(stmt).mappings()
    ]


def _fields(row: RowMapping, fields: Mapping[str, Any], **renamed: str) -> dict[str, Any]:
    """Pick the domain model's ``fields`` out of a table row (``renamed``: field -> column)."""
    return {name: row[renamed.get(name, name)] for name in fields}


def load_weekly_demand(session: Session, *, brand: str | None = None) -> list[WeeklyDemand]:
    """Weekly demand from the latest ``demand_history`` run of each scope, only ``brand`` if given.

    Sorted by brand, SKU family, outcode and week. Empty when the stage has never run.
    """
    run_ids = [r.id for r in _latest_runs(session, DEMAND_HISTORY_STAGE)]
    table = _table(WeeklyDemandRow)
    found: list[WeeklyDemand] = []
    for chunk in _sql.chunks(run_ids, _sql.IN_CHUNK):
        stmt = select(table).where(table.c.plan_run_id.in_(chunk))
        if brand is not None:
            stmt = stmt.where(table.c.brand == brand)
        found += (
            WeeklyDemand.model_validate(_fields(row, WeeklyDemand.model_fields))
            for row in session.execute(stmt).mappings()
        )
    return sorted(found, key=lambda w: (w.brand, w.sku_family, w.outcode, w.week_start))


def load_plan_output(session: Session, plan_run_id: int) -> PlanOutput:
    """Everything one plan run wrote.

    Problems and stock moves come back in the order saved; weekly demand by (brand, SKU family,
    outcode, week); production runs by (site, run code); operations by (site, run code, sequence);
    routes by route code; stops by (route code, sequence). Raises
    :class:`~microfactory.errors.NotFoundError` when no run has id ``plan_run_id``.
    """
    run = get_plan_run(session, plan_run_id)

    def rows(model: type[Base], *order: str) -> list[RowMapping]:
        table = _table(model)
        stmt = (
            select(table)
            .where(table.c.plan_run_id == plan_run_id)
            .order_by(*(_sql.bytewise(table.c[name], session) for name in order))
        )
        return list(session.execute(stmt).mappings())

    times = {"start": "starts_at", "end": "ends_at"}
    return PlanOutput(
        run=run,
        problems=_load_problems(session, plan_run_id),
        weekly_demand=[
            WeeklyDemand.model_validate(_fields(r, WeeklyDemand.model_fields))
            for r in rows(WeeklyDemandRow, "brand", "sku_family", "outcode", "week_start")
        ],
        production_runs=[
            ProductionRun.model_validate(_fields(r, ProductionRun.model_fields, **times))
            for r in rows(ProductionRunRow, "site", "run_code")
        ],
        operations=[
            OperationAssignment.model_validate(_fields(r, OperationAssignment.model_fields, **times))
            for r in rows(OperationAssignmentRow, "site", "run_code", "sequence")
        ],
        routes=[
            DeliveryRoute.model_validate(_fields(r, DeliveryRoute.model_fields, **times))
            for r in rows(DeliveryRouteRow, "route_code")
        ],
        stops=[
            RouteStop.model_validate(_fields(r, RouteStop.model_fields))
            for r in rows(RouteStopRow, "route_code", "sequence")
        ],
        stock_moves=[
            StockMove.model_validate(_fields(r, StockMove.model_fields))
            for r in rows(StockMoveRow, "position")
        ],
    )
