"""Releasing lots: whether each lot may be released, and releasing them through the audit log.

A lot is releasable when its mandatory checks passed or are covered by deviations; the rule lives in
:mod:`microfactory.quality.rules`. Functions take a ``Session`` and never commit; a refused release
raises before writing anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from microfactory.domain.quality import AuditAction, CheckOutcome, Deviation, LotStatus
from microfactory.quality.rules import ReleaseDecision, check_release, release_decision
from microfactory.store import _sql
from microfactory.store._quality_common import AUDIT_LOG, CHECK_ACTIONS, LOTS, lot_rows
from microfactory.store.quality_templates import load_templates


def _records(
    session: Session, lot_ids: Sequence[int]
) -> tuple[dict[int, list[CheckOutcome]], dict[int, list[Deviation]]]:
    """Each lot's check outcomes (oldest first, corrected entries left out) and deviations.

    ``mandatory`` is not read back (set True): release decisions take it from the template.
    """
    outcomes: dict[int, list[CheckOutcome]] = defaultdict(list)
    deviations: dict[int, list[Deviation]] = defaultdict(list)
    superseded = select(AUDIT_LOG.c.corrects_id).where(AUDIT_LOG.c.corrects_id.is_not(None))
    a = AUDIT_LOG.c
    for chunk in _sql.chunks(lot_ids, _sql.IN_CHUNK):
        checks = (
            select(a.lot_id, a.check_code, a.passed, a.critical, a.measured, a.summary)
            .where(a.lot_id.in_(chunk), a.id.not_in(superseded), a.action.in_(CHECK_ACTIONS))
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
    lots = lot_rows(session, codes)
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
    lots = lot_rows(session, codes, lock=True)
    decisions = release_decisions(session, codes)
    for code in sorted(lots):
        check_release(decisions[code], LotStatus(lots[code]["status"]))
    ids = [r["id"] for r in lots.values()]
    for chunk in _sql.chunks(ids, _sql.IN_CHUNK):
        session.execute(update(LOTS).where(LOTS.c.id.in_(chunk)).values(status=LotStatus.RELEASED.value))
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
    _sql.bulk_insert(session, AUDIT_LOG, rows)
    return len(rows)


def release_lot(session: Session, code: str, *, released_by: str, at: datetime) -> ReleaseDecision:
    """Release one lot (see :func:`release_lots`); returns the decision that allowed it."""
    decision = release_decisions(session, [code])[code]
    release_lots(session, [code], released_by=released_by, at=at)
    return decision
