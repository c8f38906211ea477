"""Orders: idempotent upsert by (channel, external_id), filters and paging, and a round-trip property."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from microfactory.domain import DeliveryWindow, FulfilmentKind, Order, OrderLine, OrderStatus
from microfactory.store.models import OrderLineRow, OrderRow
from microfactory.store.order_repository import (
    OrderUpsertCounts,
    count_orders,
    load_orders,
    upsert_orders,
)
from tests.store.factories import T0, order


def _counts(session: Session) -> tuple[int, int]:
    orders = session.execute(select(func.count()).select_from(OrderRow)).scalar_one()
    lines = session.execute(select(func.count()).select_from(OrderLineRow)).scalar_one()
    return orders, lines


def test_same_orders_twice_insert_then_leave_unchanged(session: Session) -> None:
    """The first import inserts, the second changes nothing and duplicates nothing."""
    orders = [order(i) for i in range(20)]
    assert upsert_orders(session, orders, batch_size=7) == OrderUpsertCounts(inserted=20)
    assert _counts(session) == (20, 40)
    assert upsert_orders(session, orders, batch_size=7) == OrderUpsertCounts(unchanged=20)
    assert _counts(session) == (20, 40)
    assert load_orders(session) == orders


def test_changed_order_is_updated_and_its_lines_replaced(session: Session) -> None:
    """Cancelling an order with different lines updates it in place: no duplicate order or line."""
    upsert_orders(session, [order(1), order(2)])
    first_id = session.execute(select(OrderRow.id).where(OrderRow.external_id == "ORD-00001")).scalar_one()
    cancelled = order(1, status=OrderStatus.CANCELLED, quantities=(5,))
    counts = upsert_orders(session, [cancelled, order(2)])
    assert counts == OrderUpsertCounts(updated=1, unchanged=1)
    assert _counts(session) == (2, 3)
    assert load_orders(session) == [cancelled, order(2)]
    row = session.execute(select(OrderRow).where(OrderRow.external_id == "ORD-00001")).scalar_one()
    assert (row.id, row.revision, row.status) == (first_id, 1, "cancelled")


def test_a_key_repeated_within_a_batch_keeps_the_last_version(session: Session) -> None:
    """Two versions of one order in one call store only the last."""
    counts = upsert_orders(session, [order(1), order(1, status=OrderStatus.CONFIRMED)])
    assert counts == OrderUpsertCounts(inserted=1)
    assert [o.status for o in load_orders(session)] == [OrderStatus.CONFIRMED]


def test_upsert_accepts_a_generator_and_refuses_a_bad_batch_size(session: Session) -> None:
    """Any iterable works; batch_size below one is refused before anything is written."""
    assert upsert_orders(session, (order(i) for i in range(3)), batch_size=1).inserted == 3
    with pytest.raises(ValueError, match="batch_size"):
        upsert_orders(session, [order(9)], batch_size=0)


def test_same_external_id_on_two_channels_are_two_orders(session: Session) -> None:
    """The natural key is the pair (channel, external_id)."""
    counts = upsert_orders(session, [order(1, channel="web"), order(1, channel="square")])
    assert counts.inserted == 2
    assert count_orders(session) == 2


def test_duplicate_order_key_or_line_number_is_refused_by_the_database(session: Session) -> None:
    """Unique constraints on (channel, external_id) and (order_id, line_no) hold for raw inserts."""
    upsert_orders(session, [order(1)])
    row = session.execute(select(OrderRow)).scalar_one()
    copy = {c.name: getattr(row, c.name) for c in OrderRow.__table__.columns if c.name != "id"}
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(insert(OrderRow), [copy])
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            insert(OrderLineRow),
            [{"order_id": row.id, "line_no": 1, "sku": "X", "quantity": 1, "unit_price_pence": 0}],
        )


def test_filters_and_paging(session: Session) -> None:
    """Brand, channel, status and [from, to) filters combine; limit/offset page in a stable order."""
    orders = [
        order(1, channel="web"),
        order(2, channel="square", status=OrderStatus.CANCELLED),
        order(3, channel="web", brand="FOOD"),
        order(4, channel="web"),
    ]
    upsert_orders(session, orders)
    assert count_orders(session) == 4
    assert [o.external_id for o in load_orders(session, brand="KIT")] == [
        "ORD-00001",
        "ORD-00002",
        "ORD-00004",
    ]
    assert count_orders(session, channel="web") == 3
    assert [o.external_id for o in load_orders(session, status="cancelled")] == ["ORD-00002"]
    assert count_orders(session, status=OrderStatus.OPEN, brand="KIT") == 2
    since, until = T0 + timedelta(hours=2), T0 + timedelta(hours=4)
    in_window = load_orders(session, created_from=since, created_to=until)
    assert [o.external_id for o in in_window] == ["ORD-00002", "ORD-00003"]
    assert count_orders(session, created_from=since, created_to=until) == 2
    assert [o.external_id for o in load_orders(session, limit=2, offset=1)] == ["ORD-00002", "ORD-00003"]
    assert load_orders(session, offset=10) == []
    assert load_orders(session, limit=0) == []


def test_filter_times_must_be_aware(session: Session) -> None:
    """A naive bound is refused rather than read as some zone."""
    upsert_orders(session, [order(1)])
    with pytest.raises(StatementError, match="timezone"):
        load_orders(session, created_from=datetime(2026, 11, 23))


def test_orders_sort_by_time_then_code_point(session: Session) -> None:
    """Ties on created_at sort by channel then external id, by code point on both backends."""
    same = T0
    orders = [order(i, channel=ch, created_at=same) for i, ch in enumerate(["web", "Web", "api", "B2B"])]
    upsert_orders(session, orders)
    assert [o.channel for o in load_orders(session)] == ["B2B", "Web", "api", "web"]


# --- property: any list of orders round-trips ----------------------------------------------------------

_CODE = st.text(alphabet="ABCXYZabcxyz0189-_.", min_size=1, max_size=12).filter(lambda s: s[0].isalnum())
_EXTERNAL_ID = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=30
)
_OUTCODE = st.from_regex(r"\A[A-Z]{1,2}[0-9][A-Z0-9]?\Z")
_ZONES = st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5, minutes=-30))])
_INSTANT = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=_ZONES)


@st.composite
def _orders(draw: st.DrawFn) -> Order:
    created = draw(_INSTANT)
    opens = created + timedelta(minutes=draw(st.integers(min_value=0, max_value=60 * 24 * 30)))
    closes = opens + timedelta(minutes=draw(st.integers(min_value=1, max_value=600)))
    line_count = draw(st.integers(min_value=1, max_value=4))
    return Order(
        channel=draw(st.sampled_from(["web", "square", "toast", "Web"])),
        external_id=draw(_EXTERNAL_ID),
        brand=draw(_CODE),
        customer=draw(st.none() | _CODE),
        outcode=draw(_OUTCODE),
        created_at=created,
        window=DeliveryWindow(start=opens, end=closes),
        status=draw(st.sampled_from(list(OrderStatus))),
        fulfilment=draw(st.sampled_from(list(FulfilmentKind))),
        site=draw(st.none() | _CODE),
        lines=tuple(
            OrderLine(
                line_no=n,
                sku=draw(_CODE),
                quantity=draw(st.integers(min_value=1, max_value=10_000)),
                unit_price_pence=draw(st.integers(min_value=0, max_value=10**9)),
            )
            for n in sorted(draw(st.sets(st.integers(1, 99), min_size=line_count, max_size=line_count)))
        ),
    )


def _sort_key(o: Order) -> tuple[datetime, str, str]:
    return (o.created_at, o.channel, o.external_id)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(orders=st.lists(_orders(), max_size=12, unique_by=lambda o: o.key))
def test_any_orders_round_trip(session: Session, orders: list[Order]) -> None:
    """load_orders(upsert_orders(x)) == sorted(x); units are conserved; a re-import changes nothing."""
    savepoint = session.begin_nested()
    try:
        counts = upsert_orders(session, orders, batch_size=5)
        assert counts == OrderUpsertCounts(inserted=len(orders))
        loaded = load_orders(session)
        assert loaded == sorted(orders, key=_sort_key)
        assert sum(o.units for o in loaded) == sum(o.units for o in orders)
        assert sum(o.value_pence for o in loaded) == sum(o.value_pence for o in orders)
        assert upsert_orders(session, orders) == OrderUpsertCounts(unchanged=len(orders))
        assert count_orders(session) == len(orders)
    finally:
        savepoint.rollback()
