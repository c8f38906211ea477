"""``microfactory second-life offcuts`` end to end: CSV in, figures and patterns out, bad rows refused."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

PANELS = """panel_id,site,material,finish,thickness_mm,length_mm,width_mm
OC-1,KIT-LON,melamine,white,18,1000,600
OC-2,KIT-LON,mdf,raw,18,800,800
"""
PARTS = """part_id,site,run_code,sku,part_name,material,finish,thickness_mm,length_mm,width_mm,quantity,\
rotation_allowed
R1/side,KIT-LON,R1,K-BASE-600,side,melamine,white,18,600,500,3,true
R1/door,KIT-LON,R1,K-DOOR-715x597-SAGE,door,mdf,raw,18,715,597,1,yes
"""


def _write(tmp_path: Path, panels: str = PANELS, parts: str = PARTS) -> tuple[Path, Path]:
    offcuts, cutlist = tmp_path / "offcuts.csv", tmp_path / "cutlist.csv"
    offcuts.write_text(panels, encoding="utf-8")
    cutlist.write_text(parts, encoding="utf-8")
    return offcuts, cutlist


def test_offcuts_json_and_patterns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Kerf 0, no trim: two sides on the melamine offcut, the door on the MDF one; patterns CSV written."""
    offcuts, cutlist = _write(tmp_path)
    out = tmp_path / "patterns.csv"
    code, stdout, stderr = run_cli(
        capsys, "second-life", "offcuts", "--offcuts", str(offcuts), "--cutlist", str(cutlist),
        "--kerf-mm", "0", "--trim-mm", "0", "--out", str(out), "--json",
    )  # fmt: skip
    assert code == 0, stderr
    payload = json.loads(stdout)
    assert payload["kpis"]["pieces_from_offcuts"] == 3
    assert payload["kpis"]["reclaimed_area_m2"] == pytest.approx(0.6 + 0.715 * 0.597, abs=1e-3)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert sorted((r["panel_id"], r["part_id"]) for r in rows) == [
        ("OC-1", "R1/side"), ("OC-1", "R1/side"), ("OC-2", "R1/door"),
    ]  # fmt: skip


def test_offcuts_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json a table per group and the KPIs are printed."""
    offcuts, cutlist = _write(tmp_path)
    code, stdout, _ = run_cli(
        capsys, "second-life", "offcuts", "--offcuts", str(offcuts), "--cutlist", str(cutlist)
    )
    assert code == 0
    assert "Offcut reuse" in stdout and "boards_saved" in stdout


def test_bad_rows_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A negative length and a bad flag are refused as file:row:field; no patterns file is written."""
    bad_parts = PARTS.replace("600,500,3,true", "-600,500,3,maybe")
    offcuts, cutlist = _write(tmp_path, parts=bad_parts)
    out = tmp_path / "patterns.csv"
    code, _, stderr = run_cli(
        capsys,
        "second-life",
        "offcuts",
        "--offcuts",
        str(offcuts),
        "--cutlist",
        str(cutlist),
        "--out",
        str(out),
    )
    assert code == 2
    assert f"{cutlist}:2" in stderr and "rotation_allowed" in stderr
    assert not out.exists()


def test_bad_panel_field_and_missing_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A zero width names row 3 and the field; a missing column is named too."""
    offcuts, cutlist = _write(tmp_path, panels=PANELS.replace("800,800", "800,0"))
    code, _, stderr = run_cli(
        capsys, "second-life", "offcuts", "--offcuts", str(offcuts), "--cutlist", str(cutlist)
    )
    assert code == 2 and f"{offcuts}:3:width_mm" in stderr
    offcuts, cutlist = _write(tmp_path, panels=PANELS.replace(",finish", ""))
    code, _, stderr = run_cli(
        capsys, "second-life", "offcuts", "--offcuts", str(offcuts), "--cutlist", str(cutlist)
    )
    assert code == 2 and "missing columns: finish" in stderr


def test_duplicate_part_ids_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same part id twice names the second row."""
    offcuts, cutlist = _write(tmp_path, parts=PARTS + PARTS.splitlines()[1] + "\n")
    code, _, stderr = run_cli(
        capsys, "second-life", "offcuts", "--offcuts", str(offcuts), "--cutlist", str(cutlist)
    )
    assert code == 2 and f"{cutlist}:4:part_id" in stderr and "repeats" in stderr


def test_files_or_demo_week(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Both files are needed unless --demo-week, which excludes them."""
    offcuts, _ = _write(tmp_path)
    code, _, _ = run_cli(capsys, "second-life", "offcuts", "--offcuts", str(offcuts))
    assert code == 2
    code, _, _ = run_cli(capsys, "second-life", "offcuts", "--demo-week", "--offcuts", str(offcuts))
    assert code == 2
