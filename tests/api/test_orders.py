"""Orders over HTTP: list, filter and page; upsert one; bulk ingest, atomic and idempotent."""

from __future__ import annotations

import copy
from typing import Any

from fastapi.testclient import TestClient

from microfactory.store.api_repository import Role
from tests.api.conftest import as_role
from tests.api.helpers import ApiEnv


def _order(n: int, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "api",
        "external_id": f"API-{n:05d}",
        "brand": "KIT",
        "outcode": "E1",
        "created_at": "2026-11-20T09:00:00Z",
        "window": {"start": "2026-11-24T08:00:00Z", "end": "2026-11-24T12:00:00Z"},
        "lines": [{"line_no": 1, "sku": "DOOR-WHITE", "quantity": 2, "unit_price_pence": 8900}],
    }
    body.update(changes)
    return body


def test_post_one_order_inserts_then_is_unchanged_then_updates(client: TestClient, env: ApiEnv) -> None:
    """The same order twice changes nothing; a changed quantity updates it in place."""
    planner = as_role(env, Role.PLANNER)
    first = client.post("/api/v1/orders", json=_order(1), headers=planner)
    assert first.status_code == 200, first.text
    assert first.json() == {"inserted": 1, "updated": 0, "unchanged": 0, "skus_created": 0}
    again = client.post("/api/v1/orders", json=_order(1), headers=planner)
    assert again.json()["unchanged"] == 1
    changed = _order(1, lines=[{"line_no": 1, "sku": "DOOR-WHITE", "quantity": 5}])
    assert client.post("/api/v1/orders", json=changed, headers=planner).json()["updated"] == 1
    read = client.get("/api/v1/orders/api/API-00001", headers=planner)
    assert read.status_code == 200
    assert read.json()["lines"][0]["quantity"] == 5


def test_invalid_field_is_422_naming_the_field(client: TestClient, env: ApiEnv) -> None:
    """A missing field and a bad quantity are both named, as problem+json."""
    body = _order(2, lines=[{"line_no": 1, "sku": "DOOR-WHITE", "quantity": 0}])
    del body["outcode"]
    response = client.post("/api/v1/orders", json=body, headers=as_role(env, Role.PLANNER))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"body.outcode", "body.lines.0.quantity"} <= fields


def test_unknown_references_list_every_issue(client: TestClient, env: ApiEnv) -> None:
    """Unknown brand, outcode and SKU are each reported; nothing is written."""
    body = _order(3, brand="NOPE", outcode="ZZ9", lines=[{"line_no": 1, "sku": "NO-SKU", "quantity": 1}])
    response = client.post("/api/v1/orders", json=body, headers=as_role(env, Role.PLANNER))
    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["order:0:brand", "order:0:outcode", "order:0:lines.0.sku"]
    assert client.get("/api/v1/orders/api/API-00003", headers=as_role(env, Role.VIEWER)).status_code == 404


def test_bulk_is_all_or_nothing(client: TestClient, env: ApiEnv) -> None:
    """One bad order in a batch refuses the whole batch, naming its row."""
    batch = {"orders": [_order(10), _order(11, outcode="ZZ9")]}
    response = client.post("/api/v1/orders/bulk", json=batch, headers=as_role(env, Role.PLANNER))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["orders:1:outcode"]
    assert client.get("/api/v1/orders/api/API-00010", headers=as_role(env, Role.VIEWER)).status_code == 404


def test_bulk_idempotency_key_replays_and_refuses_other_body(client: TestClient, env: ApiEnv) -> None:
    """Same key and body: the first answer again (not re-applied); same key, other body: 409."""
    planner = {**as_role(env, Role.PLANNER), "Idempotency-Key": "batch-0001"}
    batch = {"orders": [_order(20), _order(21)]}
    first = client.post("/api/v1/orders/bulk", json=batch, headers=planner)
    assert first.status_code == 200, first.text
    assert first.json()["inserted"] == 2
    replay = client.post("/api/v1/orders/bulk", json=batch, headers=planner)
    assert replay.json() == first.json()
    assert replay.headers["Idempotent-Replay"] == "true"
    other = copy.deepcopy(batch)
    other["orders"][0]["lines"][0]["quantity"] = 9
    conflict = client.post("/api/v1/orders/bulk", json=other, headers=planner)
    assert conflict.status_code == 409
    assert conflict.headers["content-type"] == "application/problem+json"


def test_list_filters_and_pages_with_total(client: TestClient, env: ApiEnv) -> None:
    """limit/offset page through a filtered list; total counts every match."""
    planner = as_role(env, Role.PLANNER)
    client.post("/api/v1/orders/bulk", json={"orders": [_order(n) for n in range(30, 35)]}, headers=planner)
    page = client.get("/api/v1/orders", params={"channel": "api", "limit": 2, "offset": 1}, headers=planner)
    body = page.json()
    assert page.status_code == 200
    assert body["limit"] == 2 and body["offset"] == 1 and len(body["items"]) == 2
    everything = client.get(
        "/api/v1/orders", params={"channel": "api", "limit": 1000}, headers=planner
    ).json()
    assert body["total"] == everything["total"] == len(everything["items"])
    assert body["items"] == everything["items"][1:3]
    assert client.get("/api/v1/orders", params={"limit": 0}, headers=planner).status_code == 422


def test_naive_datetime_filter_is_refused(client: TestClient, env: ApiEnv) -> None:
    """created_from without a time zone is a 422 naming the parameter."""
    response = client.get(
        "/api/v1/orders", params={"created_from": "2026-11-01T00:00:00"}, headers=as_role(env, Role.VIEWER)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query:created_from"


def test_writes_are_audited(client: TestClient, env: ApiEnv, admin: dict[str, str]) -> None:
    """An order upsert leaves an audit row naming who and what."""
    client.post("/api/v1/orders", json=_order(40), headers=as_role(env, Role.PLANNER))
    audit = client.get("/api/v1/admin/audit", params={"actor": "user-planner"}, headers=admin).json()
    assert any(
        a["action"] == "orders.upsert" and a["detail"].get("key") == "api/API-00040" for a in audit["items"]
    )
