"""``microfactory users add|key|list`` end to end, and the keys they print working against the API."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from microfactory.api import create_app
from microfactory.config import load_settings
from microfactory.store import create_engine_for, upgrade
from microfactory.store.models.api import ApiAuditRow
from tests.cli_helpers import run_cli


def test_users_add_key_and_list(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A user added with --key gets a working key; `users key` issues another; `list` shows the role."""
    from fastapi.testclient import TestClient

    upgrade(database_url)
    code, out, err = run_cli(
        capsys, "--database-url", database_url, "users", "add", "pat", "--role", "planner",
        "--password", "long-enough-1", "--key",
    )  # fmt: skip
    assert code == 0, err
    first = out.split("API key (shown once): ")[1].split()[0]
    code, out, err = run_cli(capsys, "--database-url", database_url, "users", "key", "pat")
    assert code == 0, err
    second = out.strip()
    assert second.startswith("mfk_") and second != first
    code, out, _ = run_cli(capsys, "--database-url", database_url, "users", "list", "--json")
    assert json.loads(out)[0]["role"] == "planner"
    with TestClient(create_app(load_settings(database_url=database_url))) as client:
        for key in (first, second):
            assert client.get("/api/v1/auth/me", headers={"X-API-Key": key}).json()["username"] == "pat"
        login = client.post("/api/v1/auth/login", json={"username": "pat", "password": "long-enough-1"})
        assert login.status_code == 200
    engine = create_engine_for(database_url)
    try:
        with engine.connect() as conn:
            audit = conn.execute(select(ApiAuditRow.actor, ApiAuditRow.action).order_by(ApiAuditRow.id)).all()
    finally:
        engine.dispose()
    actions = [action for _, action in audit]
    assert actions == ["users.add", "users.key", "auth.login"]
    assert audit[0][0].startswith("cli:") and audit[2][0] == "pat"


def test_users_add_refuses_bad_role_and_operator_without_site(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Errors name the field: an unknown role, a site operator without --site."""
    upgrade(database_url)
    code, _, err = run_cli(
        capsys, "--database-url", database_url, "users", "add", "x", "--role", "boss", "--no-password"
    )
    assert code == 2 and "role" in err
    code, _, err = run_cli(
        capsys,
        "--database-url",
        database_url,
        "users",
        "add",
        "y",
        "--role",
        "site_operator",
        "--no-password",
    )
    assert code == 2 and "site" in err
