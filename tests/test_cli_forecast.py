"""``microfactory forecast backtest`` end to end, and every kind of bad input file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

MODELS = "Zero,Median(4)"


def write_csv(tmp_path: Path, text: str, name: str = "demand.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def good_csv(tmp_path: Path) -> Path:
    """Two weekly series of 30 weeks: one steady around 10, one with a spike every 6 weeks."""
    lines = ["unique_id,ds,y"]
    for uid, pattern in (("steady", [9, 10, 11, 10]), ("spiky", [0, 0, 0, 30, 0, 0])):
        for week in range(30):
            ds = dt.date(2024, 1, 1) + dt.timedelta(weeks=week)
            lines.append(f"{uid},{ds.isoformat()},{pattern[week % len(pattern)]}")
    return write_csv(tmp_path, "\n".join(lines) + "\n")


def backtest_args(path: Path, *extra: str) -> list[str]:
    return [
        "forecast",
        "backtest",
        "--input",
        str(path),
        "--horizon",
        "3",
        "--windows",
        "2",
        "--inner-windows",
        "2",
        "--season-length",
        "4",
        "--models",
        MODELS,
        *extra,
    ]


def test_backtest_prints_a_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run_cli(capsys, *backtest_args(good_csv(tmp_path)))
    assert code == 0, err
    for text in ("MASE", "RMSSE", "SPL@0.9", "Zero", "Median(4)", "auto"):
        assert text in out


def test_backtest_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run_cli(capsys, *backtest_args(good_csv(tmp_path), "--json", "--top-k", "1"))
    assert code == 0, err
    payload = json.loads(out)
    models = {row["model"]: row for row in payload["scores"]}
    assert set(models) == {"Zero", "Median(4)", "auto"}
    assert payload["series"] == 2
    for row in models.values():
        assert row["series"] == 2
        assert {"mase", "rmsse", "bias", "spl90"} <= set(row)
    assert models["auto"]["mase"] <= max(models["Zero"]["mase"], models["Median(4)"]["mase"])


def test_unknown_model_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    args = backtest_args(good_csv(tmp_path))
    args[args.index(MODELS)] = "Prophet"
    code, _out, err = run_cli(capsys, *args)
    assert code == 2
    assert "Prophet" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "demand.csv: the file is empty"),
        ("unique_id,ds,y\n", "demand.csv:1: no data rows"),
        ("unique_id,date,y\na,2024-01-01,1\n", "demand.csv:1:ds: missing column"),
        ("unique_id,ds,y\na,2024-01-01,1\na,01/08/2024,2\n", "demand.csv:3:ds: '01/08/2024' is not a date"),
        ("unique_id,ds,y\na,2024-01-01,1\na,2024-01-08,lots\n", "demand.csv:3:y: 'lots' is not a number"),
        ("unique_id,ds,y\na,2024-01-01,1\na,2024-01-08,-2\n", "demand.csv:3:y: negative quantity -2"),
        ("unique_id,ds,y\na,2024-01-01,1\na,2024-01-01,2\n", "demand.csv:3:ds: duplicate (a, 2024-01-01)"),
        ("unique_id,ds,y\n,2024-01-01,1\n", "demand.csv:2:unique_id: empty series id"),
        ("unique_id,ds,y\na,2024-01-01,nan\n", "demand.csv:2:y: 'nan' is not a finite number"),
        ("unique_id,ds,y\na,2024-01-01,1\na,2024-01-08,2\n", "no series is long enough"),
    ],
)
def test_bad_input_names_file_row_and_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, expected: str
) -> None:
    path = write_csv(tmp_path, text)
    code, out, err = run_cli(capsys, *backtest_args(path))
    assert code == 2
    assert expected in err
    assert "Traceback" not in err + out


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _out, err = run_cli(capsys, *backtest_args(tmp_path / "nope.csv"))
    assert code == 2
    assert "nope.csv: no such file" in err
