"""Lead times from a Tue/Thu/Sat release calendar: different per weekday, closures skip slots."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from microfactory.domain import Calendar, Closure, ReleaseSlot, Shift, Weekday
from microfactory.errors import InvalidInputError
from microfactory.fulfilment.inventory import replenishment_cycles, weekly_lead_times

MONDAY = datetime(2026, 11, 23, tzinfo=UTC)  # GMT in November: local = UTC


def _calendar(closures: tuple[Closure, ...] = ()) -> Calendar:
    return Calendar(
        code="MF-SITE",
        shifts=tuple(Shift(weekday=d, start=time(6), end=time(22)) for d in Weekday),
        closures=closures,
        release_slots=tuple(
            ReleaseSlot(weekday=d, at=time(6)) for d in (Weekday.TUE, Weekday.THU, Weekday.SAT)
        ),
    )


def test_lead_time_and_cover_differ_by_weekday() -> None:
    """Order 12 h before a 06:00 slot, 8 h to make, 1 h to travel: on sale 15:00 the slot's day.

    Tue: ordered Mon 18:00, lands Tue 15:00 (21 h); cover until Thu 15:00 = 2 d 21 h.
    Thu: the same. Sat: lands Sat 15:00, next lands Tue 15:00: cover 3 d 21 h.
    """
    cycles = weekly_lead_times(_calendar(), MONDAY, make_hours=8, transit_hours=1, cut_off_hours=12)
    assert set(cycles) == {Weekday.TUE, Weekday.THU, Weekday.SAT}
    assert cycles[Weekday.TUE].lead_time_days == pytest.approx(21 / 24)
    assert cycles[Weekday.TUE].protection_days == pytest.approx(2 + 21 / 24)
    assert cycles[Weekday.THU].protection_days == pytest.approx(2 + 21 / 24)
    assert cycles[Weekday.SAT].protection_days == pytest.approx(3 + 21 / 24)
    assert cycles[Weekday.SAT].review_days == pytest.approx(3.0)


def test_a_closure_skips_its_slot_and_stretches_the_cycle() -> None:
    """With Thursday closed, Tuesday's stock must last until Saturday's transfer lands."""
    thursday = Closure(start=datetime(2026, 11, 26, tzinfo=UTC), end=datetime(2026, 11, 27, tzinfo=UTC))
    cycles = weekly_lead_times(_calendar((thursday,)), MONDAY, make_hours=8, transit_hours=1)
    assert Weekday.THU not in cycles
    assert cycles[Weekday.TUE].next_arrival_at == datetime(2026, 11, 28, 15, tzinfo=UTC)
    assert cycles[Weekday.TUE].protection_days == pytest.approx(4 + 21 / 24)


def test_no_release_slot_is_an_error_naming_the_calendar() -> None:
    """A calendar without slots cannot replenish a hub."""
    bare = Calendar(code="NO-SLOTS", shifts=(Shift(weekday=Weekday.MON, start=time(6), end=time(14)),))
    with pytest.raises(InvalidInputError, match="NO-SLOTS"):
        replenishment_cycles(bare, MONDAY, MONDAY.replace(day=30), make_hours=1, transit_hours=1)
