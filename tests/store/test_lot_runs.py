"""Confirming production runs into lots: one lot per run, once; re-plans leave lots alone; the hold rule.

Every test runs on the backend of the test session (SQLite, or PostgreSQL when
``MICROFACTORY_TEST_DATABASE_URL`` is set) inside a rolled-back transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microfactory.domain import PlanHorizon, ProductionRun, Sku
from microfactory.domain.quality import LotKind, LotStatus
from microfactory.errors import InvalidInputError, NotFoundError
from microfactory.quality import AllocationRefusedError
from microfactory.quality.lots import DeliveredLine, PlannedAllocation, plan_allocations
from microfactory.store import (
    allocate_lot_to_order,
    allocate_lots,
    get_lot,
    list_lots,
    lot_states,
    record_checks,
    release_lots,
    save_master_data,
    save_plan_run,
    trace_backward,
    upsert_orders,
)
from microfactory.store.lot_repository import (
    NoScheduleError,
    confirm_runs,
    confirm_scheduled_runs,
    confirmed_runs,
)
from microfactory.store.models import LotAllocationRow, LotRow, OrderRow
from microfactory.store.models.quality import LotRunRow
from tests.quality.builders import SITE, T0, entry, passing_entries, tiny_template
from tests.store.factories import master_data, order

TEMPLATES = {"DOORS": tiny_template()}


def _skus() -> dict[str, Sku]:
    return {s.code: s for s in master_data().skus}


def run(code: str, *, sku: str = "DOOR-GRAPHITE", quantity: int = 6, ends: float = 2.0) -> ProductionRun:
    """A run at ``SITE`` from ``T0`` ending ``ends`` hours later."""
    return ProductionRun(
        site=SITE,
        run_code=code,
        sku=sku,
        quantity=quantity,
        start=T0,
        end=T0 + timedelta(hours=ends),
    )


def _setup(session: Session) -> None:
    save_master_data(session, master_data())
    upsert_orders(session, [order(1), order(2)])


def _confirm(
    session: Session,
    runs: list[ProductionRun],
    through: datetime,
    serves: dict[tuple[str, str], dict[str, int]] | None = None,
) -> list[str]:
    done = confirm_runs(
        session,
        runs,
        through=through,
        skus=_skus(),
        templates=TEMPLATES,
        confirmed_by="Shift lead",
        at=through,
        serves=serves,
    )
    return done.lots


def _order_ids(session: Session) -> dict[str, int]:
    return {str(e): int(i) for e, i in session.execute(select(OrderRow.external_id, OrderRow.id))}


def test_one_pending_lot_per_ended_run_with_its_quantity_and_site(session: Session) -> None:
    """Runs that ended by the cut-off become lots (site, SKU, quantity, end); later runs wait."""
    _setup(session)
    made = _confirm(
        session,
        [run("W1-0001", quantity=6), run("W1-0002", sku="DOOR-WHITE", quantity=4, ends=5.0)],
        T0 + timedelta(hours=3),
        serves={(SITE, "W1-0001"): {"web:ORD-00001": 2}},
    )
    assert made == [f"{SITE}/W1-0001/DOOR-GRAPHITE/1"]
    lot = get_lot(session, made[0])
    assert (lot.site, lot.sku, lot.quantity, lot.status) == (SITE, "DOOR-GRAPHITE", 6, LotStatus.PENDING)
    assert lot.produced_at == T0 + timedelta(hours=2) and lot.template == "tiny"
    row = session.scalars(select(LotRunRow)).one()
    assert (row.run_code, row.quantity, row.serves) == ("W1-0001", 6, {"web:ORD-00001": 2})
    assert row.ends_at == T0 + timedelta(hours=2)
    # The powder lot of its colour and week is received (released) and linked as an input.
    inputs = [t for t in trace_backward(session, made[0]).lots if t.depth == 1]
    assert [(t.sku, t.kind) for t in inputs] == [("POWDER-graphite", LotKind.MATERIAL.value)]
    assert get_lot(session, inputs[0].code).status == LotStatus.RELEASED


def test_confirming_again_changes_nothing(session: Session) -> None:
    """A run is confirmed once: the second call makes no lot and no row."""
    _setup(session)
    runs = [run("W1-0001"), run("W1-0002", sku="DOOR-WHITE")]
    first = _confirm(session, runs, T0 + timedelta(days=1))
    lots_before = session.scalar(select(func.count()).select_from(LotRunRow))
    again = confirm_runs(
        session,
        runs,
        through=T0 + timedelta(days=2),
        skus=_skus(),
        templates=TEMPLATES,
        confirmed_by="Someone else",
        at=T0 + timedelta(days=2),
    )
    assert len(first) == 2 and again.lots == [] and len(again.plan.already) == 2
    assert session.scalar(select(func.count()).select_from(LotRunRow)) == lots_before == 2
    assert set(confirmed_runs(session, runs)) == {(SITE, "W1-0001"), (SITE, "W1-0002")}


def test_a_replan_leaves_confirmed_lots_alone(session: Session) -> None:
    """A later schedule reusing a confirmed code for another SKU is a conflict; its lot is unchanged."""
    _setup(session)
    (made,) = _confirm(session, [run("W1-0001", quantity=6)], T0 + timedelta(days=1))
    replanned = [run("W1-0001", sku="DOOR-WHITE", quantity=9), run("W1-0003", quantity=3)]
    done = confirm_runs(
        session,
        replanned,
        through=T0 + timedelta(days=1),
        skus=_skus(),
        templates=TEMPLATES,
        confirmed_by="Shift lead",
        at=T0 + timedelta(days=1),
    )
    assert [r.run_code for r in done.plan.conflicts] == ["W1-0001"]
    assert done.lots == [f"{SITE}/W1-0003/DOOR-GRAPHITE/1"]
    kept = get_lot(session, made)
    assert (kept.sku, kept.quantity) == ("DOOR-GRAPHITE", 6)
    assert len(list_lots(session, site=SITE, limit=10)) == 3  # two product lots and the powder lot


def test_confirm_from_the_stored_schedule_survives_its_replacement(session: Session) -> None:
    """``confirm_scheduled_runs`` reads the site's latest schedule; re-planning deletes its runs, not lots."""
    _setup(session)
    horizon = PlanHorizon(start=T0, end=T0 + timedelta(days=7))
    plan_id = save_plan_run(
        session,
        stage="schedule",
        scope=SITE,
        horizon=horizon,
        kpis={},
        production_runs=[run("W1-0001"), run("W1-0002", ends=30.0)],
    )
    done = confirm_scheduled_runs(session, SITE, through=T0 + timedelta(hours=4), confirmed_by="Shift lead")
    assert done.plan_run_id == plan_id and done.lots == [f"{SITE}/W1-0001/DOOR-GRAPHITE/1"]
    assert [r.run_code for r in done.plan.not_ended] == ["W1-0002"]
    # Re-plan the same week (replaces the plan run and its production runs).
    save_plan_run(
        session, stage="schedule", scope=SITE, horizon=horizon, kpis={}, production_runs=[run("W1-0002")]
    )
    later = confirm_scheduled_runs(session, SITE, through=T0 + timedelta(days=2), confirmed_by="Shift lead")
    assert later.lots == [f"{SITE}/W1-0002/DOOR-GRAPHITE/1"]
    assert get_lot(session, done.lots[0]).quantity == 6
    row = session.scalars(select(LotRunRow).where(LotRunRow.run_code == "W1-0001")).one()
    assert row.plan_run_id == plan_id  # kept, although that plan run is gone


def test_confirm_refusals(session: Session) -> None:
    """Unknown site, a site without a schedule, and a naive cut-off are refused."""
    _setup(session)
    with pytest.raises(NotFoundError):
        confirm_scheduled_runs(session, "NOPE", through=T0, confirmed_by="x")
    with pytest.raises(NoScheduleError, match="no schedule stored for site"):
        confirm_scheduled_runs(session, SITE, through=T0, confirmed_by="x")
    with pytest.raises(InvalidInputError, match="timezone-aware"):
        _confirm(session, [run("W1-0001")], T0.replace(tzinfo=None))


def test_a_held_run_lot_cannot_be_allocated(session: Session) -> None:
    """A run lot held by a failed critical check gives nothing: refused by the allocation plan, the store
    (one order and in bulk) and, for a raw insert, by the database trigger."""
    _setup(session)
    (held,) = _confirm(session, [run("W1-0001")], T0 + timedelta(days=1))
    record_checks(session, [entry(held, "core", value=70.0, unit="degC")])
    assert get_lot(session, held).status == LotStatus.HELD
    with pytest.raises(AllocationRefusedError), session.begin_nested():
        allocate_lot_to_order(session, held, ("web", "ORD-00001"), 1)
    lines = [DeliveredLine(1, "web", "ORD-00001", 1, "DOOR-GRAPHITE", 2, SITE, T0 + timedelta(days=3))]
    states = lot_states(session, start=T0 - timedelta(days=1), end=T0 + timedelta(days=2))
    assert plan_allocations(lines, states, {}) == []
    order_id = _order_ids(session)["ORD-00001"]
    with pytest.raises(AllocationRefusedError), session.begin_nested():
        allocate_lots(session, [PlannedAllocation(held, order_id, 1, 1)])
    lot_id = session.scalar(select(LotRow.id).where(LotRow.code == held))
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(
            LotAllocationRow(
                lot_id=lot_id, kind="delivery", order_id=order_id, line_no=1, quantity=1, allocated_at=T0
            )
        )
        session.flush()


def test_released_run_lots_go_to_the_orders_their_run_served(session: Session) -> None:
    """After release, the plan gives the run's units to the lines of the orders it was made for."""
    _setup(session)
    (made,) = _confirm(
        session,
        [run("W1-0001", quantity=2)],
        T0 + timedelta(days=1),
        serves={(SITE, "W1-0001"): {"web:ORD-00002": 2}},
    )
    record_checks(session, passing_entries(made))
    release_lots(session, [made], released_by="QA", at=T0 + timedelta(hours=5))
    ids = _order_ids(session)
    window = T0 + timedelta(days=3)
    lines = [
        DeliveredLine(ids["ORD-00001"], "web", "ORD-00001", 1, "DOOR-GRAPHITE", 2, SITE, window),
        DeliveredLine(ids["ORD-00002"], "web", "ORD-00002", 1, "DOOR-GRAPHITE", 2, SITE, window),
    ]
    states = lot_states(session, start=T0 - timedelta(days=1), end=T0 + timedelta(days=2))
    plan = plan_allocations(lines, states, {})
    assert [(p.order_id, p.quantity) for p in plan] == [(ids["ORD-00002"], 2)]
    assert allocate_lots(session, plan) == 1
