"""UK bank holidays by rule, for calendar closures of the demo sites.

The rules follow the Banking and Financial Dealings Act 1971 as applied by GOV.UK's bank-holiday list:
England & Wales and Scotland differ (Scotland has 2 January and St Andrew's Day, and its summer holiday
is the first Monday of August, not the last; it has no Easter Monday). A fixed-date holiday on a
weekend moves to the next free weekday. One-off holidays (jubilees, coronations) are not modelled.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum


class Nation(StrEnum):
    """Which bank-holiday list applies to a site."""

    ENGLAND_AND_WALES = "england_and_wales"
    SCOTLAND = "scotland"


def easter_sunday(year: int) -> date:
    """Western Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    return last - timedelta(days=last.weekday())


def _substituted(days: list[tuple[date, str]]) -> list[tuple[date, str]]:
    """Move fixed-date holidays off weekends (and off each other) to the next free weekday."""
    taken: set[date] = set()
    out: list[tuple[date, str]] = []
    for day, name in sorted(days):
        moved = day
        while moved.weekday() >= 5 or moved in taken:
            moved += timedelta(days=1)
        taken.add(moved)
        out.append((moved, name if moved == day else f"{name} (substitute day)"))
    return out


def bank_holidays(year: int, nation: Nation) -> list[tuple[date, str]]:
    """Bank holidays of ``year`` for ``nation`` as ``(date, name)``, sorted by date."""
    easter = easter_sunday(year)
    fixed = [(date(year, 1, 1), "New Year's Day")]
    if nation is Nation.SCOTLAND:
        fixed.append((date(year, 1, 2), "2nd January"))
    movable = [
        (easter - timedelta(days=2), "Good Friday"),
        (_first_monday(year, 5), "Early May bank holiday"),
        (_last_monday(year, 5), "Spring bank holiday"),
    ]
    if nation is Nation.SCOTLAND:
        movable.append((_first_monday(year, 8), "Summer bank holiday"))
        fixed.append((date(year, 11, 30), "St Andrew's Day"))
    else:
        movable.append((easter + timedelta(days=1), "Easter Monday"))
        movable.append((_last_monday(year, 8), "Summer bank holiday"))
    christmas = _substituted([(date(year, 12, 25), "Christmas Day"), (date(year, 12, 26), "Boxing Day")])
    others = _substituted(fixed)
    return sorted(others + movable + christmas)


def bank_holidays_between(first: date, last: date, nation: Nation) -> list[tuple[date, str]]:
    """Bank holidays from ``first`` to ``last`` inclusive for ``nation``, sorted by date."""
    out: list[tuple[date, str]] = []
    for year in range(first.year, last.year + 1):
        out += [(d, n) for d, n in bank_holidays(year, nation) if first <= d <= last]
    return out
