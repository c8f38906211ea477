"""The demo's seeded quarter: deterministic, every history valid, every source present, some items open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from microfactory.circular import replay
from microfactory.demo.second_life import second_life_quarter
from microfactory.domain.circular import IntakeSource, ItemStatus

END = datetime(2026, 11, 23, tzinfo=UTC)
START = END - timedelta(days=91)


def test_quarter_is_seeded_valid_and_varied() -> None:
    """Same seed, same histories; every history replays; all four sources and final statuses occur."""
    first = second_life_quarter(["KIT-LON", "KIT-MAN"], start=START, end=END, seed=3)
    again = second_life_quarter(["KIT-LON", "KIT-MAN"], start=START, end=END, seed=3)
    other = second_life_quarter(["KIT-LON", "KIT-MAN"], start=START, end=END, seed=4)
    assert first == again and first != other
    assert {h.state.item.site for h in first} == {"KIT-LON", "KIT-MAN"}
    for h in first:
        assert replay(h.events) == h.state
        assert START <= h.state.item.received_at < END
        assert all(e.at < END for e in h.events)
    assert {h.state.item.source for h in first} == set(IntakeSource)
    statuses = {h.state.status for h in first}
    assert ItemStatus.DISPOSED in statuses and statuses - {ItemStatus.DISPOSED}
    assert len({h.state.item.item for h in first}) == len(first)


def test_bad_parameters_refused() -> None:
    """A negative seed or an empty window is refused."""
    with pytest.raises(ValueError, match="seed"):
        second_life_quarter(["KIT-LON"], start=START, end=END, seed=-1)
    with pytest.raises(ValueError, match="empty window"):
        second_life_quarter(["KIT-LON"], start=END, end=START, seed=1)
