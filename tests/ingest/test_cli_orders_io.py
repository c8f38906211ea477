"""``orders import`` and ``orders export`` end to end: counts, atomic refusal, dry run, round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete

from microfactory.domain import Order
from microfactory.store import (
    count_orders,
    create_engine_for,
    load_orders,
    make_session_factory,
    save_master_data,
    transaction,
    upgrade,
)
from microfactory.store.models import OrderRow
from tests.cli_helpers import run_cli
from tests.ingest.helpers import FIXTURES, SHARED_RETAIL
from tests.ingest.master import import_master_data

VENDOR_FILES = [
    ("square_orders.json", "square", "square.toml"),
    ("toast_orders.json", "toast", "toast.toml"),
    ("deliverect_order.json", "deliverect", "deliverect.toml"),
    ("pos_export_cp1252.csv", "csv", "pos_export.toml"),
]


def _prepare(url: str) -> str:
    upgrade(url)
    engine = create_engine_for(url)
    try:
        with transaction(make_session_factory(engine)) as session:
            save_master_data(session, import_master_data())
    finally:
        engine.dispose()
    return url


def _orders(url: str) -> list[Order]:
    engine = create_engine_for(url)
    try:
        with make_session_factory(engine)() as session:
            return load_orders(session)
    finally:
        engine.dispose()


def _import(capsys: pytest.CaptureFixture[str], url: str, name: str, fmt: str, mapping: str | None) -> dict:  # type: ignore[type-arg]
    args = ["--database-url", url, "orders", "import", str(FIXTURES / name), "--format", fmt, "--json"]
    if mapping:
        args += ["--mapping", str(FIXTURES / mapping)]
    code, stdout, stderr = run_cli(capsys, *args)
    assert code == 0, stderr
    return json.loads(stdout)  # type: ignore[no-any-return]


@pytest.fixture
def url(database_url: str) -> str:
    """A fresh migrated database with the import master data."""
    return _prepare(database_url)


def test_import_prints_counts_and_a_cancellation_reimport_updates(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """First import inserts, the same file again is unchanged, the status-100 payload updates."""
    first = _import(capsys, url, "deliverect_order.json", "deliverect", "deliverect.toml")
    assert (first["inserted"], first["updated"], first["unchanged"], first["orders"], first["lines"]) == (
        1,
        0,
        0,
        1,
        2,
    )
    assert _import(capsys, url, "deliverect_order.json", "deliverect", "deliverect.toml")["unchanged"] == 1
    assert _import(capsys, url, "deliverect_cancel.json", "deliverect", "deliverect.toml")["updated"] == 1
    (order,) = _orders(url)
    assert order.status.value == "cancelled"
    code, stdout, _ = run_cli(
        capsys,
        "--database-url",
        url,
        "orders",
        "import",
        str(FIXTURES / "square_orders.json"),
        "--format",
        "square",
        "--mapping",
        str(FIXTURES / "square.toml"),
    )
    assert code == 0
    assert "inserted" in stdout and "skipped: Square draft order" in stdout


def test_a_file_with_bad_rows_lists_every_one_and_imports_nothing(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Exit code 2, one stderr line per bad row as file:row:field: reason, and no order stored."""
    text = (FIXTURES / "pos_export_cp1252.csv").read_bytes().decode("cp1252")
    bad = text.replace("SW1A 1AA,Paid,C-77\r\n", "ZZ9 9ZZ,Paid,C-77\r\n", 1).replace(",1,£8.95,", ",x,£8.95,")
    path = tmp_path / "bad.csv"
    path.write_bytes(bad.encode("cp1252"))
    code, _, stderr = run_cli(
        capsys,
        "--database-url",
        url,
        "orders",
        "import",
        str(path),
        "--mapping",
        str(FIXTURES / "pos_export.toml"),
    )
    assert code == 2
    assert f"{path}:2:Postcode: unknown outcode 'ZZ9'" in stderr.replace("\n", "")
    assert f"{path}:4:Qty: 'x' is not a number" in stderr.replace("\n", "")
    assert f"{path}:3:Postcode: order 'W-1001' has outcode 'SW1A' here but 'ZZ9' at row 2" in stderr
    assert "3 problem(s) found; nothing was imported" in stderr
    assert _orders(url) == []


def test_dry_run_counts_but_writes_nothing(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--dry-run reports what would be inserted and leaves the database as it was."""
    code, stdout, _ = run_cli(
        capsys,
        "--database-url",
        url,
        "orders",
        "import",
        str(FIXTURES / "toast_orders.json"),
        "--format",
        "toast",
        "--mapping",
        str(FIXTURES / "toast.toml"),
        "--dry-run",
        "--json",
    )
    assert code == 0
    assert json.loads(stdout)["inserted"] == 3
    assert _orders(url) == []


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_import_export_import_into_a_fresh_database_is_identical(
    fmt: str, url: str, module_database_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Every vendor fixture in, exported, imported into another database: the same orders come out."""
    for name, kind, mapping in VENDOR_FILES:
        _import(capsys, url, name, kind, mapping)
    original = _orders(url)
    assert len(original) == 10
    exported = tmp_path / f"orders.{fmt}"
    code, _, stderr = run_cli(
        capsys, "--database-url", url, "orders", "export", "--format", fmt, "--out", str(exported)
    )
    assert code == 0 and "wrote 10 orders" in stderr
    fresh = module_database_url
    if fmt == "csv":
        _prepare(fresh)
    code, stdout, stderr = run_cli(
        capsys, "--database-url", fresh, "orders", "import", str(exported), "--format", "canonical", "--json"
    )
    assert code == 0, stderr
    assert json.loads(stdout)["orders"] == 10
    assert _orders(fresh) == original
    engine = create_engine_for(fresh)
    try:
        with transaction(make_session_factory(engine)) as session:  # leave the module database empty
            session.execute(delete(OrderRow))
            assert count_orders(session) == 0
    finally:
        engine.dispose()


def test_export_to_stdout_with_filters(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --out the CSV goes to stdout; --status and --channel filter; parquet needs --out."""
    _import(capsys, url, "toast_orders.json", "toast", "toast.toml")
    code, stdout, _ = run_cli(
        capsys, "--database-url", url, "orders", "export", "--status", "cancelled", "--channel", "ubereats"
    )
    assert code == 0
    assert stdout.splitlines()[1].startswith("ubereats,UBEREATS:6f1c2a,FOOD,")
    assert len(stdout.splitlines()) == 2
    code, _, _ = run_cli(capsys, "--database-url", url, "orders", "export", "--format", "parquet")
    assert code == 2


@pytest.mark.skipif(not SHARED_RETAIL.is_file(), reason="../shared/data is not available")
def test_online_retail_export_imports_through_the_builtin_mapping(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real 20,000-line export: cancellations kept as cancelled orders, skipped rows counted."""
    code, stdout, stderr = run_cli(
        capsys,
        "--database-url",
        url,
        "orders",
        "import",
        str(SHARED_RETAIL),
        "--mapping",
        "online_retail_ii",
        "--json",
    )
    assert code == 0, stderr
    summary = json.loads(stdout)
    assert (summary["rows_read"], summary["orders"], summary["inserted"]) == (20_000, 859, 859)
    assert summary["lines"] + sum(summary["skipped"].values()) == 20_000
    assert summary["skipped"]["delivery outside Great Britain (no GB zone)"] == 966
    engine = create_engine_for(url)
    try:
        with make_session_factory(engine)() as session:
            assert count_orders(session, status="cancelled") == 138
    finally:
        engine.dispose()


def test_missing_file_or_mapping_is_a_one_line_error(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """An unreadable file and an unknown mapping name exit with 2 and say which."""
    code, _, stderr = run_cli(
        capsys, "--database-url", url, "orders", "import", "nope.csv", "--mapping", "canonical"
    )
    assert code == 2 and "nope.csv: cannot read" in stderr
    code, _, stderr = run_cli(
        capsys,
        "--database-url",
        url,
        "orders",
        "import",
        str(FIXTURES / "toast_orders.json"),
        "--mapping",
        "x",
    )
    assert code == 2 and "'x' is neither a file nor a built-in mapping" in stderr
