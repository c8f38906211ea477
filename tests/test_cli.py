"""The command line end to end: demo on a fresh database, list commands, errors and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

DEMO = ("--scale", "0.02", "--seed", "7")
"""The smallest demo that still has orders of every status at every site: the same in both runs below."""
SOLVER_SECONDS = {"MICROFACTORY_SOLVER_SECONDS": "1"}
"""Caps the demo's time-limited solves (the schedule's search runs to its limit): these tests check what
the demo prints, stores and reports, not how good its plans are."""


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory, module_database_url: str) -> tuple[str, Path, str]:
    """One small demo run shared by the tests below (scale 0.02)."""
    out_dir = tmp_path_factory.mktemp("demo-out")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "microfactory.cli",
            "--database-url",
            module_database_url,
            "demo",
            *DEMO,
            "--out",
            str(out_dir),
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **SOLVER_SECONDS},
    )
    assert proc.returncode == 0, proc.stderr
    return module_database_url, out_dir, proc.stdout


def test_demo_prints_the_network_summary(demo_run: tuple[str, Path, str]) -> None:
    """The summary names both brands, the zones and every stage's KPIs."""
    _, _, stdout = demo_run
    assert "Network" in stdout
    assert "2,865 GB outcodes" in stdout
    assert "Stage demand_history" in stdout
    assert "report:" in stdout


def test_demo_report_is_self_contained_and_shows_the_network(
    demo_run: tuple[str, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """report.html has the map, the sites from the database and no network references."""
    url, out_dir, _ = demo_run
    html = (out_dir / "report.html").read_text(encoding="utf-8")
    code, sites_json, _ = run_cli(capsys, "--database-url", url, "sites", "list", "--json")
    assert code == 0
    sites = json.loads(sites_json)
    assert len(sites) >= 7
    for site in sites:
        assert site["code"] in html
    assert "<svg" in html and "Demand heat-zones and sites" in html
    assert "demand_history" in html and "Order history" in html
    stripped = html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in stripped and "https://" not in stripped
    assert "<script" not in html


def test_demo_twice_duplicates_nothing(
    demo_run: tuple[str, Path, str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A second demo with the same seed inserts no order and leaves the counts as they were."""
    url, _, _ = demo_run
    for name, value in SOLVER_SECONDS.items():
        monkeypatch.setenv(name, value)
    code, before, _ = run_cli(capsys, "--database-url", url, "orders", "list", "--limit", "1")
    assert code == 0
    code, stdout, stderr = run_cli(
        capsys,
        "--database-url",
        url,
        "demo",
        *DEMO,
        "--out",
        str(tmp_path),
        "--workers",
        "1",
    )
    assert code == 0, stderr
    assert "orders stored: 0 new" in stdout
    code, after, _ = run_cli(capsys, "--database-url", url, "orders", "list", "--limit", "1")
    assert before.splitlines()[0] == after.splitlines()[0]  # "Orders 1–1 of N" unchanged


def test_orders_list_json_filters(
    demo_run: tuple[str, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """orders list --json returns at most --limit orders, all with the asked status."""
    url, _, _ = demo_run
    code, stdout, _ = run_cli(
        capsys,
        "--database-url",
        url,
        "orders",
        "list",
        "--status",
        "cancelled",
        "--limit",
        "5",
        "--json",
    )
    assert code == 0
    orders = json.loads(stdout)
    assert 0 < len(orders) <= 5
    assert {o["status"] for o in orders} == {"cancelled"}
    assert all(o["window"]["start"].endswith("Z") or "+00:00" in o["window"]["start"] for o in orders)


def test_db_upgrade_is_idempotent(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """db upgrade twice on an empty database ends at the same revision without error."""
    first = run_cli(capsys, "--database-url", database_url, "db", "upgrade")
    second = run_cli(capsys, "--database-url", database_url, "db", "upgrade")
    assert first[0] == second[0] == 0
    assert first[1] == second[1]
    assert "revision" in first[1]


def test_unsupported_database_url_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    """A MySQL URL is refused naming the setting and the value, exit code 2."""
    code, _, stderr = run_cli(capsys, "--database-url", "mysql://u@h/db", "sites", "list")
    assert code == 2
    assert "MICROFACTORY_DATABASE_URL" in stderr and "mysql" in stderr
    assert "Traceback" not in stderr


def test_bad_scale_is_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--scale 0 names the parameter and value; the database is not even created."""
    db = tmp_path / "x.db"
    code, _, stderr = run_cli(
        capsys, "--database-url", f"sqlite:///{db}", "demo", "--scale", "0", "--out", str(tmp_path)
    )
    assert code == 2
    assert "scale" in stderr
    assert not db.exists()


def test_bad_date_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--as-of must be a date; the message names the option."""
    code, _, stderr = run_cli(
        capsys, "--database-url", f"sqlite:///{tmp_path / 'y.db'}", "demo", "--as-of", "soon"
    )
    assert code == 2
    assert "--as-of" in stderr


def test_errors_show_a_traceback_only_with_debug(tmp_path: Path) -> None:
    """Without --debug the console script prints one line; with it, the traceback."""
    args = [sys.executable, "-m", "microfactory.cli", "--database-url", "oracle://x/y", "sites", "list"]
    plain = subprocess.run(args, capture_output=True, text=True, check=False)
    assert plain.returncode == 2
    assert len(plain.stderr.strip().splitlines()) == 1
    debug = subprocess.run([*args[:3], "--debug", *args[3:]], capture_output=True, text=True, check=False)
    assert debug.returncode != 0
    assert "Traceback" in debug.stderr
