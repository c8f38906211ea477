"""``routes plan``, ``routes export`` and ``emissions report`` end to end on a stored demo network."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from microfactory.cli import main
from microfactory.domain import FulfilmentKind, OrderStatus
from tests.cli_helpers import run_cli
from tests.demo_db import store_demo

LONDON = ZoneInfo("Europe/London")
SITE = "FOOD-LON"
FAST = ("--seconds", "5", "--iterations", "200")


@pytest.fixture(scope="module")
def stored(module_database_url: str) -> tuple[str, date]:
    """A small demo network in the database (no plan yet) and a day with deliveries at FOOD-LON."""
    network = store_demo(module_database_url)
    days = Counter(
        o.window.start.astimezone(LONDON).date()
        for o in network.orders
        if o.site == SITE
        and o.status is not OrderStatus.CANCELLED
        and o.fulfilment is FulfilmentKind.DELIVERY
        and o.window.start < network.history_end
    )
    return module_database_url, max(days, key=lambda d: (days[d], d))


@pytest.fixture(scope="module")
def planned(stored: tuple[str, date]) -> tuple[str, date]:
    """``routes plan`` run once for FOOD-LON on that day (module scope, so not through capsys)."""
    url, day = stored
    main(["--database-url", url, "routes", "plan", "--site", SITE, "--date", day.isoformat(), *FAST])
    return url, day


def test_routes_plan_prints_routes_and_kpis(
    stored: tuple[str, date], capsys: pytest.CaptureFixture[str]
) -> None:
    """routes plan stores the day and prints the routes table, KPIs with kg CO2e and the run id."""
    url, day = stored
    code, stdout, stderr = run_cli(
        capsys, "--database-url", url, "routes", "plan", "--site", SITE, "--date", day.isoformat(), *FAST
    )
    assert code == 0, stderr
    assert f"Routes from {SITE}" in stdout
    assert "kg_co2e_wtw" in stdout and "vehicles_used" in stdout
    assert "stored as plan run" in stdout


def test_export_geojson_is_a_feature_collection_of_linestrings(
    planned: tuple[str, date], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Every route is a LineString from the site through its stops and back, with its emissions."""
    url, day = planned
    target = tmp_path / "routes.geojson"
    code, _, stderr = run_cli(
        capsys, "--database-url", url, "routes", "export", "--site", SITE, "--date", day.isoformat(),
        "--format", "geojson", "--out", str(target),
    )  # fmt: skip
    assert code == 0, stderr
    collection = json.loads(target.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert collection["features"]
    for feature in collection["features"]:
        geometry, props = feature["geometry"], feature["properties"]
        assert geometry["type"] == "LineString"
        assert len(geometry["coordinates"]) == props["stops"] + 2
        assert geometry["coordinates"][0] == geometry["coordinates"][-1]
        assert all(-8 < lon < 2 and 49 < lat < 61 for lon, lat in geometry["coordinates"])
        assert props["site"] == SITE and props["day"] == day.isoformat()
        assert props["kg_co2e_wtw"] >= props["kg_co2e_ttw"] >= 0
        assert props["emission_factor_set"] == "desnz-2025:2025" and props["emission_factor_rows_wtw"]


def test_export_csv_has_one_row_per_stop(
    planned: tuple[str, date], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The CSV lists every stop with its location, times in UTC and local, and its emission share."""
    url, day = planned
    target = tmp_path / "stops.csv"
    code, stdout, stderr = run_cli(
        capsys, "--database-url", url, "routes", "export", "--site", SITE, "--date", day.isoformat(),
        "--format", "csv", "--out", str(target),
    )  # fmt: skip
    assert code == 0, stderr
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and f"{len(rows)} stops" in stdout
    assert {r["route_code"] for r in rows}
    assert all(r["lat"] and r["lon"] and r["kg_co2e_wtw"] for r in rows)
    assert all(r["arrival_utc"].endswith("+00:00") for r in rows)


def test_emissions_report_json_adds_up_and_names_its_source(
    planned: tuple[str, date], capsys: pytest.CaptureFixture[str]
) -> None:
    """Per-site and per-order totals agree, with the factor set, year, rows and boundary."""
    url, day = planned
    code, stdout, stderr = run_cli(
        capsys, "--database-url", url, "emissions", "report", "--week", day.isoformat(), "--json"
    )
    assert code == 0, stderr
    report = json.loads(stdout)
    assert report["week_start"] == (day - timedelta(days=day.weekday())).isoformat()
    assert report["boundary"] == "wtw"
    assert report["factor_sets"] == ["desnz-2025:2025"] and report["factor_row_ids"]
    assert "Department for Energy Security and Net Zero" in report["source"]
    assert SITE in {s["site"] for s in report["sites"]}
    assert sum(o["kg_co2e"] for o in report["orders"]) == pytest.approx(report["total"]["kg_co2e"], rel=1e-9)


def test_emissions_report_table_and_ttw(
    planned: tuple[str, date], capsys: pytest.CaptureFixture[str]
) -> None:
    """The table form prints per-site and per-order tables and the source line; TTW works too."""
    url, day = planned
    code, stdout, _ = run_cli(capsys, "--database-url", url, "emissions", "report", "--week", day.isoformat())
    assert code == 0
    assert "Delivery emissions per site" in stdout and "Per order" in stdout
    assert "desnz-2025" in stdout and "boundary WTW" in stdout
    code, stdout, _ = run_cli(
        capsys, "--database-url", url, "emissions", "report", "--week", day.isoformat(), "--boundary", "ttw"
    )
    assert code == 0 and "boundary TTW" in stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("routes", "plan", "--site", "NOPE", "--date", "2026-11-20"), "site 'NOPE' not found"),
        (("routes", "plan", "--site", SITE, "--date", "2021-01-01"), "no deliveries to route at FOOD-LON"),
        (("routes", "plan", "--site", SITE, "--date", "soon"), "--date"),
        (
            ("routes", "export", "--site", SITE, "--date", "2021-01-01", "--format", "csv", "--out", "x.csv"),
            "no routes stored for FOOD-LON on 2021-01-01",
        ),
        (("emissions", "report", "--week", "2021-01-04"), "no delivery emissions (WTW) stored"),
    ],
)
def test_errors_are_one_line_with_exit_code_2(
    stored: tuple[str, date], capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    """Unknown site, a day without orders or plan, a bad date: one clear line, exit code 2."""
    url, _ = stored
    code, _, stderr = run_cli(capsys, "--database-url", url, *args)
    assert code == 2
    assert message in " ".join(stderr.split())
    assert "Traceback" not in stderr
