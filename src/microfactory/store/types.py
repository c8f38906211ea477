"""Column types shared by the ORM models.

:class:`UtcDateTime` keeps the domain's rule that every instant is an aware UTC datetime all the way
down to the database and back, on SQLite (which has no time zone support) and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC and read back as an aware UTC ``datetime``.

    Writing a naive datetime raises ``ValueError``: a naive time is ambiguous (UTC? Europe/London in
    summer?), so it is refused rather than guessed. Aware values in any zone are converted to UTC.
    PostgreSQL stores ``timestamp with time zone``; SQLite stores the naive UTC wall time as text, and
    the UTC zone is put back on read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Check ``value`` is aware and convert it to UTC (naive UTC on SQLite)."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise ValueError(
                f"datetime {value.isoformat()} has no timezone: a timezone is needed to store it "
                "(use an aware datetime, e.g. datetime.now(UTC))"
            )
        utc = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return utc.replace(tzinfo=None)
        return utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return the stored instant as an aware UTC datetime."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
