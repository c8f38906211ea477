"""Building the problem from master data and weekly demand (capacity from resources, demand means)."""

from __future__ import annotations

from datetime import date

import pytest

from microfactory.domain import SiteStatus, WeeklyDemand
from microfactory.errors import InvalidInputError
from microfactory.network import NetworkProblem, Redundancy, generate_candidates, mean_weekly_units
from tests.domain.builders import master


def weekly(units: int, week: date, outcode: str = "M1") -> WeeklyDemand:
    return WeeklyDemand(
        brand="KIT", sku_family="worktops", outcode=outcode, week_start=week, orders=1, units=units
    )


ROWS = [weekly(8, date(2026, 1, 26)), weekly(4, date(2026, 1, 12)), weekly(100, date(2025, 11, 3))]


def test_demand_is_the_mean_over_the_last_weeks_counting_empty_weeks() -> None:
    """12 units in the last four weeks (two of them empty) is 3 a week; older rows are ignored."""
    assert mean_weekly_units(ROWS, brand="KIT", weeks=4) == {("M1", "worktops"): pytest.approx(3.0)}


def test_problem_from_master_derives_capacity_costs_and_forcing() -> None:
    """Capacity from resources, transport per unit-km from the van, active sites forced open.

    The site's CNC and edge bander each work 5 × 8 h = 2,400 min/week, × 0.85 = 2,040 usable. A worktop
    takes 2 + 10/1000 min on the CNC and 2 min on the edge bander, so the CNC binds: 2040 / 2.01 units.
    The van carries 900 kg × 0.6 / 18 kg = 30 worktops at 30 p/km: 1 p per unit-km.
    """
    p = NetworkProblem.from_master(master(), ROWS, brand="KIT", weeks=4, redundancy=Redundancy.N_1)
    (site,) = p.sites
    assert site.capacity_units_per_week["worktops"] == pytest.approx(2040 / 2.01)
    assert site.forced_open
    assert p.transport_pence_per_unit_km == pytest.approx(1.0)
    assert p.delivery.vehicle_type == "EVAN" and p.delivery.speed_kmh == 25
    assert [z.outcode for z in p.zones] == ["M1"]
    assert p.redundancy is Redundancy.N_1


def test_candidate_sites_are_not_forced() -> None:
    """A candidate site may open or not."""
    m = master()
    candidate = m.sites[0].model_copy(update={"status": SiteStatus.CANDIDATE})
    p = NetworkProblem.from_master(m.model_copy(update={"sites": (candidate,)}), ROWS, brand="KIT")
    assert not p.sites[0].forced_open


def test_unknown_brand_and_vehicle_name_the_argument() -> None:
    """Errors say which argument is wrong."""
    with pytest.raises(InvalidInputError, match="brand"):
        NetworkProblem.from_master(master(), ROWS, brand="NOPE")
    with pytest.raises(InvalidInputError, match="vehicle_type"):
        NetworkProblem.from_master(master(), ROWS, brand="KIT", vehicle_type="BIKE")


def test_generated_candidates_are_seeded_and_unforced() -> None:
    """Same seed, same sites; codes carry the outcode; costs vary within ±20 %."""
    m = master()
    p = NetworkProblem.from_master(m, ROWS, brand="KIT")
    first = generate_candidates(m.zones, p.sites[0], count=2, seed=7)
    assert first == generate_candidates(m.zones, p.sites[0], count=2, seed=7)
    assert {s.code for s in first} == {"GEN-SW1A", "GEN-M1"}
    assert all(not s.forced_open for s in first)
    assert all(0.8 * 250_000 <= s.fixed_cost_pence_per_week <= 1.2 * 250_000 for s in first)
    with pytest.raises(ValueError, match="count"):
        generate_candidates(m.zones, p.sites[0], count=3, seed=7)
