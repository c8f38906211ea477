"""Lot traceability: forward and backward traces and recall lists, one recursive query each.

The same ``WITH RECURSIVE`` SQL runs on SQLite and PostgreSQL; results are
:class:`microfactory.quality.trace.Trace` records.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from microfactory.errors import NotFoundError
from microfactory.quality.trace import Direction, Trace, TracedDelivery, TracedLot
from microfactory.store._quality_common import MAX_TRACE_DEPTH
from microfactory.store.types import UtcDateTime

_TRACE_COLUMNS = {"produced_at": UtcDateTime(), "window_start": UtcDateTime()}
_FORWARD = text(
    "WITH RECURSIVE down(lot_id, depth) AS ("
    " SELECT id, 0 FROM lots WHERE code = :code"
    " UNION SELECT li.lot_id, d.depth + 1 FROM lot_inputs li JOIN down d ON li.input_lot_id = d.lot_id"
    f" WHERE d.depth < {MAX_TRACE_DEPTH}),"
    " reached AS (SELECT lot_id, MIN(depth) AS depth FROM down GROUP BY lot_id)"
    " SELECT l.code, l.site, l.sku, l.kind, l.status, l.quantity, l.produced_at, r.depth,"
    " a.kind AS alloc_kind, a.quantity AS alloc_quantity, a.line_no, a.to_site,"
    " o.channel, o.external_id, o.customer, o.brand, o.outcode, o.window_start"
    " FROM reached r JOIN lots l ON l.id = r.lot_id"
    " LEFT JOIN lot_allocations a ON a.lot_id = l.id LEFT JOIN orders o ON o.id = a.order_id"
).columns(**_TRACE_COLUMNS)
_BACKWARD = text(
    "WITH RECURSIVE up(lot_id, depth) AS ("
    " SELECT id, 0 FROM lots WHERE code = :code"
    " UNION SELECT li.input_lot_id, u.depth + 1 FROM lot_inputs li JOIN up u ON li.lot_id = u.lot_id"
    f" WHERE u.depth < {MAX_TRACE_DEPTH})"
    " SELECT l.code, l.site, l.sku, l.kind, l.status, l.quantity, l.produced_at, MIN(u.depth) AS depth"
    " FROM up u JOIN lots l ON l.id = u.lot_id"
    " GROUP BY l.code, l.site, l.sku, l.kind, l.status, l.quantity, l.produced_at"
).columns(produced_at=UtcDateTime())


def _traced_lot(r: RowMapping) -> TracedLot:
    return TracedLot(
        r["code"], r["site"], r["sku"], r["kind"], r["status"], r["quantity"], r["produced_at"], r["depth"]
    )


def _trace(session: Session, code: str, direction: Direction) -> Trace:
    rows = session.execute(
        _FORWARD if direction == Direction.FORWARD else _BACKWARD, {"code": code}
    ).mappings()
    lots: dict[str, TracedLot] = {}
    deliveries: list[TracedDelivery] = []
    for r in rows:
        lots.setdefault(r["code"], _traced_lot(r))
        if direction == Direction.FORWARD and r["alloc_kind"] is not None:
            deliveries.append(
                TracedDelivery(
                    lot=r["code"],
                    kind=r["alloc_kind"],
                    sku=r["sku"],
                    quantity=r["alloc_quantity"],
                    order_channel=r["channel"],
                    order_external_id=r["external_id"],
                    line_no=r["line_no"],
                    customer=r["customer"],
                    brand=r["brand"],
                    outcode=r["outcode"],
                    window_start=r["window_start"],
                    to_site=r["to_site"],
                )
            )
    if not lots:
        raise NotFoundError("lot", code)
    ordered = sorted(lots.values(), key=lambda t: (t.depth, t.code))
    deliveries.sort(key=lambda d: (d.order or "", d.lot, d.line_no or 0, d.to_site or ""))
    return Trace(code, direction, tuple(ordered), tuple(deliveries))


def trace_forward(session: Session, code: str) -> Trace:
    """Every lot made from lot ``code`` (at any depth) and every delivery or transfer of them.

    One recursive query (``WITH RECURSIVE``, the same SQL on SQLite and PostgreSQL) over the
    ``lot_inputs`` index on ``input_lot_id`` and the ``lot_allocations`` index on ``lot_id``. Raises
    :class:`~microfactory.errors.NotFoundError` for an unknown lot.
    """
    return _trace(session, code, Direction.FORWARD)


def trace_backward(session: Session, code: str) -> Trace:
    """Every lot that went into lot ``code`` (materials, components, starter cultures), at any depth."""
    return _trace(session, code, Direction.BACKWARD)


def recall(session: Session, code: str) -> Trace:
    """The recall list of lot ``code``: every order, customer and transfer reached by its units.

    The forward trace (one query); summarise it with
    :func:`microfactory.quality.trace.recall_rows` or ``Trace.recipients``.
    """
    return trace_forward(session, code)
