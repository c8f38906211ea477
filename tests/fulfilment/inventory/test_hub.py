"""A hub's policies by demand class, its replay and the transfers it plans (synthetic history)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from microfactory.domain import Weekday
from microfactory.errors import InvalidInputError
from microfactory.fulfilment.inventory import (
    HubItem,
    HubProblem,
    ItemPolicy,
    PolicyKind,
    ReviewDay,
    choose_policies,
    plan_transfers,
    replay_history,
    sample_demand,
)

DAYS = 182
START = date(2026, 5, 25)  # a Monday


def _problem(daily_reviews: bool = False) -> HubProblem:
    rng = np.random.default_rng(5)
    spare = rng.poisson(0.3, DAYS) * rng.integers(1, 4, DAYS)
    bars = rng.poisson(12, DAYS)
    subs = np.where(np.arange(DAYS) % 7 == 2, 20, 0)
    zero = np.zeros(DAYS, dtype=np.int64)
    items = (
        HubItem("SPARE", 450, 180, 0.1, None, spare.astype(np.int64), zero, pack_size=5),
        HubItem("HANDLE", 650, 260, 0.1, None, rng.poisson(2, DAYS).astype(np.int64), zero),
        HubItem("BAR", 375, 150, 0.12, 24.0, bars.astype(np.int64), subs.astype(np.int64)),
        HubItem("PRESS", 650, 260, 0.2, 48.0, rng.poisson(6, DAYS).astype(np.int64), zero),
    )
    if daily_reviews:
        reviews = tuple(ReviewDay(Weekday(d), 0, 1) for d in range(7))
    else:
        reviews = (
            ReviewDay(Weekday.TUE, 1, 3),
            ReviewDay(Weekday.THU, 1, 3),
            ReviewDay(Weekday.SAT, 1, 4),
        )
    return HubProblem("HUB", "MF", START, items, reviews, samples=500)


def test_policy_follows_demand_class_and_order_rules() -> None:
    """Packs → (s, S); other durables → order-up-to; 24 h and 48 h food → newsvendor."""
    policies = {p.sku: p for p in choose_policies(_problem(), seed=1)}
    assert policies["SPARE"].kind is PolicyKind.MIN_MAX
    assert policies["HANDLE"].kind is PolicyKind.ORDER_UP_TO
    assert policies["BAR"].kind is PolicyKind.NEWSVENDOR
    assert policies["PRESS"].kind is PolicyKind.NEWSVENDOR
    handle = policies["HANDLE"]
    assert {int(d) for d, _ in handle.levels} == {1, 3, 5}
    # Saturday's order must cover four days instead of three: a higher level.
    assert handle.at(Weekday.SAT).order_up_to >= handle.at(Weekday.TUE).order_up_to  # type: ignore[union-attr]
    assert all(lv.expected_fill_rate >= 0.95 for _, lv in handle.levels)


def test_policies_are_seeded() -> None:
    """The same seed gives the same levels."""
    a = choose_policies(_problem(), seed=3)
    b = choose_policies(_problem(), seed=3)

    def levels(policies: list[ItemPolicy]) -> list[list[tuple[int, int]]]:
        return [[(lv.reorder_point, lv.order_up_to) for _, lv in p.levels] for p in policies]

    assert levels(a) == levels(b)


def test_replay_reports_fill_rate_waste_and_transfers() -> None:
    """A 6-week replay planned from the weeks before: fill rates in range, waste only on perishables."""
    outcome = replay_history(_problem(), None, days=42, seed=1, kg_co2e_per_trip=2.5)
    kpis = outcome.kpis()
    assert 0.5 <= float(kpis["fill_rate"]) <= 1.0
    by_sku = {o.sku: o.result for o in outcome.items}
    assert by_sku["HANDLE"].wasted_units.sum() == 0
    assert kpis["trips"] == outcome.trip_days
    assert kpis["kg_co2e"] == pytest.approx(2.5 * outcome.trip_days)
    # Orders happen only on review days (Tue, Thu, Sat).
    first = _problem().history_days - 42
    for o in outcome.items:
        for t in np.nonzero(o.result.ordered_units)[0]:
            assert (START + timedelta(days=first + int(t))).weekday() in {1, 3, 5}


def test_subscriptions_are_firm_on_top_of_the_newsvendor_level() -> None:
    """On the subscription weekday the bar transfer covers the 20 firm units as well."""
    problem = _problem(daily_reviews=True)
    policies = choose_policies(problem, seed=1)
    firm = {"BAR": np.array([0, 0, 20, 0, 0, 0, 0], dtype=np.int64)}
    transfers = plan_transfers(problem, policies, on_hand={}, firm_ahead=firm, days=7)
    bars = {t.day: t.units for t in transfers if t.sku == "BAR"}
    assert bars[2] >= 20 + min(bars[d] for d in bars if d != 2) - 5


def test_sampled_demand_is_seeded() -> None:
    """Sampled futures repeat with the seed and have the asked length."""
    problem = _problem()
    a, _ = sample_demand(problem, 30, seed=9)
    b, _ = sample_demand(problem, 30, seed=9)
    assert all(len(x) == 30 for x in a)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_problem_checks() -> None:
    """A hub without review days, or a replay leaving too little history, is refused."""
    with pytest.raises(InvalidInputError, match="review"):
        HubProblem("HUB", "MF", START, (), ())
    with pytest.raises(InvalidInputError, match="weeks"):
        replay_history(_problem(), None, days=DAYS - 7, seed=1)
