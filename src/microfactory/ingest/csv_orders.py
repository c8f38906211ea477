"""Generic CSV order exports (POS, web shops, Excel) read through a mapping file.

One row is one order line; rows sharing a channel and ``external_id`` form one order (unless the
mapping says every row is an order). Rows are numbered as lines of the file (the header is row 1; a
quoted description spanning lines counts from the line it starts on), so a reported row is easy to
find.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from microfactory.domain import FulfilmentKind, OrderStatus
from microfactory.ingest.assemble import (
    IssueLog,
    LineDraft,
    OrderDraft,
    ParsedOrders,
    ReferenceData,
    assemble_orders,
)
from microfactory.ingest.mapping import ImportMapping
from microfactory.ingest.values import (
    decode_text,
    outcode_of,
    parse_decimal,
    parse_integer,
    parse_timestamp,
    to_pence,
    zone_info,
)

REQUIRED_FIELDS = ("external_id", "sku", "quantity", "created_at")
"""Fields every CSV mapping must map to a column."""

ORDER_FIELDS = (
    "channel",
    "brand",
    "customer",
    "outcode",
    "created_at",
    "window_start",
    "window_end",
    "status",
    "fulfilment",
    "site",
)
"""Order-level fields: every row of one order must agree on them."""


def parse_csv_orders(
    data: bytes, *, source: str, mapping: ImportMapping, references: ReferenceData
) -> ParsedOrders:
    """Parse a CSV export into canonical orders, checked against ``references``.

    ``source`` names the file in errors. Raises :class:`~microfactory.errors.InvalidInputError`
    listing every bad row as ``file:row:column: reason`` — missing columns, unparseable dates and
    numbers, naive times without a declared zone, negative quantities outside cancellations, unknown
    outcodes, brands or SKUs, conflicting or duplicate keys, an empty file — so nothing is imported
    from a file with any error.
    """
    log = IssueLog(source)
    unmapped = [name for name in REQUIRED_FIELDS if getattr(mapping.columns, name) is None]
    if unmapped:
        log.add(f"the mapping does not map required fields: {', '.join(unmapped)}", field="mapping:columns")
        log.raise_if_any()
    try:
        text = decode_text(data, mapping.source.encoding)
    except ValueError as exc:
        log.add(str(exc))
        log.raise_if_any()
        raise AssertionError("unreachable") from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=mapping.source.delimiter)
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        log.add("empty file: no header row", row=1)
        log.raise_if_any()
        raise AssertionError("unreachable")
    columns = {name.strip(): i for i, name in enumerate(header)}
    needed = _needed_columns(mapping)
    missing = [c for c in needed if c not in columns]
    if missing:
        log.add(
            f"missing columns: {', '.join(repr(c) for c in missing)} (the file has {', '.join(columns)})",
            row=1,
        )
        log.raise_if_any()

    reader_state = _RowReader(mapping=mapping, columns=columns, log=log, width=len(header))
    drafts: dict[tuple[str, str], OrderDraft] = {}
    singles: list[OrderDraft] = []
    skipped: Counter[str] = Counter()
    rows_read = 0
    line_after = reader.line_num
    for record in reader:
        row, line_after = line_after + 1, reader.line_num
        if not record or not any(cell.strip() for cell in record):
            continue
        rows_read += 1
        parsed = reader_state.read(record, row, skipped)
        if parsed is None:
            continue
        order_fields, line = parsed
        key = (str(order_fields.get("channel") or ""), str(order_fields.get("external_id") or ""))
        if not mapping.orders.group_rows or not key[1]:
            singles.append(_draft(row, reader_state.labels, order_fields, line))
            continue
        existing = drafts.get(key)
        if existing is None:
            drafts[key] = _draft(row, reader_state.labels, order_fields, line)
            continue
        _check_same_order(existing, order_fields, row, log)
        existing.lines.append(line)
    return assemble_orders(
        [*drafts.values(), *singles],
        log=log,
        mapping=mapping,
        references=references,
        rows_read=rows_read,
        skipped=dict(skipped),
    )


def _draft(row: int, labels: Mapping[str, str], fields: dict[str, Any], line: LineDraft) -> OrderDraft:
    return OrderDraft(row=row, labels=labels, fields=fields, lines=[line])


def _needed_columns(mapping: ImportMapping) -> list[str]:
    needed = [c for c in mapping.columns.model_dump().values() if c is not None]
    if mapping.cancellation is not None:
        needed.append(mapping.cancellation.column)
    needed += [rule.column for rule in mapping.skip]
    return list(dict.fromkeys(needed))


def _check_same_order(existing: OrderDraft, fields: Mapping[str, Any], row: int, log: IssueLog) -> None:
    for name in ORDER_FIELDS:
        first, now = existing.fields.get(name), fields.get(name)
        if first != now:
            log.add(
                f"order {fields.get('external_id')!r} has {name} {_show(now)} here but {_show(first)} "
                f"at row {existing.row} (rows of one order must agree)",
                row=row,
                field=existing.label(name),
            )


def _show(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value)


class _RowReader:
    """Turns one CSV record into order-level fields and a line draft, logging every bad cell."""

    def __init__(
        self, *, mapping: ImportMapping, columns: Mapping[str, int], log: IssueLog, width: int
    ) -> None:
        self.mapping = mapping
        self.columns = columns
        self.log = log
        self.width = width
        self.zone: ZoneInfo | None = (
            zone_info(mapping.source.timezone) if mapping.source.timezone is not None else None
        )
        mapped = {k: v for k, v in mapping.columns.model_dump().items() if v is not None}
        self.labels: dict[str, str] = dict(mapped)
        if "postcode" in mapped:
            self.labels["outcode"] = mapped["postcode"]
        if "unit_price" in mapped:
            self.labels["unit_price_pence"] = mapped["unit_price"]

    def cell(self, record: Sequence[str], field: str) -> str | None:
        """The cleaned text of the column mapped to ``field`` (``None`` when not mapped)."""
        column = getattr(self.mapping.columns, field)
        if column is None:
            return None
        text = record[self.columns[column]].strip()
        rule = self.mapping.values.get(field)
        if rule is None or not text:
            return text
        if rule.integer:
            text = str(parse_integer(text))
        if rule.upper:
            text = text.upper()
        return rule.prefix + text

    def read(
        self, record: Sequence[str], row: int, skipped: Counter[str]
    ) -> tuple[dict[str, Any], LineDraft] | None:
        """Order fields and line of one record; ``None`` when skipped or unreadable."""
        if len(record) != self.width:
            self.log.add(f"row has {len(record)} fields but the header has {self.width}", row=row)
            return None
        for rule in self.mapping.skip:
            if rule.matches(record[self.columns[rule.column]]):
                skipped[rule.reason] += 1
                return None
        before = len(self.log.issues)
        fields = self._order_fields(record, row)
        line = self._line(record, row)
        if len(self.log.issues) > before:
            return None
        return fields, line

    def _value(self, record: Sequence[str], row: int, field: str) -> str | None:
        try:
            return self.cell(record, field)
        except ValueError as exc:
            self.log.add(str(exc), row=row, field=self.labels.get(field, field))
            return None

    def _order_fields(self, record: Sequence[str], row: int) -> dict[str, Any]:
        defaults = self.mapping.defaults
        fields: dict[str, Any] = {
            "external_id": self._value(record, row, "external_id"),
            "channel": self._value(record, row, "channel") or defaults.channel,
            "brand": self._value(record, row, "brand") or defaults.brand,
            "customer": self._value(record, row, "customer") or None,
            "site": self._value(record, row, "site") or defaults.site,
        }
        for name in ("channel", "brand"):
            if not fields[name]:
                self.log.add(
                    f"no {name}: map a column or set [defaults] {name}",
                    row=row,
                    field=self.labels.get(name, name),
                )
        fields["outcode"] = self._outcode(record, row)
        fields["created_at"] = self._time(record, row, "created_at")
        if self.mapping.columns.window_start is not None:
            fields["window_start"] = self._time(record, row, "window_start")
            fields["window_end"] = self._time(record, row, "window_end")
        fields["status"] = self._status(record, row)
        fields["fulfilment"] = self._fulfilment(record, row)
        return fields

    def _outcode(self, record: Sequence[str], row: int) -> str | None:
        raw = self._value(record, row, "postcode") or self._value(record, row, "outcode")
        if not raw:
            return None
        try:
            return outcode_of(raw)
        except ValueError as exc:
            self.log.add(str(exc), row=row, field=self.labels.get("outcode", "outcode"))
            return None

    def _time(self, record: Sequence[str], row: int, field: str) -> datetime | None:
        text = self._value(record, row, field)
        if text is None:
            return None
        try:
            return parse_timestamp(text, self.mapping.source.date_formats, self.zone)
        except ValueError as exc:
            self.log.add(str(exc), row=row, field=self.labels[field])
            return None

    def _status(self, record: Sequence[str], row: int) -> OrderStatus:
        cancellation = self.mapping.cancellation
        if cancellation is not None and cancellation.matches(record[self.columns[cancellation.column]]):
            return OrderStatus.CANCELLED
        text = self._value(record, row, "status")
        if not text:
            return self.mapping.defaults.status
        table = self.mapping.codes.status
        if text in table:
            return table[text]
        try:
            return OrderStatus(text.lower())
        except ValueError:
            known = ", ".join([*table, *(s.value for s in OrderStatus)])
            self.log.add(f"unknown status {text!r} (known: {known})", row=row, field=self.labels["status"])
            return self.mapping.defaults.status

    def _fulfilment(self, record: Sequence[str], row: int) -> FulfilmentKind:
        text = self._value(record, row, "fulfilment")
        if not text:
            return self.mapping.defaults.fulfilment
        table = self.mapping.codes.fulfilment
        if text in table:
            return table[text]
        try:
            return FulfilmentKind(text.lower())
        except ValueError:
            known = ", ".join([*table, *(k.value for k in FulfilmentKind)])
            self.log.add(
                f"unknown fulfilment {text!r} (known: {known})", row=row, field=self.labels["fulfilment"]
            )
            return self.mapping.defaults.fulfilment

    def _line(self, record: Sequence[str], row: int) -> LineDraft:
        quantity = self._number(record, row, "quantity", whole=True)
        if self.mapping.columns.unit_price_pence is not None:
            price = self._number(record, row, "unit_price_pence", whole=True)
        elif self.mapping.columns.unit_price is not None:
            price = self._number(record, row, "unit_price", whole=False)
        else:
            price = 0
        line_no = (
            self._number(record, row, "line_no", whole=True)
            if self.mapping.columns.line_no is not None
            else None
        )
        return LineDraft(
            row=row,
            labels=self.labels,
            sku=self._value(record, row, "sku") or "",
            quantity=quantity or 0,
            unit_price_pence=price or 0,
            description=self._value(record, row, "description"),
            line_no=line_no,
        )

    def _number(self, record: Sequence[str], row: int, field: str, *, whole: bool) -> int | None:
        text = self._value(record, row, field)
        if text is None:
            return None
        try:
            if whole:
                return parse_integer(text)
            return to_pence(parse_decimal(text), minor_units=self.mapping.prices.unit == "pence")
        except ValueError as exc:
            self.log.add(str(exc), row=row, field=self.labels[field])
            return None
