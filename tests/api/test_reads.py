"""Master data, plan reads, SVG drawings, authentication and the OpenAPI document."""

from __future__ import annotations

from fastapi.testclient import TestClient

from microfactory.store.api_repository import Role
from tests.api.conftest import as_role
from tests.api.helpers import PASSWORD, ApiEnv
from tests.quality.builders import SITE


def test_master_data_reads(client: TestClient, env: ApiEnv) -> None:
    """Sites, SKUs (paged, with total), zones, resources and calendars come back from the store."""
    viewer = as_role(env, Role.VIEWER)
    sites = client.get("/api/v1/sites", headers=viewer).json()
    assert [s["code"] for s in sites["items"]] == [SITE] and sites["total"] == 1
    assert client.get(f"/api/v1/sites/{SITE}", headers=viewer).json()["brand"] == "KIT"
    assert client.get("/api/v1/sites/NOPE", headers=viewer).status_code == 404
    skus = client.get("/api/v1/skus", params={"limit": 1}, headers=viewer).json()
    assert len(skus["items"]) == 1 and skus["total"] == 2
    zones = client.get("/api/v1/zones", params={"prefix": "E"}, headers=viewer).json()
    assert zones["total"] >= 1 and all(z["outcode"].startswith("E") for z in zones["items"])
    resources = client.get("/api/v1/resources", params={"site": SITE}, headers=viewer).json()
    assert resources and {r["site"] for r in resources} == {SITE}
    calendars = client.get("/api/v1/calendars", headers=viewer).json()
    assert calendars[0]["code"] == "DAY"
    assert client.get("/api/v1/calendars/DAY", headers=viewer).status_code == 200


def test_network_map_is_svg(client: TestClient, env: ApiEnv) -> None:
    """The map is an SVG of the GB outline with the site drawn as a square."""
    response = client.get("/api/v1/network/map.svg", headers=as_role(env, Role.VIEWER))
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.text.startswith("<svg") and SITE in response.text and "<rect" in response.text


def test_unknown_scenario_and_plan_run_are_404(client: TestClient, env: ApiEnv) -> None:
    """Missing scenarios, schedules and routing plans are problem+json 404s."""
    viewer = as_role(env, Role.VIEWER)
    for url in ("/api/v1/network/scenarios/KIT/none", "/api/v1/schedules/424242", "/api/v1/routes/424242"):
        response = client.get(url, headers=viewer)
        assert response.status_code == 404, url
        assert response.headers["content-type"] == "application/problem+json"


def test_login_me_logout(client: TestClient, env: ApiEnv) -> None:
    """Login gives a bearer token and a cookie; logout ends the session."""
    assert (
        client.post("/api/v1/auth/login", json={"username": "user-viewer", "password": "wrong"}).status_code
        == 401
    )
    login = client.post("/api/v1/auth/login", json={"username": "user-viewer", "password": PASSWORD})
    assert login.status_code == 200
    token = login.json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", headers=bearer).json()["role"] == "viewer"
    assert client.post("/api/v1/auth/logout", headers=bearer).status_code == 204
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 401
    client.cookies.clear()


def test_admin_adds_user_and_key(client: TestClient, admin: dict[str, str]) -> None:
    """An admin adds a site operator and issues a key that then works."""
    created = client.post(
        "/api/v1/admin/users", json={"username": "op2", "role": "site_operator", "site": SITE}, headers=admin
    )
    assert created.status_code == 201, created.text
    bad = client.post("/api/v1/admin/users", json={"username": "op3", "role": "site_operator"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith("site")
    key = client.post("/api/v1/admin/users/op2/keys", headers=admin).json()["api_key"]
    me = client.get("/api/v1/auth/me", headers={"X-API-Key": key}).json()
    assert me == {"username": "op2", "role": "site_operator", "site": SITE, "via": "key"}


def test_openapi_document_is_complete(client: TestClient) -> None:
    """Every operation has a summary, problem responses and the security schemes are declared."""
    doc = client.get("/api/v1/openapi.json").json()
    assert {"APIKeyHeader", "HTTPBearer", "APIKeyCookie"} <= set(doc["components"]["securitySchemes"])
    for path, item in doc["paths"].items():
        for method, op in item.items():
            assert op.get("summary"), (method, path)
            if path not in ("/api/v1/health",):
                assert "422" in op["responses"] or method == "get", (method, path)
    assert "example" in str(doc["components"]["schemas"]["OrderBatch"]) or "examples" in str(doc)


def test_nul_byte_in_a_filter_is_not_a_server_error(client: TestClient, env: ApiEnv) -> None:
    """PostgreSQL refuses NUL in text: that is the caller's 422, never a 500 (SQLite just finds nothing)."""
    response = client.get("/api/v1/sites", params={"brand": "\x00"}, headers=as_role(env, Role.VIEWER))
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert response.headers["content-type"] == "application/problem+json"


def test_heat_zones_from_stored_orders(client: TestClient, env: ApiEnv) -> None:
    """The stored orders' outcode is the top zone; the map is an SVG."""
    viewer = as_role(env, Role.VIEWER)
    body = client.get("/api/v1/heat-zones", params={"weeks": 520, "as_of": "2026-12-31"}, headers=viewer)
    assert body.status_code == 200, body.text
    assert body.json()["top"][0]["zone"] == "E1"
    svg = client.get(
        "/api/v1/heat-zones/map.svg", params={"weeks": 520, "as_of": "2026-12-31"}, headers=viewer
    )
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<path" in svg.text
    assert client.get("/api/v1/heat-zones", params={"brand": "NOPE"}, headers=viewer).status_code == 404
