"""Lots and QA: lots with filters, the holds queue, one lot's decision and audit trail, release,
deviation, hold, and traceability. Site operators see and act on their own site's lots only."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from microfactory.api.deps import Caller, DbSession, FloorWorker, Inspector, Reader
from microfactory.api.pagination import Page, PageParams, page_of, page_params
from microfactory.api.problems import CONFLICT, NOT_FOUND
from microfactory.api.schemas import ActionResult, DecisionOut, DeviationIn, HoldIn, LotDetailOut, LotOut
from microfactory.domain.quality import Deviation, LotStatus
from microfactory.errors import NotFoundError
from microfactory.quality.rules import ReleaseDecision
from microfactory.store import api_reads
from microfactory.store.lot_release import release_decisions, release_lot
from microfactory.store.models import LotRow
from microfactory.store.qa_records import audit_entries, hold_lot, record_deviation
from microfactory.store.traceability import trace_backward, trace_forward

router = APIRouter(tags=["lots and QA"])
Paging = Annotated[PageParams, Depends(page_params)]


class TraceDirection(StrEnum):
    """Which way to trace a lot."""

    FORWARD = "forward"
    BACKWARD = "backward"


def _decision(d: ReleaseDecision) -> DecisionOut:
    return DecisionOut(
        lot=d.lot,
        releasable=d.releasable,
        missing=list(d.missing),
        failed=list(d.failed),
        needs_deviation=list(d.needs_deviation),
        covered=list(d.covered),
        explanation=d.explain(),
    )


def _lot_site(caller: Caller, session: Session, code: str) -> str:
    site = api_reads.lot_site(session, code)
    if site is None:
        raise NotFoundError("lot", code)
    caller.check_site(site)
    return site


@router.get("/lots", response_model=Page[LotOut], summary="List lots")
def get_lots(
    caller: Reader,
    session: DbSession,
    paging: Paging,
    status: LotStatus | None = None,
    site: Annotated[str | None, Query(max_length=80)] = None,
    sku: Annotated[str | None, Query(max_length=80)] = None,
) -> Page[LotOut]:
    """Lots newest first; filter by status, site and SKU (site operators: their site only)."""
    rows, total = api_reads.lots_page(
        session,
        limit=paging.limit,
        offset=paging.offset,
        status=status.value if status is not None else None,
        site=caller.site_filter(site),
        sku=sku,
    )
    return page_of([LotOut(**r) for r in rows], paging, total)


@router.get("/qa/holds", response_model=Page[LotOut], summary="QA holds queue")
def get_holds(
    caller: Reader,
    session: DbSession,
    paging: Paging,
    site: Annotated[str | None, Query(max_length=80)] = None,
) -> Page[LotOut]:
    """Lots on hold, newest first: the queue a QA inspector works through."""
    rows, total = api_reads.lots_page(
        session,
        limit=paging.limit,
        offset=paging.offset,
        status=LotStatus.HELD.value,
        site=caller.site_filter(site),
    )
    return page_of([LotOut(**r) for r in rows], paging, total)


def _one_lot(session: Session, code: str) -> LotOut:
    row = session.scalar(select(LotRow).where(LotRow.code == code))
    if row is None:
        raise NotFoundError("lot", code)
    return LotOut(
        code=row.code,
        site=row.site,
        run_code=row.run_code,
        sku=row.sku,
        sequence=row.sequence,
        kind=row.kind,
        quantity=row.quantity,
        produced_at=row.produced_at,
        status=row.status,
        template_code=row.template_code,
        template_version=row.template_version,
    )


@router.post(
    "/lots/{code:path}/release",
    response_model=ActionResult,
    responses={**NOT_FOUND, **CONFLICT},
    summary="Release a lot",
)
def post_release(caller: Inspector, session: DbSession, code: str) -> ActionResult:
    """Release a lot whose mandatory checks passed or are covered by deviations (409 otherwise)."""
    _lot_site(caller, session, code)
    with caller.write("lots.release", {"lot": code}) as s:
        decision = release_lot(s, code, released_by=caller.username, at=datetime.now(UTC))
    return ActionResult(lot=code, status=LotStatus.RELEASED.value, message=f"released: {decision.explain()}")


@router.post(
    "/lots/{code:path}/deviations",
    response_model=ActionResult,
    status_code=201,
    responses=NOT_FOUND,
    summary="Record a deviation",
)
def post_deviation(caller: Inspector, session: DbSession, code: str, body: DeviationIn) -> ActionResult:
    """Record a deviation covering failed or missing checks, so the lot may then be released."""
    _lot_site(caller, session, code)
    deviation = Deviation(
        lot=code,
        checks=tuple(body.checks),
        description=body.description,
        corrective_action=body.corrective_action,
        raised_by=caller.username,
        approved_by=body.approved_by,
        at=datetime.now(UTC),
    )
    with caller.write("lots.deviation", {"lot": code, "checks": body.checks}) as s:
        entry = record_deviation(s, deviation)
    with caller.request.app.state.sessions() as s2:
        decision = release_decisions(s2, [code])[code]
    return ActionResult(lot=code, status="deviation", message=f"deviation {entry}: {decision.explain()}")


@router.post("/lots/{code:path}/hold", response_model=ActionResult, responses=NOT_FOUND, summary="Hold a lot")
def post_hold(caller: FloorWorker, session: DbSession, code: str, body: HoldIn) -> ActionResult:
    """Put a lot on hold (a complaint, a recall); site operators only at their own site."""
    _lot_site(caller, session, code)
    with caller.write("lots.hold", {"lot": code, "reason": body.reason}) as s:
        hold_lot(s, code, actor=caller.username, reason=body.reason, at=datetime.now(UTC))
    return ActionResult(lot=code, status=LotStatus.HELD.value, message=f"held: {body.reason}")


@router.get(
    "/lots/{code:path}/trace", response_model=dict[str, Any], responses=NOT_FOUND, summary="Trace a lot"
)
def get_trace(
    caller: Reader, session: DbSession, code: str, direction: TraceDirection = TraceDirection.FORWARD
) -> dict[str, Any]:
    """Lots made from this lot and orders it reached (forward), or the lots it was made from (backward)."""
    _lot_site(caller, session, code)
    trace = (
        trace_forward(session, code) if direction is TraceDirection.FORWARD else trace_backward(session, code)
    )
    return dataclasses.asdict(trace)


# Declared last: ``{code:path}`` (lot codes contain slashes) would otherwise swallow the routes above.
@router.get("/lots/{code:path}", response_model=LotDetailOut, responses=NOT_FOUND, summary="One lot")
def get_lot(caller: Reader, session: DbSession, code: str) -> LotDetailOut:
    """A lot, whether it may be released now (and why not), and its QA audit trail."""
    _lot_site(caller, session, code)
    found = _one_lot(session, code)
    decision = release_decisions(session, [code])[code]
    audit = [e.model_dump(mode="json") for e in audit_entries(session, lot=code)]
    return LotDetailOut(lot=found, decision=_decision(decision), audit=audit)
