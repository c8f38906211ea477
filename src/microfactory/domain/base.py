"""Shared building blocks for domain models: immutable validated records, codes, UTC times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-/+&]*$"

Code = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=CODE_PATTERN)]
"""A natural key: letters, digits and ``_ . - / + &``; no spaces, so it is safe in files and URLs."""

Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
"""A human-readable name."""


def ensure_aware_utc(value: datetime) -> datetime:
    """Refuse naive datetimes and normalise aware ones to UTC.

    A naive time is ambiguous (UTC? Europe/London in summer?), so the domain never accepts one.
    """
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError("datetime must be timezone-aware (got a naive datetime)")
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(ensure_aware_utc)]
"""An aware datetime, stored and compared in UTC."""


class DomainModel(BaseModel):
    """Base of every domain record: immutable, strict about unknown fields, validated on build."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)
