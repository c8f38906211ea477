"""Forecast reads over HTTP: the latest run per brand, and a brand's weekly forecasts by level."""

from __future__ import annotations

from fastapi.testclient import TestClient

from microfactory.store import create_engine_for, make_session_factory, transaction
from microfactory.store.api_repository import Role
from tests.api.conftest import as_role
from tests.api.helpers import ApiEnv
from tests.store.test_forecast_repository import _result, _save


def test_forecast_runs_and_values(client: TestClient, env: ApiEnv) -> None:
    """A stored forecast (brand FOOD) is listed with its KPIs; its total series pages by week."""
    viewer = as_role(env, Role.VIEWER)
    assert client.get("/api/v1/forecasts/FOOD", headers=viewer).status_code == 404
    engine = create_engine_for(env.url)
    try:
        with transaction(make_session_factory(engine)) as session:
            run_id = _save(session, _result())
    finally:
        engine.dispose()
    runs = client.get("/api/v1/forecasts", headers=viewer).json()
    assert [(r["brand"], r["plan_run_id"], r["kpis"]["auto_mase"]) for r in runs] == [("FOOD", run_id, 0.55)]
    total = client.get("/api/v1/forecasts/FOOD", headers=viewer).json()
    assert total["total"] == 2
    assert [p["week"] for p in total["items"]] == ["2026-11-23", "2026-11-30"]
    assert total["items"][0]["mean"] == 40.0 and total["items"][0]["quantiles"]["q90"] == 56.0
    area = client.get("/api/v1/forecasts/FOOD", params={"level": "area", "limit": 1}, headers=viewer).json()
    assert area["total"] == 4 and len(area["items"]) == 1
    other = client.get("/api/v1/forecasts/FOOD", params={"level": "area", "offset": 2}, headers=viewer).json()
    assert other["items"][0]["unique_id"] == "OTHER" and other["items"][0]["quantiles"]["q95"] is None
