"""Square, Toast and Deliverect JSON fixtures into canonical orders, and their bad-input reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from microfactory.domain import FulfilmentKind, OrderStatus
from microfactory.ingest import parse_mapping
from tests.ingest.helpers import FIXTURES, fixture_mapping, issues_of, parse_fixture


def test_square_orders_map_fulfilments_states_and_catalogue_ids() -> None:
    """Delivery with postcode and window, pickup at the mapped site's zone, a cancellation; drafts skipped."""
    parsed = parse_fixture("square_orders.json", "square", "square.toml")
    assert parsed.skipped == {"Square draft order": 1}
    delivery, pickup, cancelled = parsed.orders
    assert (delivery.channel, delivery.brand, delivery.site, delivery.outcode) == (
        "square",
        "FOOD",
        "FOOD-LON",
        "SW1A",
    )
    assert delivery.status is OrderStatus.CONFIRMED
    assert delivery.window.start == datetime(2026, 7, 14, 18, 30, tzinfo=UTC)
    assert delivery.window.minutes == 30
    assert [(ln.sku, ln.quantity, ln.unit_price_pence) for ln in delivery.lines] == [
        ("BOWL-CHICKEN", 2, 995),
        ("DRINK-LEMONADE", 1, 295),
    ]
    assert (pickup.fulfilment, pickup.outcode, pickup.status) == (
        FulfilmentKind.PICKUP,
        "EC2A",
        OrderStatus.DELIVERED,
    )
    assert pickup.window.minutes == 15
    assert cancelled.status is OrderStatus.CANCELLED
    assert [ln.sku for ln in cancelled.lines] == ["BOWL-CHICKEN", "SIDE-SLAW"]  # ad hoc item by name


def test_square_bad_values_name_the_json_path() -> None:
    """A fractional quantity, a foreign currency and an unknown catalogue id, each at order:path."""
    payload = json.loads((FIXTURES / "square_orders.json").read_text())
    first = payload["orders"][0]
    first["line_items"][0]["quantity"] = "1.5"
    first["line_items"][1]["base_price_money"]["currency"] = "USD"
    payload["orders"][1]["line_items"][0]["catalog_object_id"] = "UNMAPPED"
    issues = issues_of(
        json.dumps(payload).encode(), "square", fixture_mapping("square.toml"), source="sq.json"
    )
    assert issues == [
        "sq.json:1:line_items[0].quantity: '1.5' is not a whole number",
        "sq.json:1:line_items[1].base_price_money.currency: currency 'USD': prices must be in GBP",
        "sq.json:2:line_items[0].catalog_object_id: unknown SKU 'UNMAPPED': not in the master data "
        "(translate it under [skus.map] or set [skus] unknown = 'create')",
    ]


def test_toast_orders_map_checks_selections_dining_options_and_voids() -> None:
    """Voided selections are skipped, a voided order is cancelled, externalId wins over guid."""
    parsed = parse_fixture("toast_orders.json", "toast", "toast.toml")
    assert parsed.skipped == {"voided Toast selection": 1}
    delivered, voided, future = parsed.orders
    assert delivered.external_id == "3f2b1c9e-6a1d-4a53-9d0e-6c1f6a0f1a01"
    assert (delivered.status, delivered.fulfilment, delivered.outcode) == (
        OrderStatus.DELIVERED,
        FulfilmentKind.DELIVERY,
        "E1",
    )
    assert delivered.customer == "5d0c4e2a-1111-4b7e-9a1a-0c2c2b1d0041"
    assert [(ln.sku, ln.quantity, ln.unit_price_pence) for ln in delivered.lines] == [
        ("BOWL-CHICKEN", 2, 995),
        ("SIDE-SLAW", 3, 350),
    ]
    assert delivered.window.start == datetime(2026, 11, 3, 12, 45, tzinfo=UTC)
    assert (voided.external_id, voided.channel, voided.status) == (
        "UBEREATS:6f1c2a",
        "ubereats",
        OrderStatus.CANCELLED,
    )
    assert [(ln.sku, ln.quantity) for ln in voided.lines] == [("BOWL-TOFU", 1)]  # what was cancelled
    assert (future.status, future.fulfilment, future.outcode) == (
        OrderStatus.CONFIRMED,
        FulfilmentKind.PICKUP,
        "EC2A",
    )
    assert future.window.start == future.created_at + timedelta(days=1)  # no promisedDate: the default offset


def test_deliverect_webhook_folds_sub_items_into_the_parent_price() -> None:
    """A bundle's drink and nested modifiers add to the meal's unit price; codes map channel and brand."""
    order = parse_fixture("deliverect_order.json", "deliverect", "deliverect.toml").orders[0]
    assert (order.channel, order.external_id, order.brand, order.site) == (
        "deliveroo",
        "DELIVEROO-7731-4206",
        "FOOD",
        "FOOD-LON",
    )
    assert (order.status, order.fulfilment, order.outcode) == (
        OrderStatus.OPEN,
        FulfilmentKind.DELIVERY,
        "N1",
    )
    # 995 + 1 x 100 (drink) + 2 x (50 + 1 x 25) (chilli, very hot) = 1245 pence per meal
    assert [(ln.sku, ln.quantity, ln.unit_price_pence) for ln in order.lines] == [
        ("BOWL-CHICKEN", 2, 1245),
        ("SIDE-SLAW", 1, 350),
    ]
    assert order.value_pence == 2840
    assert order.window.start == datetime(2026, 11, 20, 18, 45, tzinfo=UTC)


def test_deliverect_status_100_is_a_cancellation_of_the_same_order() -> None:
    """The cancellation payload carries the same key, so a re-import updates rather than adds."""
    first = parse_fixture("deliverect_order.json", "deliverect", "deliverect.toml").orders[0]
    cancel = parse_fixture("deliverect_cancel.json", "deliverect", "deliverect.toml").orders[0]
    assert cancel.key == first.key
    assert cancel.status is OrderStatus.CANCELLED
    assert cancel.model_copy(update={"status": OrderStatus.OPEN}) == first


def test_deliverect_without_code_tables_reports_unmapped_brand_and_duplicates() -> None:
    """No brand mapping and no default; the same order twice in one file is a duplicate key."""
    payload = json.loads((FIXTURES / "deliverect_order.json").read_text())
    issues = issues_of(json.dumps([payload, payload]).encode(), "deliverect", None, source="d.json")
    assert issues[0] == (
        "d.json:1:brandId: brandId '61a0c7e5f3b2c1d4e5f6a760' is not in the mapping's [codes] table "
        "and there is no default"
    )
    assert len(issues) == 2  # one for each of the two payloads
    with_codes = issues_of(
        json.dumps([payload, payload]).encode(),
        "deliverect",
        fixture_mapping("deliverect.toml"),
        source="d.json",
    )
    assert with_codes == [
        "d.json:2:channelOrderId: duplicate order key (channel 'deliveroo', id 'DELIVEROO-7731-4206'); "
        "first seen at row 1"
    ]


def test_empty_and_malformed_json_files_are_refused() -> None:
    """An empty list, an empty file and broken JSON each give one clear issue."""
    mapping = fixture_mapping("deliverect.toml")
    assert issues_of(b"[]", "deliverect", mapping, source="d.json") == ["d.json: empty file: no orders"]
    assert issues_of(b"", "toast", mapping, source="t.json")[0].startswith("t.json: not valid JSON")
    assert issues_of(b'{"orders": [1]}', "square", mapping, source="s.json") == [
        "s.json:1: expected an order object, got int"
    ]


def test_pickup_without_a_site_or_default_outcode_has_no_zone() -> None:
    """A Square pickup at an unmapped location cannot be placed in a zone: an issue, not a guess."""
    payload = json.loads((FIXTURES / "square_orders.json").read_text())
    pickup = payload["orders"][1]
    issues = issues_of(
        json.dumps([pickup]).encode(), "square", parse_mapping('[defaults]\nbrand = "FOOD"\n', source="m")
    )
    assert issues == [
        "in.csv:1:outcode: no outcode: the source has no delivery postcode for this order; "
        "set [defaults] outcode (or map the location to a site)",
        "in.csv:1:line_items[0].catalog_object_id: unknown SKU 'Y3FQ7DXSN4D3OQZVS2IK3RDE': not in the master "
        "data (translate it under [skus.map] or set [skus] unknown = 'create')",
    ]


def test_a_site_code_that_is_not_in_the_master_data_is_refused() -> None:
    """A mapping that sends orders to a site the master data lacks is an error at every order."""
    mapping = parse_mapping(
        '[defaults]\nbrand = "FOOD"\nsite = "FOOD-MAN"\n[window]\nlength_minutes = 20\n', source="m"
    )
    issues = issues_of(
        (FIXTURES / "deliverect_order.json").read_bytes(), "deliverect", mapping, source="d.json"
    )
    assert issues == ["d.json:1:location: unknown site 'FOOD-MAN': not in the master data"]
