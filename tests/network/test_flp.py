"""The facility-location core: a hand-checked instance, its constraints, and OR-Library cap41."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from microfactory.network import FacilityLocationProblem, FlpStatus, parse_orlib_cflp, solve_flp

SHARED_CFLP = Path(__file__).resolve().parents[3] / "shared" / "bench" / "cflp"

# Three sites, three customers (one capacity dimension). Costs are for a customer's whole demand.
#
#            fixed  capacity   c(·,1)  c(·,2)  c(·,3)
#   A          10      10        2       4      20
#   B          12      10       10       3       4
#   C          30      30        6       6       6
#   demand                       5       5       8      (total 18)
#
# A or B alone cannot hold 18 units. C alone: 30 + 6 + 6 + 6 = 48. A+B: 22 + transport, where per unit
# A costs 0.4 / 0.8 / 2.5 and B 2.0 / 0.6 / 0.5: customer 3 goes to B (8 units, cost 4), B's last 2
# units take 2/5 of customer 2 (1.2), the other 3/5 go to A (2.4), customer 1 to A (2): 22 + 9.6 =
# 31.6. Any pair with C costs at least 40. Optimum 31.6 with A and B open.
# Single sourcing: customer 2 no longer fits at B (8 + 5 > 10), so it goes to A: 22 + 2 + 4 + 4 = 32.
# At most one site: only C can hold everything: 48. All three open: 52 + 9.6 (C is never cheaper per
# unit than the A/B split above) = 61.6. A budget of 21 on fixed costs allows no feasible set.
FIXED = np.array([10.0, 12.0, 30.0])
CAPACITY = np.array([[10.0], [10.0], [30.0]])
DEMAND = np.array([[5.0], [5.0], [8.0]])
COST = np.array([[2.0, 4.0, 20.0], [10.0, 3.0, 4.0], [6.0, 6.0, 6.0]])


def tiny(**extra: object) -> FacilityLocationProblem:
    site, customer = np.divmod(np.arange(9), 3)
    return FacilityLocationProblem(
        fixed_cost=FIXED,
        capacity=CAPACITY,
        load=DEMAND,
        pair_site=site,
        pair_customer=customer,
        pair_cost=COST.reshape(-1),
        **extra,  # type: ignore[arg-type]
    )


def test_tiny_instance_reaches_the_hand_computed_optimum() -> None:
    """A and B open, customer 2 split between them: 31.6."""
    sol = solve_flp(tiny(), seconds=10, relative_gap=0)
    assert sol.status is FlpStatus.OPTIMAL
    assert sol.objective == pytest.approx(31.6)
    assert sol.open is not None and sol.open.tolist() == [True, True, False]
    assert sol.flow is not None
    assert sol.flow.reshape(3, 3)[:, 1] == pytest.approx([0.6, 0.4, 0.0])
    assert sol.gap == pytest.approx(0.0)


def test_single_sourcing_serves_each_customer_from_one_site() -> None:
    """With single sourcing the split is not allowed: 32."""
    sol = solve_flp(tiny(single_sourcing=True), seconds=10, relative_gap=0)
    assert sol.objective == pytest.approx(32.0)
    assert sol.flow is not None
    assert set(np.round(sol.flow, 6).tolist()) <= {0.0, 1.0}


def test_max_open_and_min_open_are_respected() -> None:
    """At most one site forces C alone (48); at least three opens all (61.6)."""
    one = solve_flp(tiny(max_open=1), seconds=10, relative_gap=0)
    assert one.objective == pytest.approx(48.0)
    assert one.open is not None and one.open.tolist() == [False, False, True]
    three = solve_flp(tiny(min_open=3), seconds=10, relative_gap=0)
    assert three.objective == pytest.approx(61.6)


def test_budget_too_small_is_reported_infeasible() -> None:
    """No set of sites with fixed costs ≤ 21 holds the demand."""
    sol = solve_flp(tiny(budget=21.0), seconds=10, relative_gap=0)
    assert sol.status is FlpStatus.INFEASIBLE
    assert sol.open is None


def test_customer_without_pairs_is_refused() -> None:
    """Validation names the field when a customer has no allowed pair."""
    with pytest.raises(ValueError, match="pair_customer"):
        FacilityLocationProblem(
            fixed_cost=FIXED,
            capacity=CAPACITY,
            load=DEMAND,
            pair_site=np.array([0, 1]),
            pair_customer=np.array([0, 1]),
            pair_cost=np.array([1.0, 1.0]),
        )


def _reference(name: str) -> float:
    with (SHARED_CFLP / "reference.csv").open(newline="") as handle:
        return next(float(r["optimal_cost"]) for r in csv.DictReader(handle) if r["instance"] == name)


@pytest.mark.skipif(
    not (SHARED_CFLP / "orlib" / "cap41.txt").exists(), reason="shared benchmark files absent"
)
def test_cap41_solves_to_its_published_optimum() -> None:
    """OR-Library cap41 (16 × 50) through the same solver path: Beasley's optimum 1,040,444.375."""
    instance = parse_orlib_cflp((SHARED_CFLP / "orlib" / "cap41.txt").read_text(), source="cap41")
    sol = solve_flp(instance.to_flp(), seconds=30, relative_gap=1e-7)
    assert sol.status is FlpStatus.OPTIMAL
    assert sol.objective == pytest.approx(_reference("cap41"), rel=1e-7)
    assert sol.objective == pytest.approx(1_040_444.375, rel=1e-7)
