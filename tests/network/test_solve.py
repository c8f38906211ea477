"""Network design: coverage, capacity, sourcing, site limits and N-1, each on a tiny hand-made line."""

from __future__ import annotations

from itertools import combinations

import pytest

from microfactory.domain import ProblemKind
from microfactory.network import Redundancy, SolveLimits, solve
from tests.network.helpers import BASE_LAT, KM_PER_DEGREE_LAT, n1_holds, problem, site, zone

LIMITS = SolveLimits(seconds=20, workers=1, relative_gap=0.0)


def test_zone_beyond_every_site_is_reported_too_far() -> None:
    """A zone 500 km from the only site, with a 100 km reach, is named with the reason."""
    p = problem([site("S1", 0)], [zone("AB1", 10), zone("FA1", 500)], max_km=100)
    result = solve(p, LIMITS)
    assert result.has_design() and not result.is_feasible()
    (issue,) = result.explain("FA1")
    assert issue.kind is ProblemKind.UNSERVED
    assert "too far" in issue.reason and "S1" in issue.reason
    assert issue.quantity == pytest.approx(10.0)
    served = {f.outcode: f.units_per_week for f in result.flows}
    assert served == pytest.approx({"AB1": 10.0})


def test_capacity_shortfall_is_explained_per_zone() -> None:
    """Two zones of 10 units and one site of 15: 5 units are short, and the reason says capacity."""
    p = problem([site("S1", 0, capacity=15)], [zone("AB1", 5, 10), zone("AB2", 6, 10)])
    result = solve(p, LIMITS)
    short = [x for x in result.problems if x.kind is ProblemKind.SHORT]
    assert sum(x.quantity or 0 for x in short) == pytest.approx(5.0)
    assert all("not enough capacity" in x.reason for x in short)
    assert result.served_units() == pytest.approx(15.0)


def test_single_sourcing_serves_each_zone_from_one_site() -> None:
    """Three zones of 10 units, two sites of 20: every zone gets all its units from one site."""
    sites = [site("S1", 0, capacity=20), site("S2", 40, capacity=20)]
    zones = [zone("AB1", 10), zone("AB2", 20), zone("AB3", 30)]
    result = solve(problem(sites, zones, single_sourcing=True), LIMITS)
    assert result.is_feasible()
    for z in zones:
        sources = [f for f in result.flows if f.outcode == z.outcode]
        assert len(sources) == 1 and sources[0].units_per_week == pytest.approx(10.0)


def test_min_and_max_sites_are_respected() -> None:
    """Three sites that could each serve everything: max 1 opens one, min 3 opens all three.

    Alone, S3 costs 1000 + 10 x (100 + 50 + 0) km = 2500 pence, S2 2000 + 1000 = 3000, S1 3000 + 1500.
    """
    sites = [site("S1", 0, fixed=3000), site("S2", 50, fixed=2000), site("S3", 100, fixed=1000)]
    zones = [zone("AB1", 0), zone("AB2", 50), zone("AB3", 100)]
    one = solve(problem(sites, zones, max_sites=1), LIMITS)
    assert one.open_sites() == ("S3",)
    three = solve(problem(sites, zones, min_sites=3), LIMITS)
    assert three.open_sites() == ("S1", "S2", "S3")


def test_budget_is_respected_and_infeasibility_is_named() -> None:
    """A budget below any workable set is reported as an infeasible network naming the budget."""
    sites = [site("S1", 0, capacity=10, fixed=100), site("S2", 50, capacity=10, fixed=100)]
    zones = [zone("AB1", 0), zone("AB2", 50)]
    ok = solve(problem(sites, zones, budget_pence_per_week=200), LIMITS)
    assert ok.cost.fixed_pence <= 200 and ok.is_feasible()
    bad = solve(problem(sites, zones, budget_pence_per_week=150), LIMITS)
    assert not bad.has_design()
    assert any("budget=150" in x.reason for x in bad.problems)


def test_forced_site_stays_open() -> None:
    """A forced-open site is open even when another would be cheaper."""
    sites = [site("S1", 0, fixed=500, forced_open=True), site("S2", 1, fixed=1)]
    result = solve(problem(sites, [zone("AB1", 1)]), LIMITS)
    assert "S1" in result.open_sites()


# N-1 on a line (km north of a base; reach 70 km; 10 units per zone; no transport cost, so a design
# costs its fixed costs):
#
#   site  at km  capacity  fixed   reaches
#   S1       0      10      100    Z1, Z2
#   S2      50      20      100    Z1, Z2, Z3
#   S3     100      10      100    Z2, Z3
#   S4      55      10       80    Z1, Z2, Z3
#   S5      45      20      150    Z1, Z2, Z3            zones Z1 at 10, Z2 at 50, Z3 at 90 km
#
# Without N-1 the cheapest design is {S2, S4} = 180 (30 units of capacity for 30 of demand). With N-1,
# losing S2 from it leaves 10; {S2, S4, S5} = 330 survives every single loss (S4+S5 = 30, S2+S5 = 40,
# S2+S4 = 30, all reaching every zone), and no cheaper set does: the test checks that by brute force.
N1_SITES = [
    site("S1", 0, capacity=10, fixed=100),
    site("S2", 50, capacity=20, fixed=100),
    site("S3", 100, capacity=10, fixed=100),
    site("S4", 55, capacity=10, fixed=80),
    site("S5", 45, capacity=20, fixed=150),
]
N1_ZONES = [zone("ZA1", 10), zone("ZB1", 50), zone("ZC1", 90)]
REACH_KM = 70.0


def test_n1_design_survives_every_single_site_loss_and_is_cheapest() -> None:
    """N-1 opens {S2, S4, S5}; brute force confirms each loss is survivable and nothing cheaper is."""
    p = problem(N1_SITES, N1_ZONES, max_km=REACH_KM, transport_pence_per_unit_km=0.0)
    base = solve(p, LIMITS)
    assert base.open_sites() == ("S2", "S4") and base.cost.total_pence == 180
    result = solve(p.replace(redundancy=Redundancy.N_1), LIMITS)
    assert result.is_feasible() and result.n1 is not None and result.n1.verified
    sites = [
        (s.code, (s.location.lat - BASE_LAT) * KM_PER_DEGREE_LAT, s.capacity_units_per_week["A"])
        for s in N1_SITES
    ]
    zones = [(z.outcode, (z.centroid.lat - BASE_LAT) * KM_PER_DEGREE_LAT, 10.0) for z in N1_ZONES]
    fixed = {s.code: s.fixed_cost_pence_per_week for s in N1_SITES}
    chosen = [s for s in sites if s[0] in result.open_sites()]
    assert n1_holds(chosen, zones, reach_km=REACH_KM)
    best = min(
        sum(fixed[s[0]] for s in combo)
        for size in range(1, len(sites) + 1)
        for combo in combinations(sites, size)
        if n1_holds(list(combo), zones, reach_km=REACH_KM)
    )
    assert result.cost.total_pence == best == 330
    assert result.open_sites() == ("S2", "S4", "S5")
    for z in result.zones:
        assert z.primary is not None and z.backup is not None and z.backup != z.primary
    for s in result.sites:
        if s.open:
            assert s.lost_if_down_units_per_week == pytest.approx(0.0, abs=1e-6)
    assert result.kpis()["lost_if_largest_fails_units"] == pytest.approx(0.0, abs=1e-6)


def test_n1_names_zones_with_no_backup_within_reach() -> None:
    """A zone only one candidate reaches cannot have a backup: the problem names the zone and the site."""
    p = problem([site("S1", 0), site("S2", 300)], [zone("AB1", 0), zone("AB2", 300)], max_km=100)
    result = solve(p.replace(redundancy=Redundancy.N_1), LIMITS)
    reasons = {x.subject: x.reason for x in result.problems}
    assert "no backup within reach: only S1" in reasons["AB1"]
    assert "no backup within reach: only S2" in reasons["AB2"]
    assert not result.is_feasible()


def test_failure_analysis_reports_demand_lost_without_redundancy() -> None:
    """Without N-1, losing the only site that reaches a zone loses that zone's demand."""
    p = problem([site("S1", 0), site("S2", 300)], [zone("AB1", 0, 7), zone("AB2", 300, 3)], max_km=100)
    result = solve(p, LIMITS)
    lost = {s.code: s.lost_if_down_units_per_week for s in result.sites}
    assert lost == pytest.approx({"S1": 7.0, "S2": 3.0})
    kpis = result.kpis()
    assert kpis["largest_site"] == "S1" and kpis["lost_if_largest_fails_units"] == pytest.approx(7.0)


def test_kpis_weight_distance_and_time_by_units() -> None:
    """One site at 0 km serving 10 units at 10 km and 30 units at 30 km.

    Mean km (10 × 10 + 30 × 30) / 40 = 25, p95 30 km (0.3 h at 100 km/h); transport 1 p per unit-km:
    1,000 p, plus 1,000 p fixed; 0.01 kg per unit-km: 10 kg CO2e.
    """
    result = solve(problem([site("S1", 0)], [zone("AB1", 10, 10), zone("AB2", 30, 30)]), LIMITS)
    kpis = result.kpis()
    assert kpis["sites_open"] == 1
    assert kpis["weekly_cost_pence"] == 2000 and kpis["transport_cost_pence"] == 1000
    assert kpis["mean_km"] == pytest.approx(25.0, abs=0.01)
    assert kpis["p95_km"] == pytest.approx(30.0, abs=0.01)
    assert kpis["p95_hours"] == pytest.approx(0.3, abs=1e-3)
    assert kpis["transport_kg_co2e_per_week"] == pytest.approx(10.0, abs=0.01)
    assert kpis["share_within_24h"] == 1.0 and kpis["gap_pct"] == 0.0
    assert result.objective_pence == pytest.approx(result.cost.total_pence, abs=1)


def test_solve_limits_refuse_bad_values() -> None:
    """Limits are validated with the argument named."""
    with pytest.raises(ValueError, match="seconds"):
        SolveLimits(seconds=0)
    with pytest.raises(ValueError, match="workers"):
        SolveLimits(workers=0)
