"""Toast orders API JSON (``GET /orders/v2/orders/{guid}``, ``/ordersBulk``).

Fields used (Toast ``Order``): ``guid`` and ``externalId`` (the external id is ``externalId`` when
the order carries one, e.g. an order injected by a partner, else ``guid``), ``openedDate``
(``createdDate`` as fallback), ``promisedDate`` / ``estimatedFulfillmentDate`` (window start),
``source``, ``voided`` / ``deleted`` (cancelled), ``approvalStatus``, ``closedDate``,
``diningOption`` (a reference by ``guid``; its ``behavior`` when expanded), ``deliveryInfo``
(``zipCode``, ``deliveryState``) and ``checks[].selections[]`` (``item.guid``, ``displayName``,
``quantity``, ``receiptLinePrice`` per unit or ``price`` for the whole selection, ``voided``).
Toast amounts are decimal currency units (pounds for a UK restaurant).
"""

from __future__ import annotations

from collections import Counter
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
from microfactory.ingest.values import to_pence

DEFAULT_CHANNEL = "toast"

_BEHAVIOUR = {
    "DELIVERY": FulfilmentKind.DELIVERY,
    "TAKE_OUT": FulfilmentKind.PICKUP,
    "CURBSIDE": FulfilmentKind.PICKUP,
    "DINE_IN": FulfilmentKind.PICKUP,
}
_ORDER_LABELS = {
    "external_id": "externalId",
    "created_at": "openedDate",
    "window_start": "promisedDate",
    "window_end": "promisedDate",
    "outcode": "deliveryInfo.zipCode",
    "fulfilment": "diningOption",
    "channel": "source",
    "customer": "checks[0].customer.guid",
}


def parse_toast_orders(
    data: bytes, *, source: str, mapping: ImportMapping, references: ReferenceData
) -> ParsedOrders:
    """Parse Toast orders JSON into canonical orders, checked against ``references``.

    Voided selections are left out (counted as skipped); a voided or deleted order is cancelled.
    The fulfilment kind comes from ``[codes] fulfilment`` by dining-option guid, else the
    expanded option's ``behavior``, else delivery when there is ``deliveryInfo``. Raises
    :class:`~microfactory.errors.InvalidInputError` with every issue.
    """
    log = IssueLog(source)
    orders = load_json_orders(data, log=log, wrappers=("orders",))
    skipped: Counter[str] = Counter()
    drafts = each_order(orders, log, lambda o: _draft(o, mapping, skipped))
    return assemble_orders(
        drafts, log=log, mapping=mapping, references=references, rows_read=len(orders), skipped=dict(skipped)
    )


def _draft(o: JsonOrder, mapping: ImportMapping, skipped: Counter[str]) -> OrderDraft:
    external_id = o.text(o.get("externalId"), "externalId") or o.text(o.get("guid"), "guid", required=True)
    created_at = o.time(o.get("openedDate") or o.get("createdDate"), "openedDate", required=True)
    fields: dict[str, Any] = {
        "external_id": external_id,
        "channel": o.lookup(
            mapping.codes.channels,
            o.get("source"),
            mapping.defaults.channel or DEFAULT_CHANNEL,
            "source",
            "source",
        ),
        "brand": mapping.defaults.brand,
        "site": mapping.defaults.site,
        "customer": o.text(o.get("checks.0.customer.guid"), "checks[0].customer.guid"),
        "created_at": created_at,
        "status": _status(o),
        "fulfilment": _fulfilment(o, mapping),
        "outcode": o.outcode(o.get("deliveryInfo.zipCode"), "deliveryInfo.zipCode"),
    }
    if not fields["brand"]:
        o.issue("no brand: set [defaults] brand in the mapping", "brand")
    promised = o.get("promisedDate") or o.get("estimatedFulfillmentDate")
    start = o.time(promised, "promisedDate")
    if start is not None:
        fields["window_start"] = start
        fields["window_end"] = start + timedelta(minutes=mapping.window.length_minutes)
    lines: list[LineDraft] = []
    checks = o.get("checks") or []
    if not checks:
        o.issue("order has no checks", "checks")
    # A voided order keeps its voided checks and selections: they are what was cancelled.
    keep_voided = fields["status"] is OrderStatus.CANCELLED
    for c, check in enumerate(checks):
        if not isinstance(check, Mapping):
            o.issue("expected a check object", f"checks[{c}]")
            continue
        if (check.get("voided") or check.get("deleted")) and not keep_voided:
            skipped["voided Toast check"] += 1
            continue
        for s, selection in enumerate(check.get("selections") or []):
            if isinstance(selection, Mapping) and selection.get("voided") and not keep_voided:
                skipped["voided Toast selection"] += 1
                continue
            line = _line(o, f"checks[{c}].selections[{s}]", selection)
            if line is not None:
                lines.append(line)
    return OrderDraft(row=o.row, labels=_ORDER_LABELS, fields=fields, lines=lines)


def _status(o: JsonOrder) -> OrderStatus:
    if o.get("voided") or o.get("deleted"):
        return OrderStatus.CANCELLED
    if o.get("deliveryInfo.deliveryState") == "DELIVERED" or o.get("closedDate"):
        return OrderStatus.DELIVERED
    if o.get("approvalStatus") in ("APPROVED", "FUTURE"):
        return OrderStatus.CONFIRMED
    return OrderStatus.OPEN


def _fulfilment(o: JsonOrder, mapping: ImportMapping) -> FulfilmentKind:
    guid = o.get("diningOption.guid")
    if guid is not None and str(guid) in mapping.codes.fulfilment:
        return mapping.codes.fulfilment[str(guid)]
    behaviour = o.get("diningOption.behavior")
    if behaviour in _BEHAVIOUR:
        return _BEHAVIOUR[behaviour]
    return FulfilmentKind.DELIVERY if isinstance(o.get("deliveryInfo"), Mapping) else FulfilmentKind.PICKUP


def _line(o: JsonOrder, path: str, selection: Any) -> LineDraft | None:
    labels = {"sku": f"{path}.item.guid", "quantity": f"{path}.quantity", "unit_price_pence": f"{path}.price"}
    if not isinstance(selection, Mapping):
        o.issue("expected a selection object", path)
        return None
    before = len(o.log.issues)
    sku = o.text(o.get("item.guid", selection), labels["sku"]) or o.text(
        selection.get("displayName"), f"{path}.displayName"
    )
    if sku is None:
        o.issue("selection has neither item.guid nor displayName", labels["sku"])
    quantity = o.whole(selection.get("quantity"), labels["quantity"])
    price = Decimal(0)
    if selection.get("receiptLinePrice") is not None:
        labels["unit_price_pence"] = f"{path}.receiptLinePrice"
        price = o.decimal(selection.get("receiptLinePrice"), labels["unit_price_pence"]) or Decimal(0)
    elif selection.get("price") is not None and quantity:
        price = (o.decimal(selection.get("price"), labels["unit_price_pence"]) or Decimal(0)) / abs(quantity)
    if len(o.log.issues) > before:
        return None
    return LineDraft(
        row=o.row,
        labels=labels,
        sku=sku or "",
        quantity=quantity or 0,
        unit_price_pence=to_pence(price),
        description=o.text(selection.get("displayName"), f"{path}.displayName"),
    )
