"""Second life over HTTP: intake, grading, disposition, the state machine's refusals as problems that
change nothing, site scoping, history and KPIs (on SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from microfactory.store import create_engine_for, make_session_factory
from microfactory.store.api_repository import Role
from microfactory.store.models.api import ApiAuditRow as AuditRow
from microfactory.store.models.circular import SecondLifeEventRow
from tests.api.conftest import as_role
from tests.api.helpers import OTHER_SITE, ApiEnv
from tests.quality.builders import SITE

BASE = "/api/v1/second-life/items"


def _oven(item: str, site: str = SITE, **changes: Any) -> dict[str, Any]:
    """A 35 kg showroom oven worth £899 new, taken in on 5 October 2026."""
    return {
        "item": item,
        "kind": "appliance",
        "source": "showroom_demo",
        "site": site,
        "received_at": "2026-10-05T09:00:00Z",
        "mass_kg": 35.0,
        "material": "appliance_large",
        "new_value_pence": 89_900,
        "make": "Neff",
        "model": "B57",
        "manufacture_year": 2025,
        "origin": "showroom",
        **changes,
    }


def _counts(env: ApiEnv) -> tuple[int, int]:
    """(second-life events, audit rows) stored now."""
    engine = create_engine_for(env.url)
    try:
        with make_session_factory(engine)() as session:
            events = session.scalar(select(func.count()).select_from(SecondLifeEventRow))
            audits = session.scalar(select(func.count()).select_from(AuditRow))
            return int(events or 0), int(audits or 0)
    finally:
        engine.dispose()


def _intake(client: TestClient, env: ApiEnv, item: str, **changes: Any) -> None:
    response = client.post(BASE, json=_oven(item, **changes), headers=as_role(env, Role.PLANNER))
    assert response.status_code == 201, response.text


def test_intake_grade_dispose_and_history(client: TestClient, env: ApiEnv) -> None:
    """A planner takes an oven in, a QA inspector grades it, the planner resells it; the history shows
    each step with its actor, and the item's status follows."""
    planner, qa = as_role(env, Role.PLANNER), as_role(env, Role.QA_INSPECTOR)
    _intake(client, env, "OV-HIST")
    graded = client.post(
        f"{BASE}/OV-HIST/grade",
        json={"grade": "B", "reason": "light marks", "graded_at": "2026-10-06T09:00:00Z"},
        headers=qa,
    )
    assert graded.status_code == 201, graded.text
    assert graded.json()["status"] == "graded"
    disposed = client.post(
        f"{BASE}/OV-HIST/dispose",
        json={"channel": "resell", "value_recovered_pence": 45_000, "disposed_at": "2026-10-09T09:00:00Z"},
        headers=planner,
    )
    assert disposed.status_code == 201, disposed.text
    detail = client.get(f"{BASE}/OV-HIST", headers=as_role(env, Role.VIEWER)).json()
    assert detail["item"]["status"] == "disposed"
    assert detail["item"]["grade"] == "B" and detail["item"]["channel"] == "resell"
    assert detail["value_recovered_pence"] == 45_000
    assert [(e["kind"], e["actor"]) for e in detail["history"]] == [
        ("intake", "user-planner"),
        ("grade", "user-qa_inspector"),
        ("dispose", "user-planner"),
    ]
    audit = client.get(
        "/api/v1/admin/audit", params={"actor": "user-planner"}, headers=as_role(env, Role.ADMIN)
    )
    actions = [a["action"] for a in audit.json()["items"]]
    assert "second_life.dispose" in actions and "second_life.intake" in actions


def test_disposition_before_grading_is_refused_and_changes_nothing(client: TestClient, env: ApiEnv) -> None:
    """409 problem naming the reason; no event and no audit row written."""
    _intake(client, env, "OV-EARLY")
    before = _counts(env)
    response = client.post(
        f"{BASE}/OV-EARLY/dispose",
        json={"channel": "resell", "value_recovered_pence": 100},
        headers=as_role(env, Role.PLANNER),
    )
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "before grading" in response.json()["detail"]
    assert _counts(env) == before
    assert (
        client.get(f"{BASE}/OV-EARLY", headers=as_role(env, Role.VIEWER)).json()["item"]["status"] == "intake"
    )


def test_second_disposition_is_refused_and_changes_nothing(client: TestClient, env: ApiEnv) -> None:
    """Once disposed an item cannot be disposed again (409, names the first disposition)."""
    admin = as_role(env, Role.ADMIN)
    _intake(client, env, "OV-TWICE")
    assert (
        client.post(
            f"{BASE}/OV-TWICE/grade", json={"grade": "A", "reason": "as new"}, headers=admin
        ).status_code
        == 201
    )
    body = {"channel": "donate", "value_recovered_pence": 0}
    assert client.post(f"{BASE}/OV-TWICE/dispose", json=body, headers=admin).status_code == 201
    before = _counts(env)
    again = client.post(
        f"{BASE}/OV-TWICE/dispose", json={"channel": "resell", "value_recovered_pence": 1}, headers=admin
    )
    assert again.status_code == 409, again.text
    assert "already disposed (donate" in again.json()["detail"]
    assert _counts(env) == before
    history = client.get(f"{BASE}/OV-TWICE", headers=admin).json()["history"]
    assert [e["kind"] for e in history] == ["intake", "grade", "dispose"]


def test_bad_values_are_422_naming_the_field(client: TestClient, env: ApiEnv) -> None:
    """A scrap item sent to resale, a value above the new value, recycling without a stream: 422."""
    admin = as_role(env, Role.ADMIN)
    _intake(client, env, "OV-SCRAP")
    assert (
        client.post(
            f"{BASE}/OV-SCRAP/grade", json={"grade": "scrap", "reason": "cracked"}, headers=admin
        ).status_code
        == 201
    )
    before = _counts(env)
    resale = client.post(
        f"{BASE}/OV-SCRAP/dispose", json={"channel": "resell", "value_recovered_pence": 1}, headers=admin
    )
    assert resale.status_code == 422
    assert resale.json()["errors"][0]["field"].endswith("channel")
    too_much = client.post(
        f"{BASE}/OV-SCRAP/dispose",
        json={"channel": "landfill", "value_recovered_pence": 90_000},
        headers=admin,
    )
    assert too_much.status_code == 422
    assert "above the item's new value" in too_much.json()["detail"]
    no_stream = client.post(
        f"{BASE}/OV-SCRAP/dispose", json={"channel": "recycle", "value_recovered_pence": 0}, headers=admin
    )
    assert no_stream.status_code == 422
    assert "material_stream" in no_stream.json()["detail"]
    assert _counts(env) == before
    refurb = client.post(f"{BASE}/OV-SCRAP/refurbish", json={"task": "glue", "minutes": 5}, headers=admin)
    assert refurb.status_code == 409 and "scrap" in refurb.json()["detail"]


def test_unknown_item_is_404_and_repeated_intake_409(client: TestClient, env: ApiEnv) -> None:
    """Grading an item never taken in is 404; taking the same key in twice is 409."""
    admin = as_role(env, Role.ADMIN)
    assert (
        client.post(f"{BASE}/NOPE/grade", json={"grade": "A", "reason": "x"}, headers=admin).status_code
        == 404
    )
    _intake(client, env, "OV-DUP")
    again = client.post(BASE, json=_oven("OV-DUP"), headers=admin)
    assert again.status_code == 409 and "taken in once" in again.json()["detail"]


def test_site_operator_only_at_own_site(client: TestClient, env: ApiEnv) -> None:
    """A site operator takes in and grades at their own site; elsewhere 403; lists show their site only."""
    operator = as_role(env, Role.SITE_OPERATOR)
    assert client.post(BASE, json=_oven("OV-OP"), headers=operator).status_code == 201
    refused = client.post(BASE, json=_oven("OV-ELSE", site=OTHER_SITE), headers=operator)
    assert refused.status_code == 403
    _intake(client, env, "OV-OTHER", site=OTHER_SITE)
    assert (
        client.post(
            f"{BASE}/OV-OTHER/grade", json={"grade": "A", "reason": "x"}, headers=operator
        ).status_code
        == 403
    )
    assert client.get(f"{BASE}/OV-OTHER", headers=operator).status_code == 403
    assert (
        client.post(
            f"{BASE}/OV-OP/grade", json={"grade": "A", "reason": "fine"}, headers=operator
        ).status_code
        == 201
    )
    listed = client.get(BASE, headers=operator).json()
    assert listed["total"] >= 1 and {i["site"] for i in listed["items"]} == {SITE}
    assert client.get(BASE, params={"site": OTHER_SITE}, headers=operator).status_code == 403
    # QA inspectors grade but do not dispose; viewers do neither.
    qa, viewer = as_role(env, Role.QA_INSPECTOR), as_role(env, Role.VIEWER)
    assert (
        client.post(
            f"{BASE}/OV-OP/dispose", json={"channel": "donate", "value_recovered_pence": 0}, headers=qa
        ).status_code
        == 403
    )
    assert (
        client.post(f"{BASE}/OV-OP/grade", json={"grade": "B", "reason": "x"}, headers=viewer).status_code
        == 403
    )


def test_list_filters_and_pages(client: TestClient, env: ApiEnv) -> None:
    """Filters by status and site; pages report the total."""
    for n in range(3):
        _intake(client, env, f"OV-PAGE-{n}", site="PAGE-SITE")
    viewer = as_role(env, Role.VIEWER)
    page = client.get(BASE, params={"site": "PAGE-SITE", "limit": 2}, headers=viewer).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    intake_only = client.get(BASE, params={"site": "PAGE-SITE", "status": "intake"}, headers=viewer).json()
    assert intake_only["total"] == 3
    assert (
        client.get(BASE, params={"status": "graded", "site": "PAGE-SITE"}, headers=viewer).json()["total"]
        == 0
    )


def test_kpis_match_the_items_with_definitions_and_source(client: TestClient, env: ApiEnv) -> None:
    """Two ovens at one site, one resold (35 kg reclaimed) and one open: rates ½, CO2e from the factor."""
    admin = as_role(env, Role.ADMIN)
    for item in ("OV-K1", "OV-K2"):
        _intake(client, env, item, site="KPI-SITE")
    client.post(f"{BASE}/OV-K1/grade", json={"grade": "A", "reason": "as new"}, headers=admin)
    client.post(
        f"{BASE}/OV-K1/dispose", json={"channel": "resell", "value_recovered_pence": 44_950}, headers=admin
    )
    body = client.get(
        "/api/v1/second-life/kpis", params={"site": "KPI-SITE"}, headers=as_role(env, Role.VIEWER)
    ).json()
    kpis = {k["name"]: k for k in body["kpis"]}
    assert kpis["intake_count"]["value"] == 2
    assert kpis["reclamation_rate_count"]["value"] == 0.5
    assert kpis["reclamation_rate_value"]["value"] == 0.25
    assert kpis["open_count"]["value"] == 1
    assert kpis["landfill_rate_count"]["value"] == 0.0
    assert "displaces" in kpis["kg_co2e_avoided"]["definition"]
    # 35 kg × 3,267 kg CO2e per tonne (DESNZ "Electrical items - large").
    assert abs(kpis["kg_co2e_avoided"]["value"] - 35 * 3.267) < 0.1
    assert "appliance_large" in body["co2e_source"]["materials"]
    assert "DESNZ" in body["co2e_source"]["source"] or "GHG" in body["co2e_source"]["source"]
    assert body["channels"]["resell"] == 1
    # Every item of the cohort is reclaimed, recycled, landfilled or open.
    whole = client.get("/api/v1/second-life/kpis", headers=as_role(env, Role.VIEWER)).json()
    counts = {k["name"]: k["value"] for k in whole["kpis"]}
    assert sum(whole["channels"].values()) + counts["open_count"] == counts["intake_count"]


STEPS = {
    "grade_a": ("grade", {"grade": "A", "reason": "as new"}),
    "grade_scrap": ("grade", {"grade": "scrap", "reason": "broken"}),
    "refurbish": ("refurbish", {"task": "clean", "minutes": 10}),
    "resell": ("dispose", {"channel": "resell", "value_recovered_pence": 1_000}),
    "landfill": ("dispose", {"channel": "landfill", "value_recovered_pence": 0}),
}


@settings(max_examples=12, deadline=None, derandomize=True, database=None)
@given(steps=st.lists(st.sampled_from(sorted(STEPS)), min_size=1, max_size=5))
def test_any_step_sequence_grows_history_or_changes_nothing(
    client: TestClient, env: ApiEnv, steps: list[str]
) -> None:
    """Whatever steps are tried in whatever order: a 201 appends exactly one event; a refusal is a
    problem+json 409/422 and leaves the history as it was; a disposed item never changes again."""
    admin = as_role(env, Role.ADMIN)
    item = f"OV-PROP-{uuid.uuid4().hex[:10]}"
    _intake(client, env, item)
    length, disposed = 1, False
    for name in steps:
        action, body = STEPS[name]
        response = client.post(f"{BASE}/{item}/{action}", json=body, headers=admin)
        history = client.get(f"{BASE}/{item}", headers=admin).json()["history"]
        if response.status_code == 201:
            assert not disposed
            length += 1
            disposed = action == "dispose"
        else:
            assert response.status_code in (409, 422), response.text
            assert response.headers["content-type"] == "application/problem+json"
        assert len(history) == length
