"""QA records of lots: check results, corrections, deviations, holds, and reading the audit log.

Every write goes through the audit log (``qa_audit_log``), which the database keeps append-only.
Each function takes a ``Session`` and never commits; a refused call raises before writing anything,
and run inside :func:`microfactory.store.db.transaction` a failure leaves the database as it was. The
rules themselves (what passes, what holds) live in the pure engine, :mod:`microfactory.quality`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from microfactory.domain.quality import (
    AuditAction,
    AuditEntry,
    CheckEntry,
    ChecklistTemplate,
    CheckOutcome,
    Deviation,
    LotStatus,
)
from microfactory.errors import InputIssue, InvalidInputError, NotFoundError
from microfactory.quality.checks import evaluate_check
from microfactory.quality.rules import failed_critical
from microfactory.store import _sql
from microfactory.store._quality_common import AUDIT_LOG, LOTS, lot_ids, lot_label, lot_location, lot_rows
from microfactory.store.models import QaAuditRow
from microfactory.store.quality_templates import load_templates

AUTOMATIC = "system (automatic hold)"
"""The actor of holds the hold rule places."""


@dataclass(frozen=True, slots=True)
class RecordedChecks:
    """What :func:`record_checks` did: entries written, outcomes per lot, lots it put on hold."""

    entries: int
    outcomes: dict[str, list[CheckOutcome]]
    held: tuple[str, ...]


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
            issues.append(InputIssue(lot_location(entry.lot, "lot"), "no such lot"))
            continue
        template = templates.get((row["template_code"], row["template_version"]))
        check = template.check(entry.check) if template else None
        if template is None or check is None:
            where = f"template {template.code} v{template.version}" if template else "no checklist"
            known = f" (checks: {', '.join(c.code for c in template.checks)})" if template else ""
            issues.append(
                InputIssue(lot_location(entry.lot, "check"), f"check {entry.check} is not in {where}{known}")
            )
            continue
        try:
            judged.append((entry, evaluate_check(check, entry), row, template))
        except InvalidInputError as exc:
            issues.extend(exc.issues)
    if issues:
        raise InvalidInputError(issues)
    now = datetime.now(UTC)
    _sql.bulk_insert(session, AUDIT_LOG, [_check_row(e, o, r["id"], t, now) for e, o, r, t in judged])
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
    ids = lot_ids(session, codes, must_exist=False)
    return lot_rows(session, ids) if ids else {}


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
    session.execute(update(LOTS).where(LOTS.c.id == lot_id).values(status=status.value))


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
    old = session.execute(select(AUDIT_LOG).where(AUDIT_LOG.c.id == entry_id)).mappings().first()
    if old is None:
        raise NotFoundError("audit entry", str(entry_id))
    code = session.execute(select(LOTS.c.code).where(LOTS.c.id == old["lot_id"])).scalar_one()
    source = f"audit entry {entry_id}"
    if session.execute(select(AUDIT_LOG.c.id).where(AUDIT_LOG.c.corrects_id == entry_id)).first():
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
    new_id = int(session.execute(AUDIT_LOG.insert().values(**row).returning(AUDIT_LOG.c.id)).scalar_one())
    status = session.execute(select(LOTS.c.status).where(LOTS.c.id == old["lot_id"])).scalar_one()
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
    row = lot_rows(session, [deviation.lot])[deviation.lot]
    template = load_templates(session).get((row["template_code"], row["template_version"]))
    unknown = [c for c in deviation.checks if template is None or template.check(c) is None]
    if unknown:
        raise InvalidInputError.single(
            lot_label(deviation.lot), f"check {unknown[0]} is not in the lot's checklist", field="checks"
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


def hold_lot(session: Session, code: str, *, actor: str, reason: str, at: datetime) -> int:
    """Put a lot on hold by hand (a complaint, a recall); returns the audit entry id."""
    row = lot_rows(session, [code], lock=True)[code]
    _set_status(session, row["id"], LotStatus.HELD)
    return _audit(session, row["id"], AuditAction.HOLD, actor, at, f"held: {reason}", {"reason": reason})


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
    stmt = select(AUDIT_LOG, LOTS.c.code).join(LOTS, LOTS.c.id == AUDIT_LOG.c.lot_id).order_by(AUDIT_LOG.c.id)
    if lot is not None:
        stmt = stmt.where(AUDIT_LOG.c.lot_id == lot_rows(session, [lot])[lot]["id"])
    if start is not None:
        stmt = stmt.where(AUDIT_LOG.c.at >= start)
    if end is not None:
        stmt = stmt.where(AUDIT_LOG.c.at < end)
    if actions is not None:
        stmt = stmt.where(AUDIT_LOG.c.action.in_([a.value for a in actions]))
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
