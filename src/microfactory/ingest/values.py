"""Parsing single values from exports: text encodings, local and aware timestamps, money, quantities.

Every function here is pure and raises ``ValueError`` with a short reason (no location); the callers
add the file, row and field when they turn it into an :class:`~microfactory.errors.InputIssue`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTF8_BOM = b"\xef\xbb\xbf"


def decode_text(data: bytes, encoding: str = "auto") -> str:
    """Text of an export file: UTF-8 (a byte-order mark is dropped), else Windows-1252.

    Excel writes "CSV UTF-8" with a BOM and plain "CSV" in the machine's code page (cp1252 on UK
    Windows, where ``£`` is byte 0xA3), so ``"auto"`` tries UTF-8 first and falls back to cp1252.
    Any other ``encoding`` is used as given. Raises ``ValueError`` when the bytes do not decode.
    """
    if encoding == "auto":
        if data.startswith(UTF8_BOM):
            return data[len(UTF8_BOM) :].decode("utf-8")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252")
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ValueError(f"cannot decode as {encoding}: {exc}") from exc
    return text.removeprefix("\ufeff")


def zone_info(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``Europe/London``); ``ValueError`` when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def localise(naive: datetime, zone: ZoneInfo) -> datetime:
    """Attach ``zone`` to a wall-clock time and return it in UTC, DST-correct.

    A wall time in the spring-forward gap (01:30 on the last Sunday of March in London) never
    happened, so it is refused; a time in the autumn overlap (01:30 on the last Sunday of October
    happens twice) is taken as the first occurrence (BST), the reading of a till that stamps the
    time as it is rung up. Raises ``ValueError`` for a time in the gap.
    """
    aware = naive.replace(tzinfo=zone, fold=0)
    back = aware.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != naive:
        raise ValueError(f"{naive:%Y-%m-%d %H:%M} does not exist in {zone.key} (clocks go forward)")
    return aware.astimezone(UTC)


def parse_timestamp(text: str, formats: tuple[str, ...], zone: ZoneInfo | None) -> datetime:
    """A timestamp from ``text`` as an aware UTC datetime.

    ``formats`` are :func:`datetime.strptime` formats tried in order; the special format ``"iso"``
    accepts ISO 8601 (``2026-11-23T08:00:00+00:00``, ``...Z``). A timestamp that carries its own
    offset is used as is; a naive one is read as wall time in ``zone`` (see :func:`localise`), and
    refused when no zone was declared, because a naive time is ambiguous (UTC? BST?).
    Raises ``ValueError`` naming what was expected.
    """
    value = text.strip()
    if not value:
        raise ValueError("empty timestamp")
    parsed: datetime | None = None
    for fmt in formats:
        try:
            parsed = datetime.fromisoformat(value) if fmt == "iso" else datetime.strptime(value, fmt)
        except ValueError:
            continue
        break
    if parsed is None:
        shown = ", ".join(repr(f) for f in formats)
        raise ValueError(f"{value!r} does not match the declared date format(s) {shown}")
    if parsed.tzinfo is not None and parsed.utcoffset() is not None:
        return parsed.astimezone(UTC)
    if zone is None:
        raise ValueError(f"{value!r} has no UTC offset and the mapping declares no time zone")
    return localise(parsed, zone)


def parse_vendor_timestamp(value: object) -> datetime:
    """An RFC 3339 / ISO 8601 timestamp from a vendor API (``2026-11-20T12:30:00.123Z``, ``+0000``).

    Vendor APIs (Square, Toast, Deliverect) always send UTC or an explicit offset; a naive value is
    refused rather than guessed. Toast writes offsets without a colon (``+0000``) and Deliverect
    sends six fractional digits; both are accepted. Raises ``ValueError``.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected an ISO 8601 timestamp string, got {value!r}")
    text = value.strip()
    fixed = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    try:
        parsed = datetime.fromisoformat(fixed)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not an ISO 8601 timestamp") from exc
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"{text!r} has no UTC offset (a naive timestamp is ambiguous)")
    return parsed.astimezone(UTC)


_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_iso_duration(value: object) -> timedelta:
    """An RFC 3339 duration as used by Square (``PT1H``, ``PT30M``, ``P1DT2H``); ``ValueError`` if not."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None or value in ("P", "PT"):
        raise ValueError(f"{value!r} is not an ISO 8601 duration such as 'PT1H'")
    parts = {k: float(v) for k, v in match.groupdict().items() if v is not None}
    return timedelta(
        weeks=parts.get("weeks", 0),
        days=parts.get("days", 0),
        hours=parts.get("hours", 0),
        minutes=parts.get("minutes", 0),
        seconds=parts.get("seconds", 0),
    )


def parse_decimal(text: str) -> Decimal:
    """A decimal number from an export cell: ``1,234.50``, ``£6.95``, `` 12 `` all parse.

    Thousands separators and a leading currency sign are what Excel adds when a column is formatted
    as currency; anything else non-numeric is refused with ``ValueError``.
    """
    cleaned = text.strip().replace(",", "").lstrip("£$€").strip()
    if not cleaned:
        raise ValueError("empty number")
    try:
        number = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"{text.strip()!r} is not a number") from exc
    if not number.is_finite():
        raise ValueError(f"{text.strip()!r} is not a finite number")
    return number


def parse_integer(text: str) -> int:
    """A whole number (``12``, ``12.0``, ``-96``); ``ValueError`` for ``1.5`` or non-numbers."""
    number = parse_decimal(text)
    if number != number.to_integral_value():
        raise ValueError(f"{text.strip()!r} is not a whole number")
    return int(number)


def to_pence(amount: Decimal, *, minor_units: bool = False) -> int:
    """Money in integer pence from an amount in pounds (``6.95`` → 695), half-up to the penny.

    With ``minor_units`` the amount is already in pence and must be whole.
    """
    if minor_units:
        if amount != amount.to_integral_value():
            raise ValueError(f"{amount} is not a whole number of pence")
        return int(amount)
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})?$")


def outcode_of(postcode: str) -> str:
    """The outward code of a UK postcode or outcode: ``"sw1a 1aa"`` → ``"SW1A"``, ``"M1"`` → ``"M1"``.

    Raises ``ValueError`` for anything that is not a UK postcode (``"9000 LK"``, ``"10001"``).
    """
    text = " ".join(postcode.strip().upper().split())
    match = _POSTCODE.match(text)
    if match is None:
        raise ValueError(f"{postcode.strip()!r} is not a UK postcode")
    return match.group(1)
