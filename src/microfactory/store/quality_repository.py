"""Quality records in the store: templates, lots, checks, holds, deviations, releases, allocations, traces.

Every write goes through the audit log (``qa_audit_log``), which the database keeps append-only. Each
function takes a ``Session`` and never commits; a refused call raises before writing anything, and
run inside :func:`microfactory.store.db.transaction` a failure leaves the database as it was. The
rules themselves (what passes, what holds, what may be released or allocated) live in the pure
engine, :mod:`microfactory.quality`.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, select, text, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from microfactory.domain import Order
from microfactory.domain.quality import (
    AuditAction,
    AuditEntry,
    CheckEntry,
    ChecklistTemplate,
    CheckOutcome,
    Deviation,
    Lot,
    LotInput,
    LotStatus,
)
from microfactory.errors import ErrorLocation, InputIssue, InvalidInputError, NotFoundError
from microfactory.quality.checks import evaluate_check
from microfactory.quality.drift import Observation
from microfactory.quality.lots import LONDON, DeliveredLine, LotState, PlannedAllocation
from microfactory.quality.rules import (
    AllocationRefusedError,
    ReleaseDecision,
    check_allocation,
    check_release,
    failed_critical,
    release_decision,
)
from microfactory.quality.trace import Direction, Trace, TracedDelivery, TracedLot
from microfactory.store import _sql
from microfactory.store.models import (
    LotAllocationRow,
    LotInputRow,
    LotRow,
    OrderLineRow,
    OrderRow,
    QaAuditRow,
    QaTemplateRow,
)
from microfactory.store.types import UtcDateTime

AUTOMATIC = "system (automatic hold)"
"""The actor of holds the hold rule places."""
MAX_TRACE_DEPTH = 64

_LOTS: Table = LotRow.__table__  # type: ignore[assignment]
_AUDIT: Table = QaAuditRow.__table__  # type: ignore[assignment]
_ALLOC: Table = LotAllocationRow.__table__  # type: ignore[assignment]
_INPUTS: Table = LotInputRow.__table__  # type: ignore[assignment]
_CHECK_ACTIONS = (AuditAction.CHECK.value, AuditAction.CORRECTION.value)


@dataclass(frozen=True, slots=True)
class RecordedChecks:
    """What :func:`record_checks` did: entries written, outcomes per lot, lots it put on hold."""

    entries: int
    outcomes: dict[str, list[CheckOutcome]]
    held: tuple[str, ...]


# --- templates and lots ------------------------------------------------------------------------------


def _hash(template: ChecklistTemplate) -> str:
    raw = json.dumps(template.model_dump(mode="json"), sort_keys=True).encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def save_templates(session: Session, templates: Iterable[ChecklistTemplate]) -> int:
    """Store template versions not stored yet; returns how many were new.

    Raises :class:`~microfactory.errors.InvalidInputError` when ``(code, version)`` is already stored
    with different content: a published version never changes (publish a new version instead).
    """
    stored = {(r.code, r.version): r.content_hash for r in session.scalars(select(QaTemplateRow))}
    new = 0
    for t in templates:
        digest = _hash(t)
        if t.key in stored:
            if stored[t.key] != digest:
                raise InvalidInputError.single(
                    f"template {t.code}",
                    f"version {t.version} is already published with other content; publish version "
                    f"{max(v for c, v in stored if c == t.code) + 1} instead",
                    field="version",
                )
            continue
        definition = t.model_dump(mode="json")
        session.add(
            QaTemplateRow(
                code=t.code,
                version=t.version,
                name=t.name,
                definition=definition,
                content_hash=digest,
                created_at=datetime.now(UTC),
            )
        )
        stored[t.key] = digest
        new += 1
    session.flush()
    return new


def load_templates(session: Session) -> dict[tuple[str, int], ChecklistTemplate]:
    """Every stored template version by ``(code, version)``."""
    return {
        (r.code, r.version): ChecklistTemplate.model_validate(r.definition)
        for r in session.scalars(select(QaTemplateRow))
    }


def create_lots(session: Session, lots: Sequence[Lot]) -> list[str]:
    """Insert lots whose natural key ``(site, run_code, sku, sequence)`` is new; returns their codes.

    Existing lots are left exactly as they are. Raises
    :class:`~microfactory.errors.InvalidInputError` naming a lot whose template version is not stored.
    """
    templates = set(load_templates(session))
    issues = [
        InputIssue(
            _where(lot.code, "template"), f"template {lot.template} v{lot.template_version} is not stored"
        )
        for lot in lots
        if lot.template is not None and (lot.template, lot.template_version) not in templates
    ]
    if issues:
        raise InvalidInputError(issues)
    existing = _lot_ids(session, [lot.code for lot in lots], must_exist=False)
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
    _sql.bulk_insert(session, _LOTS, rows)
    return [str(r["code"]) for r in rows]


def link_lot_inputs(session: Session, links: Sequence[LotInput]) -> int:
    """Record which input lots went into which lots; returns the links that were new.

    Raises :class:`~microfactory.errors.NotFoundError` for an unknown lot and
    :class:`~microfactory.errors.InvalidInputError` when a link would close a cycle.
    """
    ids = _lot_ids(session, {c for link in links for c in (link.lot, link.input_lot)})
    pairs = {(ids[link.lot], ids[link.input_lot]) for link in links}
    have: set[tuple[int, int]] = set()
    for chunk in _sql.chunks(sorted({p[0] for p in pairs}), _sql.IN_CHUNK):
        stmt = select(_INPUTS.c.lot_id, _INPUTS.c.input_lot_id).where(_INPUTS.c.lot_id.in_(chunk))
        have.update((a, b) for a, b in session.execute(stmt))
    rows = [{"lot_id": a, "input_lot_id": b} for a, b in sorted(pairs - have)]
    _sql.bulk_insert(session, _INPUTS, rows)
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
                _lot(code), "its inputs would include itself (a cycle)", field="inputs"
            )


def _where(lot: str, field: str | None = None) -> ErrorLocation:
    return ErrorLocation(_lot(lot), field=field)


def _lot(code: str) -> str:
    return f"lot {code}"


def _lot_ids(session: Session, codes: Iterable[str], *, must_exist: bool = True) -> dict[str, int]:
    wanted = sorted(set(codes))
    found: dict[str, int] = {}
    for chunk in _sql.chunks(wanted, _sql.IN_CHUNK):
        stmt = select(_LOTS.c.code, _LOTS.c.id).where(_LOTS.c.code.in_(chunk))
        found.update((code, lot_id) for code, lot_id in session.execute(stmt))
    missing = [c for c in wanted if c not in found]
    if must_exist and missing:
        raise NotFoundError("lot", missing[0])
    return found


def _lot_rows(session: Session, codes: Iterable[str], *, lock: bool = False) -> dict[str, RowMapping]:
    wanted = sorted(set(codes))
    rows: dict[str, RowMapping] = {}
    for chunk in _sql.chunks(wanted, _sql.IN_CHUNK):
        stmt = select(_LOTS).where(_LOTS.c.code.in_(chunk)).order_by(_LOTS.c.id)
        if lock:
            stmt = stmt.with_for_update()
        rows.update((r["code"], r) for r in session.execute(stmt).mappings())
    missing = [c for c in wanted if c not in rows]
    if missing:
        raise NotFoundError("lot", missing[0])
    return rows


def get_lot(session: Session, code: str) -> Lot:
    """The lot with ``code``; raises :class:`~microfactory.errors.NotFoundError`."""
    return _as_lot(_lot_rows(session, [code])[code])


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
    stmt = select(_LOTS).order_by(_LOTS.c.produced_at.desc(), _LOTS.c.code).limit(limit)
    if status is not None:
        stmt = stmt.where(_LOTS.c.status == status.value)
    if site is not None:
        stmt = stmt.where(_LOTS.c.site == site)
    return [_as_lot(r) for r in session.execute(stmt).mappings()]


# --- checks, holds, deviations, releases ---------------------------------------------------------------


def record_checks(session: Session, entries: Sequence[CheckEntry]) -> RecordedChecks:
    """Judge and record check results; a failed critical check puts its lot on hold at once.

    All or nothing: every entry is validated before anything is written. Raises
    :class:`~microfactory.errors.InvalidInputError` listing every entry refused — an unknown lot, a
    lot without a checklist, a check not in the lot's template version, a value in the wrong unit
    or of the wrong shape (see :func:`microfactory.quality.checks.evaluate_check`).
    """
    lots = _lot_rows_lenient(session, [e.lot for e in entries])
    templates = load_templates(session)
    issues: list[InputIssue] = []
    judged: list[tuple[CheckEntry, CheckOutcome, RowMapping, ChecklistTemplate]] = []
    for entry in entries:
        row = lots.get(entry.lot)
        if row is None:
            issues.append(InputIssue(_where(entry.lot, "lot"), "no such lot"))
            continue
        template = templates.get((row["template_code"], row["template_version"]))
        check = template.check(entry.check) if template else None
        if template is None or check is None:
            where = f"template {template.code} v{template.version}" if template else "no checklist"
            known = f" (checks: {', '.join(c.code for c in template.checks)})" if template else ""
            issues.append(
                InputIssue(_where(entry.lot, "check"), f"check {entry.check} is not in {where}{known}")
            )
            continue
        try:
            judged.append((entry, evaluate_check(check, entry), row, template))
        except InvalidInputError as exc:
            issues.extend(exc.issues)
    if issues:
        raise InvalidInputError(issues)
    now = datetime.now(UTC)
    _sql.bulk_insert(session, _AUDIT, [_check_row(e, o, r["id"], t, now) for e, o, r, t in judged])
    outcomes: dict[str, list[CheckOutcome]] = defaultdict(list)
    for entry, outcome, _, _ in judged:
        outcomes[entry.lot].append(outcome)
    to_hold = {
        code: failed_critical(found)
        for code, found in outcomes.items()
        if failed_critical(found) and lots[code]["status"] != LotStatus.HELD.value
    }
    last_at = {e.lot: e.recorded_at for e, *_ in judged}
    for code, checks in sorted(to_hold.items()):
        _set_status(session, lots[code]["id"], LotStatus.HELD)
        _audit(
            session,
            lots[code]["id"],
            AuditAction.HOLD,
            AUTOMATIC,
            last_at[code],
            f"held: critical check(s) {', '.join(checks)} failed",
            {"checks": list(checks)},
        )
    return RecordedChecks(len(judged), dict(outcomes), tuple(sorted(to_hold)))


def _lot_rows_lenient(session: Session, codes: Iterable[str]) -> dict[str, RowMapping]:
    ids = _lot_ids(session, codes, must_exist=False)
    return _lot_rows(session, ids) if ids else {}


def _check_row(
    entry: CheckEntry,
    outcome: CheckOutcome,
    lot_id: int,
    template: ChecklistTemplate,
    now: datetime,
    corrects: int | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    detail = {
        "entry": entry.payload(),
        "template": template.code,
        "version": template.version,
        "mandatory": outcome.mandatory,
        "logged_at": now.isoformat(),
    }
    if reason:
        detail["reason"] = reason
    return {
        "lot_id": lot_id,
        "at": entry.recorded_at,
        "actor": entry.recorded_by,
        "action": (AuditAction.CORRECTION if corrects else AuditAction.CHECK).value,
        "check_code": entry.check,
        "passed": outcome.passed,
        "critical": outcome.critical,
        "measured": outcome.measured,
        "summary": f"{entry.check}: {outcome.detail}",
        "detail": detail,
        "corrects_id": corrects,
    }


def _audit(
    session: Session,
    lot_id: int,
    action: AuditAction,
    actor: str,
    at: datetime,
    summary: str,
    detail: dict[str, Any],
    corrects: int | None = None,
) -> int:
    row = QaAuditRow(
        lot_id=lot_id,
        at=at,
        actor=actor,
        action=action.value,
        summary=summary,
        detail=detail,
        corrects_id=corrects,
    )
    session.add(row)
    session.flush()
    return row.id


def _set_status(session: Session, lot_id: int, status: LotStatus) -> None:
    session.execute(update(_LOTS).where(_LOTS.c.id == lot_id).values(status=status.value))


def correct_entry(
    session: Session,
    entry_id: int,
    *,
    actor: str,
    reason: str,
    at: datetime,
    replacement: CheckEntry | None = None,
) -> int:
    """Append a correction of audit entry ``entry_id``; returns the new entry's id.

    A check result is corrected by a ``replacement`` entry for the same lot and check (judged like any
    other; the old result then no longer counts, and a failed critical replacement holds the lot).
    Other entries take no replacement: the correction records ``reason`` against them. An entry is
    corrected once; correct the correction to change it again. Raises
    :class:`~microfactory.errors.NotFoundError` or :class:`~microfactory.errors.InvalidInputError`.
    """
    old = session.execute(select(_AUDIT).where(_AUDIT.c.id == entry_id)).mappings().first()
    if old is None:
        raise NotFoundError("audit entry", str(entry_id))
    code = session.execute(select(_LOTS.c.code).where(_LOTS.c.id == old["lot_id"])).scalar_one()
    source = f"audit entry {entry_id}"
    if session.execute(select(_AUDIT.c.id).where(_AUDIT.c.corrects_id == entry_id)).first():
        raise InvalidInputError.single(source, "already corrected; correct the correction instead")
    if old["check_code"] is None:
        if replacement is not None:
            raise InvalidInputError.single(
                source, "only check results take a replacement", field="replacement"
            )
        return _audit(
            session,
            old["lot_id"],
            AuditAction.CORRECTION,
            actor,
            at,
            f"correction of entry {entry_id}: {reason}",
            {"reason": reason},
            entry_id,
        )
    if replacement is None or (replacement.lot, replacement.check) != (code, old["check_code"]):
        raise InvalidInputError.single(
            source,
            f"a replacement result for lot {code} check {old['check_code']} is required",
            field="replacement",
        )
    template = load_templates(session)[(old["detail"]["template"], old["detail"]["version"])]
    check = template.check(replacement.check)
    assert check is not None
    outcome = evaluate_check(check, replacement)
    row = _check_row(replacement, outcome, old["lot_id"], template, datetime.now(UTC), entry_id, reason)
    new_id = int(session.execute(_AUDIT.insert().values(**row).returning(_AUDIT.c.id)).scalar_one())
    status = session.execute(select(_LOTS.c.status).where(_LOTS.c.id == old["lot_id"])).scalar_one()
    if outcome.critical and not outcome.passed and status != LotStatus.HELD.value:
        _set_status(session, old["lot_id"], LotStatus.HELD)
        _audit(
            session,
            old["lot_id"],
            AuditAction.HOLD,
            AUTOMATIC,
            at,
            f"held: critical check {check.code} failed",
            {"checks": [check.code]},
        )
    return new_id


def record_deviation(session: Session, deviation: Deviation) -> int:
    """Record a deviation (what went wrong, corrective action, approver) on a lot; returns its entry id.

    Raises :class:`~microfactory.errors.NotFoundError` for an unknown lot and
    :class:`~microfactory.errors.InvalidInputError` for a check not in the lot's template.
    """
    row = _lot_rows(session, [deviation.lot])[deviation.lot]
    template = load_templates(session).get((row["template_code"], row["template_version"]))
    unknown = [c for c in deviation.checks if template is None or template.check(c) is None]
    if unknown:
        raise InvalidInputError.single(
            _lot(deviation.lot), f"check {unknown[0]} is not in the lot's checklist", field="checks"
        )
    detail = deviation.model_dump(mode="json", exclude={"lot", "at"})
    return _audit(
        session,
        row["id"],
        AuditAction.DEVIATION,
        deviation.raised_by,
        deviation.at,
        f"deviation on {', '.join(deviation.checks)}: {deviation.description} — corrective action: "
        f"{deviation.corrective_action} (approved by {deviation.approved_by})",
        detail,
    )


def _records(
    session: Session, lot_ids: Sequence[int]
) -> tuple[dict[int, list[CheckOutcome]], dict[int, list[Deviation]]]:
    """Each lot's check outcomes (oldest first, corrected entries left out) and deviations.

    ``mandatory`` is not read back (set True): release decisions take it from the template.
    """
    outcomes: dict[int, list[CheckOutcome]] = defaultdict(list)
    deviations: dict[int, list[Deviation]] = defaultdict(list)
    superseded = select(_AUDIT.c.corrects_id).where(_AUDIT.c.corrects_id.is_not(None))
    a = _AUDIT.c
    for chunk in _sql.chunks(lot_ids, _sql.IN_CHUNK):
        checks = (
            select(a.lot_id, a.check_code, a.passed, a.critical, a.measured, a.summary)
            .where(a.lot_id.in_(chunk), a.id.not_in(superseded), a.action.in_(_CHECK_ACTIONS))
            .order_by(a.id)
        )
        for lot_id, check, passed, critical, measured, summary in session.execute(checks):
            outcomes[lot_id].append(
                CheckOutcome.model_construct(
                    check=check,
                    passed=passed,
                    critical=critical,
                    mandatory=True,
                    measured=measured,
                    detail=summary,
                )
            )
        found = select(a.lot_id, a.detail, a.at).where(
            a.lot_id.in_(chunk), a.action == AuditAction.DEVIATION.value
        )
        for lot_id, detail, at in session.execute(found.order_by(a.id)):
            deviations[lot_id].append(Deviation.model_validate({**detail, "lot": "-", "at": at}))
    return outcomes, deviations


def release_decisions(session: Session, codes: Sequence[str]) -> dict[str, ReleaseDecision]:
    """Whether each lot could be released now (read-only); raises NotFoundError for an unknown lot."""
    lots = _lot_rows(session, codes)
    templates = load_templates(session)
    outcomes, deviations = _records(session, [r["id"] for r in lots.values()])
    return {
        code: release_decision(
            code,
            templates.get((r["template_code"], r["template_version"])),
            outcomes.get(r["id"], []),
            deviations.get(r["id"], []),
        )
        for code, r in lots.items()
    }


def release_lots(
    session: Session,
    codes: Sequence[str],
    *,
    released_by: str | Mapping[str, str],
    at: datetime | Mapping[str, datetime],
) -> int:
    """Release lots whose mandatory checks passed or are covered by deviations; returns how many.

    ``released_by`` and ``at`` are one value for every lot, or a value per lot code. All or nothing:
    raises :class:`~microfactory.quality.rules.ReleaseRefusedError` naming the first lot that is
    already released, lacks a result, or failed a check without a deviation.
    """
    lots = _lot_rows(session, codes, lock=True)
    decisions = release_decisions(session, codes)
    for code in sorted(lots):
        check_release(decisions[code], LotStatus(lots[code]["status"]))
    ids = [r["id"] for r in lots.values()]
    for chunk in _sql.chunks(ids, _sql.IN_CHUNK):
        session.execute(update(_LOTS).where(_LOTS.c.id.in_(chunk)).values(status=LotStatus.RELEASED.value))
    rows = [
        {
            "lot_id": r["id"],
            "at": at if isinstance(at, datetime) else at[code],
            "actor": released_by if isinstance(released_by, str) else released_by[code],
            "action": AuditAction.RELEASE.value,
            "check_code": None,
            "passed": None,
            "critical": None,
            "measured": None,
            "summary": f"released: {decisions[code].explain()}",
            "detail": {"covered": list(decisions[code].covered)},
            "corrects_id": None,
        }
        for code, r in sorted(lots.items())
    ]
    _sql.bulk_insert(session, _AUDIT, rows)
    return len(rows)


def release_lot(session: Session, code: str, *, released_by: str, at: datetime) -> ReleaseDecision:
    """Release one lot (see :func:`release_lots`); returns the decision that allowed it."""
    decision = release_decisions(session, [code])[code]
    release_lots(session, [code], released_by=released_by, at=at)
    return decision


def hold_lot(session: Session, code: str, *, actor: str, reason: str, at: datetime) -> int:
    """Put a lot on hold by hand (a complaint, a recall); returns the audit entry id."""
    row = _lot_rows(session, [code], lock=True)[code]
    _set_status(session, row["id"], LotStatus.HELD)
    return _audit(session, row["id"], AuditAction.HOLD, actor, at, f"held: {reason}", {"reason": reason})


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
    sku = _lot_rows(session, [lot], lock=True)[lot]["sku"]
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
            select(_ALLOC.c.order_id, _ALLOC.c.line_no, func.sum(_ALLOC.c.quantity))
            .where(_ALLOC.c.order_id.in_(chunk))
            .group_by(_ALLOC.c.order_id, _ALLOC.c.line_no)
        )
        taken.update(((o, n), int(q)) for o, n, q in session.execute(stmt))
    return taken


def _allocate(session: Session, requests: Sequence[_Request], at: datetime | None) -> None:
    lots = _lot_rows(session, [r.lot for r in requests], lock=True)
    used: dict[int, int] = defaultdict(int)
    for chunk in _sql.chunks([r["id"] for r in lots.values()], _sql.IN_CHUNK):
        stmt = select(_ALLOC.c.lot_id, func.sum(_ALLOC.c.quantity)).where(_ALLOC.c.lot_id.in_(chunk))
        used.update((i, int(q)) for i, q in session.execute(stmt.group_by(_ALLOC.c.lot_id)))
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
    _sql.bulk_insert(session, _ALLOC, rows)


# --- traceability: one recursive query each ------------------------------------------------------------

_TRACE_COLUMNS = {"produced_at": UtcDateTime(), "window_start": UtcDateTime()}
_FORWARD = text(
    "WITH RECURSIVE down(lot_id, depth) AS ("
    " SELECT id, 0 FROM lots WHERE code = :code"
    " UNION SELECT li.lot_id, d.depth + 1 FROM lot_inputs li JOIN down d ON li.input_lot_id = d.lot_id"
    f" WHERE d.depth < {MAX_TRACE_DEPTH}),"
    " reached AS (SELECT lot_id, MIN(depth) AS depth FROM down GROUP BY lot_id)"
    " SELECT l.code, l.site, l.sku, l.kind, l.status, l.quantity, l.produced_at, r.depth,"
    " a.kind AS alloc_kind, a.quantity AS alloc_quantity, a.line_no, a.to_site,"
    " o.channel, o.external_id, o.customer, o.brand, o.outcode, o.window_start"
    " FROM reached r JOIN lots l ON l.id = r.lot_id"
    " LEFT JOIN lot_allocations a ON a.lot_id = l.id LEFT JOIN orders o ON o.id = a.order_id"
).columns(**_TRACE_COLUMNS)
_BACKWARD = text(
    "WITH RECURSIVE up(lot_id, depth) AS ("
    " SELECT id, 0 FROM lots WHERE code = :code"
    " UNION SELECT li.input_lot_id, u.depth + 1 FROM lot_inputs li JOIN up u ON li.lot_id = u.lot_id"
    f" WHERE u.depth < {MAX_TRACE_DEPTH})"
    " SELECT l.code, l.site, l.sku, l.kind, l.status, l.quantity, l.produced_at, MIN(u.depth) AS depth"
    " FROM up u JOIN lots l ON l.id = u.lot_id"
    " GROUP BY l.code, l.site, l.sku, l.kind, l.status, l.quantity, l.produced_at"
).columns(produced_at=UtcDateTime())


def _traced_lot(r: RowMapping) -> TracedLot:
    return TracedLot(
        r["code"], r["site"], r["sku"], r["kind"], r["status"], r["quantity"], r["produced_at"], r["depth"]
    )


def _trace(session: Session, code: str, direction: Direction) -> Trace:
    rows = session.execute(
        _FORWARD if direction == Direction.FORWARD else _BACKWARD, {"code": code}
    ).mappings()
    lots: dict[str, TracedLot] = {}
    deliveries: list[TracedDelivery] = []
    for r in rows:
        lots.setdefault(r["code"], _traced_lot(r))
        if direction == Direction.FORWARD and r["alloc_kind"] is not None:
            deliveries.append(
                TracedDelivery(
                    lot=r["code"],
                    kind=r["alloc_kind"],
                    sku=r["sku"],
                    quantity=r["alloc_quantity"],
                    order_channel=r["channel"],
                    order_external_id=r["external_id"],
                    line_no=r["line_no"],
                    customer=r["customer"],
                    brand=r["brand"],
                    outcode=r["outcode"],
                    window_start=r["window_start"],
                    to_site=r["to_site"],
                )
            )
    if not lots:
        raise NotFoundError("lot", code)
    ordered = sorted(lots.values(), key=lambda t: (t.depth, t.code))
    deliveries.sort(key=lambda d: (d.order or "", d.lot, d.line_no or 0, d.to_site or ""))
    return Trace(code, direction, tuple(ordered), tuple(deliveries))


def trace_forward(session: Session, code: str) -> Trace:
    """Every lot made from lot ``code`` (at any depth) and every delivery or transfer of them.

    One recursive query (``WITH RECURSIVE``, the same SQL on SQLite and PostgreSQL) over the
    ``lot_inputs`` index on ``input_lot_id`` and the ``lot_allocations`` index on ``lot_id``. Raises
    :class:`~microfactory.errors.NotFoundError` for an unknown lot.
    """
    return _trace(session, code, Direction.FORWARD)


def trace_backward(session: Session, code: str) -> Trace:
    """Every lot that went into lot ``code`` (materials, components, starter cultures), at any depth."""
    return _trace(session, code, Direction.BACKWARD)


def recall(session: Session, code: str) -> Trace:
    """The recall list of lot ``code``: every order, customer and transfer reached by its units.

    The forward trace (one query); summarise it with
    :func:`microfactory.quality.trace.recall_rows` or ``Trace.recipients``.
    """
    return trace_forward(session, code)


# --- records --------------------------------------------------------------------------------------------


def audit_entries(
    session: Session,
    *,
    lot: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    actions: Sequence[AuditAction] | None = None,
) -> list[AuditEntry]:
    """Audit entries of one lot and/or of the period ``[start, end)`` (by entry time), oldest first.

    ``actions`` keeps only those kinds of entry. Raises NotFoundError for an unknown ``lot``.
    """
    stmt = select(_AUDIT, _LOTS.c.code).join(_LOTS, _LOTS.c.id == _AUDIT.c.lot_id).order_by(_AUDIT.c.id)
    if lot is not None:
        stmt = stmt.where(_AUDIT.c.lot_id == _lot_rows(session, [lot])[lot]["id"])
    if start is not None:
        stmt = stmt.where(_AUDIT.c.at >= start)
    if end is not None:
        stmt = stmt.where(_AUDIT.c.at < end)
    if actions is not None:
        stmt = stmt.where(_AUDIT.c.action.in_([a.value for a in actions]))
    return [
        AuditEntry(
            id=r["id"],
            at=r["at"],
            actor=r["actor"],
            action=r["action"],
            lot=r["code"],
            check=r["check_code"],
            passed=r["passed"],
            summary=r["summary"],
            detail=r["detail"],
            corrects=r["corrects_id"],
        )
        for r in session.execute(stmt).mappings()
    ]


# --- reads for the quality stage and reports -------------------------------------------------------------


def delivered_lines(session: Session, *, start: datetime, end: datetime) -> list[DeliveredLine]:
    """Lines of delivered orders with a site whose window starts in ``[start, end)``, with the units
    of each already allocated to lots; ordered by order id and line number."""
    taken = (
        select(_ALLOC.c.order_id, _ALLOC.c.line_no, func.sum(_ALLOC.c.quantity).label("units"))
        .where(_ALLOC.c.order_id.is_not(None))
        .group_by(_ALLOC.c.order_id, _ALLOC.c.line_no)
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
    """Product lots made in ``[start, end)`` with the units already allocated from each."""
    used = (
        select(_ALLOC.c.lot_id, func.sum(_ALLOC.c.quantity).label("units"))
        .group_by(_ALLOC.c.lot_id)
        .subquery()
    )
    stmt = (
        select(
            _LOTS.c.code,
            _LOTS.c.site,
            _LOTS.c.run_code,
            _LOTS.c.sku,
            _LOTS.c.sequence,
            _LOTS.c.quantity,
            func.coalesce(used.c.units, 0),
            _LOTS.c.status,
            _LOTS.c.produced_at,
        )
        .outerjoin(used, used.c.lot_id == _LOTS.c.id)
        .where(_LOTS.c.kind == "product", _LOTS.c.produced_at >= start, _LOTS.c.produced_at < end)
    )
    return [
        LotState(code, site, run, sku, seq, qty, int(used_units), LotStatus(status), produced_at)
        for code, site, run, sku, seq, qty, used_units, status, produced_at in session.execute(stmt)
    ]


def measurement_observations(session: Session, *, start: datetime, end: datetime) -> list[Observation]:
    """Every numeric check result of lots made in ``[start, end)`` (corrected ones excluded).

    The measure is ``template:check`` (a core temperature of a bar is not one of a snack); the period
    is the Europe/London production day.
    """
    superseded = select(_AUDIT.c.corrects_id).where(_AUDIT.c.corrects_id.is_not(None))
    stmt = (
        select(
            _LOTS.c.site, _LOTS.c.template_code, _AUDIT.c.check_code, _LOTS.c.produced_at, _AUDIT.c.measured
        )
        .join(_LOTS, _LOTS.c.id == _AUDIT.c.lot_id)
        .where(
            _AUDIT.c.action.in_(_CHECK_ACTIONS),
            _AUDIT.c.measured.is_not(None),
            _AUDIT.c.id.not_in(superseded),
            _LOTS.c.produced_at >= start,
            _LOTS.c.produced_at < end,
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
    made = (_LOTS.c.kind == "product", _LOTS.c.produced_at >= start, _LOTS.c.produced_at < end)
    for site, status, n in session.execute(
        select(_LOTS.c.site, _LOTS.c.status, func.count()).where(*made).group_by(_LOTS.c.site, _LOTS.c.status)
    ):
        counts[site]["lots"] += n
        counts[site][f"lots_{status}"] += n
    for site, action, passed, n in session.execute(
        select(_LOTS.c.site, _AUDIT.c.action, _AUDIT.c.passed, func.count())
        .join(_LOTS, _LOTS.c.id == _AUDIT.c.lot_id)
        .where(*made)
        .group_by(_LOTS.c.site, _AUDIT.c.action, _AUDIT.c.passed)
    ):
        key = "checks" if action in _CHECK_ACTIONS else f"{action}s"
        counts[site][key] += n
        if action in _CHECK_ACTIONS and passed:
            counts[site]["checks_passed"] += n
    for site, rows, units in session.execute(
        select(_LOTS.c.site, func.count(), func.sum(_ALLOC.c.quantity))
        .join(_LOTS, _LOTS.c.id == _ALLOC.c.lot_id)
        .where(*made)
        .group_by(_LOTS.c.site)
    ):
        counts[site]["allocations"] += rows
        counts[site]["units_allocated"] += int(units or 0)
    return {site: dict(c) for site, c in counts.items()}
