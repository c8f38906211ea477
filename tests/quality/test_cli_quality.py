"""The quality commands end to end: trace, recall (CSV), record (refusals), release, audit export."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from microfactory.store import create_engine_for, make_session_factory, transaction, upgrade
from tests.cli_helpers import run_cli
from tests.quality.builders import SITE, lot, seed_graph


@pytest.fixture(scope="module")
def graph(module_database_url: str) -> tuple[str, dict[str, str]]:
    """The hand-built graph of ``seed_graph`` plus one pending lot, committed in a module database."""
    upgrade(module_database_url)
    engine = create_engine_for(module_database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            codes = seed_graph(session)
            from microfactory.store import create_lots

            pending = lot("R9")
            create_lots(session, [pending])
            codes["pending"] = pending.code
    finally:
        engine.dispose()
    return module_database_url, codes


def test_trace_forward_and_backward(
    graph: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """Forward from the board lot reaches the products; backward from K1 reaches the board (JSON)."""
    url, codes = graph
    code, out, _ = run_cli(capsys, "--database-url", url, "trace", codes["M1"], "--forward", "--json")
    assert code == 0 and codes["K1"] in out and "ORD-00004" in out
    code, out, _ = run_cli(capsys, "--database-url", url, "trace", codes["K1"], "--backward", "--json")
    assert code == 0 and codes["M1"] in out and "ORD-" not in out


def test_recall_writes_a_csv(
    graph: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Recalling the culture lot lists orders 1 and 2 and their recipients."""
    url, codes = graph
    target = tmp_path / "recall.csv"
    code, out, _ = run_cli(capsys, "--database-url", url, "recall", codes["C1"], "--csv", str(target))
    assert code == 0 and "2 orders" in out
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [r["order"] for r in rows] == ["web/ORD-00001", "web/ORD-00002"]


def test_wrong_unit_is_one_clear_line(
    graph: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """°F for a °C check: exit 2, one line naming the lot, the check and the unit."""
    url, codes = graph
    code, out, err = run_cli(
        capsys, "--database-url", url, "quality", "record", codes["pending"], "core",
        "--value", "170", "--unit", "degF", "--by", "A. Tester",
    )  # fmt: skip
    assert code == 2 and out == ""
    assert codes["pending"] in err and "core.unit" in err and "degF" in err
    assert len(err.strip().splitlines()) == 1


def test_release_without_checks_and_unknown_lot_are_refused(
    graph: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """Releasing a lot without results names the missing checks; an unknown lot is named."""
    url, codes = graph
    code, _, err = run_cli(capsys, "--database-url", url, "quality", "release", codes["pending"], "--by", "Q")
    assert code == 2 and "cannot be released" in err and "core" in err
    code, _, err = run_cli(capsys, "--database-url", url, "trace", f"{SITE}/NOPE/X/1")
    assert code == 2 and "NOPE" in err


def test_record_hold_and_audit_export(
    graph: tuple[str, dict[str, str]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A failed critical check holds the lot; the audit export writes CSV and printable HTML."""
    url, codes = graph
    code, out, _ = run_cli(
        capsys, "--database-url", url, "quality", "record", codes["pending"], "core",
        "--value", "70", "--unit", "degC", "--by", "A. Tester",
    )  # fmt: skip
    assert code == 0 and "FAIL" in out and "on hold" in out
    csv_file, html_file = tmp_path / "audit.csv", tmp_path / "audit.html"
    code, out, _ = run_cli(
        capsys, "--database-url", url, "quality", "audit", "--lot", codes["pending"],
        "--csv", str(csv_file), "--html", str(html_file),
    )  # fmt: skip
    assert code == 0
    assert "hold" in csv_file.read_text(encoding="utf-8")
    assert codes["pending"] in html_file.read_text(encoding="utf-8")
    code, out, _ = run_cli(capsys, "--database-url", url, "quality", "lots", "--status", "held", "--json")
    assert code == 0 and codes["pending"] in out
