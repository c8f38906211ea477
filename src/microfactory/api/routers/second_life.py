"""Second life: items taken back (list, filter, one item with its full history), the intake, grading,
refurbishment and disposition writes, and the KPIs of a cohort with their definitions and CO2e source.

Writes go through :mod:`microfactory.store.circular_repository`, whose state machine refuses a bad
step before anything is written; the refusal becomes a problem naming the reason: **409** when the
item's state is in the way (disposing before grading, a second disposition, refurbishing scrap), **422**
when the request's own values are (a scrap item sent to resale, a date before the previous step, a value
recovered above the item's new value). Each write and its audit row land in one transaction, so a
refused step leaves nothing behind. Planners and admins write; site operators only at their own site;
QA inspectors grade. Site operators see their own site's items only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from microfactory.api.deps import Caller, DbSession, Reader, require
from microfactory.api.pagination import Page, PageParams, page_of, page_params
from microfactory.api.problems import CONFLICT, NOT_FOUND, ConflictError
from microfactory.api.schemas import (
    ITEM_EXAMPLE,
    Co2eSourceOut,
    DisposeIn,
    GradeIn,
    ItemActionOut,
    ItemEventOut,
    KpiDefinition,
    RefurbishIn,
    SecondLifeItemDetailOut,
    SecondLifeItemOut,
    SecondLifeKpisOut,
)
from microfactory.circular import load_material_factors, second_life_kpis
from microfactory.domain.circular import (
    Channel,
    Disposition,
    Grade,
    Grading,
    ItemEvent,
    ItemKind,
    ItemState,
    ItemStatus,
    Part,
    Refurbishment,
    SecondLifeItem,
)
from microfactory.errors import InvalidInputError, NotFoundError
from microfactory.store import api_reads
from microfactory.store.api_repository import Role
from microfactory.store.circular_repository import (
    item_history,
    load_state,
    load_states,
    record_disposition,
    record_grading,
    record_intake,
    record_refurbishment,
)

router = APIRouter(tags=["second life"])
Paging = Annotated[PageParams, Depends(page_params)]
CodeQuery = Annotated[str | None, Query(max_length=80)]

WRITE = frozenset({Role.ADMIN, Role.PLANNER, Role.SITE_OPERATOR})
"""Intake, refurbishment and disposition: planners and admins, site operators at their own site."""
GRADE = WRITE | {Role.QA_INSPECTOR}
"""Grading: also QA inspectors."""
Writer = Annotated[Caller, require(WRITE)]
Grader = Annotated[Caller, require(GRADE)]

STATE_FIELDS = frozenset({None, "status", "grade"})
"""Fields of state-machine refusals caused by the item's current state (→ 409, not 422)."""

KPI_DEFINITIONS: tuple[tuple[str, str, str], ...] = (
    ("intake_count", "items", "N: items taken in within the scope (the cohort), whatever happened since."),
    ("intake_mass_kg", "kg", "M: total mass of the cohort."),
    ("intake_new_value_pence", "pence", "V: what the cohort's items cost new."),
    ("reclaimed_count", "items", "R: items disposed to resell, reuse or donate (they stay in use)."),
    ("reclamation_rate_count", "ratio", "|R| ÷ N."),
    ("reclamation_rate_mass", "ratio", "mass of R ÷ M."),
    ("reclamation_rate_value", "ratio", "value recovered from R ÷ V."),
    ("recycling_rate_count", "ratio", "items recycled ÷ N (kept separate from reclamation)."),
    ("recycling_rate_mass", "ratio", "kg recycled ÷ M."),
    ("landfill_rate_count", "ratio", "items landfilled ÷ N."),
    ("landfill_rate_mass", "ratio", "kg landfilled ÷ M."),
    ("open_count", "items", "Not disposed yet: reclaimed + recycled + landfilled + open = N."),
    ("refurbished_count", "items", "Items with at least one refurbishment task."),
    ("value_recovered_pence", "pence", "Value recovered over every channel (sales, reuse, scrap rebates)."),
    ("cost_per_item_pence", "pence", "(refurbishment minutes × £28/h + parts + disposal costs) ÷ N."),
    ("net_value_pence", "pence", "Value recovered − cost."),
    ("cycle_days_median", "days", "Median days from intake to disposition of the disposed items."),
    (
        "kg_co2e_avoided",
        "kg CO2e",
        "Σ over R of mass_kg × the material's embodied factor: a reused item displaces making one new "
        "(no credit for recycling or landfill: cut-off approach).",
    ),
)
"""KPI name, unit and definition (docs/second-life.md), in the order the dashboard shows them."""


def _event_out(event: ItemEvent) -> ItemEventOut:
    return ItemEventOut(
        sequence=event.sequence,
        kind=event.kind.value,
        at=event.at,
        actor=event.actor,
        summary=event.summary,
        detail=event.detail,
    )


def _item_out(state: ItemState) -> SecondLifeItemOut:
    item = state.item
    return SecondLifeItemOut(
        item=item.item,
        kind=item.kind.value,
        source=item.source.value,
        site=item.site,
        received_at=item.received_at,
        mass_kg=item.mass_kg,
        material=item.material,
        new_value_pence=item.new_value_pence,
        make=item.make,
        model=item.model,
        status=state.status.value,
        grade=state.grading.grade.value if state.grading is not None else None,
        channel=state.disposition.channel.value if state.disposition is not None else None,
        disposed_at=state.disposition.disposed_at if state.disposition is not None else None,
    )


def _check_item(caller: Caller, session: Session, item: str) -> str:
    """The item's site; 404 for an unknown item, 403 for a site operator of another site."""
    site = api_reads.second_life_item_site(session, item)
    if site is None:
        raise NotFoundError("second-life item", item)
    caller.check_site(site)
    return site


def _when(value: datetime | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    if value.tzinfo is None:
        raise ValueError("times must be timezone-aware (e.g. 2026-11-20T10:00:00Z)")
    return value.astimezone(UTC)


def _write(caller: Caller, action: str, item: str, step: object) -> ItemActionOut:
    """Apply one step in an audited transaction; state refusals become 409, bad values 422."""
    try:
        with caller.write(action, {"item": item}) as session:
            if isinstance(step, Grading):
                event = record_grading(session, item, step)
            elif isinstance(step, Refurbishment):
                event = record_refurbishment(session, item, step)
            else:
                assert isinstance(step, Disposition)
                event = record_disposition(session, item, step)
            state = load_state(session, item)
    except InvalidInputError as exc:
        if all(issue.location.field in STATE_FIELDS for issue in exc.issues):
            raise ConflictError("; ".join(str(issue) for issue in exc.issues)) from exc
        raise
    assert state is not None
    return ItemActionOut(item=item, status=state.status.value, event=_event_out(event))


@router.get("/second-life/items", response_model=Page[SecondLifeItemOut], summary="List second-life items")
def get_items(
    caller: Reader,
    session: DbSession,
    paging: Paging,
    site: CodeQuery = None,
    status: ItemStatus | None = None,
    kind: ItemKind | None = None,
    grade: Grade | None = None,
    channel: Channel | None = None,
) -> Page[SecondLifeItemOut]:
    """Items newest intake first; filter by site, status, kind, grade, channel (site operators: own site)."""
    rows, total = api_reads.second_life_items_page(
        session,
        limit=paging.limit,
        offset=paging.offset,
        site=caller.site_filter(site),
        status=status.value if status is not None else None,
        kind=kind.value if kind is not None else None,
        grade=grade.value if grade is not None else None,
        channel=channel.value if channel is not None else None,
    )
    return page_of([SecondLifeItemOut(**r) for r in rows], paging, total)


@router.post(
    "/second-life/items",
    response_model=ItemActionOut,
    status_code=201,
    responses=CONFLICT,
    summary="Take an item in",
    openapi_extra={"requestBody": {"content": {"application/json": {"example": ITEM_EXAMPLE}}}},
)
def post_intake(caller: Writer, body: SecondLifeItem) -> ItemActionOut:
    """Take an item in at a site (site operators: their own site); 409 when its key was taken in before."""
    caller.check_site(body.site)
    try:
        with caller.write("second_life.intake", {"item": body.item, "site": body.site}) as session:
            event = record_intake(session, body, actor=caller.username)
    except InvalidInputError as exc:
        raise ConflictError(str(exc)) from exc
    return ItemActionOut(item=body.item, status=ItemStatus.INTAKE.value, event=_event_out(event))


@router.get("/second-life/kpis", response_model=SecondLifeKpisOut, summary="Second-life KPIs")
def get_kpis(
    caller: Reader,
    session: DbSession,
    site: CodeQuery = None,
    received_from: Annotated[datetime | None, Query(description="Cohort: taken in at or after.")] = None,
    received_to: Annotated[datetime | None, Query(description="Cohort: taken in before.")] = None,
) -> SecondLifeKpisOut:
    """KPIs of the items taken in within the scope (a site, an intake window), computed from their
    histories by :func:`microfactory.circular.second_life_kpis`, with definitions and the CO2e source."""
    start = _when(received_from) if received_from is not None else None
    end = _when(received_to) if received_to is not None else None
    scope = caller.site_filter(site)
    states = [
        s
        for s in load_states(session, site=scope)
        if (start is None or s.item.received_at >= start) and (end is None or s.item.received_at < end)
    ]
    factors = load_material_factors()
    kpis = second_life_kpis(states, factors)
    values = kpis.as_dict()
    used = sorted({s.item.material for s in states} & set(factors.factors))
    return SecondLifeKpisOut(
        site=scope,
        received_from=start,
        received_to=end,
        kpis=[
            KpiDefinition(name=name, value=_number(values.get(name)), unit=unit, definition=text)
            for name, unit, text in KPI_DEFINITIONS
        ],
        grades=dict(kpis.grades),
        channels=dict(kpis.channels),
        kg_co2e_avoided_by_material={k: round(v, 1) for k, v in kpis.kg_co2e_avoided_by_material.items()},
        co2e_source=Co2eSourceOut(
            source=factors.source,
            unverified=factors.unverified,
            materials={
                m: f"{factors.factors[m].citation}: {factors.factors[m].kg_co2e_per_tonne:g} kg CO2e/t"
                for m in used
            },
        ),
    )


def _number(value: float | int | str | None) -> float | int | None:
    return None if value is None or isinstance(value, str) else value


@router.post(
    "/second-life/items/{item:path}/grade",
    response_model=ItemActionOut,
    status_code=201,
    responses={**NOT_FOUND, **CONFLICT},
    summary="Grade an item",
)
def post_grade(caller: Grader, session: DbSession, item: str, body: GradeIn) -> ItemActionOut:
    """Record a grade (first, or a re-grade after refurbishment); 409 for a disposed item."""
    _check_item(caller, session, item)
    grading = Grading(
        grade=Grade(body.grade),
        reason=body.reason,
        graded_at=_when(body.graded_at),
        graded_by=caller.username,
    )
    return _write(caller, "second_life.grade", item, grading)


@router.post(
    "/second-life/items/{item:path}/refurbish",
    response_model=ItemActionOut,
    status_code=201,
    responses={**NOT_FOUND, **CONFLICT},
    summary="Record a refurbishment",
)
def post_refurbish(caller: Writer, session: DbSession, item: str, body: RefurbishIn) -> ItemActionOut:
    """Record one refurbishment task; 409 unless the item is graded, not scrap and not disposed."""
    _check_item(caller, session, item)
    task = Refurbishment(
        task=body.task,
        minutes=body.minutes,
        parts=tuple(Part(name=p.name, cost_pence=p.cost_pence, quantity=p.quantity) for p in body.parts),
        done_at=_when(body.done_at),
        done_by=caller.username,
    )
    return _write(caller, "second_life.refurbish", item, task)


@router.post(
    "/second-life/items/{item:path}/dispose",
    response_model=ItemActionOut,
    status_code=201,
    responses={**NOT_FOUND, **CONFLICT},
    summary="Dispose of an item",
)
def post_dispose(caller: Writer, session: DbSession, item: str, body: DisposeIn) -> ItemActionOut:
    """Record where the item went; 409 before grading or on a second disposition, 422 for a scrap item
    sent anywhere but recycling or landfill or a value above the item's new value."""
    _check_item(caller, session, item)
    disposition = Disposition(
        channel=Channel(body.channel),
        value_recovered_pence=body.value_recovered_pence,
        disposed_at=_when(body.disposed_at),
        disposed_by=caller.username,
        material_stream=body.material_stream,
        cost_pence=body.cost_pence,
        recipient=body.recipient,
    )
    return _write(caller, "second_life.dispose", item, disposition)


# Declared last: ``{item:path}`` would otherwise swallow the routes above.
@router.get(
    "/second-life/items/{item:path}",
    response_model=SecondLifeItemDetailOut,
    responses=NOT_FOUND,
    summary="One item with its history",
)
def get_item(caller: Reader, session: DbSession, item: str) -> SecondLifeItemDetailOut:
    """An item, its current state and its full append-only history (oldest first)."""
    _check_item(caller, session, item)
    state = load_state(session, item)
    if state is None:
        raise NotFoundError("second-life item", item)
    return SecondLifeItemDetailOut(
        item=_item_out(state),
        note=state.item.note,
        refurbished_minutes=state.refurbished_minutes,
        parts_pence=state.parts_pence,
        value_recovered_pence=(
            state.disposition.value_recovered_pence if state.disposition is not None else None
        ),
        history=[_event_out(e) for e in item_history(session, item)],
    )
