"""Replenishment lead times from the producing microfactory's release calendar.

A hub's transfer is made in a production run, and runs start only at the site's release slots (e.g.
Tue, Thu and Sat 06:00 at a kitchen microfactory). An order placed at a review ``cut_off_hours`` before
a slot is made from that slot, ready ``make_hours`` later and at the hub after ``transit_hours``. So the
lead time depends on the weekday: an order placed for a Saturday slot arrives on Saturday, while the
next one waits until Tuesday. Stock bought at one review must last until the *next* review's transfer
arrives (the protection interval), which is also weekday-dependent (Silver, Pyke & Peterson 2017, §7.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from microfactory.domain import Calendar, Weekday
from microfactory.errors import InvalidInputError


@dataclass(frozen=True)
class ReplenishmentCycle:
    """One review: when the hub orders, which release slot makes it, when it lands, and the next landing."""

    order_at: datetime
    release_at: datetime
    arrival_at: datetime
    next_arrival_at: datetime

    @property
    def weekday(self) -> Weekday:
        """Weekday of the release slot (in the calendar's zone at creation; UTC date here)."""
        return Weekday(self.release_at.weekday())

    @property
    def lead_time_days(self) -> float:
        """Days from ordering to the transfer landing at the hub."""
        return (self.arrival_at - self.order_at).total_seconds() / 86400.0

    @property
    def protection_days(self) -> float:
        """Days the stock position bought at this review must last: until the next transfer lands."""
        return (self.next_arrival_at - self.order_at).total_seconds() / 86400.0

    @property
    def review_days(self) -> float:
        """Days between this transfer landing and the next (the review period seen at the hub)."""
        return (self.next_arrival_at - self.arrival_at).total_seconds() / 86400.0


def replenishment_cycles(
    calendar: Calendar,
    start: datetime,
    end: datetime,
    *,
    make_hours: float,
    transit_hours: float,
    cut_off_hours: float = 12.0,
) -> list[ReplenishmentCycle]:
    """The replenishment cycles whose release slot lies in ``[start, end)`` (aware datetimes).

    Slots inside closures are skipped (by :meth:`Calendar.release_times`), so a bank holiday lengthens
    the cycle around it. The last slot's next arrival is looked up beyond ``end`` (up to five weeks).

    Raises:
        InvalidInputError: The calendar has no release slot in the range (or the hours are negative).
    """
    if make_hours < 0 or transit_hours < 0 or cut_off_hours < 0:
        raise InvalidInputError.single(
            f"calendar {calendar.code}", "make, transit and cut-off hours must be ≥ 0", field="release_slots"
        )
    slots = calendar.release_times(start, end + timedelta(days=35))
    inside = [s for s in slots if s < end]
    if not inside or len(slots) <= len(inside):
        raise InvalidInputError.single(
            f"calendar {calendar.code}",
            f"no release slot between {start.isoformat()} and {end.isoformat()}: hubs cannot be replenished",
            field="release_slots",
        )
    delay = timedelta(hours=make_hours + transit_hours)
    cut = timedelta(hours=cut_off_hours)
    return [
        ReplenishmentCycle(
            order_at=slot - cut,
            release_at=slot,
            arrival_at=slot + delay,
            next_arrival_at=slots[i + 1] + delay,
        )
        for i, slot in enumerate(inside)
    ]


def weekly_lead_times(
    calendar: Calendar,
    week_start: datetime,
    *,
    make_hours: float,
    transit_hours: float,
    cut_off_hours: float = 12.0,
) -> dict[Weekday, ReplenishmentCycle]:
    """The cycle of each release weekday in the week from ``week_start`` (local weekday of the slot)."""
    cycles = replenishment_cycles(
        calendar,
        week_start,
        week_start + timedelta(days=7),
        make_hours=make_hours,
        transit_hours=transit_hours,
        cut_off_hours=cut_off_hours,
    )
    zone = calendar.zone
    return {Weekday(c.release_at.astimezone(zone).weekday()): c for c in cycles}
