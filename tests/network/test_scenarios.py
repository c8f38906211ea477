"""Scenarios: the centralised baseline, site loss, and the side-by-side comparison."""

from __future__ import annotations

import pytest

from microfactory.network import (
    COMPARE_COLUMNS,
    NetworkProblem,
    Redundancy,
    SolveLimits,
    centralised,
    compare,
    local,
    parse_scenario,
    run_scenario,
)
from microfactory.network.scenarios import CENTRAL_REACH_HOURS
from tests.network.helpers import CENTRAL, problem, site, zone

LIMITS = SolveLimits(seconds=20, workers=1, relative_gap=0.0)


def network() -> NetworkProblem:
    sites = [
        site("PLANT", 0, capacity=1000, fixed=5000, kind=CENTRAL, forced_open=True),
        site("MF-N", 400, capacity=50, fixed=500),
        site("MF-S", -300, capacity=50, fixed=500),
    ]
    zones = [zone("AB1", 10), zone("NN1", 410, 20), zone("SS1", -290, 20)]
    return problem(sites, zones, max_km=200)


def test_centralised_baseline_uses_only_the_plant_and_serves_everyone() -> None:
    """The plant alone, with the delivery limit lifted, serves every zone however far."""
    p = network()
    applied = centralised().apply(p)
    assert applied.delivery.max_delivery_hours == CENTRAL_REACH_HOURS
    result = run_scenario(p, centralised(), LIMITS).result
    assert result.open_sites() == ("PLANT",)
    assert result.served_units() == pytest.approx(50.0)
    assert result.kpis()["lost_if_largest_fails_units"] == pytest.approx(50.0)


def test_local_opens_microfactories_where_the_plant_cannot_reach() -> None:
    """With a 200 km reach the far zones need their local microfactories."""
    result = run_scenario(network(), local(), LIMITS).result
    assert set(result.open_sites()) == {"PLANT", "MF-N", "MF-S"}
    assert result.is_feasible()


def test_site_down_takes_a_site_out_and_explains_the_loss() -> None:
    """Without MF-N its zone is too far from anything left."""
    result = run_scenario(network(), parse_scenario("site_down=MF-N"), LIMITS).result
    assert "MF-N" not in result.open_sites()
    assert any(x.subject == "NN1" and "too far" in x.reason for x in result.problems)


def test_forced_site_down_is_no_longer_forced() -> None:
    """A forced-open site that is down cannot open."""
    applied = parse_scenario("site_down=PLANT").apply(network())
    plant = applied.site("PLANT")
    assert not plant.available and not plant.forced_open


def test_compare_gives_one_row_per_scenario_with_every_column() -> None:
    """Rows carry the figures a planner compares, in the documented columns."""
    p = network()
    results = [run_scenario(p, s, LIMITS) for s in (centralised(), local(), parse_scenario("n-1"))]
    rows = compare(results)
    assert [r["scenario"] for r in rows] == ["centralised", "local", "n-1"]
    assert all(tuple(r) == COMPARE_COLUMNS for r in rows)
    central, micro = rows[0], rows[1]
    assert central["sites_open"] == 1 and micro["sites_open"] == 3
    assert float(micro["mean_km"]) < float(central["mean_km"])
    assert results[2].scenario.redundancy is Redundancy.N_1


def test_unknown_scenario_text_is_refused() -> None:
    """The error names the text and the choices."""
    with pytest.raises(ValueError, match="unknown scenario 'nowhere'"):
        parse_scenario("nowhere")
