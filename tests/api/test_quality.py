"""Lots and QA over HTTP: the holds queue, release refused and allowed, deviations, holds by site."""

from __future__ import annotations

from fastapi.testclient import TestClient

from microfactory.store.api_repository import Role
from tests.api.conftest import as_role
from tests.api.helpers import ApiEnv
from tests.quality.builders import SITE

DEVIATION = {
    "checks": ["core", "weight", "taste", "label", "acid", "culture"],
    "description": "core 71.5 C on the first probe; other checks not run",
    "corrective_action": "re-baked to 81 C and re-checked by hand",
    "approved_by": "C. Head",
}


def test_holds_queue_lists_the_held_lot(client: TestClient, env: ApiEnv) -> None:
    """The held lot is in the queue with its site."""
    queue = client.get("/api/v1/qa/holds", headers=as_role(env, Role.QA_INSPECTOR)).json()
    assert env.held_lot in [lot["code"] for lot in queue["items"]]
    assert all(lot["status"] == "held" for lot in queue["items"])


def test_release_of_a_held_lot_is_refused_until_a_deviation(client: TestClient, env: ApiEnv) -> None:
    """409 naming the failed check; after a deviation covering it, the release goes through."""
    qa = as_role(env, Role.QA_INSPECTOR)
    refused = client.post(f"/api/v1/lots/{env.held_lot}/release", headers=qa)
    assert refused.status_code == 409
    assert "core" in refused.json()["detail"]
    detail = client.get(f"/api/v1/lots/{env.held_lot}", headers=qa).json()
    assert detail["decision"]["releasable"] is False
    deviation = client.post(f"/api/v1/lots/{env.held_lot}/deviations", json=DEVIATION, headers=qa)
    assert deviation.status_code == 201, deviation.text
    released = client.post(f"/api/v1/lots/{env.held_lot}/release", headers=qa)
    assert released.status_code == 200, released.text
    after = client.get(f"/api/v1/lots/{env.held_lot}", headers=qa).json()
    assert after["lot"]["status"] == "released"
    assert [e["action"] for e in after["audit"]][-2:] == ["deviation", "release"]
    assert after["audit"][-1]["actor"] == "user-qa_inspector"


def test_unknown_check_in_a_deviation_is_422(client: TestClient, env: ApiEnv) -> None:
    """A deviation naming a check not in the lot's checklist is refused naming the field."""
    body = {**DEVIATION, "checks": ["no_such_check"]}
    response = client.post(
        f"/api/v1/lots/{env.releasable_lot}/deviations", json=body, headers=as_role(env, Role.ADMIN)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].endswith("checks")


def test_site_operator_holds_own_site_lots_only(client: TestClient, env: ApiEnv) -> None:
    """A site operator may hold a lot of their own site and sees only their site's lots."""
    operator = as_role(env, Role.SITE_OPERATOR)
    lots = client.get("/api/v1/lots", headers=operator).json()
    assert lots["total"] >= 3 and {lot["site"] for lot in lots["items"]} == {SITE}
    assert client.get("/api/v1/lots", params={"site": "ELSEWHERE"}, headers=operator).status_code == 403
    held = client.post(
        f"/api/v1/lots/{env.releasable_lot}/hold", json={"reason": "customer complaint"}, headers=operator
    )
    assert held.status_code == 200, held.text
    assert (
        client.get(f"/api/v1/lots/{env.releasable_lot}", headers=operator).json()["lot"]["status"] == "held"
    )


def test_trace_of_a_lot(client: TestClient, env: ApiEnv) -> None:
    """A forward trace starts at the lot itself."""
    trace = client.get(f"/api/v1/lots/{env.held_lot}/trace", headers=as_role(env, Role.VIEWER))
    assert trace.status_code == 200
    assert trace.json()["lots"][0]["code"] == env.held_lot
    assert client.get("/api/v1/lots/NOPE/trace", headers=as_role(env, Role.VIEWER)).status_code == 404
