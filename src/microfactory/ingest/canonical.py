"""The canonical order files: what ``orders export`` writes and ``--format canonical`` reads back.

Three encodings of the same content, so a round trip (export → import into a fresh database)
loses nothing:

* **CSV** and **Parquet**: one row per order line, columns :data:`CANONICAL_COLUMNS`; order fields
  repeat on each line. Times are ISO 8601 in UTC (CSV) or ``timestamp[us, tz=UTC]`` (Parquet),
  money in integer pence, empty ``customer``/``site`` mean none.
* **JSON**: a list of orders with nested lines, exactly the domain model's JSON.

The CSV is read through the built-in ``canonical.toml`` mapping, so the generic CSV path is what
checks it; JSON and Parquet are read here into the same drafts.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from microfactory.domain import Order
from microfactory.ingest.assemble import (
    IssueLog,
    LineDraft,
    OrderDraft,
    ParsedOrders,
    ReferenceData,
    assemble_orders,
)
from microfactory.ingest.csv_orders import parse_csv_orders
from microfactory.ingest.mapping import ImportMapping, builtin_mapping
from microfactory.ingest.values import decode_text, parse_vendor_timestamp

ExportFormat = Literal["csv", "json", "parquet"]

CANONICAL_COLUMNS = (
    "channel",
    "external_id",
    "brand",
    "customer",
    "outcode",
    "created_at",
    "window_start",
    "window_end",
    "status",
    "fulfilment",
    "site",
    "line_no",
    "sku",
    "quantity",
    "unit_price_pence",
)
"""Columns of the canonical CSV and Parquet files, one row per order line."""

PARQUET_MAGIC = b"PAR1"


def _parquet_schema() -> Any:
    """The Parquet schema of the canonical line table (pyarrow is imported only when needed)."""
    import pyarrow as pa  # type: ignore[import-untyped]

    return pa.schema(
        [
            ("channel", pa.string()),
            ("external_id", pa.string()),
            ("brand", pa.string()),
            ("customer", pa.string()),
            ("outcode", pa.string()),
            ("created_at", pa.timestamp("us", tz="UTC")),
            ("window_start", pa.timestamp("us", tz="UTC")),
            ("window_end", pa.timestamp("us", tz="UTC")),
            ("status", pa.string()),
            ("fulfilment", pa.string()),
            ("site", pa.string()),
            ("line_no", pa.int64()),
            ("sku", pa.string()),
            ("quantity", pa.int64()),
            ("unit_price_pence", pa.int64()),
        ]
    )


def line_records(orders: Iterable[Order]) -> list[dict[str, Any]]:
    """One flat record per order line with the :data:`CANONICAL_COLUMNS` (datetimes stay datetimes)."""
    return [
        {
            "channel": o.channel,
            "external_id": o.external_id,
            "brand": o.brand,
            "customer": o.customer,
            "outcode": o.outcode,
            "created_at": o.created_at,
            "window_start": o.window.start,
            "window_end": o.window.end,
            "status": o.status.value,
            "fulfilment": o.fulfilment.value,
            "site": o.site,
            "line_no": line.line_no,
            "sku": line.sku,
            "quantity": line.quantity,
            "unit_price_pence": line.unit_price_pence,
        }
        for o in orders
        for line in sorted(o.lines, key=lambda ln: ln.line_no)
    ]


def export_orders(orders: Sequence[Order], fmt: ExportFormat) -> bytes:
    """Encode ``orders`` as a canonical ``csv``, ``json`` or ``parquet`` file (bytes, UTF-8 text)."""
    if fmt == "json":
        payload = [o.model_dump(mode="json") for o in orders]
        return (json.dumps(payload, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    records = line_records(orders)
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        table = pa.Table.from_pylist(records, schema=_parquet_schema())
        sink = io.BytesIO()
        pq.write_table(table, sink, compression="zstd")
        return sink.getvalue()
    if fmt != "csv":
        raise ValueError(f"unknown export format {fmt!r} (csv, json, parquet)")
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")  # RFC 4180; also makes the writer quote a lone \r
    writer.writerow(CANONICAL_COLUMNS)
    for record in records:
        writer.writerow(_csv_cell(record[c]) for c in CANONICAL_COLUMNS)
    return text.getvalue().encode("utf-8")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def parse_canonical_orders(
    data: bytes, *, source: str, mapping: ImportMapping | None, references: ReferenceData
) -> ParsedOrders:
    """Read a canonical file (CSV, JSON or Parquet, told apart by content) into checked orders.

    The columns are fixed (the built-in ``canonical`` mapping); of ``mapping`` only the ``[skus]``
    rules are used, for all three encodings. Raises
    :class:`~microfactory.errors.InvalidInputError` with every issue.
    """
    rules = builtin_mapping("canonical")
    if mapping is not None:  # only the SKU rules apply: the canonical columns are fixed
        rules = rules.model_copy(update={"skus": mapping.skus})
    if data.startswith(PARQUET_MAGIC):
        return _parse_parquet(data, source=source, mapping=rules, references=references)
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"[", b"{"):
        return _parse_json(data, source=source, mapping=rules, references=references)
    return parse_csv_orders(data, source=source, mapping=rules, references=references)


def _parse_parquet(
    data: bytes, *, source: str, mapping: ImportMapping, references: ReferenceData
) -> ParsedOrders:
    import pyarrow as pa
    import pyarrow.parquet as pq

    log = IssueLog(source)
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError) as exc:
        log.add(f"not a readable Parquet file: {exc}")
        log.raise_if_any()
        raise
    missing = [c for c in CANONICAL_COLUMNS if c not in table.column_names]
    if missing:
        log.add(f"missing columns: {', '.join(missing)}", row=1)
        log.raise_if_any()
    drafts: dict[tuple[str, str], OrderDraft] = {}
    labels = {c: c for c in CANONICAL_COLUMNS}
    for row, record in enumerate(table.select(list(CANONICAL_COLUMNS)).to_pylist(), start=1):
        key = (str(record["channel"]), str(record["external_id"]))
        fields = {
            name: record[name]
            for name in CANONICAL_COLUMNS[:11]
            if name not in ("customer", "site") or record[name] not in ("", None)
        }
        line = LineDraft(
            row=row,
            labels=labels,
            sku=record["sku"] or "",
            quantity=_int(record["quantity"], row, "quantity", log),
            unit_price_pence=_int(record["unit_price_pence"], row, "unit_price_pence", log),
            line_no=_int(record["line_no"], row, "line_no", log),
        )
        if key in drafts:
            drafts[key].lines.append(line)
        else:
            drafts[key] = OrderDraft(row=row, labels=labels, fields=fields, lines=[line])
    return assemble_orders(
        list(drafts.values()), log=log, mapping=mapping, references=references, rows_read=table.num_rows
    )


def _int(value: Any, row: int, field: str, log: IssueLog) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    log.add(f"expected a whole number, got {value!r}", row=row, field=field)
    return 0


def _parse_json(
    data: bytes, *, source: str, mapping: ImportMapping, references: ReferenceData
) -> ParsedOrders:
    log = IssueLog(source)
    try:
        payload = json.loads(decode_text(data))
    except ValueError as exc:
        log.add(f"not valid JSON: {exc}")
        log.raise_if_any()
        raise
    items = payload.get("orders", []) if isinstance(payload, dict) else payload
    drafts = []
    for row, item in enumerate(items if isinstance(items, list) else [], start=1):
        draft = _json_draft(item, row, log)
        if draft is not None:
            drafts.append(draft)
    rows = len(items) if isinstance(items, list) else 0
    return assemble_orders(drafts, log=log, mapping=mapping, references=references, rows_read=rows)


def _json_draft(item: Any, row: int, log: IssueLog) -> OrderDraft | None:
    if not isinstance(item, Mapping):
        log.add("expected an order object", row=row)
        return None
    labels = {
        "window_start": "window.start",
        "window_end": "window.end",
    }
    raw_window = item.get("window")
    window: Mapping[str, Any] = raw_window if isinstance(raw_window, Mapping) else {}
    fields: dict[str, Any] = {
        name: item.get(name)
        for name in ("channel", "external_id", "brand", "customer", "outcode", "status", "fulfilment", "site")
    }
    for name, value, label in (
        ("created_at", item.get("created_at"), "created_at"),
        ("window_start", window.get("start"), "window.start"),
        ("window_end", window.get("end"), "window.end"),
    ):
        try:
            fields[name] = parse_vendor_timestamp(value)
        except ValueError as exc:
            log.add(str(exc), row=row, field=label)
    lines = []
    for i, line in enumerate(item.get("lines") or []):
        path = f"lines[{i}]"
        if not isinstance(line, Mapping):
            log.add("expected a line object", row=row, field=path)
            continue
        line_labels = {k: f"{path}.{k}" for k in ("sku", "quantity", "unit_price_pence", "line_no")}
        lines.append(
            LineDraft(
                row=row,
                labels=line_labels,
                sku=str(line.get("sku") or ""),
                quantity=_int(line.get("quantity"), row, line_labels["quantity"], log),
                unit_price_pence=_int(
                    line.get("unit_price_pence", 0), row, line_labels["unit_price_pence"], log
                ),
                line_no=_int(line.get("line_no"), row, line_labels["line_no"], log),
            )
        )
    return OrderDraft(row=row, labels=labels, fields=fields, lines=lines)
