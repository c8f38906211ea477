"""Single values from exports: encodings, DST-correct local times, vendor timestamps, money, postcodes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microfactory.ingest.values import (
    decode_text,
    outcode_of,
    parse_integer,
    parse_iso_duration,
    parse_timestamp,
    parse_vendor_timestamp,
    to_pence,
    zone_info,
)

LONDON = zone_info("Europe/London")


def test_decode_drops_a_utf8_bom_and_falls_back_to_cp1252() -> None:
    """Excel's "CSV UTF-8" has a BOM; its plain CSV is Windows-1252, where £ is one byte 0xA3."""
    assert decode_text("\ufeffa,£1".encode()) == "a,£1"
    assert decode_text("a,£1".encode("cp1252")) == "a,£1"
    with pytest.raises(ValueError, match="cannot decode"):
        decode_text(b"\xff\xfe", "utf-8")


def test_london_wall_times_convert_to_utc_across_both_dst_changes() -> None:
    """GMT in winter, BST in summer; a time in the spring gap is refused; the autumn overlap takes BST."""
    fmt = ("%d/%m/%Y %H:%M",)
    assert parse_timestamp("01/12/2009 07:45", fmt, LONDON) == datetime(2009, 12, 1, 7, 45, tzinfo=UTC)
    assert parse_timestamp("14/07/2026 17:05", fmt, LONDON) == datetime(2026, 7, 14, 16, 5, tzinfo=UTC)
    assert parse_timestamp("25/10/2026 01:30", fmt, LONDON) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="does not exist in Europe/London"):
        parse_timestamp("29/03/2026 01:30", fmt, LONDON)


def test_naive_times_need_a_declared_zone_but_offsets_do_not() -> None:
    """A time without an offset is ambiguous unless the mapping declares the zone it is in."""
    with pytest.raises(ValueError, match="no UTC offset and the mapping declares no time zone"):
        parse_timestamp("2026-07-14 17:05", ("iso",), None)
    assert parse_timestamp("2026-07-14T17:05:00+01:00", ("iso",), None) == datetime(
        2026, 7, 14, 16, 5, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="does not match the declared date format"):
        parse_timestamp("14.07.2026", ("%d/%m/%Y",), LONDON)


def test_vendor_timestamps_accept_z_and_colonless_offsets_and_refuse_naive() -> None:
    """Square sends ``...Z``, Toast ``+0000``, Deliverect six fractional digits; naive is refused."""
    want = datetime(2026, 11, 3, 12, 1, 45, tzinfo=UTC)
    assert parse_vendor_timestamp("2026-11-03T12:01:45.000+0000") == want
    assert parse_vendor_timestamp("2026-11-03T12:01:45Z") == want
    assert parse_vendor_timestamp("2026-11-03T12:01:45.000000Z") == want
    with pytest.raises(ValueError, match="no UTC offset"):
        parse_vendor_timestamp("2026-11-03T12:01:45")


def test_durations_numbers_and_money() -> None:
    """Square durations, whole quantities and half-up pence from pounds."""
    assert parse_iso_duration("PT1H30M") == timedelta(minutes=90)
    assert parse_iso_duration("P1DT2H") == timedelta(hours=26)
    with pytest.raises(ValueError):
        parse_iso_duration("1 hour")
    assert parse_integer(" 12.0 ") == 12
    assert parse_integer("-1,043") == -1043
    with pytest.raises(ValueError, match="not a whole number"):
        parse_integer("1.5")
    with pytest.raises(ValueError, match="not a number"):
        parse_integer("twelve")
    assert to_pence(Decimal("6.95")) == 695
    assert to_pence(Decimal("0.125")) == 13
    assert to_pence(Decimal(250), minor_units=True) == 250


def test_outcodes_from_postcodes() -> None:
    """Full postcodes with or without a space, and bare outcodes; foreign codes are refused."""
    assert outcode_of("sw1a 1aa") == "SW1A"
    assert outcode_of("M11AE") == "M1"
    assert outcode_of(" EC2A ") == "EC2A"
    with pytest.raises(ValueError, match="not a UK postcode"):
        outcode_of("9000 LK")


@given(st.integers(min_value=0, max_value=10**9))
def test_pence_round_trip_through_pounds_text(pence: int) -> None:
    """Formatting pence as pounds and parsing it back is exact."""
    assert to_pence(Decimal(f"{pence // 100}.{pence % 100:02d}")) == pence
