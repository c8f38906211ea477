"""Lots in the store: creating them, confirming production runs into lots, linking their input lots,
and allocating their units.

A production run becomes a lot when it is confirmed (:func:`confirm_runs`, or
:func:`confirm_scheduled_runs` for a site's stored schedule): one lot per run, recorded in
``lot_runs`` with the run it came from; re-planning later never touches it.

Allocation covers deliveries (order lines) and transfers to another site; the rules of what may be
allocated live in :mod:`microfactory.quality.rules`. Each function takes a ``Session`` and never
commits; a refused call raises before writing anything, and run inside
:func:`microfactory.store.db.transaction` a failure leaves the database as it was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from microfactory.domain import Order, ProductionRun, Sku
from microfactory.domain.quality import ChecklistTemplate, Lot, LotInput, LotStatus
from microfactory.errors import InputIssue, InvalidInputError, MicrofactoryError, NotFoundError
from microfactory.quality.catalogue import shipped_templates, template_for_family
from microfactory.quality.lots import (
    ConfirmationPlan,
    ConfirmedRun,
    PlannedAllocation,
    lots_for_runs,
    plan_confirmations,
    plan_input_lots,
)
from microfactory.quality.rules import AllocationRefusedError, check_allocation
from microfactory.store import _sql
from microfactory.store._quality_common import (
    ALLOCATIONS,
    LOT_INPUTS,
    LOT_RUNS,
    LOTS,
    MAX_TRACE_DEPTH,
    lot_ids,
    lot_label,
    lot_location,
    lot_rows,
)
from microfactory.store.lot_release import release_lots
from microfactory.store.master_repository import load_master_data
from microfactory.store.models import OrderLineRow, OrderRow
from microfactory.store.plan_repository import latest_plan_runs, load_plan_output
from microfactory.store.quality_templates import load_templates, save_templates

SCHEDULE_STAGE = "schedule"
"""The plan stage whose stored runs :func:`confirm_scheduled_runs` confirms."""


def create_lots(session: Session, lots: Sequence[Lot]) -> list[str]:
    """Insert lots whose natural key ``(site, run_code, sku, sequence)`` is new; returns their codes.

    Existing lots are left exactly as they are. Raises
    :class:`~microfactory.errors.InvalidInputError` naming a lot whose template version is not stored.
    """
    templates = set(load_templates(session))
    issues = [
        InputIssue(
            lot_location(lot.code, "template"),
            f"template {lot.template} v{lot.template_version} is not stored",
        )
        for lot in lots
        if lot.template is not None and (lot.template, lot.template_version) not in templates
    ]
    if issues:
        raise InvalidInputError(issues)
    existing = lot_ids(session, [lot.code for lot in lots], must_exist=False)
    now = datetime.now(UTC)
    rows = [
        {
            "code": lot.code,
            "site": lot.site,
            "run_code": lot.run_code,
            "sku": lot.sku,
            "sequence": lot.sequence,
            "kind": lot.kind.value,
            "quantity": lot.quantity,
            "produced_at": lot.produced_at,
            "status": lot.status.value,
            "template_code": lot.template,
            "template_version": lot.template_version,
            "created_at": now,
        }
        for lot in {lot.code: lot for lot in lots if lot.code not in existing}.values()
    ]
    _sql.bulk_insert(session, LOTS, rows)
    return [str(r["code"]) for r in rows]


def link_lot_inputs(session: Session, links: Sequence[LotInput]) -> int:
    """Record which input lots went into which lots; returns the links that were new.

    Raises :class:`~microfactory.errors.NotFoundError` for an unknown lot and
    :class:`~microfactory.errors.InvalidInputError` when a link would close a cycle.
    """
    ids = lot_ids(session, {c for link in links for c in (link.lot, link.input_lot)})
    pairs = {(ids[link.lot], ids[link.input_lot]) for link in links}
    have: set[tuple[int, int]] = set()
    for chunk in _sql.chunks(sorted({p[0] for p in pairs}), _sql.IN_CHUNK):
        stmt = select(LOT_INPUTS.c.lot_id, LOT_INPUTS.c.input_lot_id).where(LOT_INPUTS.c.lot_id.in_(chunk))
        have.update((a, b) for a, b in session.execute(stmt))
    rows = [{"lot_id": a, "input_lot_id": b} for a, b in sorted(pairs - have)]
    _sql.bulk_insert(session, LOT_INPUTS, rows)
    _refuse_cycles(session, sorted({r["lot_id"] for r in rows}), {v: k for k, v in ids.items()})
    return len(rows)


def _refuse_cycles(session: Session, lot_ids: Sequence[int], codes: dict[int, str]) -> None:
    sql = text(
        "WITH RECURSIVE up(start, lot_id, depth) AS ("
        " SELECT lot_id, input_lot_id, 1 FROM lot_inputs WHERE lot_id IN :ids"
        " UNION SELECT u.start, li.input_lot_id, u.depth + 1 FROM lot_inputs li"
        f" JOIN up u ON li.lot_id = u.lot_id WHERE u.depth < {MAX_TRACE_DEPTH})"
        " SELECT start FROM up WHERE lot_id = start LIMIT 1"
    ).bindparams(bindparam("ids", expanding=True))
    for chunk in _sql.chunks(lot_ids, _sql.IN_CHUNK):
        looped = session.execute(sql, {"ids": chunk}).scalar()
        if looped is not None:
            code = codes.get(looped, str(looped))
            raise InvalidInputError.single(
                lot_label(code), "its inputs would include itself (a cycle)", field="inputs"
            )


# --- confirming production runs ----------------------------------------------------------------------


@dataclass(frozen=True)
class Confirmation:
    """What :func:`confirm_runs` did: the lots made (one per confirmed run) and how every run was sorted."""

    lots: list[str] = field(default_factory=list)
    """Codes of the product lots made, in the order of the confirmed runs."""
    plan: ConfirmationPlan = field(default_factory=ConfirmationPlan)
    plan_run_id: int | None = None
    """The stored schedule the runs came from, when there was one (and only one)."""


def confirmed_runs(session: Session, runs: Sequence[ProductionRun]) -> dict[tuple[str, str], ConfirmedRun]:
    """What each of ``runs`` was confirmed as, by ``(site, run_code)``; runs never confirmed are absent."""
    found: dict[tuple[str, str], ConfirmedRun] = {}
    by_site: dict[str, set[str]] = defaultdict(set)
    for run in runs:
        by_site[run.site].add(run.run_code)
    for site, codes in sorted(by_site.items()):
        for chunk in _sql.chunks(sorted(codes), _sql.IN_CHUNK):
            stmt = select(LOT_RUNS.c.run_code, LOT_RUNS.c.sku, LOT_RUNS.c.quantity).where(
                LOT_RUNS.c.site == site, LOT_RUNS.c.run_code.in_(chunk)
            )
            found.update(((site, code), ConfirmedRun(sku, qty)) for code, sku, qty in session.execute(stmt))
    return found


def confirm_runs(
    session: Session,
    runs: Sequence[ProductionRun],
    *,
    through: datetime,
    skus: Mapping[str, Sku],
    templates: Mapping[str, ChecklistTemplate],
    confirmed_by: str,
    at: datetime,
    plan_run_id: int | Mapping[tuple[str, str], int] | None = None,
    serves: Mapping[tuple[str, str], Mapping[str, int]] | None = None,
) -> Confirmation:
    """Confirm the runs that ended by ``through`` and were never confirmed: one pending lot per run.

    Each new lot (key ``(site, run_code, sku, 1)``, the run's quantity, made at its end, checklist of
    its SKU family from ``templates``, which are stored if new) is recorded in ``lot_runs`` with the
    run, the schedule it came from (``plan_run_id``: one id, or one per ``(site, run_code)``) and
    the orders it was made for (``serves``: ``(site, run_code)`` → order key → units).
    Its input lots (board, powder, starter culture of the site and week) are created when new and
    received (released by goods-in), and linked. Runs confirmed before are left alone, whatever the
    schedule now says (see :func:`microfactory.quality.lots.plan_confirmations`). Does not commit.
    """
    if through.tzinfo is None:
        raise InvalidInputError.single("confirm", "the cut-off time must be timezone-aware", field="through")
    plan = plan_confirmations(runs, confirmed_runs(session, runs), through)
    single = plan_run_id if isinstance(plan_run_id, int) else None
    if not plan.confirm:
        return Confirmation([], plan, single)
    save_templates(session, {t.key: t for t in templates.values()}.values())
    lots = lots_for_runs(plan.confirm, skus, templates)
    create_lots(session, lots)
    inputs, links = plan_input_lots(lots, skus)
    received = create_lots(session, inputs)
    site_of = {i.code: i.site for i in inputs}
    made_at = {i.code: i.produced_at for i in inputs}
    release_lots(
        session,
        received,
        released_by={c: f"Goods-in ({site_of[c]})" for c in received},
        at={c: made_at[c] for c in received},
    )
    link_lot_inputs(session, links)
    ids = lot_ids(session, [lot.code for lot in lots])
    wanted = serves or {}
    rows = [
        {
            "lot_id": ids[lot.code],
            "site": run.site,
            "run_code": run.run_code,
            "sku": run.sku,
            "quantity": run.quantity,
            "starts_at": run.start,
            "ends_at": run.end,
            "plan_run_id": (
                plan_run_id.get((run.site, run.run_code)) if isinstance(plan_run_id, Mapping) else plan_run_id
            ),
            "serves": dict(wanted.get((run.site, run.run_code), {})),
            "confirmed_at": at,
            "confirmed_by": confirmed_by,
        }
        for run, lot in zip(plan.confirm, lots, strict=True)
    ]
    _sql.bulk_insert(session, LOT_RUNS, rows)
    return Confirmation([lot.code for lot in lots], plan, single)


class NoScheduleError(MicrofactoryError):
    """No schedule is stored for a site, so there are no runs to confirm."""

    def __init__(self, site: str) -> None:
        self.site = site
        super().__init__(
            f"no schedule stored for site {site}: run `microfactory schedule plan --site {site} "
            "--from YYYY-MM-DD` first"
        )


def confirm_scheduled_runs(
    session: Session, site: str, *, through: datetime, confirmed_by: str, at: datetime | None = None
) -> Confirmation:
    """Confirm the runs of ``site``'s latest stored schedule that ended by ``through`` (:func:`confirm_runs`).

    Lots get the checklist of the shipped template of their SKU family. The stored schedule keeps no
    run → order links, so these lots are allocated first-expiring-first-out. Raises
    :class:`~microfactory.errors.NotFoundError` for an unknown site and :class:`NoScheduleError` when
    the site has no stored schedule.
    """
    master = load_master_data(session)
    if site not in {s.code for s in master.sites}:
        raise NotFoundError("site", site)
    stored = [r for r in latest_plan_runs(session, stage=SCHEDULE_STAGE) if r.scope == site]
    if not stored:
        raise NoScheduleError(site)
    output = load_plan_output(session, stored[0].id)
    return confirm_runs(
        session,
        output.production_runs,
        through=through,
        skus={s.code: s for s in master.skus},
        templates=template_for_family(shipped_templates()),
        confirmed_by=confirmed_by,
        at=at or datetime.now(UTC),
        plan_run_id=stored[0].id,
    )


def get_lot(session: Session, code: str) -> Lot:
    """The lot with ``code``; raises :class:`~microfactory.errors.NotFoundError`."""
    return _as_lot(lot_rows(session, [code])[code])


def _as_lot(r: RowMapping) -> Lot:
    return Lot(
        site=r["site"],
        run_code=r["run_code"],
        sku=r["sku"],
        sequence=r["sequence"],
        kind=r["kind"],
        quantity=r["quantity"],
        produced_at=r["produced_at"],
        template=r["template_code"],
        template_version=r["template_version"],
        status=r["status"],
    )


def list_lots(
    session: Session, *, status: LotStatus | None = None, site: str | None = None, limit: int = 100
) -> list[Lot]:
    """Lots, newest first, only ``status`` / ``site`` when given."""
    stmt = select(LOTS).order_by(LOTS.c.produced_at.desc(), LOTS.c.code).limit(limit)
    if status is not None:
        stmt = stmt.where(LOTS.c.status == status.value)
    if site is not None:
        stmt = stmt.where(LOTS.c.site == site)
    return [_as_lot(r) for r in session.execute(stmt).mappings()]


# --- allocation ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Request:
    lot: str
    quantity: int
    order_id: int | None = None
    line_no: int | None = None
    to_site: str | None = None
    target: str = ""


def allocate_lot_to_order(
    session: Session,
    lot: str,
    order: Order | tuple[str, str],
    quantity: int,
    *,
    line_no: int | None = None,
    at: datetime | None = None,
) -> int:
    """Allocate ``quantity`` units of lot ``lot`` to the order ``(channel, external_id)``; returns units.

    The order line is ``line_no``, or the first line of the lot's SKU with units still unallocated.
    The lot row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write lock) so two
    allocations cannot both take the last units. Raises
    :class:`~microfactory.quality.rules.AllocationRefusedError` when the lot is held or not released,
    has fewer units left than ``quantity``, or the order has no such line or fewer units left to
    allocate; :class:`~microfactory.errors.NotFoundError` for an unknown lot or order.
    """
    channel, external_id = order.key if isinstance(order, Order) else order
    order_id = session.execute(
        select(OrderRow.id).where(OrderRow.channel == channel, OrderRow.external_id == external_id)
    ).scalar()
    if order_id is None:
        raise NotFoundError("order", f"{channel}/{external_id}")
    sku = lot_rows(session, [lot], lock=True)[lot]["sku"]
    lines = session.execute(
        select(OrderLineRow.line_no, OrderLineRow.quantity)
        .where(OrderLineRow.order_id == order_id, OrderLineRow.sku == sku)
        .order_by(OrderLineRow.line_no)
    ).all()
    taken = _line_allocated(session, [order_id])
    candidates = [
        n for n, q in lines if (line_no is None or n == line_no) and q > taken.get((order_id, n), 0)
    ]
    target = f"order {channel}/{external_id}"
    if not candidates:
        where = f"line {line_no}" if line_no is not None else f"line of SKU {sku}"
        raise AllocationRefusedError(f"lot {lot}: {target} has no {where} with units left to allocate")
    _allocate(session, [_Request(lot, quantity, order_id, candidates[0], target=target)], at)
    return quantity


def allocate_lot_to_transfer(
    session: Session, lot: str, to_site: str, quantity: int, *, at: datetime | None = None
) -> int:
    """Allocate ``quantity`` units of lot ``lot`` to a transfer to ``to_site``; same refusals as above."""
    _allocate(session, [_Request(lot, quantity, to_site=to_site, target=f"a transfer to {to_site}")], at)
    return quantity


def allocate_lots(session: Session, plan: Sequence[PlannedAllocation], *, at: datetime | None = None) -> int:
    """Allocate many order lines at once (the pipeline's path); all or nothing; returns rows written."""
    requests = [
        _Request(p.lot, p.quantity, p.order_id, p.line_no, target=f"order id {p.order_id}") for p in plan
    ]
    _allocate(session, requests, at)
    return len(requests)


def _line_allocated(session: Session, order_ids: Sequence[int]) -> dict[tuple[int, int], int]:
    taken: dict[tuple[int, int], int] = {}
    for chunk in _sql.chunks(sorted(set(order_ids)), _sql.IN_CHUNK):
        stmt = (
            select(ALLOCATIONS.c.order_id, ALLOCATIONS.c.line_no, func.sum(ALLOCATIONS.c.quantity))
            .where(ALLOCATIONS.c.order_id.in_(chunk))
            .group_by(ALLOCATIONS.c.order_id, ALLOCATIONS.c.line_no)
        )
        taken.update(((o, n), int(q)) for o, n, q in session.execute(stmt))
    return taken


def _allocate(session: Session, requests: Sequence[_Request], at: datetime | None) -> None:
    lots = lot_rows(session, [r.lot for r in requests], lock=True)
    used: dict[int, int] = defaultdict(int)
    for chunk in _sql.chunks([r["id"] for r in lots.values()], _sql.IN_CHUNK):
        stmt = select(ALLOCATIONS.c.lot_id, func.sum(ALLOCATIONS.c.quantity)).where(
            ALLOCATIONS.c.lot_id.in_(chunk)
        )
        used.update((i, int(q)) for i, q in session.execute(stmt.group_by(ALLOCATIONS.c.lot_id)))
    order_ids = sorted({r.order_id for r in requests if r.order_id is not None})
    taken: dict[tuple[int, int], int] = defaultdict(int, _line_allocated(session, order_ids))
    lines: dict[tuple[int, int], tuple[str, int]] = {}
    for chunk in _sql.chunks(order_ids, _sql.IN_CHUNK):
        found = select(OrderLineRow.order_id, OrderLineRow.line_no, OrderLineRow.sku, OrderLineRow.quantity)
        for o, n, s, q in session.execute(found.where(OrderLineRow.order_id.in_(chunk))):
            lines[(o, n)] = (s, q)
    now = at or datetime.now(UTC)
    rows = []
    for r in requests:
        lot = lots[r.lot]
        check_allocation(r.lot, lot["status"], lot["quantity"], used[lot["id"]], r.quantity, target=r.target)
        if r.order_id is not None and r.line_no is not None:
            key = (r.order_id, r.line_no)
            sku, ordered = lines.get(key, ("", 0))
            if sku != lot["sku"]:
                raise AllocationRefusedError(
                    f"lot {r.lot} is SKU {lot['sku']}; {r.target} line {r.line_no} is not"
                )
            if r.quantity > ordered - taken[key]:
                raise AllocationRefusedError(
                    f"lot {r.lot}: {r.target} line {r.line_no} needs only {ordered - taken[key]} more unit(s)"
                )
            taken[key] += r.quantity
        used[lot["id"]] += r.quantity
        rows.append(
            {
                "lot_id": lot["id"],
                "kind": "delivery" if r.to_site is None else "transfer",
                "order_id": r.order_id,
                "line_no": r.line_no,
                "to_site": r.to_site,
                "quantity": r.quantity,
                "allocated_at": now,
            }
        )
    _sql.bulk_insert(session, ALLOCATIONS, rows)
