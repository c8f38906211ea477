"""Private to the quality store modules: table handles, lot look-ups and how errors name a lot.

The public functions live in :mod:`~microfactory.store.quality_templates`,
:mod:`~microfactory.store.lot_repository`, :mod:`~microfactory.store.qa_records`,
:mod:`~microfactory.store.lot_release`, :mod:`~microfactory.store.traceability` and
:mod:`~microfactory.store.quality_reads`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Table, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from microfactory.domain.quality import AuditAction
from microfactory.errors import ErrorLocation, NotFoundError
from microfactory.store import _sql
from microfactory.store.models import LotAllocationRow, LotInputRow, LotRow, QaAuditRow
from microfactory.store.models.quality import LotRunRow

MAX_TRACE_DEPTH = 64
"""How many levels of inputs the recursive lot-graph queries (traces, cycle checks) follow."""

LOTS: Table = LotRow.__table__  # type: ignore[assignment]
AUDIT_LOG: Table = QaAuditRow.__table__  # type: ignore[assignment]
ALLOCATIONS: Table = LotAllocationRow.__table__  # type: ignore[assignment]
LOT_INPUTS: Table = LotInputRow.__table__  # type: ignore[assignment]
LOT_RUNS: Table = LotRunRow.__table__  # type: ignore[assignment]
CHECK_ACTIONS = (AuditAction.CHECK.value, AuditAction.CORRECTION.value)
"""Audit actions that carry a check result: a check, or the correction that replaces one."""


def lot_location(lot: str, field: str | None = None) -> ErrorLocation:
    """Where an input error about lot ``lot`` (and its ``field``) is reported."""
    return ErrorLocation(lot_label(lot), field=field)


def lot_label(code: str) -> str:
    """How errors name lot ``code``."""
    return f"lot {code}"


def lot_ids(session: Session, codes: Iterable[str], *, must_exist: bool = True) -> dict[str, int]:
    """Row id by lot code; raises NotFoundError for an unknown code unless ``must_exist`` is False."""
    wanted = sorted(set(codes))
    found: dict[str, int] = {}
    for chunk in _sql.chunks(wanted, _sql.IN_CHUNK):
        stmt = select(LOTS.c.code, LOTS.c.id).where(LOTS.c.code.in_(chunk))
        found.update((code, lot_id) for code, lot_id in session.execute(stmt))
    missing = [c for c in wanted if c not in found]
    if must_exist and missing:
        raise NotFoundError("lot", missing[0])
    return found


def lot_rows(session: Session, codes: Iterable[str], *, lock: bool = False) -> dict[str, RowMapping]:
    """Lot rows by code (``lock``: ``SELECT ... FOR UPDATE``); raises NotFoundError for an unknown code."""
    wanted = sorted(set(codes))
    rows: dict[str, RowMapping] = {}
    for chunk in _sql.chunks(wanted, _sql.IN_CHUNK):
        stmt = select(LOTS).where(LOTS.c.code.in_(chunk)).order_by(LOTS.c.id)
        if lock:
            stmt = stmt.with_for_update()
        rows.update((r["code"], r) for r in session.execute(stmt).mappings())
    missing = [c for c in wanted if c not in rows]
    if missing:
        raise NotFoundError("lot", missing[0])
    return rows
