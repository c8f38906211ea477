"""The declarative base: naming convention, column type map and shared column aliases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from sqlalchemy import JSON, BigInteger, Date, Double, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase

from microfactory.store.types import UtcDateTime

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Deterministic constraint and index names, so Alembic migrations name the same things every time."""

CodeStr = Annotated[str, "code"]
"""A natural key (``Code`` in the domain): up to 80 characters."""
NameStr = Annotated[str, "name"]
"""A human-readable name: up to 200 characters."""
ShortStr = Annotated[str, "short"]
"""An enum value or similar short token: up to 32 characters."""
LongText = Annotated[str, "text"]
"""Free text without a length limit (reasons, constraint descriptions)."""
Pence = Annotated[int, "pence"]
"""Money in integer pence (64-bit, so totals do not overflow)."""
JsonObject = dict[str, Any]
JsonList = list[Any]


class Base(DeclarativeBase):
    """Base of every table; its ``metadata`` is what Alembic compares migrations against."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - read by SQLAlchemy at class creation
        CodeStr: String(80),
        NameStr: String(200),
        ShortStr: String(32),
        LongText: Text(),
        Pence: BigInteger(),
        str: String(200),
        float: Double(),
        datetime: UtcDateTime(),
        date: Date(),
        JsonObject: JSON(),
        JsonList: JSON(),
        dict[str, str]: JSON(),
    }
