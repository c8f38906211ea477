"""Replays: a hand-checked week, and invariants (never negative, conserved, expired never sold)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from microfactory.fulfilment.inventory import SimulationInput, simulate, simulate_base_stock_batch


def _input(demand: list[int], s: int, big_s: int, lead: int, **kw: object) -> SimulationInput:
    n = len(demand)
    return SimulationInput(
        demand_units=np.array(demand, dtype=np.int64),
        reorder_point=np.full(n, s, dtype=np.int64),
        order_up_to=np.full(n, big_s, dtype=np.int64),
        review=np.ones(n, dtype=bool),
        lead_periods=np.full(n, lead, dtype=np.int64),
        **kw,  # type: ignore[arg-type]
    )


def test_base_stock_by_hand() -> None:
    """S = 5, lead 1, opening 5; demand 3, 4, 0, 6.

    t0: position 5, no order; sell 3 (2 left). t1: position 2 → order 3 (lands t2); sell 2 of 4.
    t2: +3; position 3 → order 2; sell 0 (3 left). t3: +2 → 5; no order; sell 5 of 6.
    Sold 3 + 2 + 0 + 5 = 10 of 13.
    """
    result = simulate(_input([3, 4, 0, 6], 4, 5, 1, opening_units=5))
    assert result.sold_units.tolist() == [3, 2, 0, 5]
    assert result.ordered_units.tolist() == [0, 3, 2, 0]
    assert result.closing_units.tolist() == [2, 0, 3, 0]
    assert result.fill_rate == 10 / 13
    assert result.stockout_periods == 2


def test_pack_size_rounds_orders_up() -> None:
    """A shortfall of 3 with packs of 5 orders 5."""
    result = simulate(_input([3, 0], 4, 5, 1, opening_units=5, pack_size=5))
    assert result.ordered_units.tolist() == [0, 5]


def test_24h_stock_is_only_sold_the_day_it_arrives() -> None:
    """Shelf life one day, lead 0: yesterday's leftovers are written off, never sold."""
    result = simulate(_input([2, 9, 0], 9, 10, 0, shelf_life_periods=1))
    assert result.sold_units.tolist() == [2, 9, 0]
    assert result.wasted_units.tolist() == [0, 8, 1]


def test_batch_replay_matches_the_single_item_replay() -> None:
    """The vectorised weekly replay gives the same sales as the lot replay for durable stock."""
    demand = np.array([[3, 4, 0, 6, 2], [0, 0, 5, 1, 1]], dtype=np.int64)
    levels = np.array([5, 4], dtype=np.int64)
    _, sold, _ = simulate_base_stock_batch(demand, levels, 1, np.array([0, 0], dtype=np.int64))
    for row in range(2):
        one = simulate(
            _input(
                demand[row].tolist(),
                int(levels[row]) - 1,
                int(levels[row]),
                1,
                opening_units=int(levels[row]),
            )
        )
        assert sold[row] == one.sold_units.sum()


@settings(max_examples=120, deadline=None)
@given(
    demand=st.lists(st.integers(0, 30), min_size=1, max_size=40),
    s=st.integers(-1, 30),
    gap=st.integers(1, 20),
    lead=st.integers(0, 4),
    life=st.one_of(st.none(), st.integers(1, 4)),
    opening=st.integers(0, 40),
    pack=st.integers(1, 6),
    moq=st.integers(1, 10),
)
def test_replay_invariants(
    demand: list[int], s: int, gap: int, lead: int, life: int | None, opening: int, pack: int, moq: int
) -> None:
    """Stock never negative; opening + received = sold + wasted + closing; expired stock never sold."""
    result = simulate(
        _input(
            demand,
            s,
            s + gap,
            lead,
            shelf_life_periods=life,
            opening_units=opening,
            pack_size=pack,
            minimum_order=moq,
        )
    )
    assert np.all(result.closing_units >= 0)
    assert np.all(result.sold_units <= result.demand_units)
    balance = opening + result.received_units.sum() - result.sold_units.sum() - result.wasted_units.sum()
    assert balance == result.closing_units[-1]
    if life is not None:
        # Units sold up to day t can only come from lots still in date: opening lot (days < life) or
        # receipts of the last `life` days.
        for t in range(len(demand)):
            sellable = (opening if t < life else 0) + int(
                result.received_units[max(0, t - life + 1) : t + 1].sum()
            )
            assert result.sold_units[t] <= sellable
