"""Order import into the store: reference snapshot, idempotent re-import, SKU creation, atomicity."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microfactory.domain import OrderStatus
from microfactory.ingest import builtin_mapping, parse_orders
from microfactory.store import load_master_data, load_orders, save_master_data
from microfactory.store.models import OrderLineRow, OrderRow, SkuRow
from microfactory.store.order_repository import (
    OrderUpsertCounts,
    import_orders,
    load_reference_data,
)
from tests.ingest.helpers import SHARED_RETAIL, parse_fixture
from tests.ingest.master import import_master_data, import_references


@pytest.fixture
def stored(session: Session) -> Session:
    """The rolled-back test session with the import master data saved."""
    save_master_data(session, import_master_data())
    return session


def _count(session: Session, table: type[OrderRow] | type[OrderLineRow] | type[SkuRow]) -> int:
    return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def test_reference_snapshot_matches_the_master_data(stored: Session) -> None:
    """Brands, zones, SKUs, families with their brand and site outcodes, read as codes only."""
    assert load_reference_data(stored) == import_references()


def test_deliverect_cancellation_updates_the_stored_order_in_place(stored: Session) -> None:
    """status 100 for the same channelOrderId: one order, now cancelled, same lines, revision 1."""
    first = parse_fixture("deliverect_order.json", "deliverect", "deliverect.toml")
    cancel = parse_fixture("deliverect_cancel.json", "deliverect", "deliverect.toml")
    assert import_orders(stored, first).orders == OrderUpsertCounts(inserted=1)
    assert import_orders(stored, first).orders == OrderUpsertCounts(unchanged=1)
    assert import_orders(stored, cancel).orders == OrderUpsertCounts(updated=1)
    (order,) = load_orders(stored)
    assert order.status is OrderStatus.CANCELLED
    assert (_count(stored, OrderRow), _count(stored, OrderLineRow)) == (1, 2)
    assert stored.execute(select(OrderRow.revision)).scalar_one() == 1


def test_every_vendor_fixture_imports_and_reimports_unchanged(stored: Session) -> None:
    """Square, Toast, Deliverect and the Excel CSV all land; a second import changes nothing."""
    files = [
        ("square_orders.json", "square", "square.toml"),
        ("toast_orders.json", "toast", "toast.toml"),
        ("deliverect_order.json", "deliverect", "deliverect.toml"),
        ("pos_export_cp1252.csv", "csv", "pos_export.toml"),
    ]
    parsed = [parse_fixture(*f) for f in files]
    assert [import_orders(stored, p).orders.inserted for p in parsed] == [3, 3, 1, 3]
    assert [import_orders(stored, p).orders.unchanged for p in parsed] == [3, 3, 1, 3]
    assert _count(stored, OrderRow) == 10


@pytest.mark.skipif(not SHARED_RETAIL.is_file(), reason="../shared/data is not available")
def test_online_retail_export_creates_its_skus_from_the_template(stored: Session) -> None:
    """The UCI export through the shipped mapping: every stock code becomes a SKU like the template."""
    parsed = parse_orders(
        SHARED_RETAIL.read_bytes(),
        "csv",
        source=SHARED_RETAIL.name,
        mapping=builtin_mapping("online_retail_ii"),
        references=load_reference_data(stored),
    )
    skus_before = _count(stored, SkuRow)
    counts = import_orders(stored, parsed)
    assert counts.orders == OrderUpsertCounts(inserted=len(parsed.orders))
    assert counts.skus_created == len(parsed.new_skus) == _count(stored, SkuRow) - skus_before
    master = load_master_data(stored)
    template, made = master.sku("ONLINE-RETAIL-ITEM"), master.sku("85048")
    assert (made.family, made.routing, made.unit_price_pence) == (
        "ONLINE-RETAIL-GIFTS",
        template.routing,
        695,
    )
    assert made.name == "15CM CHRISTMAS GLASS BALL 20 LIGHTS"
    again = import_orders(stored, parsed)
    assert (again.orders.unchanged, again.skus_created) == (len(parsed.orders), 0)
