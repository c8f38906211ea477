"""Batching demands into runs: same SKU, minimum and maximum batch sizes, due and freshness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from microfactory.errors import InvalidInputError
from microfactory.production import Demand, DemandKind, StockTopUp, batch, demands_from_top_ups
from tests.domain.builders import sku

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def d(
    key: str, quantity: int, due_h: float, code: str = "WORKTOP-OAK", delivery_h: float | None = None
) -> Demand:
    due = T0 + timedelta(hours=due_h)
    return Demand(
        key, code, quantity, due, T0 + timedelta(hours=due_h + 1 if delivery_h is None else delivery_h)
    )


def test_same_sku_demands_share_a_run_due_at_the_earliest_member() -> None:
    """Two orders of the same worktop become one batch of 5 due when the first is due."""
    (b,) = batch([d("web:2", 3, 30), d("web:1", 2, 20)], {"WORKTOP-OAK": sku()})
    assert (b.quantity, b.due) == (5, T0 + timedelta(hours=20))
    assert [m.key for m, _ in b.members] == ["web:1", "web:2"]


def test_large_demand_is_split_at_the_maximum_batch_size() -> None:
    """Max 4 per batch: 10 units become 4 + 4 + 2."""
    batches = batch([d("web:1", 10, 20)], {"WORKTOP-OAK": sku(max_batch_units=4)})
    assert [b.quantity for b in batches] == [4, 4, 2]


def test_small_batch_is_raised_to_the_minimum_and_the_surplus_recorded() -> None:
    """Min 6: an order of 2 is made as 6, 4 to stock."""
    (b,) = batch([d("web:1", 2, 20)], {"WORKTOP-OAK": sku(min_batch_units=6)})
    assert (b.quantity, b.surplus) == (6, 4)


def test_perishable_batch_does_not_mix_deliveries_beyond_the_shelf_life() -> None:
    """24 h shelf life: deliveries 2 h and 40 h away cannot share a batch; the freshness bound follows."""
    bar = sku(code="BAR", shelf_life_hours=24.0)
    batches = batch([d("a:1", 1, 1, "BAR", 2), d("a:2", 1, 39, "BAR", 40)], {"BAR": bar})
    assert len(batches) == 2
    assert batches[1].fresh_from == T0 + timedelta(hours=40 - 24)


def test_demands_due_days_apart_are_not_batched_together() -> None:
    """Default spread is two days: Monday and Friday demands stay apart."""
    assert len(batch([d("a:1", 1, 5), d("a:2", 1, 100)], {"WORKTOP-OAK": sku()})) == 2


def test_stock_top_up_becomes_a_stock_demand() -> None:
    """Make-to-stock top-ups carry a ``stock:SKU`` key."""
    (t,) = demands_from_top_ups([StockTopUp("WORKTOP-OAK", 8, T0 + timedelta(days=2))])
    assert (t.key, t.kind, t.quantity) == ("stock:WORKTOP-OAK", DemandKind.STOCK, 8)


def test_bad_demands_are_refused() -> None:
    """Unknown SKU, zero quantity, naive time."""
    with pytest.raises(InvalidInputError, match="unknown SKU"):
        batch([d("a:1", 1, 5, "NOPE")], {"WORKTOP-OAK": sku()})
    with pytest.raises(InvalidInputError, match="quantity must be at least 1"):
        d("a:1", 0, 5)
    with pytest.raises(ValueError, match="timezone-aware"):
        Demand("a:1", "WORKTOP-OAK", 1, datetime(2026, 1, 5), datetime(2026, 1, 5))
