"""Read-only queries for the ``quality`` plan stage and its report: delivered lines, lot states,
measurements for the drift charts, per-site counts, and which weeks a stage has stored."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microfactory.domain.quality import LotStatus
from microfactory.quality.drift import Observation
from microfactory.quality.lots import LONDON, DeliveredLine, LotState
from microfactory.store._quality_common import ALLOCATIONS, AUDIT_LOG, CHECK_ACTIONS, LOT_RUNS, LOTS
from microfactory.store.models import OrderLineRow, OrderRow, PlanRunRow


def delivered_lines(session: Session, *, start: datetime, end: datetime) -> list[DeliveredLine]:
    """Lines of delivered orders with a site whose window starts in ``[start, end)``, with the units
    of each already allocated to lots; ordered by order id and line number."""
    taken = (
        select(ALLOCATIONS.c.order_id, ALLOCATIONS.c.line_no, func.sum(ALLOCATIONS.c.quantity).label("units"))
        .where(ALLOCATIONS.c.order_id.is_not(None))
        .group_by(ALLOCATIONS.c.order_id, ALLOCATIONS.c.line_no)
        .subquery()
    )
    stmt = (
        select(
            OrderRow.id,
            OrderRow.channel,
            OrderRow.external_id,
            OrderLineRow.line_no,
            OrderLineRow.sku,
            OrderLineRow.quantity,
            OrderRow.site,
            OrderRow.window_start,
            func.coalesce(taken.c.units, 0),
        )
        .join(OrderLineRow, OrderLineRow.order_id == OrderRow.id)
        .outerjoin(taken, (taken.c.order_id == OrderRow.id) & (taken.c.line_no == OrderLineRow.line_no))
        .where(
            OrderRow.status == "delivered",
            OrderRow.site.is_not(None),
            OrderRow.window_start >= start,
            OrderRow.window_start < end,
        )
        .order_by(OrderRow.id, OrderLineRow.line_no)
    )
    return [
        DeliveredLine(order_id, channel, external_id, line_no, sku, qty, site or "", window, int(units))
        for order_id, channel, external_id, line_no, sku, qty, site, window, units in session.execute(stmt)
    ]


def lot_states(session: Session, *, start: datetime, end: datetime) -> list[LotState]:
    """Product lots made in ``[start, end)`` with the units already allocated from each and, for lots
    of confirmed runs, the orders their run was made for."""
    used = (
        select(ALLOCATIONS.c.lot_id, func.sum(ALLOCATIONS.c.quantity).label("units"))
        .group_by(ALLOCATIONS.c.lot_id)
        .subquery()
    )
    stmt = (
        select(
            LOTS.c.code,
            LOTS.c.site,
            LOTS.c.run_code,
            LOTS.c.sku,
            LOTS.c.sequence,
            LOTS.c.quantity,
            func.coalesce(used.c.units, 0),
            LOTS.c.status,
            LOTS.c.produced_at,
            LOT_RUNS.c.serves,
        )
        .outerjoin(used, used.c.lot_id == LOTS.c.id)
        .outerjoin(LOT_RUNS, LOT_RUNS.c.lot_id == LOTS.c.id)
        .where(LOTS.c.kind == "product", LOTS.c.produced_at >= start, LOTS.c.produced_at < end)
    )
    return [
        LotState(
            code,
            site,
            run,
            sku,
            seq,
            qty,
            int(used_units),
            LotStatus(status),
            produced_at,
            tuple((str(k), int(v)) for k, v in (serves or {}).items()),
        )
        for code, site, run, sku, seq, qty, used_units, status, produced_at, serves in session.execute(stmt)
    ]


def stored_horizons(session: Session, *, stage: str) -> set[tuple[str, datetime]]:
    """``(scope, horizon start)`` of every stored plan run of ``stage`` (not only the latest)."""
    stmt = select(PlanRunRow.scope, PlanRunRow.horizon_start).where(PlanRunRow.stage == stage)
    return {(scope, start) for scope, start in session.execute(stmt)}


def measurement_observations(session: Session, *, start: datetime, end: datetime) -> list[Observation]:
    """Every numeric check result of lots made in ``[start, end)`` (corrected ones excluded).

    The measure is ``template:check`` (a core temperature of a bar is not one of a snack); the period
    is the Europe/London production day.
    """
    superseded = select(AUDIT_LOG.c.corrects_id).where(AUDIT_LOG.c.corrects_id.is_not(None))
    stmt = (
        select(
            LOTS.c.site,
            LOTS.c.template_code,
            AUDIT_LOG.c.check_code,
            LOTS.c.produced_at,
            AUDIT_LOG.c.measured,
        )
        .join(LOTS, LOTS.c.id == AUDIT_LOG.c.lot_id)
        .where(
            AUDIT_LOG.c.action.in_(CHECK_ACTIONS),
            AUDIT_LOG.c.measured.is_not(None),
            AUDIT_LOG.c.id.not_in(superseded),
            LOTS.c.produced_at >= start,
            LOTS.c.produced_at < end,
        )
    )
    return [
        Observation(site, f"{template}:{check}", produced.astimezone(LONDON).date(), float(value))
        for site, template, check, produced, value in session.execute(stmt)
    ]


def quality_counts(session: Session, *, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
    """Per site, for product lots made in ``[start, end)``: lots by status, checks, passes, deviations,
    holds ever placed, and allocations (rows and units)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    made = (LOTS.c.kind == "product", LOTS.c.produced_at >= start, LOTS.c.produced_at < end)
    for site, status, n in session.execute(
        select(LOTS.c.site, LOTS.c.status, func.count()).where(*made).group_by(LOTS.c.site, LOTS.c.status)
    ):
        counts[site]["lots"] += n
        counts[site][f"lots_{status}"] += n
    for site, action, passed, n in session.execute(
        select(LOTS.c.site, AUDIT_LOG.c.action, AUDIT_LOG.c.passed, func.count())
        .join(LOTS, LOTS.c.id == AUDIT_LOG.c.lot_id)
        .where(*made)
        .group_by(LOTS.c.site, AUDIT_LOG.c.action, AUDIT_LOG.c.passed)
    ):
        key = "checks" if action in CHECK_ACTIONS else f"{action}s"
        counts[site][key] += n
        if action in CHECK_ACTIONS and passed:
            counts[site]["checks_passed"] += n
    for site, rows, units in session.execute(
        select(LOTS.c.site, func.count(), func.sum(ALLOCATIONS.c.quantity))
        .join(LOTS, LOTS.c.id == ALLOCATIONS.c.lot_id)
        .where(*made)
        .group_by(LOTS.c.site)
    ):
        counts[site]["allocations"] += rows
        counts[site]["units_allocated"] += int(units or 0)
    return {site: dict(c) for site, c in counts.items()}
