"""``inventory simulate``, ``inventory stock`` and ``inventory policies`` end to end on a stored demo."""

from __future__ import annotations

import json

import pytest

from tests.cli_helpers import run_cli
from tests.demo_db import store_demo


@pytest.fixture(scope="module")
def stored(module_database_url: str) -> str:
    """A small demo network with the inventory stage run once; returns the database URL."""
    store_demo(module_database_url, stages=["inventory"])
    return module_database_url


def test_simulate_compares_policies_side_by_side(capsys: pytest.CaptureFixture[str], stored: str) -> None:
    """``simulate --json`` gives one row per hub and policy with fill rate, waste, stock value and CO2e."""
    code, out, err = run_cli(
        capsys, "--database-url", stored, "inventory", "simulate", "--weeks", "4",
        "--policy", "auto", "--policy", "normal", "--hub", "FOOD-HUB-NW10", "--json",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    rows = doc["results"]
    assert [r["policy"] for r in rows] == ["auto", "normal"]
    for row in rows:
        assert row["hub"] == "FOOD-HUB-NW10"
        assert 0.0 <= row["fill_rate"] <= 1.0
        for key in ("stockout_sku_days", "avg_stock_value_pence", "waste_units", "waste_pct", "kg_co2e"):
            assert key in row


def test_simulate_distribution_source(capsys: pytest.CaptureFixture[str], stored: str) -> None:
    """By default durable spares plan from the forecasting engine, as the stage does; ``bootstrap`` from none.

    The forecasts are made over every hub at once (as in the stage), so ``--hub`` does not change a
    hub's figures.
    """
    base = ("--database-url", stored, "inventory", "simulate", "--weeks", "4", "--policy", "auto", "--json")
    runs = {}
    for extra in ((), ("--distribution", "forecast"), ("--distribution", "bootstrap")):
        code, out, err = run_cli(capsys, *base, *extra)
        assert code == 0, err
        runs[extra[1] if extra else "default"] = json.loads(out)
    assert runs["default"] == runs["forecast"]
    assert runs["forecast"]["distribution"] == "forecast"
    assert runs["bootstrap"]["distribution"] == "bootstrap"
    forecast_rows = {r["hub"]: r for r in runs["forecast"]["results"]}
    bootstrap_rows = {r["hub"]: r for r in runs["bootstrap"]["results"]}
    assert forecast_rows.keys() == bootstrap_rows.keys()
    kitchen = [hub for hub in forecast_rows if hub.startswith("KIT-")]
    assert kitchen and sum(forecast_rows[h]["forecast_skus"] for h in kitchen) > 0
    assert all(r["forecast_skus"] == 0 for r in bootstrap_rows.values())
    hub = max(kitchen, key=lambda h: forecast_rows[h]["forecast_skus"])
    code, out, err = run_cli(capsys, *base, "--hub", hub)
    assert code == 0, err
    assert json.loads(out)["results"] == [forecast_rows[hub]]


def test_simulate_sampled_demand_is_seeded(capsys: pytest.CaptureFixture[str], stored: str) -> None:
    """Sampled demand with the same seed gives the same figures; the table prints every hub."""
    args = (
        "--database-url",
        stored,
        "inventory",
        "simulate",
        "--weeks",
        "2",
        "--demand",
        "sampled",
        "--seed",
        "5",
    )
    first = run_cli(capsys, *args, "--json")
    second = run_cli(capsys, *args, "--json")
    assert first[0] == 0, first[2]
    assert json.loads(first[1]) == json.loads(second[1])
    code, out, err = run_cli(capsys, *args)
    assert code == 0, err
    assert "Hub stock: 2 weeks of sampled demand" in out


def test_stock_and_policies(capsys: pytest.CaptureFixture[str], stored: str) -> None:
    """``stock`` lists the opening lots by hub; ``policies`` the stored levels per review day."""
    code, out, err = run_cli(
        capsys, "--database-url", stored, "inventory", "stock", "--hub", "KIT-LON-HUB", "--json"
    )
    assert code == 0, err
    lots = json.loads(out)
    assert lots and all(lot["hub"] == "KIT-LON-HUB" and lot["quantity"] > 0 for lot in lots)
    code, out, err = run_cli(capsys, "--database-url", stored, "inventory", "policies", "--json")
    assert code == 0, err
    policies = json.loads(out)
    assert {p["hub"] for p in policies} == {"FOOD-HUB-NW10", "KIT-LON-HUB", "KIT-MAN-HUB"}
    code, out, err = run_cli(
        capsys, "--database-url", stored, "inventory", "policies", "--hub", "KIT-MAN-HUB"
    )
    assert code == 0, err
    assert "Stocking policies" in out


def test_unknown_hub_is_a_one_line_error(capsys: pytest.CaptureFixture[str], stored: str) -> None:
    """An unknown hub exits 2 naming it."""
    code, _, err = run_cli(capsys, "--database-url", stored, "inventory", "simulate", "--hub", "NOPE")
    assert code == 2
    assert "NOPE" in err
