"""``forecast run`` and ``forecast show`` end to end on a stored small demo with demand history."""

from __future__ import annotations

import json
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO

import pytest

from microfactory.cli import main
from tests.cli_helpers import run_cli
from tests.demo_db import store_demo


@pytest.fixture(scope="module")
def stored(module_database_url: str) -> str:
    """A small demo network with its weekly demand history stored (no forecast yet)."""
    store_demo(module_database_url, stages=["demand_history"])
    return module_database_url


RUN_ARGS = ("--brand", "FOOD", "--horizon-weeks", "4", "--json")


@pytest.fixture(scope="module")
def ran(stored: str) -> tuple[int, str, str]:
    """``forecast run --brand FOOD --horizon-weeks 4 --json`` once on the stored demo.

    Module-scoped (the engine is the slow part), so it captures output itself instead of ``capsys``.
    """
    out, err = StringIO(), StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main([*("--database-url", stored, "forecast", "run"), *RUN_ARGS])
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_show_without_forecast_fails_clearly(stored: str, capsys: pytest.CaptureFixture[str]) -> None:
    """show for a brand without a stored forecast exits 2 and says what to run."""
    code, _, stderr = run_cli(capsys, "--database-url", stored, "forecast", "show", "--brand", "KITCHEN")
    assert code == 2
    assert "no forecast stored for brand 'KITCHEN'" in stderr and "forecast run" in stderr


def test_run_stores_and_prints_kpis(ran: tuple[int, str, str]) -> None:
    """run --json prints one brand's run with its KPIs, horizon and problems."""
    code, stdout, stderr = ran
    assert code == 0, stderr
    payload = json.loads(stdout)
    assert [p["brand"] for p in payload] == ["FOOD"]
    kpis = payload[0]["kpis"]
    assert kpis["horizon_weeks"] == 4 and kpis["first_week"] == "2026-11-23"
    assert "auto_mase" in kpis and "best_single_model" in kpis
    assert payload[0]["plan_run_id"] >= 1


def test_show_total_table(ran: tuple[int, str, str], stored: str, capsys: pytest.CaptureFixture[str]) -> None:
    """show prints the GB total by default: four weeks with mean and quantiles."""
    code, stdout, stderr = run_cli(capsys, "--database-url", stored, "forecast", "show", "--brand", "FOOD")
    assert code == 0, stderr
    assert "Forecast — FOOD" in stdout and "2026-11-23" in stdout and "2026-12-14" in stdout
    assert "q90" in stdout


def test_show_json_by_level_and_series(
    ran: tuple[int, str, str], stored: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--level family --json gives each family's weeks; --series picks one series at any level."""
    code, stdout, stderr = run_cli(
        capsys, "--database-url", stored, "forecast", "show", "--level", "family", "--json"
    )
    assert code == 0, stderr
    (run,) = json.loads(stdout)
    families = {r["unique_id"] for r in run["forecasts"]}
    assert families and all(f.startswith("FOOD-") for f in families)
    assert len(run["forecasts"]) == 4 * len(families)
    assert {"mean", "q50", "q80", "q90", "q95", "model", "ds"} <= set(run["forecasts"][0])
    series = sorted(families)[0]
    code, stdout, stderr = run_cli(
        capsys, "--database-url", stored, "forecast", "show", "--series", series, "--json"
    )
    assert code == 0, stderr
    assert {r["unique_id"] for r in json.loads(stdout)[0]["forecasts"]} == {series}


def test_run_errors(stored: str, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown brand and a bad --as-of exit 2 with a one-line reason."""
    code, _, stderr = run_cli(capsys, "--database-url", stored, "forecast", "run", "--brand", "NOPE")
    assert code == 2 and "no weekly demand stored for brand 'NOPE'" in stderr
    code, _, stderr = run_cli(capsys, "--database-url", stored, "forecast", "run", "--as-of", "23/11/2026")
    assert code == 2 and "--as-of" in stderr
