"""Shared reading of vendor JSON exports: find the orders in a payload and read typed values from them.

Vendor payloads come as one order, a list of orders, or an API response wrapping the list
(``{"orders": [...]}``). Each order is numbered by its position in the file (1-based, the "row" of
an error) and values are named by their JSON path within the order (``line_items[2].quantity``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from microfactory.ingest.assemble import IssueLog
from microfactory.ingest.values import decode_text, outcode_of, parse_iso_duration, parse_vendor_timestamp


def load_json_orders(
    data: bytes, *, log: IssueLog, wrappers: Sequence[str]
) -> list[tuple[int, Mapping[str, Any]]]:
    """The order objects in a JSON file with their 1-based positions; problems are logged.

    A top-level list is a list of orders; an object with one of ``wrappers`` as a key holds the
    order (an object) or the orders (a list) there; any other object is taken as one order.
    """
    try:
        payload = json.loads(decode_text(data))
    except ValueError as exc:
        log.add(f"not valid JSON: {exc}")
        return []
    if isinstance(payload, dict):
        for key in wrappers:
            if key in payload:
                payload = payload[key]
                break
    items = payload if isinstance(payload, list) else [payload]
    orders: list[tuple[int, Mapping[str, Any]]] = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            log.add(f"expected an order object, got {type(item).__name__}", row=index)
            continue
        orders.append((index, item))
    if not items:
        log.add("empty file: no orders")
    return orders


class JsonOrder:
    """Typed, logged access to the values of one vendor order object (``row`` = its position)."""

    def __init__(self, obj: Mapping[str, Any], row: int, log: IssueLog) -> None:
        self.obj = obj
        self.row = row
        self.log = log

    def get(self, path: str, obj: Any = None) -> Any:
        """The value at a dotted ``path`` (``fulfillments.0.pickup_details.pickup_at``) or ``None``."""
        current: Any = self.obj if obj is None else obj
        for part in path.split("."):
            if isinstance(current, Mapping):
                current = current.get(part)
            elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
                current = current[int(part)]
            else:
                return None
        return current

    def issue(self, reason: str, field: str) -> None:
        """Log an issue at this order's row and ``field`` (a JSON path)."""
        self.log.add(reason, row=self.row, field=field)

    def text(self, value: Any, field: str, *, required: bool = False) -> str | None:
        """``value`` as stripped text (numbers accepted); logs when ``required`` and missing."""
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
        if required:
            self.issue("missing value" if value is None else f"expected text, got {value!r}", field)
        return None

    def time(self, value: Any, field: str, *, required: bool = False) -> datetime | None:
        """``value`` as an aware UTC timestamp; logs a bad value (or a missing required one)."""
        if value is None or value == "":
            if required:
                self.issue("missing timestamp", field)
            return None
        try:
            return parse_vendor_timestamp(value)
        except ValueError as exc:
            self.issue(str(exc), field)
            return None

    def duration(self, value: Any, field: str) -> timedelta | None:
        """An ISO 8601 duration (``PT1H``) or ``None``; logs a bad value."""
        if value is None:
            return None
        try:
            return parse_iso_duration(value)
        except ValueError as exc:
            self.issue(str(exc), field)
            return None

    def whole(self, value: Any, field: str) -> int | None:
        """A whole number from a JSON number or numeric string (``"2"``, ``2.0``); logs otherwise."""
        number = self.decimal(value, field)
        if number is None:
            return None
        if number != number.to_integral_value():
            self.issue(f"{value!r} is not a whole number", field)
            return None
        return int(number)

    def decimal(self, value: Any, field: str) -> Decimal | None:
        """A finite decimal from a JSON number or numeric string; logs otherwise."""
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.issue("missing number" if value is None else f"expected a number, got {value!r}", field)
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            self.issue(f"{value!r} is not a number", field)
            return None
        if not number.is_finite():
            self.issue(f"{value!r} is not a finite number", field)
            return None
        return number

    def outcode(self, value: Any, field: str) -> str | None:
        """The outcode of a postcode value, or ``None`` when absent; logs a non-UK postcode."""
        text = self.text(value, field)
        if text is None:
            return None
        try:
            return outcode_of(text)
        except ValueError as exc:
            self.issue(str(exc), field)
            return None

    def lookup(self, table: Mapping[str, Any], key: Any, default: Any, field: str, what: str) -> Any:
        """``table[key]`` for a vendor code, else ``default``; logs a code with neither."""
        if key is not None and str(key) in table:
            return table[str(key)]
        if default is None and key is not None:
            self.issue(f"{what} {key!r} is not in the mapping's [codes] table and there is no default", field)
        return default


def each_order(
    orders: Sequence[tuple[int, Mapping[str, Any]]], log: IssueLog, read: Callable[[JsonOrder], Any]
) -> list[Any]:
    """Apply ``read`` to every order (wrapped as :class:`JsonOrder`), keeping non-``None`` results."""
    results = []
    for row, obj in orders:
        before = len(log.issues)
        result = read(JsonOrder(obj, row, log))
        if result is None:
            continue
        if len(log.issues) > before and hasattr(result, "complete"):
            result.complete = False
        results.append(result)
    return results
