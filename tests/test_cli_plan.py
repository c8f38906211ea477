"""``microfactory plan`` end to end: the pipeline on a stored network, chosen stages, report, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from microfactory.store import create_engine_for, make_session_factory, upgrade
from microfactory.store.models import PlanRunRow
from tests.cli_helpers import run_cli
from tests.demo_db import store_demo


@pytest.fixture(scope="module")
def stored(module_database_url: str) -> str:
    """A small demo stored without running the plan."""
    store_demo(module_database_url, scale=0.02)
    return module_database_url


def _stages_stored(url: str) -> set[str]:
    engine = create_engine_for(url)
    try:
        with make_session_factory(engine)() as session:
            rows = session.execute(select(PlanRunRow.stage, func.count()).group_by(PlanRunRow.stage))
            return {stage for stage, _ in rows}
    finally:
        engine.dispose()


def test_plan_runs_the_named_stages_and_writes_the_report(
    stored: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only the chosen stages run (and store their plan runs); the report is written."""
    code, out, err = run_cli(
        capsys,
        "--database-url",
        stored,
        "plan",
        "--stages",
        "demand_history,network",
        "--as-of",
        "2026-11-23",
        "--workers",
        "1",
        "--out",
        str(tmp_path),
    )
    assert code == 0, err
    assert "Stage demand_history" in out and "Stage network" in out
    assert "Stage schedule" not in out
    assert _stages_stored(stored) == {"demand_history", "network"}
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Network design" in report


def test_unknown_stage_is_refused_naming_the_known_ones(
    stored: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A misspelt stage exits 2 naming it and listing the stages there are; nothing is written."""
    code, _, err = run_cli(
        capsys, "--database-url", stored, "plan", "--stages", "forcast", "--out", str(tmp_path)
    )
    assert code == 2
    assert "forcast" in err and "demand_history" in err
    assert not (tmp_path / "report.html").exists()


def test_unmigrated_database_is_refused(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Planning an empty database says to migrate it first, with exit code 2."""
    code, _, err = run_cli(capsys, "--database-url", database_url, "plan", "--out", str(tmp_path))
    assert code == 2
    assert "db upgrade" in err


def test_migrated_but_empty_database_plans_nothing_harmful(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the schema but no network, the demand stage has nothing to do and the report still renders."""
    upgrade(database_url)
    code, _, err = run_cli(
        capsys,
        "--database-url",
        database_url,
        "plan",
        "--stages",
        "demand_history",
        "--workers",
        "1",
        "--out",
        str(tmp_path),
    )
    assert code == 0, err
    assert (tmp_path / "report.html").exists()
