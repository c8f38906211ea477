"""Tables of demand: orders and their lines.

Orders reference master data by natural key (brand, customer, site and SKU codes, outcode) rather
than by foreign key: orders arrive from outside channels (CSV, Square, Toast...) and may name a
customer or outcode the master data does not hold yet; the import validates what it needs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from microfactory.store.models.base import Base, CodeStr, Pence, ShortStr

BIG_ID = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit surrogate key; plain INTEGER on SQLite, where only ``INTEGER PRIMARY KEY`` auto-increments."""


class OrderRow(Base):
    """A customer order; natural key ``(channel, external_id)``.

    ``content_hash`` is a digest of every field and line, so a re-import can tell unchanged orders
    from changed ones without reading their lines; ``revision`` is 0 when first imported and goes up
    by one each time a re-import changes the order. Ids are 64-bit on PostgreSQL because every
    ``INSERT ... ON CONFLICT`` draws a sequence value, even for an order that turns out unchanged.
    """

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    channel: Mapped[CodeStr]
    external_id: Mapped[str] = mapped_column(String(120))
    brand: Mapped[CodeStr] = mapped_column(index=True)
    customer: Mapped[CodeStr | None]
    outcode: Mapped[CodeStr] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    status: Mapped[ShortStr] = mapped_column(index=True)
    fulfilment: Mapped[ShortStr]
    site: Mapped[CodeStr | None]
    content_hash: Mapped[ShortStr]
    revision: Mapped[int]


class OrderLineRow(Base):
    """One SKU and quantity on an order; deleted with its order."""

    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    order_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("orders.id", ondelete="CASCADE"))
    line_no: Mapped[int]
    sku: Mapped[CodeStr]
    quantity: Mapped[int]
    unit_price_pence: Mapped[Pence]
