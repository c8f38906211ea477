"""Square Orders API JSON (``SearchOrders`` / ``RetrieveOrder`` responses, ``order.*`` webhooks).

Fields used (Square Orders API, ``Order`` object): ``id`` (the external id), ``location_id``,
``customer_id``, ``state`` (``OPEN``, ``COMPLETED``, ``CANCELED``, ``DRAFT``), ``created_at``,
``line_items[]`` (``catalog_object_id``, ``name``, ``variation_name``, ``quantity`` as a decimal
string, ``base_price_money {amount, currency}`` in minor units) and ``fulfillments[]`` (``type``
``PICKUP``/``DELIVERY``/``SHIPMENT``, ``state``, ``pickup_details.pickup_at`` +
``pickup_window_duration``, ``delivery_details.deliver_at`` + ``delivery_window_duration``,
``*.recipient.address.postal_code``). Draft orders are not orders yet and are skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from microfactory.domain import FulfilmentKind, OrderStatus
from microfactory.ingest.assemble import (
    IssueLog,
    LineDraft,
    OrderDraft,
    ParsedOrders,
    ReferenceData,
    assemble_orders,
)
from microfactory.ingest.jsonio import JsonOrder, each_order, load_json_orders
from microfactory.ingest.mapping import ImportMapping

DEFAULT_CHANNEL = "square"

_FULFILMENT_STATUS = {
    "PROPOSED": OrderStatus.OPEN,
    "RESERVED": OrderStatus.CONFIRMED,
    "PREPARED": OrderStatus.IN_PRODUCTION,
    "COMPLETED": OrderStatus.DELIVERED,
    "CANCELED": OrderStatus.CANCELLED,
    "FAILED": OrderStatus.CANCELLED,
}
_KINDS = {
    "PICKUP": FulfilmentKind.PICKUP,
    "DELIVERY": FulfilmentKind.DELIVERY,
    "SHIPMENT": FulfilmentKind.DELIVERY,
}
_ORDER_LABELS = {
    "external_id": "id",
    "brand": "location_id",
    "site": "location_id",
    "customer": "customer_id",
    "created_at": "created_at",
    "status": "state",
    "channel": "source.name",
}


def parse_square_orders(
    data: bytes, *, source: str, mapping: ImportMapping, references: ReferenceData
) -> ParsedOrders:
    """Parse Square Orders API JSON into canonical orders, checked against ``references``.

    Brand and site come from the mapping's ``[codes]`` tables by ``location_id`` (or its
    defaults); the outcode from the delivery or shipment recipient's postcode, else the pickup
    site's zone, else ``[defaults] outcode``. Raises :class:`~microfactory.errors.InvalidInputError`
    with every issue (``file:order-number:json.path: reason``).
    """
    log = IssueLog(source)
    orders = load_json_orders(data, log=log, wrappers=("orders", "order"))
    skipped: Counter[str] = Counter()
    drafts = each_order(orders, log, lambda o: _draft(o, mapping, skipped))
    return assemble_orders(
        drafts, log=log, mapping=mapping, references=references, rows_read=len(orders), skipped=dict(skipped)
    )


def _draft(o: JsonOrder, mapping: ImportMapping, skipped: Counter[str]) -> OrderDraft | None:
    state = o.text(o.get("state"), "state") or "OPEN"
    if state == "DRAFT":
        skipped["Square draft order"] += 1
        return None
    location = o.get("location_id")
    fulfilment: Mapping[str, Any] = o.get("fulfillments.0") or {}
    kind = _KINDS.get(str(fulfilment.get("type", "")), mapping.defaults.fulfilment)
    created_at = o.time(o.get("created_at"), "created_at", required=True)
    fields: dict[str, Any] = {
        "external_id": o.text(o.get("id"), "id", required=True),
        "channel": mapping.defaults.channel or DEFAULT_CHANNEL,
        "brand": o.lookup(mapping.codes.brands, location, mapping.defaults.brand, "location_id", "location"),
        "site": mapping.codes.sites.get(str(location), mapping.defaults.site),
        "customer": o.text(o.get("customer_id"), "customer_id"),
        "created_at": created_at,
        "status": _status(state, fulfilment),
        "fulfilment": kind,
    }
    if not fields["brand"] and location is None:
        o.issue("no brand: map the location under [codes] brands or set [defaults] brand", "location_id")
    fields["outcode"] = _outcode(o)
    start, length = _window(o, fulfilment)
    if start is not None:
        fields["window_start"] = start
        fields["window_end"] = start + (length or timedelta(minutes=mapping.window.length_minutes))
    items = o.get("line_items") or []
    if not items:
        o.issue("order has no line items", "line_items")
    lines = [line for i, item in enumerate(items) if (line := _line(o, i, item)) is not None]
    return OrderDraft(row=o.row, labels=_ORDER_LABELS, fields=fields, lines=lines)


def _status(state: str, fulfilment: Mapping[str, Any]) -> OrderStatus:
    if state == "CANCELED":
        return OrderStatus.CANCELLED
    if state == "COMPLETED":
        return OrderStatus.DELIVERED
    return _FULFILMENT_STATUS.get(str(fulfilment.get("state", "")), OrderStatus.OPEN)


def _outcode(o: JsonOrder) -> str | None:
    for details in ("delivery_details", "shipment_details"):
        path = f"fulfillments.0.{details}.recipient.address.postal_code"
        if o.get(path) is not None:
            return o.outcode(o.get(path), path.replace("fulfillments.0", "fulfillments[0]"))
    return None


def _window(o: JsonOrder, fulfilment: Mapping[str, Any]) -> tuple[datetime | None, timedelta | None]:
    pickup = fulfilment.get("pickup_details")
    if isinstance(pickup, Mapping):
        return (
            o.time(pickup.get("pickup_at"), "fulfillments[0].pickup_details.pickup_at"),
            o.duration(
                pickup.get("pickup_window_duration"), "fulfillments[0].pickup_details.pickup_window_duration"
            ),
        )
    delivery = fulfilment.get("delivery_details")
    if isinstance(delivery, Mapping):
        return (
            o.time(delivery.get("deliver_at"), "fulfillments[0].delivery_details.deliver_at"),
            o.duration(
                delivery.get("delivery_window_duration"),
                "fulfillments[0].delivery_details.delivery_window_duration",
            ),
        )
    return None, None


def _line(o: JsonOrder, index: int, item: Any) -> LineDraft | None:
    before = len(o.log.issues)
    path = f"line_items[{index}]"
    labels = {
        "sku": f"{path}.catalog_object_id",
        "quantity": f"{path}.quantity",
        "unit_price_pence": f"{path}.base_price_money.amount",
        "line_no": path,
    }
    if not isinstance(item, Mapping):
        o.issue("expected a line item object", path)
        return None
    sku = o.text(item.get("catalog_object_id"), labels["sku"]) or o.text(item.get("name"), f"{path}.name")
    if sku is None:
        o.issue("line item has neither catalog_object_id nor name", labels["sku"])
    quantity = o.whole(item.get("quantity"), labels["quantity"])
    money = item.get("base_price_money") or {}
    price = 0
    if isinstance(money, Mapping) and money.get("amount") is not None:
        price = o.whole(money.get("amount"), labels["unit_price_pence"]) or 0
        currency = money.get("currency", "GBP")
        if currency != "GBP":
            o.issue(f"currency {currency!r}: prices must be in GBP", f"{path}.base_price_money.currency")
    name = " ".join(str(item.get(k)) for k in ("name", "variation_name") if item.get(k))
    if len(o.log.issues) > before:
        return None
    return LineDraft(
        row=o.row,
        labels=labels,
        sku=sku or "",
        quantity=quantity or 0,
        unit_price_pence=price,
        description=name or None,
    )
