"""Calendars: shifts in local time, the clocks changing, night shifts, closures and release slots.

Hand-checked dates (Europe/London, 2026): clocks go forward on Sunday 29 March at 01:00 UTC and back on
Sunday 25 October at 01:00 UTC. Monday 5 January and Monday 6 July 2026 are ordinary Mondays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from microfactory.domain import Calendar, Closure, ReleaseSlot, Shift, Weekday
from tests.domain.builders import calendar


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- shifts ---------------------------------------------------------------------------------------


def test_shift_with_equal_start_and_end_is_refused() -> None:
    """A shift that starts and ends at the same time has no length and is refused."""
    with pytest.raises(ValidationError, match="must have a length"):
        Shift(weekday=Weekday.MON, start=time(6), end=time(6))


def test_day_shift_minutes() -> None:
    """A 06:00–14:00 shift lasts 480 minutes."""
    assert Shift(weekday=Weekday.MON, start=time(6), end=time(14)).minutes == 480


def test_night_shift_minutes_run_past_midnight() -> None:
    """A shift whose end is before its start runs into the next day: 22:00–06:00 is 480 minutes."""
    assert Shift(weekday=Weekday.FRI, start=time(22), end=time(6)).minutes == 480
    assert Shift(weekday=Weekday.FRI, start=time(22), end=time(0)).minutes == 120


# --- calendar construction ------------------------------------------------------------------------


def test_unknown_time_zone_is_refused() -> None:
    """A time zone that is not in the tz database is refused, naming the value."""
    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Olympus'"):
        calendar(timezone="Mars/Olympus")


def test_time_zone_naming_a_region_folder_is_refused() -> None:
    """A region with no city ('Europe') is not a time zone and is refused like any unknown zone."""
    with pytest.raises(ValidationError, match="unknown time zone 'Europe'"):
        calendar(timezone="Europe")


def test_calendar_needs_a_shift() -> None:
    """A calendar with no shifts would never be open, so it is refused."""
    with pytest.raises(ValidationError, match="shifts"):
        calendar(shifts=())


def test_closure_that_ends_before_it_starts_is_refused() -> None:
    """A closure ending before (or when) it starts is refused."""
    with pytest.raises(ValidationError, match=r"closure end .* is not after its start"):
        Closure(start=utc(2026, 1, 5, 12), end=utc(2026, 1, 5, 11))
    with pytest.raises(ValidationError, match=r"closure end .* is not after its start"):
        Closure(start=utc(2026, 1, 5, 12), end=utc(2026, 1, 5, 12))


def test_closure_with_naive_datetime_is_refused() -> None:
    """A closure given in naive local time is ambiguous and refused."""
    with pytest.raises(ValidationError, match="timezone-aware"):
        Closure(start=datetime(2026, 1, 5, 12), end=utc(2026, 1, 5, 13))


def test_closure_times_are_stored_in_utc() -> None:
    """A closure given at 13:00+01:00 is stored as 12:00 UTC."""
    closure = Closure(
        start=datetime(2026, 7, 6, 13, tzinfo=timezone(timedelta(hours=1))),
        end=datetime(2026, 7, 6, 15, tzinfo=timezone(timedelta(hours=1))),
    )
    assert closure.start == utc(2026, 7, 6, 12)
    assert closure.start.tzinfo is UTC


# --- open intervals -------------------------------------------------------------------------------


def test_winter_day_shift_is_at_the_same_hour_in_utc() -> None:
    """In January London is on GMT, so a 06:00–14:00 shift is 06:00Z–14:00Z."""
    cal = calendar()
    assert cal.open_intervals(utc(2026, 1, 5), utc(2026, 1, 6)) == [(utc(2026, 1, 5, 6), utc(2026, 1, 5, 14))]


def test_summer_day_shift_is_an_hour_earlier_in_utc() -> None:
    """In July London is on BST (UTC+1), so a 06:00–14:00 shift is 05:00Z–13:00Z."""
    cal = calendar()
    assert cal.open_intervals(utc(2026, 7, 6), utc(2026, 7, 7)) == [(utc(2026, 7, 6, 5), utc(2026, 7, 6, 13))]


def test_shift_keeps_its_local_hour_across_the_spring_clock_change() -> None:
    """The Friday before 29 March 2026 opens at 06:00Z; the Monday after opens at 05:00Z."""
    cal = calendar()
    assert cal.open_intervals(utc(2026, 3, 27), utc(2026, 3, 31)) == [
        (utc(2026, 3, 27, 6), utc(2026, 3, 27, 14)),
        (utc(2026, 3, 30, 5), utc(2026, 3, 30, 13)),
    ]


def test_shift_keeps_its_local_hour_across_the_autumn_clock_change() -> None:
    """The Friday before 25 October 2026 opens at 05:00Z; the Monday after opens at 06:00Z."""
    cal = calendar()
    assert cal.open_intervals(utc(2026, 10, 23), utc(2026, 10, 27)) == [
        (utc(2026, 10, 23, 5), utc(2026, 10, 23, 13)),
        (utc(2026, 10, 26, 6), utc(2026, 10, 26, 14)),
    ]


def test_night_shift_over_the_spring_clock_change_is_an_hour_shorter() -> None:
    """Saturday 22:00 to Sunday 06:00 local on 28–29 March 2026 is only 7 hours of real time."""
    cal = calendar(shifts=(Shift(weekday=Weekday.SAT, start=time(22), end=time(6)),))
    assert cal.open_intervals(utc(2026, 3, 28), utc(2026, 3, 30)) == [
        (utc(2026, 3, 28, 22), utc(2026, 3, 29, 5)),
    ]
    assert cal.open_minutes(utc(2026, 3, 28), utc(2026, 3, 30)) == 420


def test_night_shift_over_the_autumn_clock_change_is_an_hour_longer() -> None:
    """Saturday 22:00 BST to Sunday 06:00 GMT on 24–25 October 2026 is 9 hours of real time."""
    cal = calendar(shifts=(Shift(weekday=Weekday.SAT, start=time(22), end=time(6)),))
    assert cal.open_intervals(utc(2026, 10, 24), utc(2026, 10, 26)) == [
        (utc(2026, 10, 24, 21), utc(2026, 10, 25, 6)),
    ]
    assert cal.open_minutes(utc(2026, 10, 24), utc(2026, 10, 26)) == 540


def test_shift_crossing_midnight_ends_the_next_day() -> None:
    """A Friday 22:00–06:00 shift in January runs from Friday 22:00Z to Saturday 06:00Z."""
    cal = calendar(shifts=(Shift(weekday=Weekday.FRI, start=time(22), end=time(6)),))
    assert cal.open_intervals(utc(2026, 1, 5), utc(2026, 1, 12)) == [
        (utc(2026, 1, 9, 22), utc(2026, 1, 10, 6)),
    ]


def test_night_shift_from_the_day_before_reaches_into_the_window() -> None:
    """A Sunday night shift is open from Monday 00:00 when the window starts on Monday."""
    cal = calendar(shifts=(Shift(weekday=Weekday.SUN, start=time(22), end=time(6)),))
    assert cal.open_intervals(utc(2026, 1, 5), utc(2026, 1, 5, 12)) == [
        (utc(2026, 1, 5, 0), utc(2026, 1, 5, 6)),
    ]


def test_intervals_are_clipped_to_the_window() -> None:
    """Only the part of a shift inside ``[start, end)`` is returned."""
    cal = calendar()
    assert cal.open_intervals(utc(2026, 1, 5, 8), utc(2026, 1, 5, 10)) == [
        (utc(2026, 1, 5, 8), utc(2026, 1, 5, 10)),
    ]


def test_overlapping_and_touching_shifts_are_merged() -> None:
    """Shifts 06–14, 12–20 and 20–22 on one Monday make one open period 06:00–22:00."""
    cal = calendar(
        shifts=(
            Shift(weekday=Weekday.MON, start=time(6), end=time(14)),
            Shift(weekday=Weekday.MON, start=time(12), end=time(20)),
            Shift(weekday=Weekday.MON, start=time(20), end=time(22)),
        )
    )
    assert cal.open_intervals(utc(2026, 1, 5), utc(2026, 1, 6)) == [(utc(2026, 1, 5, 6), utc(2026, 1, 5, 22))]


def test_closure_inside_a_shift_cuts_it_in_two() -> None:
    """A 10:00–11:00 maintenance closure splits the 06:00–14:00 shift into 06–10 and 11–14."""
    cal = calendar(closures=(Closure(start=utc(2026, 1, 5, 10), end=utc(2026, 1, 5, 11)),))
    assert cal.open_intervals(utc(2026, 1, 5), utc(2026, 1, 6)) == [
        (utc(2026, 1, 5, 6), utc(2026, 1, 5, 10)),
        (utc(2026, 1, 5, 11), utc(2026, 1, 5, 14)),
    ]
    assert cal.open_minutes(utc(2026, 1, 5), utc(2026, 1, 6)) == 420


def test_closure_over_a_whole_day_removes_its_shift() -> None:
    """A bank-holiday closure on Monday leaves only Tuesday's shift in a two-day window."""
    holiday = Closure(start=utc(2026, 1, 5), end=utc(2026, 1, 6), reason="bank holiday")
    cal = calendar(closures=(holiday,))
    assert cal.open_intervals(utc(2026, 1, 5), utc(2026, 1, 7)) == [(utc(2026, 1, 6, 6), utc(2026, 1, 6, 14))]


def test_closures_overlapping_each_other_and_a_shift_edge() -> None:
    """Closures 05–07 and 06:30–08 together trim the shift to start at 08:00; 13–15 trims its end."""
    cal = calendar(
        closures=(
            Closure(start=utc(2026, 1, 5, 5), end=utc(2026, 1, 5, 7)),
            Closure(start=utc(2026, 1, 5, 6, 30), end=utc(2026, 1, 5, 8)),
            Closure(start=utc(2026, 1, 5, 13), end=utc(2026, 1, 5, 15)),
        )
    )
    assert cal.open_intervals(utc(2026, 1, 5), utc(2026, 1, 6)) == [(utc(2026, 1, 5, 8), utc(2026, 1, 5, 13))]


def test_week_of_day_shifts_is_open_forty_hours() -> None:
    """Five 8-hour shifts make 2,400 open minutes in a winter week."""
    assert calendar().open_minutes(utc(2026, 1, 5), utc(2026, 1, 12)) == 2400


def test_shift_in_new_york_is_converted_to_utc() -> None:
    """A 09:00–17:00 shift in New York in January (UTC-5) is 14:00Z–22:00Z."""
    cal = calendar(
        timezone="America/New_York", shifts=(Shift(weekday=Weekday.MON, start=time(9), end=time(17)),)
    )
    assert cal.open_intervals(utc(2026, 1, 5), utc(2026, 1, 6)) == [
        (utc(2026, 1, 5, 14), utc(2026, 1, 5, 22))
    ]


def test_window_given_in_another_offset_gives_the_same_intervals() -> None:
    """Window bounds in +01:00 are converted to UTC before intervals are computed."""
    plus_one = timezone(timedelta(hours=1))
    cal = calendar()
    assert cal.open_intervals(
        datetime(2026, 1, 5, 1, tzinfo=plus_one), datetime(2026, 1, 6, 1, tzinfo=plus_one)
    ) == [(utc(2026, 1, 5, 6), utc(2026, 1, 5, 14))]


def test_empty_or_reversed_window_has_no_intervals() -> None:
    """A window that ends at or before its start is open for no time."""
    cal = calendar()
    assert cal.open_intervals(utc(2026, 1, 5, 8), utc(2026, 1, 5, 8)) == []
    assert cal.open_intervals(utc(2026, 1, 6), utc(2026, 1, 5)) == []
    assert cal.open_minutes(utc(2026, 1, 6), utc(2026, 1, 5)) == 0


def test_naive_window_is_refused() -> None:
    """Naive window bounds are refused, naming which one."""
    cal = calendar()
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        cal.open_intervals(datetime(2026, 1, 5), utc(2026, 1, 6))
    with pytest.raises(ValueError, match="end must be timezone-aware"):
        cal.release_times(utc(2026, 1, 5), datetime(2026, 1, 6))


# --- release slots --------------------------------------------------------------------------------

SLOTS = (ReleaseSlot(weekday=Weekday.TUE, at=time(6)), ReleaseSlot(weekday=Weekday.THU, at=time(6)))


def test_release_times_in_winter_and_summer() -> None:
    """Tuesday and Thursday 06:00 slots are 06:00Z in January and 05:00Z in July."""
    cal = calendar(release_slots=SLOTS)
    assert cal.release_times(utc(2026, 1, 5), utc(2026, 1, 12)) == [utc(2026, 1, 6, 6), utc(2026, 1, 8, 6)]
    assert cal.release_times(utc(2026, 7, 6), utc(2026, 7, 13)) == [utc(2026, 7, 7, 5), utc(2026, 7, 9, 5)]


def test_release_times_skip_closures() -> None:
    """A Thursday closure removes Thursday's release slot and keeps Tuesday's."""
    closure = Closure(start=utc(2026, 1, 8), end=utc(2026, 1, 9), reason="deep clean")
    cal = calendar(release_slots=SLOTS, closures=(closure,))
    assert cal.release_times(utc(2026, 1, 5), utc(2026, 1, 12)) == [utc(2026, 1, 6, 6)]


def test_release_time_at_closure_end_is_kept() -> None:
    """A closure that ends exactly at a slot does not remove it (closures are ``[start, end)``)."""
    closure = Closure(start=utc(2026, 1, 6), end=utc(2026, 1, 6, 6))
    cal = calendar(release_slots=SLOTS, closures=(closure,))
    assert utc(2026, 1, 6, 6) in cal.release_times(utc(2026, 1, 5), utc(2026, 1, 12))


def test_release_times_include_the_window_start_and_exclude_its_end() -> None:
    """A slot exactly at ``start`` is in the window; one exactly at ``end`` is not."""
    cal = calendar(release_slots=SLOTS)
    assert cal.release_times(utc(2026, 1, 6, 6), utc(2026, 1, 8, 6)) == [utc(2026, 1, 6, 6)]


def test_calendar_without_release_slots_has_no_release_times() -> None:
    """No slots, no release times."""
    assert calendar().release_times(utc(2026, 1, 5), utc(2026, 1, 12)) == []


# --- properties -----------------------------------------------------------------------------------

ZONES = ("Europe/London", "UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu")
"""London, no offset, a western zone, a half-hour DST shift and a +05:45 offset."""

minutes_of_day = st.integers(min_value=0, max_value=24 * 60 - 1)


def _time(minute: int) -> time:
    return time(minute // 60, minute % 60)


@st.composite
def shifts(draw: st.DrawFn) -> Shift:
    """Any valid shift, day or night."""
    start = draw(minutes_of_day)
    end = draw(minutes_of_day.filter(lambda m: m != start))
    return Shift(weekday=Weekday(draw(st.integers(0, 6))), start=_time(start), end=_time(end))


instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@st.composite
def closures(draw: st.DrawFn) -> Closure:
    """A closure of up to three days in 2026–2027."""
    start = draw(instants)
    length = draw(st.integers(min_value=1, max_value=3 * 24 * 60))
    return Closure(start=start, end=start + timedelta(minutes=length))


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    shift_set=st.lists(shifts(), min_size=1, max_size=6),
    closure_set=st.lists(closures(), max_size=3),
    start=instants,
    length_minutes=st.integers(min_value=0, max_value=10 * 24 * 60),
)
def test_open_intervals_are_sorted_disjoint_inside_the_window_and_outside_closures(
    zone: str, shift_set: list[Shift], closure_set: list[Closure], start: datetime, length_minutes: int
) -> None:
    """Open intervals are sorted, non-empty, disjoint, within [start, end) and never in a closure."""
    cal = Calendar(code="P", timezone=zone, shifts=tuple(shift_set), closures=tuple(closure_set))
    end = start + timedelta(minutes=length_minutes)
    intervals = cal.open_intervals(start, end)
    for lo, hi in intervals:
        assert start <= lo < hi <= end
        for closure in closure_set:
            assert hi <= closure.start or lo >= closure.end
    for (_, prev_hi), (next_lo, _) in pairwise(intervals):
        assert prev_hi < next_lo
    assert 0 <= cal.open_minutes(start, end) <= length_minutes


@settings(max_examples=100, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    shift_set=st.lists(shifts(), min_size=1, max_size=6),
    closure_set=st.lists(closures(), max_size=3),
    slot_days=st.lists(st.integers(0, 6), min_size=1, max_size=4),
    slot_minute=minutes_of_day,
    start=instants,
    length_minutes=st.integers(min_value=0, max_value=21 * 24 * 60),
)
def test_release_times_are_sorted_unique_inside_the_window_and_outside_closures(
    zone: str,
    shift_set: list[Shift],
    closure_set: list[Closure],
    slot_days: list[int],
    slot_minute: int,
    start: datetime,
    length_minutes: int,
) -> None:
    """Release times are strictly increasing, within [start, end), and never inside a closure."""
    slots = tuple(ReleaseSlot(weekday=Weekday(d), at=_time(slot_minute)) for d in slot_days)
    cal = Calendar(
        code="P", timezone=zone, shifts=tuple(shift_set), closures=tuple(closure_set), release_slots=slots
    )
    end = start + timedelta(minutes=length_minutes)
    times = cal.release_times(start, end)
    assert times == sorted(set(times))
    for at in times:
        assert start <= at < end
        assert not any(c.start <= at < c.end for c in closure_set)


WEEK_MINUTES = 7 * 24 * 60
# Mondays of weeks with no clock change in any zone of ZONES (Lord Howe changes in April and October).
QUIET_MONDAYS = (date(2026, 1, 12), date(2026, 2, 9), date(2026, 6, 15), date(2026, 7, 13), date(2027, 1, 18))


@st.composite
def disjoint_weekly_shifts(draw: st.DrawFn) -> list[Shift]:
    """Shifts that never overlap, even across the week's end (a Sunday night shift may run into Monday).

    Distinct cut points on the weekly circle, rotated by up to a day, are paired into shifts; pairs
    longer than a day are dropped.
    """
    points = sorted(draw(st.sets(st.integers(0, WEEK_MINUTES - 1), min_size=2, max_size=16)))
    rotate = draw(st.integers(0, 24 * 60 - 1))
    result = []
    for a, b in zip(points[::2], points[1::2], strict=False):
        if b - a >= 24 * 60:
            continue
        a_rot, b_rot = (a + rotate) % WEEK_MINUTES, (b + rotate) % WEEK_MINUTES
        result.append(
            Shift(weekday=Weekday(a_rot // (24 * 60)), start=_time(a_rot % 1440), end=_time(b_rot % 1440))
        )
    return result


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    shift_set=disjoint_weekly_shifts().filter(bool),
    monday=st.sampled_from(QUIET_MONDAYS),
)
def test_full_week_without_clock_change_is_open_for_the_sum_of_shift_minutes(
    zone: str, shift_set: list[Shift], monday: date
) -> None:
    """Over one local week with no clock change and no closures, open minutes = sum of shift minutes."""
    cal = Calendar(code="P", timezone=zone, shifts=tuple(shift_set))
    start = datetime.combine(monday, time(0), tzinfo=cal.zone)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=cal.zone)
    assert cal.open_minutes(start, end) == sum(s.minutes for s in shift_set)


def _open_by_brute_force(shift_set: list[Shift], closure_set: list[Closure], minute: datetime) -> bool:
    """Whether a UTC calendar is open during the minute starting at ``minute``, checked naively."""
    if any(c.start <= minute < c.end for c in closure_set):
        return False
    for shift in shift_set:
        for day in (minute.date(), minute.date() - timedelta(days=1)):
            if day.weekday() != shift.weekday:
                continue
            begin = datetime.combine(day, shift.start, tzinfo=UTC)
            finish = begin + timedelta(minutes=shift.minutes)
            if begin <= minute < finish:
                return True
    return False


whole_minutes = st.integers(min_value=0, max_value=60 * 24 * 365).map(
    lambda m: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=m)
)


@st.composite
def whole_minute_closures(draw: st.DrawFn) -> Closure:
    """A closure of up to two days starting on a whole minute."""
    start = draw(whole_minutes)
    return Closure(start=start, end=start + timedelta(minutes=draw(st.integers(1, 2 * 24 * 60))))


@settings(max_examples=60, deadline=None)
@given(
    shift_set=st.lists(shifts(), min_size=1, max_size=5),
    closure_set=st.lists(whole_minute_closures(), max_size=3),
    start=whole_minutes,
    length_minutes=st.integers(min_value=0, max_value=3 * 24 * 60),
)
def test_open_minutes_match_a_minute_by_minute_count_in_utc(
    shift_set: list[Shift], closure_set: list[Closure], start: datetime, length_minutes: int
) -> None:
    """In a UTC calendar, open minutes equal a naive count of the open minutes in the window."""
    cal = Calendar(code="P", timezone="UTC", shifts=tuple(shift_set), closures=tuple(closure_set))
    end = start + timedelta(minutes=length_minutes)
    expected = sum(
        _open_by_brute_force(shift_set, closure_set, start + timedelta(minutes=m))
        for m in range(length_minutes)
    )
    assert cal.open_minutes(start, end) == expected
