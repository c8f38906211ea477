"""Tables of quality and traceability: templates, lots, lot inputs, allocations and the audit log.

* ``qa_templates``: one immutable row per checklist template version (the definition as JSON).
* ``lots``: natural key ``(site, run_code, sku, sequence)``, plus the printed ``code``; ``status`` is
  the lot's current QA state (pending, held, released), derived from the audit log.
* ``lot_inputs``: input lot → lot edges of the traceability graph (a DAG), indexed both ways.
* ``lot_allocations``: units of a lot given to an order line (delivery) or a site (transfer). Orders are
  referenced by id plus line number, not by order-line id, because a re-import replaces an order's
  lines and an allocation must survive it.
* ``lot_runs``: the production run a product lot came from (one lot per confirmed run): the run's
  site, code, SKU, quantity and times as executed, the schedule (plan run id) it was confirmed from,
  and the orders it was made for. ``(site, run_code)`` is unique, so a run is confirmed once; there
  is no foreign key to the schedule's tables because re-planning replaces them while lots stay.
* ``qa_audit_log``: the append-only record of checks, corrections, holds, deviations and releases.
  The migration adds triggers on both backends that refuse ``UPDATE`` and ``DELETE`` of its rows, and
  refuse an allocation of a lot that is not released.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from microfactory.store.models.base import Base, CodeStr, JsonObject, LongText, NameStr, ShortStr
from microfactory.store.models.orders import BIG_ID

LOT_CODE = String(255)


class QaTemplateRow(Base):
    """One version of a checklist template; ``definition`` is the domain model as JSON."""

    __tablename__ = "qa_templates"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[CodeStr]
    version: Mapped[int]
    name: Mapped[NameStr]
    definition: Mapped[JsonObject]
    content_hash: Mapped[ShortStr]
    created_at: Mapped[datetime]


class LotRow(Base):
    """A lot: what was made (or received) together, its QA status and its checklist version."""

    __tablename__ = "lots"
    __table_args__ = (
        UniqueConstraint("site", "run_code", "sku", "sequence"),
        Index(None, "produced_at"),
        Index(None, "sku", "produced_at"),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    code: Mapped[str] = mapped_column(LOT_CODE, unique=True)
    site: Mapped[CodeStr]
    run_code: Mapped[CodeStr]
    sku: Mapped[CodeStr]
    sequence: Mapped[int]
    kind: Mapped[ShortStr]
    quantity: Mapped[int]
    produced_at: Mapped[datetime]
    status: Mapped[ShortStr] = mapped_column(index=True)
    template_code: Mapped[CodeStr | None]
    template_version: Mapped[int | None]
    created_at: Mapped[datetime]


class LotInputRow(Base):
    """``input_lot_id`` went into ``lot_id`` (materials, components, starter cultures)."""

    __tablename__ = "lot_inputs"
    __table_args__ = (
        UniqueConstraint("lot_id", "input_lot_id"),
        Index(None, "input_lot_id", "lot_id"),
        CheckConstraint("lot_id <> input_lot_id", name="not_itself"),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    lot_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("lots.id"))
    input_lot_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("lots.id"))


class LotAllocationRow(Base):
    """Units of a lot allocated to a delivery (order + line number) or a transfer (to a site)."""

    __tablename__ = "lot_allocations"
    __table_args__ = (
        Index(None, "lot_id"),
        Index(None, "order_id", "line_no"),
        CheckConstraint("quantity > 0", name="positive_quantity"),
        CheckConstraint(
            "(kind = 'delivery' AND order_id IS NOT NULL AND line_no IS NOT NULL AND to_site IS NULL)"
            " OR (kind = 'transfer' AND to_site IS NOT NULL AND order_id IS NULL)",
            name="one_target",
        ),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    lot_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("lots.id"))
    kind: Mapped[ShortStr]
    order_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("orders.id"))
    line_no: Mapped[int | None]
    to_site: Mapped[CodeStr | None]
    quantity: Mapped[int]
    allocated_at: Mapped[datetime]


class LotRunRow(Base):
    """The production run lot ``lot_id`` came from, as confirmed (executed).

    ``serves`` maps order key (``channel:external_id``) → units the run was made for (empty when the
    schedule did not record it); ``plan_run_id`` is the schedule it was confirmed from, kept as a
    plain number (no foreign key) because a re-plan replaces that run while the lot stays.
    """

    __tablename__ = "lot_runs"
    __table_args__ = (UniqueConstraint("site", "run_code"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    lot_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("lots.id"), unique=True)
    site: Mapped[CodeStr]
    run_code: Mapped[CodeStr]
    sku: Mapped[CodeStr]
    quantity: Mapped[int]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    plan_run_id: Mapped[int | None]
    serves: Mapped[JsonObject]
    confirmed_at: Mapped[datetime]
    confirmed_by: Mapped[NameStr]


class QaAuditRow(Base):
    """One append-only audit entry: who did what to which lot, when; corrections point at the old entry.

    Check entries carry their outcome in columns (``passed``, ``critical``, ``measured``) so holds,
    releases and control charts read them without parsing ``detail``.
    """

    __tablename__ = "qa_audit_log"
    __table_args__ = (
        Index(None, "lot_id", "action"),
        Index(None, "at"),
        # An entry is corrected at most once; a second correction corrects the correction.
        UniqueConstraint("corrects_id"),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    lot_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("lots.id"))
    at: Mapped[datetime]
    actor: Mapped[NameStr]
    action: Mapped[ShortStr]
    check_code: Mapped[CodeStr | None]
    passed: Mapped[bool | None]
    critical: Mapped[bool | None]
    measured: Mapped[float | None]
    summary: Mapped[LongText]
    detail: Mapped[JsonObject]
    corrects_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("qa_audit_log.id"))
