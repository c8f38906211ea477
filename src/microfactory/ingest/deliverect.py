"""Deliverect order webhook JSON (the POS "order notification" payload).

Fields used: ``channelOrderId`` (the external id; unique per channel), ``channel`` (a number,
translated by ``[codes] channels``), ``brandId`` (``[codes] brands``), ``location``
(``[codes] sites``), ``_created`` (``placedTime`` as fallback), ``status`` (Deliverect codes: 1–10
new, 20–40 accepted/printed, 50–70 preparing to ready, 80 in delivery, 90/95 finalised, 35 denied,
100 cancel, 110 cancelled, 120+ failed), ``orderType`` (1 pickup, 2 delivery, 3 eat-in,
4 curbside), ``pickupTime`` / ``deliveryTime``, ``deliveryAddress.postalCode``, ``decimalDigits``
and ``items[]`` (``plu``, ``name``, ``price`` in minor units, ``quantity``, nested ``subItems``).

A cancellation arrives as the same order again with ``status: 100``; importing it updates the
stored order's status. Sub-items are modifiers and bundle parts: their price times their quantity
is added to the parent's unit price (recursively), so the line value matches what was charged,
and the line's SKU is the parent's PLU. Customer names and phone numbers are not imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
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

DEFAULT_CHANNEL = "deliverect"
CANCEL_STATUS = 100
"""Deliverect's status for a cancellation request from the channel (110 = cancelled by the POS)."""

_ORDER_TYPES = {
    1: FulfilmentKind.PICKUP,
    2: FulfilmentKind.DELIVERY,
    3: FulfilmentKind.PICKUP,
    4: FulfilmentKind.PICKUP,
}
_ORDER_LABELS = {
    "external_id": "channelOrderId",
    "channel": "channel",
    "brand": "brandId",
    "site": "location",
    "created_at": "_created",
    "status": "status",
    "fulfilment": "orderType",
    "outcode": "deliveryAddress.postalCode",
    "window_start": "deliveryTime",
    "window_end": "deliveryTime",
}


def deliverect_status(code: int) -> OrderStatus:
    """Our order status for a Deliverect status code (see the module docstring for the codes)."""
    if code == 35 or code >= CANCEL_STATUS:
        return OrderStatus.CANCELLED
    if code >= 90:
        return OrderStatus.DELIVERED
    if code >= 80:
        return OrderStatus.SHIPPED
    if code >= 50:
        return OrderStatus.IN_PRODUCTION
    if code >= 20:
        return OrderStatus.CONFIRMED
    return OrderStatus.OPEN


def parse_deliverect_orders(
    data: bytes, *, source: str, mapping: ImportMapping, references: ReferenceData
) -> ParsedOrders:
    """Parse Deliverect order webhook JSON (one payload or a list) into canonical orders.

    Raises :class:`~microfactory.errors.InvalidInputError` with every issue
    (``file:payload-number:json.path: reason``).
    """
    log = IssueLog(source)
    orders = load_json_orders(data, log=log, wrappers=("orders", "_items"))
    drafts = each_order(orders, log, lambda o: _draft(o, mapping))
    return assemble_orders(drafts, log=log, mapping=mapping, references=references, rows_read=len(orders))


def _draft(o: JsonOrder, mapping: ImportMapping) -> OrderDraft:
    code = o.whole(o.get("status"), "status")
    order_type = o.get("orderType")
    kind = mapping.defaults.fulfilment if order_type is None else _ORDER_TYPES.get(order_type)
    if kind is None:
        o.issue(f"unknown orderType {order_type!r} (1 pickup, 2 delivery, 3 eat in, 4 curbside)", "orderType")
    channel = o.get("channel")
    fields: dict[str, Any] = {
        "external_id": o.text(o.get("channelOrderId"), "channelOrderId", required=True),
        "channel": o.lookup(
            mapping.codes.channels, channel, mapping.defaults.channel or DEFAULT_CHANNEL, "channel", "channel"
        ),
        "brand": o.lookup(
            mapping.codes.brands, o.get("brandId"), mapping.defaults.brand, "brandId", "brandId"
        ),
        "site": mapping.codes.sites.get(str(o.get("location")), mapping.defaults.site),
        "created_at": o.time(o.get("_created") or o.get("placedTime"), "_created", required=True),
        "status": deliverect_status(code) if code is not None else OrderStatus.OPEN,
        "fulfilment": kind,
        "outcode": o.outcode(o.get("deliveryAddress.postalCode"), "deliveryAddress.postalCode"),
    }
    if not fields["brand"] and o.get("brandId") is None:
        o.issue("no brand: map brandId under [codes] brands or set [defaults] brand", "brandId")
    when = "deliveryTime" if kind is FulfilmentKind.DELIVERY else "pickupTime"
    start = o.time(o.get(when), when)
    if start is not None:
        fields["window_start"] = start
        fields["window_end"] = start + timedelta(minutes=mapping.window.length_minutes)
    raw_digits = o.get("decimalDigits")
    digits = 2 if raw_digits is None else o.whole(raw_digits, "decimalDigits")
    scale = Decimal(10) ** (2 - (2 if digits is None else digits))
    items = o.get("items") or []
    if not items:
        o.issue("order has no items", "items")
    lines = [
        line for i, item in enumerate(items) if (line := _line(o, f"items[{i}]", item, scale)) is not None
    ]
    return OrderDraft(row=o.row, labels=_ORDER_LABELS, fields=fields, lines=lines)


def _unit_price(o: JsonOrder, path: str, item: Mapping[str, Any]) -> Decimal:
    """Minor units charged per unit of ``item``: its price plus its sub-items' (recursively)."""
    total = o.decimal(item.get("price", 0), f"{path}.price") or Decimal(0)
    for s, sub in enumerate(item.get("subItems") or []):
        sub_path = f"{path}.subItems[{s}]"
        if not isinstance(sub, Mapping):
            o.issue("expected a sub-item object", sub_path)
            continue
        quantity = o.whole(sub.get("quantity", 1), f"{sub_path}.quantity") or 0
        total += _unit_price(o, sub_path, sub) * quantity
    return total


def _line(o: JsonOrder, path: str, item: Any, scale: Decimal) -> LineDraft | None:
    labels = {"sku": f"{path}.plu", "quantity": f"{path}.quantity", "unit_price_pence": f"{path}.price"}
    if not isinstance(item, Mapping):
        o.issue("expected an item object", path)
        return None
    before = len(o.log.issues)
    sku = o.text(item.get("plu"), labels["sku"], required=True)
    quantity = o.whole(item.get("quantity"), labels["quantity"])
    pence = _unit_price(o, path, item) * scale
    if pence != pence.to_integral_value():
        o.issue(f"unit price {pence} is not a whole number of pence", labels["unit_price_pence"])
    if len(o.log.issues) > before:
        return None
    return LineDraft(
        row=o.row,
        labels=labels,
        sku=sku or "",
        quantity=quantity or 0,
        unit_price_pence=int(pence),
        description=o.text(item.get("name"), f"{path}.name"),
    )
