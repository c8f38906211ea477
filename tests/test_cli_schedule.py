"""``schedule plan`` and ``schedule export`` end to end on a stored demo network."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.cli_helpers import run_cli
from tests.demo_db import store_demo

LONDON = ZoneInfo("Europe/London")
SITE = "KIT-LON"
EXPORT_CSV = ("--format", "csv", "--out", "x")


@pytest.fixture(scope="module")
def stored(module_database_url: str) -> tuple[str, str]:
    """A small demo network in the database (no plan yet) and its first plan day (YYYY-MM-DD)."""
    network = store_demo(module_database_url)
    return module_database_url, network.history_end.astimezone(LONDON).date().isoformat()


def _plan(capsys: pytest.CaptureFixture[str], url: str, day: str, *extra: str) -> tuple[int, str, str]:
    return run_cli(
        capsys, "--database-url", url, "schedule", "plan", "--site", SITE, "--from", day,
        "--seconds", "1", "--replay", *extra,
    )  # fmt: skip


def test_plan_stores_and_prints_the_week(capsys: pytest.CaptureFixture[str], stored: tuple[str, str]) -> None:
    """``schedule plan --json`` stores the week and prints its runs and KPIs."""
    url, day = stored
    code, out, err = _plan(capsys, url, day, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["site"] == SITE and doc["plan_run_id"]
    assert doc["runs"] and doc["kpis"]["runs"] == len(doc["runs"])
    code, out, err = _plan(capsys, url, day)
    assert code == 0, err
    assert "Production runs at KIT-LON" in out and "stored as plan run" in out


def test_export_csv_json_and_ics(
    capsys: pytest.CaptureFixture[str], stored: tuple[str, str], tmp_path: Path
) -> None:
    """CSV has one row per operation; each .ics is a calendar with one VEVENT per operation on it."""
    url, day = stored
    assert _plan(capsys, url, day)[0] == 0
    base = ("--database-url", url, "schedule", "export", "--site", SITE, "--from", day)
    code, _, err = run_cli(capsys, *base, "--format", "csv", "--out", str(tmp_path / "s.csv"))
    assert code == 0, err
    rows = list(csv.DictReader((tmp_path / "s.csv").open(encoding="utf-8")))
    assert rows and all(r["machine"] and r["start_utc"] < r["end_utc"] for r in rows)
    code, _, err = run_cli(capsys, *base, "--format", "json", "--out", str(tmp_path / "s.json"))
    assert code == 0, err
    doc = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert len(doc["operations"]) == len(rows)
    code, _, err = run_cli(capsys, *base, "--format", "ics", "--out", str(tmp_path / "ics"))
    assert code == 0, err
    per_machine = Counter(r["machine"] for r in rows)
    files = sorted((tmp_path / "ics").glob("*.ics"))
    assert len(files) == len(per_machine)
    for path in files:
        text = path.read_bytes().decode("utf-8")
        machine = path.stem.removeprefix(f"{SITE}-")
        assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
        assert text.count("BEGIN:VEVENT") == text.count("END:VEVENT") == per_machine[machine]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("schedule", "plan", "--site", "NOPE", "--from", "2026-11-23", "--seconds", "1"), "NOPE"),
        (("schedule", "plan", "--site", SITE, "--from", "2001-01-01", "--seconds", "1"), "no work"),
        (("schedule", "export", "--site", "NOPE", "--from", "2026-11-23", *EXPORT_CSV), "NOPE"),
        (("schedule", "export", "--site", SITE, "--from", "2001-01-01", *EXPORT_CSV), "no schedule"),
    ],
)  # fmt: skip
def test_errors_are_one_line_with_exit_2(
    capsys: pytest.CaptureFixture[str], stored: tuple[str, str], args: tuple[str, ...], message: str
) -> None:
    """Unknown site, no work in the horizon, nothing stored: one line on stderr, exit code 2."""
    url, _ = stored
    code, _, err = run_cli(capsys, "--database-url", url, *args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
