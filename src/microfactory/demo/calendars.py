"""Shift patterns, release slots and closures for the demo sites and their resources.

Every site and resource gets its own calendar (``<site>-<what>``) so a planner can change one shop's
shifts without touching another's. Closures are bank holidays of the site's nation over the history and
a year beyond ``as_of``; kitchen plants also shut between Christmas and New Year.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from microfactory.demo.clock import local_midnight_utc
from microfactory.demo.holidays import Nation, bank_holidays_between
from microfactory.domain import Calendar, Closure, ReleaseSlot, Shift, Weekday

WEEKDAYS = (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI)
MON_SAT = (*WEEKDAYS, Weekday.SAT)
EVERY_DAY = (*MON_SAT, Weekday.SUN)


def shifts(days: Iterable[Weekday], *periods: tuple[str, str]) -> tuple[Shift, ...]:
    """The same local periods (``("06:00", "14:00")``) on each of ``days``."""
    return tuple(
        Shift(weekday=day, start=time.fromisoformat(start), end=time.fromisoformat(end))
        for day in days
        for start, end in periods
    )


def round_the_clock() -> tuple[Shift, ...]:
    """Open 24/7 (fermentation vessels, chillers): two 12-hour shifts a day, merged when planning."""
    return shifts(EVERY_DAY, ("00:00", "12:00"), ("12:00", "00:00"))


def release_slots(days: Iterable[Weekday], at: str) -> tuple[ReleaseSlot, ...]:
    """A release slot at local ``at`` on each of ``days``."""
    return tuple(ReleaseSlot(weekday=day, at=time.fromisoformat(at)) for day in days)


@dataclass(frozen=True)
class ClosurePolicy:
    """Which days a site closes: its nation's bank holidays, fixed dates, maybe a Christmas shutdown."""

    nation: Nation
    bank_holidays: bool = True
    christmas_shutdown: bool = False
    """Close from 24 December to 1 January inclusive (kitchen plants)."""
    fixed_days: tuple[tuple[int, int, str], ...] = ()
    """``(month, day, reason)`` closed every year whatever the weekday (food kitchens on 25 December)."""


def closures(policy: ClosurePolicy, first: date, last: date) -> tuple[Closure, ...]:
    """Whole-day closures (local midnight to midnight, in UTC) between ``first`` and ``last``."""
    return tuple(_merged(sorted(closed_days(policy, first, last).items())))


def closed_days(policy: ClosurePolicy, first: date, last: date) -> dict[date, str]:
    """Local dates the policy closes between ``first`` and ``last`` inclusive, with the reason.

    The order generator uses the same days, so no install or delivery lands on a closed day.
    """
    days: dict[date, str] = {}
    if policy.bank_holidays:
        days.update(bank_holidays_between(first, last, policy.nation))
    for year in range(first.year, last.year + 1):
        for month, day_of_month, reason in policy.fixed_days:
            day = date(year, month, day_of_month)
            if first <= day <= last:
                days[day] = reason
    if policy.christmas_shutdown:
        for year in range(first.year - 1, last.year + 1):
            day = date(year, 12, 24)
            while day <= date(year + 1, 1, 1):
                if first <= day <= last:
                    days[day] = "Christmas shutdown"
                day += timedelta(days=1)
    return days


def _merged(days: Sequence[tuple[date, str]]) -> list[Closure]:
    """Join consecutive closed days with the same reason into one closure."""
    out: list[Closure] = []
    run_start: date | None = None
    run_end: date | None = None
    reason = ""
    for day, name in days:
        if run_start is not None and run_end is not None and day == run_end and name == reason:
            run_end = day + timedelta(days=1)
            continue
        if run_start is not None and run_end is not None:
            out.append(_closure(run_start, run_end, reason))
        run_start, run_end, reason = day, day + timedelta(days=1), name
    if run_start is not None and run_end is not None:
        out.append(_closure(run_start, run_end, reason))
    return out


def _closure(start: date, end: date, reason: str) -> Closure:
    return Closure(start=local_midnight_utc(start), end=local_midnight_utc(end), reason=reason)


def calendar(
    code: str,
    shift_list: tuple[Shift, ...],
    closed: tuple[Closure, ...],
    slots: tuple[ReleaseSlot, ...] = (),
) -> Calendar:
    """A Europe/London calendar with ``shift_list``, closures and release slots."""
    return Calendar(code=code, shifts=shift_list, closures=closed, release_slots=slots)
