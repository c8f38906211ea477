"""Hub stock: hubs, stock on hand by hub/SKU/lot/expiry, the move ledger, the stored policies and
transfers of the newest inventory plan per hub, and the latest inventory KPIs (fill rate, waste and
stock value per hub and policy). Read-only: stock changes come from the ``inventory`` stage and the
stock CLI; every role may read (hubs are shared stock points, not one site's private data)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from microfactory.api.deps import DbSession, Reader
from microfactory.api.pagination import Page, PageParams, page_of, page_params
from microfactory.api.schemas import (
    HubKpisOut,
    HubOut,
    PolicyKpisOut,
    PolicyOut,
    StockLotOut,
    StockMoveOut,
    TransferOut,
)
from microfactory.store import api_reads
from microfactory.store.inventory_repository import (
    INVENTORY_STAGE,
    MoveKind,
    StockLot,
    load_policies,
    load_transfers,
    stock_on_hand,
)
from microfactory.store.plan_repository import PlanRunRecord, latest_plan_runs

router = APIRouter(tags=["stock"])
Paging = Annotated[PageParams, Depends(page_params)]
CodeQuery = Annotated[str | None, Query(max_length=80)]
REPLAY_POLICIES = ("auto", "normal")
"""Replay labels the inventory stage stores: its chosen policies and the textbook normal baseline."""


def _lot_out(lot: StockLot) -> StockLotOut:
    return StockLotOut(
        hub=lot.hub,
        sku=lot.sku,
        lot_code=lot.lot_code,
        quantity=lot.quantity,
        received_at=lot.received_at,
        expires_at=lot.expires_at,
        unit_cost_pence=lot.unit_cost_pence,
        value_pence=lot.quantity * lot.unit_cost_pence,
    )


def _latest_runs(session: DbSession) -> dict[str, PlanRunRecord]:
    return {run.scope: run for run in latest_plan_runs(session, stage=INVENTORY_STAGE)}


def _source(run: PlanRunRecord | None) -> str | None:
    value = run.kpis.get("source_site") if run is not None else None
    return str(value) if value is not None else None


def _int(value: float | int | str | None) -> int | None:
    return None if value is None or isinstance(value, str) else round(value)


def _float(value: float | int | str | None) -> float | None:
    return None if value is None or isinstance(value, str) else float(value)


@router.get("/stock/hubs", response_model=list[HubOut], summary="List hubs")
def get_hubs(caller: Reader, session: DbSession) -> list[HubOut]:
    """Every hub with a stored inventory plan or stock on hand: its latest plan run and stock now."""
    runs = _latest_runs(session)
    lots: dict[str, list[StockLot]] = defaultdict(list)
    for lot in stock_on_hand(session):
        lots[lot.hub].append(lot)
    transfers: dict[str, int] = defaultdict(int)
    for transfer in load_transfers(session):
        transfers[transfer.to_hub] += 1
    out = []
    for hub in sorted(set(runs) | set(lots)):
        run = runs.get(hub)
        on_hand = lots.get(hub, [])
        out.append(
            HubOut(
                hub=hub,
                source_site=_source(run),
                plan_run_id=run.id if run is not None else None,
                horizon_start=run.horizon.start if run is not None else None,
                horizon_end=run.horizon.end if run is not None else None,
                planned_at=run.created_at if run is not None else None,
                skus=len({lot.sku for lot in on_hand}),
                lots_on_hand=len(on_hand),
                units_on_hand=sum(lot.quantity for lot in on_hand),
                stock_value_pence=sum(lot.quantity * lot.unit_cost_pence for lot in on_hand),
                transfers=transfers.get(hub, 0),
            )
        )
    return out


@router.get("/stock/on-hand", response_model=Page[StockLotOut], summary="Stock on hand")
def get_on_hand(
    caller: Reader,
    session: DbSession,
    paging: Paging,
    hub: CodeQuery = None,
    sku: CodeQuery = None,
    expires_before: Annotated[
        datetime | None, Query(description="Only lots expiring before this aware time.")
    ] = None,
) -> Page[StockLotOut]:
    """Lots on hand by hub, SKU and expiry (first to expire first), each with its value at cost."""
    lots = stock_on_hand(session, hub=hub, sku=sku)
    if expires_before is not None:
        if expires_before.tzinfo is None:
            raise ValueError("expires_before must be timezone-aware (e.g. 2026-11-30T00:00:00Z)")
        lots = [lot for lot in lots if lot.expires_at is not None and lot.expires_at < expires_before]
    return page_of([_lot_out(lot) for lot in lots], paging)


@router.get("/stock/moves", response_model=Page[StockMoveOut], summary="Stock moves")
def get_moves(
    caller: Reader,
    session: DbSession,
    paging: Paging,
    hub: CodeQuery = None,
    sku: CodeQuery = None,
    kind: MoveKind | None = None,
) -> Page[StockMoveOut]:
    """The move ledger newest first (receipts, sales, write-offs, adjustments) with balances after."""
    rows, total = api_reads.inventory_moves_page(
        session,
        limit=paging.limit,
        offset=paging.offset,
        hub=hub,
        sku=sku,
        kind=kind.value if kind is not None else None,
    )
    return page_of([StockMoveOut(**r) for r in rows], paging, total)


@router.get("/stock/policies", response_model=Page[PolicyOut], summary="Stocking policies")
def get_policies(
    caller: Reader, session: DbSession, paging: Paging, hub: CodeQuery = None, sku: CodeQuery = None
) -> Page[PolicyOut]:
    """Policies of the newest inventory plan per hub (reorder point, order-up-to level per weekday)."""
    policies = [p for p in load_policies(session, hub=hub) if sku is None or p.sku == sku]
    return page_of([PolicyOut(**{n: getattr(p, n) for n in p.__slots__}) for p in policies], paging)


@router.get("/stock/transfers", response_model=Page[TransferOut], summary="Planned transfers")
def get_transfers(
    caller: Reader,
    session: DbSession,
    paging: Paging,
    hub: CodeQuery = None,
    from_site: CodeQuery = None,
) -> Page[TransferOut]:
    """Transfers of the newest inventory plan per hub, by dispatch time, with trip and kg CO2e."""
    transfers = load_transfers(session, to_hub=hub, from_site=from_site)
    return page_of([TransferOut(**{n: getattr(t, n) for n in t.__slots__}) for t in transfers], paging)


def _policy_kpis(run: PlanRunRecord, label: str) -> PolicyKpisOut | None:
    prefix = f"replay_{label}_"
    values = {k.removeprefix(prefix): v for k, v in run.kpis.items() if k.startswith(prefix)}
    if not values:
        return None
    return PolicyKpisOut(
        policy=label,
        fill_rate=_float(values.get("fill_rate")),
        waste_pct=_float(values.get("waste_pct")),
        waste_units=_int(values.get("waste_units")),
        avg_stock_value_pence=_int(values.get("avg_stock_value_pence")),
        stockout_sku_days=_int(values.get("stockout_sku_days")),
        demand_units=_int(values.get("demand_units")),
        transfers=_int(values.get("transfers")),
        kg_co2e=_float(values.get("kg_co2e")),
    )


@router.get("/stock/kpis", response_model=list[HubKpisOut], summary="Latest inventory KPIs")
def get_stock_kpis(caller: Reader, session: DbSession, hub: CodeQuery = None) -> list[HubKpisOut]:
    """Per hub, from its newest inventory plan run: the replay's fill rate, waste and average stock value
    under the chosen policies (``auto``) and the normal baseline (``normal``), and stock value on hand now."""
    runs = _latest_runs(session)
    lots: dict[str, list[StockLot]] = defaultdict(list)
    for lot in stock_on_hand(session, hub=hub):
        lots[lot.hub].append(lot)
    out = []
    for scope in sorted(runs):
        if hub is not None and scope != hub:
            continue
        run = runs[scope]
        policies = [p for p in (_policy_kpis(run, label) for label in REPLAY_POLICIES) if p is not None]
        out.append(
            HubKpisOut(
                hub=scope,
                source_site=_source(run),
                plan_run_id=run.id,
                planned_at=run.created_at,
                replay_days=_int(run.kpis.get("replay_days")),
                fill_rate_target=_float(run.kpis.get("fill_rate_target")),
                stock_value_pence=sum(lot.quantity * lot.unit_cost_pence for lot in lots.get(scope, [])),
                units_on_hand=sum(lot.quantity for lot in lots.get(scope, [])),
                policies=policies,
                kpis=dict(run.kpis),
            )
        )
    return out
