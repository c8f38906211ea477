"""Jobs: 202 with an id, status and result or error, cancel while queued, orphans failed at start."""

from __future__ import annotations

import threading

from fastapi import FastAPI
from fastapi.testclient import TestClient

from microfactory.store import create_engine_for, make_session_factory, transaction
from microfactory.store.api_repository import JobStatus, Role, create_job, get_job
from tests.api.conftest import as_role
from tests.api.helpers import ApiEnv, api_client
from tests.quality.builders import SITE


def test_scenario_job_for_unknown_brand_fails_with_reason(
    app_client: tuple[FastAPI, TestClient], env: ApiEnv
) -> None:
    """POST answers 202 with the job and its Location; the job then fails naming the brand."""
    app, client = app_client
    planner = as_role(env, Role.PLANNER)
    started = client.post("/api/v1/network/scenarios", json={"brand": "NOPE", "seconds": 1}, headers=planner)
    assert started.status_code == 202, started.text
    job = started.json()
    assert started.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    app.state.jobs.wait(job["id"], timeout=60)
    done = client.get(f"/api/v1/jobs/{job['id']}", headers=planner).json()
    assert done["status"] == "failed"
    assert "NOPE" in done["error"]
    listed = client.get("/api/v1/jobs", params={"status": "failed"}, headers=planner).json()
    assert job["id"] in [j["id"] for j in listed["items"]]


def test_cancel_a_queued_job(app_client: tuple[FastAPI, TestClient], env: ApiEnv) -> None:
    """With the worker busy, a new job waits; DELETE cancels it and it never runs."""
    app, client = app_client
    planner = as_role(env, Role.PLANNER)
    release = threading.Event()
    blocker = app.state.jobs.pool.submit(release.wait, 30)
    try:
        job = client.post(
            "/api/v1/network/scenarios", json={"brand": "KIT", "seconds": 1}, headers=planner
        ).json()
        assert job["status"] == "queued"
        cancelled = client.delete(f"/api/v1/jobs/{job['id']}", headers=planner)
        assert cancelled.status_code == 200
        assert cancelled.json()["status"] == "cancelled"
    finally:
        release.set()
        blocker.result(timeout=30)
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=planner).json()["status"] == "cancelled"
    assert client.delete("/api/v1/jobs/999999", headers=planner).status_code == 404


def test_jobs_left_running_are_failed_at_start_up(env: ApiEnv) -> None:
    """A job a stopped server left queued is marked failed when the app starts again."""
    engine = create_engine_for(env.url)
    try:
        sessions = make_session_factory(engine)
        with transaction(sessions) as session:
            job_id = create_job(session, kind="network_scenario", params={}, created_by="someone")
        with api_client(env.url), sessions() as session:
            assert get_job(session, job_id).status == JobStatus.FAILED.value
    finally:
        engine.dispose()


def test_schedule_job_replans_a_site_week(app_client: tuple[FastAPI, TestClient], env: ApiEnv) -> None:
    """A re-schedule job stores the site's week; the schedule and its Gantt chart can then be read."""
    app, client = app_client
    planner = as_role(env, Role.PLANNER)
    order = {
        "channel": "api",
        "external_id": "SCHED-1",
        "brand": "KIT",
        "outcode": "E1",
        "site": SITE,
        "created_at": "2026-11-20T09:00:00Z",
        "window": {"start": "2026-11-26T08:00:00Z", "end": "2026-11-26T12:00:00Z"},
        "lines": [{"line_no": 1, "sku": "DOOR-WHITE", "quantity": 3}],
    }
    assert client.post("/api/v1/orders", json=order, headers=planner).status_code == 200
    empty = client.post(
        "/api/v1/schedules", json={"site": SITE, "week_start": "2027-03-01", "seconds": 1}, headers=planner
    ).json()
    app.state.jobs.wait(empty["id"], timeout=60)
    failed = client.get(f"/api/v1/jobs/{empty['id']}", headers=planner).json()
    assert failed["status"] == "failed" and "no work" in failed["error"]
    body = {"site": SITE, "week_start": "2026-11-23", "seconds": 2}
    job = client.post("/api/v1/schedules", json=body, headers=planner).json()
    app.state.jobs.wait(job["id"], timeout=120)
    done = client.get(f"/api/v1/jobs/{job['id']}", headers=planner).json()
    assert done["status"] == "succeeded", done
    assert done["progress"] == 1.0
    run_id = done["result"]["plan_run_id"]
    schedule = client.get(f"/api/v1/schedules/{run_id}", headers=planner).json()
    assert schedule["run"]["scope"] == SITE and schedule["production_runs"]
    gantt = client.get(f"/api/v1/schedules/{run_id}/gantt.svg", headers=planner)
    assert gantt.headers["content-type"].startswith("image/svg+xml") and "<rect" in gantt.text
    other = as_role(env, Role.SITE_OPERATOR)
    assert client.get(f"/api/v1/schedules/{run_id}", headers=other).status_code == 200
