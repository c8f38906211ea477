"""Hub stock in the store: lots on hand, the move ledger, first-expiry-first-out consumption, plans.

The ledger keeps, per hub × SKU × lot, the units on hand and an append-only record of every move
(receipt, sale, write-off, adjustment) with the lot's balance after it. Rules every function keeps:

- **never negative**: a move that would take a lot below zero raises :class:`NegativeStockError` and
  writes nothing; the tables' ``CHECK`` constraints refuse it too, whoever writes;
- **conserved**: a lot's units always equal the sum of its moves (``received − sold − written off``);
- **first expiry, first out**: sales take the lot that expires first; a lot past its expiry is never
  sold (:func:`consume_fefo` skips it) and :func:`write_off_expired` removes it with a record.

Functions never commit: run them in :func:`microfactory.store.db.transaction`. Plan output of the
``inventory`` stage (policies, transfers) is saved with :func:`save_inventory_plan`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from microfactory.errors import InvalidInputError, MicrofactoryError
from microfactory.store.models import PlanRunRow
from microfactory.store.models.inventory import (
    InventoryMoveRow,
    InventoryPolicyRow,
    InventoryTransferRow,
    StockLotRow,
)

INVENTORY_STAGE = "inventory"


class MoveKind(StrEnum):
    """Why a lot's units changed."""

    RECEIPT = "receipt"
    SALE = "sale"
    WRITE_OFF = "write_off"
    ADJUSTMENT = "adjustment"


class NegativeStockError(MicrofactoryError):
    """A move would take stock below zero."""

    def __init__(self, hub: str, sku: str, wanted: int, available: int) -> None:
        self.hub, self.sku, self.wanted, self.available = hub, sku, wanted, available
        super().__init__(
            f"stock {hub}/{sku}: cannot take {wanted} unit(s), only {available} sellable on hand "
            "(a move never makes stock negative)"
        )


@dataclass(frozen=True, slots=True)
class StockLot:
    """Units of one lot on hand at a hub."""

    hub: str
    sku: str
    lot_code: str
    quantity: int
    received_at: datetime
    expires_at: datetime | None
    unit_cost_pence: int


@dataclass(frozen=True, slots=True)
class InventoryMove:
    """One recorded change of a lot (signed units) and the lot's balance after it."""

    hub: str
    sku: str
    lot_code: str
    kind: MoveKind
    quantity: int
    balance_after: int
    at: datetime
    reference: str | None


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise InvalidInputError.single("stock move", "must be timezone-aware", field=name)
    return value.astimezone(UTC)


def _lot(row: StockLotRow) -> StockLot:
    return StockLot(
        row.hub, row.sku, row.lot_code, row.quantity, row.received_at, row.expires_at, row.unit_cost_pence
    )


def _record(
    session: Session, row: StockLotRow, kind: MoveKind, delta: int, at: datetime, ref: str | None
) -> None:
    balance = row.quantity + delta
    if balance < 0:
        raise NegativeStockError(row.hub, row.sku, -delta, row.quantity)
    row.quantity = balance
    session.add(
        InventoryMoveRow(
            hub=row.hub,
            sku=row.sku,
            lot_code=row.lot_code,
            kind=kind.value,
            quantity=delta,
            balance_after=balance,
            at=at,
            reference=ref,
        )
    )


def _locked(session: Session, *conditions: object) -> list[StockLotRow]:
    stmt = select(StockLotRow).where(*conditions).with_for_update()  # type: ignore[arg-type]
    return list(session.scalars(stmt))


def receive(
    session: Session,
    *,
    hub: str,
    sku: str,
    lot_code: str,
    units: int,
    at: datetime,
    expires_at: datetime | None = None,
    unit_cost_pence: int = 0,
    reference: str | None = None,
) -> StockLot:
    """Put ``units`` of a lot on hand at ``hub`` (a transfer arriving, an opening balance).

    Receiving the same lot again adds to it. Raises :class:`InvalidInputError` for units below 1, a
    negative cost, naive times or an expiry not after the receipt.
    """
    at = _utc(at, "at")
    if units < 1:
        raise InvalidInputError.single(
            f"stock {hub}/{sku}/{lot_code}", "units must be at least 1", field="units"
        )
    if unit_cost_pence < 0:
        raise InvalidInputError.single(
            f"stock {hub}/{sku}/{lot_code}", "cost must be ≥ 0", field="unit_cost_pence"
        )
    if expires_at is not None and _utc(expires_at, "expires_at") <= at:
        raise InvalidInputError.single(
            f"stock {hub}/{sku}/{lot_code}", "expires before it arrives", field="expires_at"
        )
    rows = _locked(session, StockLotRow.hub == hub, StockLotRow.sku == sku, StockLotRow.lot_code == lot_code)
    if rows:
        row = rows[0]
    else:
        row = StockLotRow(
            hub=hub,
            sku=sku,
            lot_code=lot_code,
            quantity=0,
            received_at=at,
            expires_at=expires_at,
            unit_cost_pence=unit_cost_pence,
        )
        session.add(row)
    _record(session, row, MoveKind.RECEIPT, units, at, reference)
    session.flush()
    return _lot(row)


def consume_fefo(
    session: Session, *, hub: str, sku: str, units: int, at: datetime, reference: str | None = None
) -> list[tuple[str, int]]:
    """Take ``units`` of ``sku`` at ``hub`` first-expiry-first-out; lots expired at ``at`` are never used.

    Returns ``(lot code, units)`` taken from each lot, in order. Raises :class:`NegativeStockError` (and
    writes nothing) when fewer sellable units are on hand.
    """
    at = _utc(at, "at")
    if units < 1:
        raise InvalidInputError.single(f"stock {hub}/{sku}", "units must be at least 1", field="units")
    rows = _locked(
        session,
        StockLotRow.hub == hub,
        StockLotRow.sku == sku,
        StockLotRow.quantity > 0,
        or_(StockLotRow.expires_at.is_(None), StockLotRow.expires_at > at),
    )
    far = datetime.max.replace(tzinfo=UTC)
    rows.sort(key=lambda r: (r.expires_at or far, r.received_at, r.lot_code))
    available = sum(r.quantity for r in rows)
    if available < units:
        raise NegativeStockError(hub, sku, units, available)
    taken: list[tuple[str, int]] = []
    need = units
    for row in rows:
        if need == 0:
            break
        take = min(need, row.quantity)
        _record(session, row, MoveKind.SALE, -take, at, reference)
        taken.append((row.lot_code, take))
        need -= take
    session.flush()
    return taken


def adjust(
    session: Session,
    *,
    hub: str,
    sku: str,
    lot_code: str,
    delta: int,
    at: datetime,
    reference: str | None = None,
) -> StockLot:
    """Change a lot by ``delta`` units (a count correction); refuses to go below zero."""
    at = _utc(at, "at")
    rows = _locked(session, StockLotRow.hub == hub, StockLotRow.sku == sku, StockLotRow.lot_code == lot_code)
    if not rows:
        raise InvalidInputError.single(f"stock {hub}/{sku}/{lot_code}", "no such lot", field="lot_code")
    if delta == 0:
        return _lot(rows[0])
    _record(session, rows[0], MoveKind.ADJUSTMENT, delta, at, reference)
    session.flush()
    return _lot(rows[0])


def write_off_expired(
    session: Session, *, at: datetime, hub: str | None = None, reference: str | None = "expired"
) -> list[InventoryMove]:
    """Write off every lot whose expiry is at or before ``at`` (at ``hub``, or everywhere), with a record."""
    at = _utc(at, "at")
    conditions = [StockLotRow.quantity > 0, StockLotRow.expires_at.is_not(None), StockLotRow.expires_at <= at]
    if hub is not None:
        conditions.append(StockLotRow.hub == hub)
    out = []
    for row in _locked(session, and_(*conditions)):
        units = row.quantity
        _record(session, row, MoveKind.WRITE_OFF, -units, at, reference)
        out.append(
            InventoryMove(row.hub, row.sku, row.lot_code, MoveKind.WRITE_OFF, -units, 0, at, reference)
        )
    session.flush()
    return out


def stock_on_hand(
    session: Session, *, hub: str | None = None, sku: str | None = None, include_empty: bool = False
) -> list[StockLot]:
    """Lots on hand, by hub, SKU and expiry (first to expire first)."""
    stmt = select(StockLotRow)
    if hub is not None:
        stmt = stmt.where(StockLotRow.hub == hub)
    if sku is not None:
        stmt = stmt.where(StockLotRow.sku == sku)
    if not include_empty:
        stmt = stmt.where(StockLotRow.quantity > 0)
    rows = list(session.scalars(stmt))
    far = datetime.max.replace(tzinfo=UTC)
    rows.sort(key=lambda r: (r.hub, r.sku, r.expires_at or far, r.lot_code))
    return [_lot(r) for r in rows]


def inventory_moves(
    session: Session, *, hub: str | None = None, sku: str | None = None
) -> list[InventoryMove]:
    """Every recorded move (oldest first), optionally for one hub and SKU."""
    stmt = select(InventoryMoveRow).order_by(InventoryMoveRow.at, InventoryMoveRow.id)
    if hub is not None:
        stmt = stmt.where(InventoryMoveRow.hub == hub)
    if sku is not None:
        stmt = stmt.where(InventoryMoveRow.sku == sku)
    return [
        InventoryMove(
            r.hub, r.sku, r.lot_code, MoveKind(r.kind), r.quantity, r.balance_after, r.at, r.reference
        )
        for r in session.scalars(stmt)
    ]


@dataclass(frozen=True, slots=True)
class PolicyRecord:
    """A stored stocking rule of a hub × SKU on one review weekday."""

    hub: str
    sku: str
    weekday: int
    kind: str
    demand_class: str
    reorder_point: int
    order_up_to: int
    minimum_order: int
    pack_size: int
    lead_days: int
    protection_days: int
    target: float
    expected_fill_rate: float | None
    mean_daily_units: float
    distribution: str


@dataclass(frozen=True, slots=True)
class TransferRecord:
    """A stored transfer order from a site to a hub."""

    code: str
    from_site: str
    to_hub: str
    sku: str
    quantity: int
    dispatch_at: datetime
    arrive_at: datetime
    trip_code: str
    distance_km: float
    mass_kg: float
    kg_co2e: float


def save_inventory_plan(
    session: Session,
    *,
    plan_run_id: int,
    policies: Sequence[PolicyRecord],
    transfers: Sequence[TransferRecord],
) -> None:
    """Store a plan run's policies and transfers (the run itself comes from ``save_plan_run``)."""
    for p in policies:
        session.add(InventoryPolicyRow(plan_run_id=plan_run_id, **_fields(p)))
    for t in transfers:
        if t.quantity < 1:
            raise InvalidInputError.single(
                f"transfer {t.code}", "quantity must be at least 1", field="quantity"
            )
        session.add(InventoryTransferRow(plan_run_id=plan_run_id, **_fields(t)))
    session.flush()


def _fields(record: PolicyRecord | TransferRecord) -> dict[str, object]:
    return {name: getattr(record, name) for name in record.__slots__}


def _latest_run_ids(session: Session) -> list[int]:
    """Ids of the newest ``inventory`` run per scope."""
    rows = session.execute(
        select(PlanRunRow.id, PlanRunRow.scope, PlanRunRow.created_at).where(
            PlanRunRow.stage == INVENTORY_STAGE
        )
    ).all()
    newest: dict[str, tuple[datetime, int]] = {}
    for run_id, scope, created in rows:
        if scope not in newest or (created, run_id) > newest[scope]:
            newest[scope] = (created, run_id)
    return [run_id for _, run_id in newest.values()]


def load_policies(session: Session, *, hub: str | None = None) -> list[PolicyRecord]:
    """Policies of the newest inventory plan of every hub (or one hub), by hub, SKU and weekday."""
    ids = _latest_run_ids(session)
    if not ids:
        return []
    stmt = select(InventoryPolicyRow).where(InventoryPolicyRow.plan_run_id.in_(ids))
    if hub is not None:
        stmt = stmt.where(InventoryPolicyRow.hub == hub)
    rows = sorted(session.scalars(stmt), key=lambda r: (r.hub, r.sku, r.weekday))
    return [PolicyRecord(**{n: getattr(r, n) for n in PolicyRecord.__slots__}) for r in rows]


def load_transfers(
    session: Session,
    *,
    from_site: str | None = None,
    to_hub: str | None = None,
    dispatch_from: datetime | None = None,
    dispatch_to: datetime | None = None,
) -> list[TransferRecord]:
    """Transfers of the newest inventory plan per hub, by source, hub and dispatch in ``[from, to)``."""
    ids = _latest_run_ids(session)
    if not ids:
        return []
    stmt = select(InventoryTransferRow).where(InventoryTransferRow.plan_run_id.in_(ids))
    if from_site is not None:
        stmt = stmt.where(InventoryTransferRow.from_site == from_site)
    if to_hub is not None:
        stmt = stmt.where(InventoryTransferRow.to_hub == to_hub)
    if dispatch_from is not None:
        stmt = stmt.where(InventoryTransferRow.dispatch_at >= _utc(dispatch_from, "dispatch_from"))
    if dispatch_to is not None:
        stmt = stmt.where(InventoryTransferRow.dispatch_at < _utc(dispatch_to, "dispatch_to"))
    rows = sorted(session.scalars(stmt), key=lambda r: (r.dispatch_at, r.to_hub, r.sku, r.code))
    return [TransferRecord(**{n: getattr(r, n) for n in TransferRecord.__slots__}) for r in rows]
