"""ORM models for second-life items, grades and dispositions.

``second_life_items`` holds one row per item taken in: what was known at intake (immutable) and, for
queries, its current status, grade and channel. ``second_life_events`` is the item's full history,
append-only (database triggers refuse ``UPDATE`` and ``DELETE`` on both backends, see migration
0007): the intake, every grading, refurbishment task and the disposition, each with its record as
JSON. The item's state is the replay of its events (:func:`microfactory.circular.replay`); the status
columns are a copy kept for filtering. Money in integer pence, mass in kg, dimensions in mm.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from microfactory.store.models.base import Base, CodeStr, JsonObject, LongText, NameStr, Pence, ShortStr


class SecondLifeItemRow(Base):
    """One item taken in at a site, with its current status (a copy of what its events say)."""

    __tablename__ = "second_life_items"
    __table_args__ = (
        UniqueConstraint("item", name="uq_second_life_items_item"),
        CheckConstraint("mass_kg > 0", name="mass_positive"),
        Index(None, "site", "received_at"),
        Index(None, "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[CodeStr]
    kind: Mapped[ShortStr]
    source: Mapped[ShortStr]
    site: Mapped[CodeStr]
    received_at: Mapped[datetime]
    mass_kg: Mapped[float]
    material: Mapped[CodeStr]
    new_value_pence: Mapped[Pence]
    make: Mapped[NameStr | None]
    model: Mapped[NameStr | None]
    manufacture_year: Mapped[int | None]
    origin: Mapped[ShortStr | None]
    finish: Mapped[CodeStr | None]
    thickness_mm: Mapped[float | None]
    length_mm: Mapped[float | None]
    width_mm: Mapped[float | None]
    note: Mapped[LongText]
    status: Mapped[ShortStr]
    grade: Mapped[ShortStr | None]
    channel: Mapped[ShortStr | None]
    disposed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class SecondLifeEventRow(Base):
    """One append-only history entry of an item (intake, grade, refurbish, dispose)."""

    __tablename__ = "second_life_events"
    __table_args__ = (
        UniqueConstraint("item_id", "sequence", name="uq_second_life_events_item_id_sequence"),
        Index(None, "kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("second_life_items.id"))
    sequence: Mapped[int]
    kind: Mapped[ShortStr]
    at: Mapped[datetime]
    actor: Mapped[NameStr]
    summary: Mapped[LongText]
    detail: Mapped[JsonObject]
    recorded_at: Mapped[datetime]
