"""``zones heatmap`` end to end on a stored small demo, and the report's heat-zone section."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import h3
import pytest
from sqlalchemy.orm import Session

from microfactory.config import load_settings
from microfactory.domain import DeliveryWindow, Order, OrderLine, OrderStatus
from microfactory.plan.heatzones import heatzones_report_section
from microfactory.store import create_engine_for, make_session_factory, transaction, upgrade, upsert_orders
from microfactory.store.zone_frames import ZONE_LINE_COLUMNS, brands_with_orders, zone_order_lines_frame
from tests.cli_helpers import run_cli
from tests.demo_db import store_demo


@pytest.fixture(scope="module")
def stored(module_database_url: str) -> str:
    """A small demo (two brands, two years of orders) stored without running the plan."""
    store_demo(module_database_url, scale=0.02)
    return module_database_url


def test_heatmap_writes_three_files_and_prints_top_zones(
    stored: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Default outcode heat-zones: GeoJSON, HTML and PNG written; KPIs and top zones printed."""
    code, stdout, stderr = run_cli(
        capsys, "--database-url", stored, "zones", "heatmap", "--out", str(tmp_path)
    )
    assert code == 0, stderr
    assert "Top 10 zones by density" in stdout and "orders/km²/wk" in stdout
    for name in ("heatzones.geojson", "heatzones.html", "heatzones.png"):
        assert (tmp_path / name).stat().st_size > 1000, name
    doc = json.loads((tmp_path / "heatzones.geojson").read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and doc["level"] == "outcode"
    assert (tmp_path / "heatzones.png").read_bytes()[:4] == b"\x89PNG"
    html = (tmp_path / "heatzones.html").read_text(encoding="utf-8")
    assert "http" not in html and "<script" not in html


def test_h3_json_totals_match_outcodes(
    stored: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--by h3 --resolution 5 --json: cells of resolution 5, and the same order total as outcodes."""
    args = ("--database-url", stored, "zones", "heatmap", "--brand", "FOOD", "--weeks", "8", "--json")
    code, stdout, stderr = run_cli(capsys, *args, "--out", str(tmp_path / "o"))
    assert code == 0, stderr
    by_outcode = json.loads(stdout)
    code, stdout, stderr = run_cli(
        capsys,
        *args,
        "--by",
        "h3",
        "--resolution",
        "5",
        "--top",
        "3",
        "--rank",
        "orders",
        "--out",
        str(tmp_path),
    )
    assert code == 0, stderr
    by_cell = json.loads(stdout)
    assert by_cell["kpis"]["level"] == "h3 r5" and by_cell["kpis"]["weeks"] == 8
    assert by_cell["kpis"]["orders"] == by_outcode["kpis"]["orders"] > 0
    assert len(by_cell["top"]) == 3
    assert all(h3.get_resolution(z["zone"]) == 5 for z in by_cell["top"])
    orders = [z["orders"] for z in by_cell["top"]]
    assert orders == sorted(orders, reverse=True)
    assert by_cell["files"]["png"].endswith("heatzones.png")


def test_unknown_brand_and_bad_option_fail_cleanly(
    stored: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No orders for the brand: one-line error, exit 2, nothing written; a bad --by is a usage error."""
    code, _, stderr = run_cli(
        capsys, "--database-url", stored, "zones", "heatmap", "--brand", "NOPE", "--out", str(tmp_path)
    )
    assert code == 2 and "no live orders of brand 'NOPE'" in stderr
    assert not any(tmp_path.iterdir())
    code, _, _ = run_cli(capsys, "--database-url", stored, "zones", "heatmap", "--by", "county")
    assert code == 2


def test_report_section_has_a_map_per_brand(stored: str) -> None:
    """The report section has one map and top-zones table per brand with orders, offline."""
    engine = create_engine_for(stored)
    try:
        with make_session_factory(engine)() as session:
            html = heatzones_report_section(session, load_settings(database_url=stored))
    finally:
        engine.dispose()
    assert html.startswith('<section id="heat-zones">')
    assert "FOOD: delivery density by outcode" in html and "KITCHEN: delivery density by outcode" in html
    assert html.count("<svg") == 4 and "http" not in html  # per brand: GB map and zoom


def test_report_section_is_empty_without_orders(session: Session) -> None:
    """No orders in the database: no section at all."""
    assert heatzones_report_section(session, load_settings()) == ""


def _order(key: str, outcode: str, *, customer: str | None = None, cancelled: bool = False) -> Order:
    created = datetime(2026, 11, 17, 10, tzinfo=UTC)
    return Order(
        channel="web",
        external_id=key,
        brand="FOOD",
        customer=customer,
        outcode=outcode,
        created_at=created,
        window=DeliveryWindow(start=created + timedelta(hours=1), end=created + timedelta(hours=2)),
        status=OrderStatus.CANCELLED if cancelled else OrderStatus.DELIVERED,
        lines=(
            OrderLine(line_no=1, sku="MEAL-1", quantity=2),
            OrderLine(line_no=2, sku="MEAL-2", quantity=1),
        ),
    )


def test_zone_frame_reads_customers_and_cancellations(session: Session) -> None:
    """The store read gives one row per line with the customer and the cancelled flag, per brand."""
    upsert_orders(
        session,
        [_order("a", "M4", customer="C1"), _order("b", "M4", cancelled=True), _order("c", "BT1")],
    )
    frame = zone_order_lines_frame(session, brand="FOOD")
    assert list(frame.columns) == list(ZONE_LINE_COLUMNS)
    assert len(frame) == 6 and int(frame["quantity"].sum()) == 9
    assert frame.loc[frame["external_id"] == "a", "customer"].tolist() == ["C1", "C1"]
    assert frame.loc[frame["external_id"] == "c", "customer"].isna().all()
    assert frame.loc[frame["external_id"] == "b", "cancelled"].all()
    assert str(frame["created_at"].dt.tz) == "UTC"
    assert zone_order_lines_frame(session, brand="KITCHEN").empty
    assert brands_with_orders(session) == ["FOOD"]


def test_unknown_outcodes_are_left_out_with_a_warning(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Northern Ireland order cannot be placed on the GB map: warned about, counted, left out."""
    upgrade(database_url)
    engine = create_engine_for(database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            upsert_orders(session, [_order("a", "M4", customer="C1"), _order("c", "BT1")])
    finally:
        engine.dispose()
    code, stdout, stderr = run_cli(
        capsys, "--database-url", database_url, "zones", "heatmap", "--out", str(tmp_path), "--json"
    )
    assert code == 0, stderr
    assert "1 order(s) in the window have outcodes that are not GB outcodes" in stderr and "BT1" in stderr
    payload = json.loads(stdout)
    assert payload["kpis"]["orders"] == 1 and payload["kpis"]["unlocated_orders"] == 1
    assert [z["zone"] for z in payload["top"]] == ["M4"]
