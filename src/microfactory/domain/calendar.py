"""Working calendars: weekly shifts, closures and release slots, in a local time zone.

Shifts and release slots are wall-clock times in the calendar's zone (Europe/London by default), so a
06:00 shift stays at 06:00 local across the clocks changing; every computed interval is returned in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from microfactory.domain.base import Code, DomainModel, UtcDatetime


class Weekday(IntEnum):
    """Day of the week, Monday = 0 as in :meth:`datetime.date.weekday`."""

    MON = 0
    TUE = 1
    WED = 2
    THU = 3
    FRI = 4
    SAT = 5
    SUN = 6


class Shift(DomainModel):
    """A weekly working period starting on ``weekday`` at local ``start``.

    When ``end`` is not after ``start`` the shift runs past midnight into the next day.
    """

    weekday: Weekday
    start: time
    end: time

    @model_validator(mode="after")
    def _not_empty(self) -> Shift:
        if self.start == self.end:
            raise ValueError("shift start and end are equal: a shift must have a length")
        return self

    @property
    def minutes(self) -> int:
        """Length of the shift in minutes (wall clock)."""
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        return end - start if end > start else end + 24 * 60 - start


class Closure(DomainModel):
    """A period when the calendar is closed (bank holiday, maintenance, deep clean)."""

    start: UtcDatetime
    end: UtcDatetime
    reason: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Closure:
        if self.end <= self.start:
            raise ValueError(f"closure end ({self.end.isoformat()}) is not after its start")
        return self


class ReleaseSlot(DomainModel):
    """A fixed weekly time when a site may start production runs (e.g. Tue 06:00)."""

    weekday: Weekday
    at: time


class Calendar(DomainModel):
    """Weekly shifts, closures and release slots of a site, resource or labour pool."""

    code: Code
    timezone: str = "Europe/London"
    shifts: tuple[Shift, ...] = Field(min_length=1)
    closures: tuple[Closure, ...] = ()
    release_slots: tuple[ReleaseSlot, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return ZoneInfo(self.timezone)

    def _local_days(self, start: datetime, end: datetime) -> Iterator[date]:
        # One day of margin either side covers shifts that cross midnight and any UTC offset.
        first = start.astimezone(self.zone).date() - timedelta(days=1)
        last = end.astimezone(self.zone).date() + timedelta(days=1)
        day = first
        while day <= last:
            yield day
            day += timedelta(days=1)

    def _to_utc(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.zone).astimezone(UTC)

    def open_intervals(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Open periods within ``[start, end)`` in UTC: shifts minus closures, merged and sorted."""
        start, end = _utc(start, "start"), _utc(end, "end")
        if end <= start:
            return []
        raw: list[tuple[datetime, datetime]] = []
        for day in self._local_days(start, end):
            for shift in self.shifts:
                if day.weekday() != shift.weekday:
                    continue
                shift_start = self._to_utc(day, shift.start)
                end_day = day if shift.end > shift.start else day + timedelta(days=1)
                shift_end = self._to_utc(end_day, shift.end)
                lo, hi = max(shift_start, start), min(shift_end, end)
                if lo < hi:
                    raw.append((lo, hi))
        merged = _merge(raw)
        for closure in self.closures:
            merged = _subtract(merged, closure.start, closure.end)
        return merged

    def open_minutes(self, start: datetime, end: datetime) -> float:
        """Total open time in ``[start, end)``, in minutes."""
        return sum((b - a).total_seconds() for a, b in self.open_intervals(start, end)) / 60.0

    def release_times(self, start: datetime, end: datetime) -> list[datetime]:
        """Release-slot instants within ``[start, end)`` in UTC, skipping those inside closures."""
        start, end = _utc(start, "start"), _utc(end, "end")
        times: set[datetime] = set()
        for day in self._local_days(start, end):
            for slot in self.release_slots:
                if day.weekday() != slot.weekday:
                    continue
                at = self._to_utc(day, slot.at)
                if start <= at < end and not any(c.start <= at < c.end for c in self.closures):
                    times.add(at)
        return sorted(times)


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


def _merge(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _subtract(
    intervals: list[tuple[datetime, datetime]], cut_start: datetime, cut_end: datetime
) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for lo, hi in intervals:
        if hi <= cut_start or lo >= cut_end:
            out.append((lo, hi))
            continue
        if lo < cut_start:
            out.append((lo, cut_start))
        if hi > cut_end:
            out.append((cut_end, hi))
    return out
