"""Hub stock over HTTP: hubs, stock on hand (first expiry first), the move ledger, policies, transfers
and the latest inventory KPIs per hub and policy (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from microfactory.domain import PlanHorizon
from microfactory.store import create_engine_for, make_session_factory, save_plan_run, transaction
from microfactory.store.api_repository import Role
from microfactory.store.inventory_repository import (
    PolicyRecord,
    TransferRecord,
    consume_fefo,
    receive,
    save_inventory_plan,
)
from tests.api.conftest import as_role
from tests.api.helpers import ApiEnv

HUB = "HUB-T"
T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)
KPIS: dict[str, float | int | str] = {
    "hub": HUB,
    "source_site": "LON-MF",
    "skus": 2,
    "fill_rate_target": 0.95,
    "replay_days": 56,
    "replay_auto_fill_rate": 0.971,
    "replay_auto_waste_pct": 2.5,
    "replay_auto_waste_units": 12,
    "replay_auto_avg_stock_value_pence": 81_234,
    "replay_auto_stockout_sku_days": 3,
    "replay_normal_fill_rate": 0.93,
    "replay_normal_waste_pct": 6.0,
    "replay_normal_waste_units": 30,
    "replay_normal_avg_stock_value_pence": 99_000,
}


def _policy(sku: str, weekday: int) -> PolicyRecord:
    return PolicyRecord(
        hub=HUB,
        sku=sku,
        weekday=weekday,
        kind="newsvendor",
        demand_class="smooth",
        reorder_point=4,
        order_up_to=10,
        minimum_order=1,
        pack_size=1,
        lead_days=1,
        protection_days=3,
        target=0.95,
        expected_fill_rate=0.96,
        mean_daily_units=2.5,
        distribution="bootstrap",
    )


@pytest.fixture(scope="module")
def stocked(env: ApiEnv) -> ApiEnv:
    """Two lots of SKU-A (the sooner-expiring one partly sold), one of SKU-B, and an inventory plan run."""
    engine = create_engine_for(env.url)
    try:
        with transaction(make_session_factory(engine)) as session:
            receive(
                session,
                hub=HUB,
                sku="SKU-A",
                lot_code="A-1",
                units=10,
                at=T0,
                expires_at=T0 + timedelta(days=3),
                unit_cost_pence=150,
            )
            receive(
                session,
                hub=HUB,
                sku="SKU-A",
                lot_code="A-2",
                units=5,
                at=T0,
                expires_at=T0 + timedelta(days=9),
                unit_cost_pence=150,
            )
            receive(session, hub=HUB, sku="SKU-B", lot_code="B-1", units=4, at=T0, unit_cost_pence=1_000)
            consume_fefo(session, hub=HUB, sku="SKU-A", units=3, at=T0 + timedelta(hours=5), reference="o-1")
            horizon = PlanHorizon(start=T0, end=T0 + timedelta(days=7))
            run_id = save_plan_run(session, stage="inventory", scope=HUB, horizon=horizon, kpis=KPIS)
            transfer = TransferRecord(
                code="TR-1",
                from_site="LON-MF",
                to_hub=HUB,
                sku="SKU-A",
                quantity=6,
                dispatch_at=T0 + timedelta(days=1),
                arrive_at=T0 + timedelta(days=1, hours=2),
                trip_code="TRIP-1",
                distance_km=12.5,
                mass_kg=3.0,
                kg_co2e=1.25,
            )
            save_inventory_plan(
                session,
                plan_run_id=run_id,
                policies=[_policy("SKU-A", 0), _policy("SKU-A", 3), _policy("SKU-B", 0)],
                transfers=[transfer],
            )
    finally:
        engine.dispose()
    return env


def test_hubs_show_plan_and_stock(client: TestClient, stocked: ApiEnv) -> None:
    """The hub lists its latest plan run, source site and stock now: 7 + 5 + 4 units, valued at cost."""
    hubs = client.get("/api/v1/stock/hubs", headers=as_role(stocked, Role.VIEWER)).json()
    hub = next(h for h in hubs if h["hub"] == HUB)
    assert hub["source_site"] == "LON-MF" and hub["plan_run_id"] is not None
    assert hub["units_on_hand"] == 16 and hub["lots_on_hand"] == 3 and hub["skus"] == 2
    assert hub["stock_value_pence"] == 12 * 150 + 4 * 1_000
    assert hub["transfers"] == 1


def test_on_hand_by_expiry_and_filters(client: TestClient, stocked: ApiEnv) -> None:
    """Lots first-expiry-first per SKU; the sale took the sooner lot; filters by SKU and expiry."""
    viewer = as_role(stocked, Role.VIEWER)
    lots = client.get("/api/v1/stock/on-hand", params={"hub": HUB}, headers=viewer).json()
    assert lots["total"] == 3
    assert [(x["lot_code"], x["quantity"]) for x in lots["items"]] == [("A-1", 7), ("A-2", 5), ("B-1", 4)]
    assert lots["items"][0]["value_pence"] == 7 * 150
    soon = client.get(
        "/api/v1/stock/on-hand",
        params={"hub": HUB, "expires_before": (T0 + timedelta(days=5)).isoformat()},
        headers=viewer,
    ).json()
    assert [x["lot_code"] for x in soon["items"]] == ["A-1"]
    only_b = client.get("/api/v1/stock/on-hand", params={"hub": HUB, "sku": "SKU-B"}, headers=viewer).json()
    assert only_b["total"] == 1
    naive = client.get(
        "/api/v1/stock/on-hand", params={"expires_before": "2026-11-05T00:00:00"}, headers=viewer
    )
    assert naive.status_code == 422


def test_moves_newest_first_with_balances(client: TestClient, stocked: ApiEnv) -> None:
    """The sale is the newest move; its balance after is the lot's units; filter by kind."""
    viewer = as_role(stocked, Role.VIEWER)
    moves = client.get("/api/v1/stock/moves", params={"hub": HUB}, headers=viewer).json()
    assert moves["total"] == 4
    first = moves["items"][0]
    assert (first["kind"], first["quantity"], first["balance_after"], first["reference"]) == (
        "sale",
        -3,
        7,
        "o-1",
    )
    receipts = client.get(
        "/api/v1/stock/moves", params={"hub": HUB, "kind": "receipt"}, headers=viewer
    ).json()
    assert receipts["total"] == 3 and all(m["quantity"] > 0 for m in receipts["items"])
    assert client.get("/api/v1/stock/moves", params={"kind": "theft"}, headers=viewer).status_code == 422


def test_policies_and_transfers(client: TestClient, stocked: ApiEnv) -> None:
    """Policies per SKU and weekday of the newest plan; the transfer with its trip and CO2e."""
    viewer = as_role(stocked, Role.VIEWER)
    policies = client.get("/api/v1/stock/policies", params={"hub": HUB}, headers=viewer).json()
    assert [(p["sku"], p["weekday"]) for p in policies["items"]] == [("SKU-A", 0), ("SKU-A", 3), ("SKU-B", 0)]
    assert (
        client.get("/api/v1/stock/policies", params={"hub": HUB, "sku": "SKU-B"}, headers=viewer).json()[
            "total"
        ]
        == 1
    )
    transfers = client.get("/api/v1/stock/transfers", params={"hub": HUB}, headers=viewer).json()
    assert transfers["total"] == 1
    assert transfers["items"][0]["trip_code"] == "TRIP-1" and transfers["items"][0]["kg_co2e"] == 1.25


def test_kpis_per_hub_and_policy(client: TestClient, stocked: ApiEnv) -> None:
    """Fill rate, waste and stock value per policy from the stored run; stock value now from the ledger."""
    rows = client.get(
        "/api/v1/stock/kpis", params={"hub": HUB}, headers=as_role(stocked, Role.SITE_OPERATOR)
    ).json()
    assert len(rows) == 1
    row = rows[0]
    assert row["fill_rate_target"] == 0.95 and row["replay_days"] == 56
    assert row["stock_value_pence"] == 12 * 150 + 4 * 1_000
    by_policy = {p["policy"]: p for p in row["policies"]}
    assert by_policy["auto"]["fill_rate"] == 0.971 and by_policy["auto"]["waste_pct"] == 2.5
    assert by_policy["auto"]["avg_stock_value_pence"] == 81_234
    assert by_policy["normal"]["waste_units"] == 30
    assert (
        client.get(
            "/api/v1/stock/kpis", params={"hub": "NO-HUB"}, headers=as_role(stocked, Role.VIEWER)
        ).json()
        == []
    )


def test_stock_reads_need_a_login(client: TestClient) -> None:
    """Without credentials: 401 problem+json."""
    client.cookies.clear()
    response = client.get("/api/v1/stock/hubs")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
