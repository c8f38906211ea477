"""Bank holidays, closures and the local clock behind the demo calendars."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np

from microfactory.demo.calendars import ClosurePolicy, closed_days, closures
from microfactory.demo.clock import LocalClock, history_start_day
from microfactory.demo.holidays import Nation, bank_holidays, easter_sunday


def test_england_and_wales_2026_matches_gov_uk() -> None:
    """The eight England & Wales bank holidays of 2026, Boxing Day moved to Monday 28 December."""
    days = [d for d, _ in bank_holidays(2026, Nation.ENGLAND_AND_WALES)]
    assert days == [
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 28),
    ]


def test_scotland_differs_from_england() -> None:
    """Scotland has 2 January and St Andrew's Day, its summer holiday early in August and no Easter Monday."""
    scot = dict(bank_holidays(2026, Nation.SCOTLAND))
    assert date(2026, 1, 2) in scot
    assert scot[date(2026, 11, 30)] == "St Andrew's Day"
    assert date(2026, 8, 3) in scot and date(2026, 8, 31) not in scot
    assert date(2026, 4, 6) not in scot


def test_weekend_new_year_moves_to_monday_and_tuesday_in_scotland() -> None:
    """1 and 2 January 2028 fall on Saturday and Sunday; Scotland takes Monday 3 and Tuesday 4."""
    days = [d for d, _ in bank_holidays(2028, Nation.SCOTLAND)]
    assert days[:2] == [date(2028, 1, 3), date(2028, 1, 4)]


def test_easter_dates() -> None:
    """Western Easter Sunday for a few known years."""
    assert easter_sunday(2025) == date(2025, 4, 20)
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2027) == date(2027, 3, 28)


def test_christmas_shutdown_merges_into_one_closure() -> None:
    """24 December to 1 January closes as one period from local midnight, in UTC."""
    policy = ClosurePolicy(Nation.ENGLAND_AND_WALES, bank_holidays=False, christmas_shutdown=True)
    (closure,) = closures(policy, date(2026, 12, 1), date(2027, 1, 31))
    assert closure.start == datetime(2026, 12, 24, tzinfo=UTC)
    assert closure.end == datetime(2027, 1, 2, tzinfo=UTC)
    assert closure.reason == "Christmas shutdown"


def test_fixed_days_close_whatever_the_weekday() -> None:
    """A food kitchen shut on 25 December is shut on the day itself, not on a substitute."""
    christmas = ((12, 25, "Christmas Day"),)
    policy = ClosurePolicy(Nation.ENGLAND_AND_WALES, bank_holidays=False, fixed_days=christmas)
    assert closed_days(policy, date(2027, 1, 1), date(2027, 12, 31)) == {date(2027, 12, 25): "Christmas Day"}


def test_clock_converts_london_wall_time_across_the_clock_change() -> None:
    """08:00 London is 08:00 UTC in winter and 07:00 UTC in summer (clocks went forward 29 March 2026)."""
    clock = LocalClock.covering(date(2026, 3, 23), 14)
    winter = 5 * 1440 + 8 * 60  # Saturday 28 March 08:00
    summer = 7 * 1440 + 8 * 60  # Monday 30 March 08:00
    assert clock.to_datetimes(np.array([winter, summer], dtype=np.int64)) == [
        datetime(2026, 3, 28, 8, tzinfo=UTC),
        datetime(2026, 3, 30, 7, tzinfo=UTC),
    ]
    assert clock.local_minute(datetime(2026, 3, 30, 7, tzinfo=UTC)) == summer


def test_history_starts_on_the_monday_104_weeks_back() -> None:
    """From a Thursday as_of the history starts on the Monday of its week, 104 weeks earlier."""
    assert history_start_day(datetime(2026, 7, 2, 12, tzinfo=UTC)) == date(2024, 7, 1)
