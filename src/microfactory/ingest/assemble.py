"""From draft orders (what an adapter read) to validated canonical orders, collecting every issue.

Every format adapter (CSV, Square, Toast, Deliverect, canonical) reads its file into
:class:`OrderDraft` records that remember where each value came from (row and column, or JSON path).
:func:`assemble_orders` then applies the rules every source shares: SKU translation and the
unknown-SKU policy, brand and outcode checks against the master data, default delivery windows, the
sign of quantities, duplicate keys, and the domain's own validation. It never stops at the first
problem: the caller gets all of them, so one pass over the file fixes everything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from microfactory.domain import FulfilmentKind, Order, OrderStatus
from microfactory.errors import ErrorLocation, InputIssue, InvalidInputError
from microfactory.ingest.mapping import ImportMapping, UnknownSkuPolicy


@dataclass(frozen=True, slots=True)
class ReferenceData:
    """The master data an import is checked against (a snapshot read by the store layer).

    ``families`` maps SKU family code → brand; ``site_outcodes`` maps site code → its outcode (a
    pickup order without an address is placed in its site's zone).
    """

    brands: frozenset[str] = frozenset()
    outcodes: frozenset[str] = frozenset()
    skus: frozenset[str] = frozenset()
    families: Mapping[str, str] = field(default_factory=dict)
    site_outcodes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NewSku:
    """A SKU the import adds to the master data (policy ``create``), copied from ``template``."""

    code: str
    family: str
    template: str
    name: str
    unit_price_pence: int


@dataclass(frozen=True, slots=True)
class ParsedOrders:
    """What a file holds once parsed and checked: orders ready to upsert, and what was left out."""

    source: str
    orders: tuple[Order, ...]
    rows_read: int
    skipped: Mapping[str, int] = field(default_factory=dict)
    """Rows (or lines) left out on purpose, by reason."""
    new_skus: tuple[NewSku, ...] = ()

    @property
    def lines(self) -> int:
        """Order lines over all orders."""
        return sum(len(o.lines) for o in self.orders)


@dataclass(slots=True)
class LineDraft:
    """One order line as read; ``quantity`` keeps its sign (credit notes are negative)."""

    row: int
    labels: Mapping[str, str]
    """Canonical field → how the source names it (a column, a JSON path), for error messages."""
    sku: str
    quantity: int
    unit_price_pence: int
    description: str | None = None
    line_no: int | None = None


@dataclass(slots=True)
class OrderDraft:
    """One order as read, before checks; ``fields`` holds the order-level values by canonical name.

    Keys of ``fields``: ``channel, external_id, brand, customer, outcode, created_at, window_start,
    window_end, status, fulfilment, site`` (missing or ``None`` where the source had nothing).
    """

    row: int
    labels: Mapping[str, str]
    fields: dict[str, Any]
    lines: list[LineDraft] = field(default_factory=list)
    complete: bool = True
    """False when reading the order already logged an issue: checks still run, but the order is not
    built (its validation would only repeat the same problem in other words)."""

    def label(self, name: str) -> str:
        """How the source names the canonical field ``name``."""
        return self.labels.get(name, name)


class IssueLog:
    """Collects issues for one source file, each at ``file:row:field``."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.issues: list[InputIssue] = []

    def add(self, reason: str, *, row: int | None = None, field: str | None = None) -> None:
        """Record one issue."""
        self.issues.append(InputIssue(ErrorLocation(self.source, field=field, row=row), reason))

    def raise_if_any(self) -> None:
        """Raise :class:`InvalidInputError` with every issue, in row order, when there are any."""
        if self.issues:
            ordered = sorted(self.issues, key=lambda i: i.location.row or 0)
            raise InvalidInputError(ordered)


def assemble_orders(
    drafts: Sequence[OrderDraft],
    *,
    log: IssueLog,
    mapping: ImportMapping,
    references: ReferenceData,
    rows_read: int,
    skipped: Mapping[str, int] | None = None,
) -> ParsedOrders:
    """Check drafts against the shared rules and the master data; build the canonical orders.

    Raises :class:`InvalidInputError` listing every issue (those already in ``log`` from reading
    the file, and those found here) when there is any, so nothing of the file is imported.
    """
    if not drafts and not log.issues:
        log.add("no orders in the file (empty, or every row skipped)")
    _check_sku_template(mapping, references, log)
    orders: list[Order] = []
    first_row: dict[tuple[str, str], int] = {}
    new_skus: dict[str, NewSku] = {}
    for draft in drafts:
        order = _assemble_one(draft, log=log, mapping=mapping, references=references, new_skus=new_skus)
        if order is None:
            continue
        if order.key in first_row:
            log.add(
                f"duplicate order key (channel {order.channel!r}, id {order.external_id!r}); "
                f"first seen at row {first_row[order.key]}",
                row=draft.row,
                field=draft.label("external_id"),
            )
            continue
        first_row[order.key] = draft.row
        orders.append(order)
    log.raise_if_any()
    return ParsedOrders(
        source=log.source,
        orders=tuple(orders),
        rows_read=rows_read,
        skipped=dict(skipped or {}),
        new_skus=tuple(new_skus.values()),
    )


def _check_sku_template(mapping: ImportMapping, references: ReferenceData, log: IssueLog) -> None:
    rules = mapping.skus
    if rules.unknown is not UnknownSkuPolicy.CREATE:
        return
    if rules.family not in references.families:
        log.add(f"SKU family {rules.family!r} is not in the master data", field="mapping:skus.family")
    if rules.template not in references.skus:
        log.add(f"template SKU {rules.template!r} is not in the master data", field="mapping:skus.template")


def _assemble_one(
    draft: OrderDraft,
    *,
    log: IssueLog,
    mapping: ImportMapping,
    references: ReferenceData,
    new_skus: dict[str, NewSku],
) -> Order | None:
    before = len(log.issues)
    values = dict(draft.fields)
    status = values.get("status") or mapping.defaults.status
    try:
        cancelled = OrderStatus(status) is OrderStatus.CANCELLED
    except ValueError:
        known = ", ".join(s.value for s in OrderStatus)
        log.add(f"unknown status {status!r} (known: {known})", row=draft.row, field=draft.label("status"))
        cancelled = False

    brand = values.get("brand")
    if brand and brand not in references.brands:
        log.add(f"unknown brand {brand!r}: not in the master data", row=draft.row, field=draft.label("brand"))

    site = values.get("site")
    if site and site not in references.site_outcodes:
        log.add(f"unknown site {site!r}: not in the master data", row=draft.row, field=draft.label("site"))
    outcode = values.get("outcode")
    # No delivery address: a pickup is placed in its site's zone, anything else in the default zone.
    if not outcode and site and values.get("fulfilment") == FulfilmentKind.PICKUP:
        outcode = references.site_outcodes.get(site)
    if not outcode:
        outcode = mapping.defaults.outcode
    if not outcode:
        log.add(
            "no outcode: the source has no delivery postcode for this order; "
            "set [defaults] outcode (or map the location to a site)",
            row=draft.row,
            field=draft.label("outcode"),
        )
    else:
        outcode = str(outcode).strip().upper()
        if outcode not in references.outcodes:
            log.add(
                f"unknown outcode {outcode!r}: not a zone in the master data",
                row=draft.row,
                field=draft.label("outcode"),
            )
    values["outcode"] = outcode

    created_at = values.get("created_at")
    if isinstance(created_at, datetime) and values.get("window_start") is None:
        start = created_at + timedelta(minutes=mapping.window.start_after_minutes)
        values["window_start"] = start
        values["window_end"] = start + timedelta(minutes=mapping.window.length_minutes)

    lines = _assemble_lines(
        draft, cancelled=cancelled, log=log, mapping=mapping, references=references, new_skus=new_skus
    )
    if len(log.issues) > before or not draft.complete:
        return None
    payload = {
        "channel": values.get("channel"),
        "external_id": values.get("external_id"),
        "brand": brand,
        "customer": values.get("customer") or None,
        "outcode": outcode,
        "created_at": created_at,
        "window": {"start": values.get("window_start"), "end": values.get("window_end")},
        "status": status,
        "fulfilment": values.get("fulfilment") or mapping.defaults.fulfilment,
        "site": site or None,
        "lines": sorted(lines, key=lambda ln: ln["line_no"]),
    }
    try:
        return Order.model_validate(payload)
    except ValidationError as exc:
        _report_validation(exc, draft, log)
        return None


def _assemble_lines(
    draft: OrderDraft,
    *,
    cancelled: bool,
    log: IssueLog,
    mapping: ImportMapping,
    references: ReferenceData,
    new_skus: dict[str, NewSku],
) -> list[dict[str, Any]]:
    rules = mapping.skus
    lines: list[dict[str, Any]] = []
    seen_numbers: dict[int, int] = {}
    for position, line in enumerate(draft.lines, start=1):
        sku_label = line.labels.get("sku", "sku")
        sku = rules.map.get(line.sku, line.sku).strip()
        if not sku:
            log.add("empty SKU", row=line.row, field=sku_label)
        elif sku not in references.skus and sku not in new_skus:
            if rules.unknown is UnknownSkuPolicy.CREATE and rules.family and rules.template:
                new_skus[sku] = NewSku(
                    code=sku,
                    family=rules.family,
                    template=rules.template,
                    name=(line.description or sku).strip()[:200] or sku,
                    unit_price_pence=max(line.unit_price_pence, 0),
                )
            else:
                log.add(
                    f"unknown SKU {sku!r}: not in the master data (translate it under [skus.map] "
                    "or set [skus] unknown = 'create')",
                    row=line.row,
                    field=sku_label,
                )
        quantity = line.quantity
        if quantity < 0 and cancelled:
            quantity = -quantity
        if quantity < 0:
            log.add(
                f"negative quantity {quantity} outside a cancellation or return",
                row=line.row,
                field=line.labels.get("quantity", "quantity"),
            )
        elif quantity == 0:
            log.add(
                "quantity 0: a line needs at least one unit", row=line.row, field=line.labels.get("quantity")
            )
        if line.unit_price_pence < 0:
            log.add(
                f"negative unit price {line.unit_price_pence} pence",
                row=line.row,
                field=line.labels.get("unit_price_pence", "unit_price"),
            )
        number = line.line_no if line.line_no is not None else position
        if number in seen_numbers:
            log.add(
                f"duplicate line number {number} in order {draft.fields.get('external_id')!r}; "
                f"first at row {seen_numbers[number]}",
                row=line.row,
                field=line.labels.get("line_no", "line_no"),
            )
        seen_numbers.setdefault(number, line.row)
        lines.append(
            {"line_no": number, "sku": sku, "quantity": quantity, "unit_price_pence": line.unit_price_pence}
        )
    return lines


_ORDER_FIELD_ALIASES = {"window": "window_start"}


def _report_validation(exc: ValidationError, draft: OrderDraft, log: IssueLog) -> None:
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        message = err["msg"].removeprefix("Value error, ")
        value = err.get("input")
        shown = f" (got {value!r})" if isinstance(value, str | int | float) else ""
        if len(loc) >= 3 and loc[0] == "lines" and loc[1].isdigit():
            line = draft.lines[int(loc[1])]
            log.add(f"{message}{shown}", row=line.row, field=line.labels.get(loc[2], loc[2]))
        elif loc:
            name = _ORDER_FIELD_ALIASES.get(loc[0], loc[0])
            log.add(f"{message}{shown}", row=draft.row, field=draft.label(name))
        else:
            log.add(f"{message}{shown}", row=draft.row)
