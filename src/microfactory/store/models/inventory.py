"""ORM models for hub stock on hand, moves and policies.

Two kinds of table:

- **Stock ledger** (not plan output, never replaced by a re-run): ``stock_lots`` holds units on hand
  per hub × SKU × lot with its expiry; ``inventory_moves`` records every change (receipt, sale,
  write-off, adjustment) with the lot's balance after it. A ``CHECK`` keeps every lot balance and every
  recorded balance at zero or above, so no statement can make stock negative even outside the
  repository (``microfactory.store.inventory_repository``, which also refuses such moves first).
- **Plan output** of the ``inventory`` stage, hanging off ``plan_runs`` with ``ON DELETE CASCADE``:
  ``inventory_policies`` (levels per hub × SKU × review weekday) and ``inventory_transfers`` (transfer
  orders from the producing site to the hub, with the trip's share of kg CO2e).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from microfactory.store.models.base import Base, CodeStr, LongText, Pence, ShortStr


class StockLotRow(Base):
    """Units of one lot of a SKU on hand at a hub; ``expires_at`` is the end of its shelf life (or None)."""

    __tablename__ = "stock_lots"
    __table_args__ = (
        UniqueConstraint("hub", "sku", "lot_code"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        Index(None, "hub", "sku", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub: Mapped[CodeStr]
    sku: Mapped[CodeStr]
    lot_code: Mapped[CodeStr]
    quantity: Mapped[int]
    received_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    unit_cost_pence: Mapped[Pence]


class InventoryMoveRow(Base):
    """One change of a lot: ``quantity`` signed (+ in, − out), ``balance_after`` the lot after it."""

    __tablename__ = "inventory_moves"
    __table_args__ = (
        CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        CheckConstraint("balance_after >= 0", name="balance_not_negative"),
        Index(None, "hub", "sku", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub: Mapped[CodeStr]
    sku: Mapped[CodeStr]
    lot_code: Mapped[CodeStr]
    kind: Mapped[ShortStr]
    quantity: Mapped[int]
    balance_after: Mapped[int]
    at: Mapped[datetime]
    reference: Mapped[LongText | None]


class InventoryPolicyRow(Base):
    """A hub × SKU stocking rule on one review weekday (0 = Monday): reorder point and order-up-to level."""

    __tablename__ = "inventory_policies"
    __table_args__ = (UniqueConstraint("plan_run_id", "hub", "sku", "weekday"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id", ondelete="CASCADE"))
    hub: Mapped[CodeStr]
    sku: Mapped[CodeStr]
    weekday: Mapped[int]
    kind: Mapped[ShortStr]
    demand_class: Mapped[ShortStr]
    reorder_point: Mapped[int]
    order_up_to: Mapped[int]
    minimum_order: Mapped[int]
    pack_size: Mapped[int]
    lead_days: Mapped[int]
    protection_days: Mapped[int]
    target: Mapped[float]
    expected_fill_rate: Mapped[float | None]
    mean_daily_units: Mapped[float]
    distribution: Mapped[LongText]


class InventoryTransferRow(Base):
    """A transfer order: units of a SKU sent from a site to a hub, made as make-to-stock work."""

    __tablename__ = "inventory_transfers"
    __table_args__ = (
        UniqueConstraint("plan_run_id", "code"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index(None, "from_site", "dispatch_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id", ondelete="CASCADE"))
    code: Mapped[CodeStr]
    from_site: Mapped[CodeStr]
    to_hub: Mapped[CodeStr]
    sku: Mapped[CodeStr]
    quantity: Mapped[int]
    dispatch_at: Mapped[datetime]
    arrive_at: Mapped[datetime]
    trip_code: Mapped[CodeStr]
    distance_km: Mapped[float]
    mass_kg: Mapped[float]
    kg_co2e: Mapped[float]
