"""``network design`` and ``network compare`` end to end on a stored small demo with demand history."""

from __future__ import annotations

import json

import pytest

from tests.cli_helpers import run_cli
from tests.demo_db import store_demo

FAST = ("--seconds", "10")


@pytest.fixture(scope="module")
def stored(module_database_url: str) -> str:
    """A small demo network with its weekly demand history stored (no network scenario yet)."""
    store_demo(module_database_url, stages=["demand_history"])
    return module_database_url


def test_design_prints_sites_and_kpis(stored: str, capsys: pytest.CaptureFixture[str]) -> None:
    """design stores the scenario and prints open sites, demand at risk, KPIs and the run id."""
    code, stdout, stderr = run_cli(
        capsys,
        "--database-url",
        stored,
        "network",
        "design",
        "--brand",
        "KITCHEN",
        "--scenario",
        "local",
        *FAST,
    )
    assert code == 0, stderr
    assert "Open sites" in stdout and "KIT-LON" in stdout
    assert "weekly_cost_pence" in stdout
    assert "stored as plan run" in stdout


def test_design_json_with_redundancy(stored: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--redundancy n-1 --max-hours --carbon-price --json: parameters are kept, every open site reported."""
    code, stdout, stderr = run_cli(
        capsys,
        "--database-url",
        stored,
        "network",
        "design",
        "--brand",
        "KITCHEN",
        "--scenario",
        "local",
        "--redundancy",
        "n-1",
        "--max-hours",
        "10",
        "--carbon-price",
        "50",
        "--json",
        *FAST,
    )
    assert code == 0, stderr
    doc = json.loads(stdout)
    assert doc["parameters"]["scenario"]["redundancy"] == "n-1"
    assert doc["parameters"]["max_delivery_hours"] == 10.0
    assert doc["parameters"]["carbon_price_gbp_per_tonne"] == 50.0
    assert doc["kpis"]["sites_open"] == len(doc["sites"]) >= 2
    assert all("at_risk_units_per_week" in s for s in doc["sites"])


def test_compare_designs_centralised_on_the_fly(stored: str, capsys: pytest.CaptureFixture[str]) -> None:
    """compare shows stored scenarios next to the centralised baseline (designed on the fly)."""
    assert run_cli(capsys, "--database-url", stored, "network", "design", "--brand", "KITCHEN", *FAST)[0] == 0
    code, stdout, stderr = run_cli(
        capsys, "--database-url", stored, "network", "compare", "centralised", "local"
    )
    assert code == 0, stderr
    assert "designed on the fly" in stdout and "lost_if_largest_fails_units" in stdout
    code, stdout, _ = run_cli(
        capsys,
        "--database-url",
        stored,
        "network",
        "compare",
        "centralised",
        "local",
        "--brand",
        "KITCHEN",
        "--json",
    )
    doc = json.loads(stdout)
    rows = {r["scenario"]: r for r in doc["scenarios"]}
    assert rows["centralised"]["stored"] is False and rows["local"]["stored"] is True
    assert rows["centralised"]["sites_open"] == 1
    assert rows["local"]["mean_km"] < rows["centralised"]["mean_km"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("network", "compare", "bogus"), "unknown scenario 'bogus'"),
        (("network", "compare", "site_down=KIT-LON"), "is not stored"),
        (("network", "design", "--brand", "KITCHEN", "--scenario", "bogus"), "unknown scenario"),
        (("network", "design", "--brand", "NOPE"), "brand 'NOPE' not found"),
        (("network", "design", "--brand", "FOOD", "--scenario", "site_down=XX"), "unknown site 'XX'"),
    ],
)
def test_errors_are_one_line_exit_2(
    stored: str, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    """Bad scenario names, unknown brands and sites: one clear line on stderr, exit code 2."""
    code, _, stderr = run_cli(capsys, "--database-url", stored, *args)
    assert code == 2
    assert message in stderr
    assert len(stderr.strip().splitlines()) == 1


def test_no_demand_history_exit_2(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A brand without stored weekly demand is refused with a hint."""
    store_demo(database_url, orders=False)
    code, _, stderr = run_cli(
        capsys, "--database-url", database_url, "network", "design", "--brand", "KITCHEN"
    )
    assert code == 2
    assert "no demand history" in stderr


def test_design_uses_the_stored_forecast_unless_told_history(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """With a current stored forecast, design plans on it by default; ``--demand history`` on history."""
    store_demo(database_url, stages=["demand_history", "forecast"])
    runs = {}
    for extra in ((), ("--demand", "history")):
        code, stdout, stderr = run_cli(
            capsys, "--database-url", database_url, "network", "design", "--brand", "KITCHEN", *FAST, *extra
        )
        assert code == 0, stderr
        runs[extra] = stdout
    assert "demand: forecast" in runs[()]
    assert "demand: history" in runs[("--demand", "history")]


def test_design_without_a_forecast_falls_back_to_history(
    stored: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """No forecast stored: the default design says it used history."""
    code, stdout, stderr = run_cli(
        capsys, "--database-url", stored, "network", "design", "--brand", "KITCHEN", *FAST
    )
    assert code == 0, stderr
    assert "demand: history" in stdout
