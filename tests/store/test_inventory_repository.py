"""Hub stock ledger on SQLite and PostgreSQL: FEFO, never negative (repository and CHECK), write-offs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microfactory.domain import PlanHorizon
from microfactory.errors import InvalidInputError
from microfactory.store import save_plan_run
from microfactory.store.inventory_repository import (
    MoveKind,
    NegativeStockError,
    PolicyRecord,
    TransferRecord,
    adjust,
    consume_fefo,
    inventory_moves,
    load_policies,
    load_transfers,
    receive,
    save_inventory_plan,
    stock_on_hand,
    write_off_expired,
)

T0 = datetime(2026, 11, 23, 6, tzinfo=UTC)


def _stock(session: Session) -> None:
    receive(session, hub="H", sku="BAR", lot_code="L2", units=5, at=T0, expires_at=T0 + timedelta(hours=48))
    receive(session, hub="H", sku="BAR", lot_code="L1", units=3, at=T0, expires_at=T0 + timedelta(hours=24))
    receive(session, hub="H", sku="BAR", lot_code="L3", units=4, at=T0)


def test_consumption_is_first_expiry_first_out(session: Session) -> None:
    """Seven units come from the lot expiring first (3), then the next (4 of 5); durable stock last."""
    _stock(session)
    taken = consume_fefo(session, hub="H", sku="BAR", units=7, at=T0 + timedelta(hours=1))
    assert taken == [("L1", 3), ("L2", 4)]
    assert [(lot.lot_code, lot.quantity) for lot in stock_on_hand(session, hub="H")] == [("L2", 1), ("L3", 4)]


def test_expired_lots_are_never_sold(session: Session) -> None:
    """After 24 h lot L1 is out of date: a sale skips it, even when it is the only one left."""
    _stock(session)
    taken = consume_fefo(session, hub="H", sku="BAR", units=6, at=T0 + timedelta(hours=30))
    assert taken == [("L2", 5), ("L3", 1)]
    with pytest.raises(NegativeStockError):
        consume_fefo(session, hub="H", sku="BAR", units=4, at=T0 + timedelta(hours=30))


def test_write_off_records_expired_stock(session: Session) -> None:
    """Writing off at +24 h removes lot L1 with a write-off move; the others stay."""
    _stock(session)
    moves = write_off_expired(session, at=T0 + timedelta(hours=24), hub="H")
    assert [(m.lot_code, m.quantity) for m in moves] == [("L1", -3)]
    assert {lot.lot_code for lot in stock_on_hand(session, hub="H")} == {"L2", "L3"}
    kinds = [m.kind for m in inventory_moves(session, hub="H", sku="BAR")]
    assert kinds.count(MoveKind.WRITE_OFF) == 1


def test_a_move_never_makes_stock_negative(session: Session) -> None:
    """Asking for more than is on hand raises and writes nothing; an adjustment below zero too."""
    _stock(session)
    before = inventory_moves(session, hub="H")
    with pytest.raises(NegativeStockError, match="H/BAR"):
        consume_fefo(session, hub="H", sku="BAR", units=13, at=T0 + timedelta(hours=1))
    with pytest.raises(NegativeStockError):
        adjust(session, hub="H", sku="BAR", lot_code="L3", delta=-5, at=T0 + timedelta(hours=1))
    assert inventory_moves(session, hub="H") == before
    assert sum(lot.quantity for lot in stock_on_hand(session, hub="H")) == 12


def test_check_constraints_refuse_negative_stock(session: Session) -> None:
    """The database itself refuses a negative lot or move balance, whoever writes."""
    _stock(session)
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(text("UPDATE stock_lots SET quantity = -1 WHERE lot_code = 'L3'"))
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            text(
                "INSERT INTO inventory_moves (hub, sku, lot_code, kind, quantity, balance_after, at) "
                "VALUES ('H', 'BAR', 'L3', 'sale', -9, -5, :at)"
            ),
            {"at": T0},
        )


def test_bad_receipts_are_refused(session: Session) -> None:
    """Zero units, naive times and an expiry before arrival name the lot and field."""
    with pytest.raises(InvalidInputError, match="units"):
        receive(session, hub="H", sku="X", lot_code="A", units=0, at=T0)
    with pytest.raises(InvalidInputError, match="at"):
        receive(session, hub="H", sku="X", lot_code="A", units=1, at=datetime(2026, 1, 1))
    with pytest.raises(InvalidInputError, match="expires_at"):
        receive(session, hub="H", sku="X", lot_code="A", units=1, at=T0, expires_at=T0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.sampled_from(["in", "out", "expire"]), st.integers(1, 9), st.integers(0, 72)),
        min_size=1,
        max_size=15,
    )
)
def test_quantities_are_conserved_through_moves(session: Session, ops: list[tuple[str, int, int]]) -> None:
    """Any receipts, sales and write-offs: lots equal the sum of their moves, never < 0, none sold expired."""
    with session.begin_nested() as nested:
        clock = T0
        for n, (op, units, hours) in enumerate(ops):
            clock += timedelta(hours=1)
            if op == "in":
                receive(
                    session,
                    hub="P",
                    sku="S",
                    lot_code=f"L{n}",
                    units=units,
                    at=clock,
                    expires_at=clock + timedelta(hours=hours + 1),
                )
            elif op == "out":
                try:
                    taken = consume_fefo(session, hub="P", sku="S", units=units, at=clock)
                except NegativeStockError:
                    continue
                assert sum(u for _, u in taken) == units
                expiry = {
                    lot.lot_code: lot.expires_at
                    for lot in stock_on_hand(session, hub="P", include_empty=True)
                }
                for code, _ in taken:
                    expires = expiry[code]
                    assert expires is None or expires > clock
            else:
                write_off_expired(session, at=clock, hub="P")
        lots = {lot.lot_code: lot.quantity for lot in stock_on_hand(session, hub="P", include_empty=True)}
        moves = inventory_moves(session, hub="P")
        for code, quantity in lots.items():
            assert quantity >= 0
            assert quantity == sum(m.quantity for m in moves if m.lot_code == code)
        assert all(m.balance_after >= 0 for m in moves)
        nested.rollback()


def test_plan_records_round_trip(session: Session) -> None:
    """Policies and transfers saved with a plan run come back; transfers filter by source and dispatch."""
    horizon = PlanHorizon(start=T0, end=T0 + timedelta(days=7))
    run_id = save_plan_run(session, stage="inventory", scope="H", horizon=horizon, kpis={"hub": "H"})
    policy = PolicyRecord(
        "H", "BAR", 1, "newsvendor", "smooth", 9, 10, 1, 1, 0, 1, 0.6, None, 8.5, "bootstrap"
    )
    transfer = TransferRecord("TR-1", "MF", "H", "BAR", 10, T0, T0 + timedelta(hours=2), "TR", 12.0, 1.2, 0.5)
    save_inventory_plan(session, plan_run_id=run_id, policies=[policy], transfers=[transfer])
    assert load_policies(session, hub="H") == [policy]
    assert load_transfers(session, from_site="MF", dispatch_from=T0, dispatch_to=T0 + timedelta(days=1)) == [
        transfer
    ]
    assert load_transfers(session, from_site="MF", dispatch_from=T0 + timedelta(hours=1)) == []
