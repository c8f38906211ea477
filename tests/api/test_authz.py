"""Authorisation matrix: every API route × every role → allowed or refused, from the route's own guard.

The expected answer is computed from the :class:`RoleGuard` each route declares, so a new route is
covered as soon as it is added; a route without a guard fails the test unless it is public.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from microfactory.api.app import API_PREFIX, PUBLIC_PATHS, api_routes
from microfactory.api.deps import RoleGuard
from microfactory.store.api_repository import Role
from tests.api.conftest import as_role
from tests.api.helpers import ApiEnv


def _guards(dependant: Dependant) -> list[RoleGuard]:
    found = [dependant.call] if isinstance(dependant.call, RoleGuard) else []
    for sub in dependant.dependencies:
        found += _guards(sub)
    return found


def _api_routes(app: FastAPI) -> list[tuple[str, APIRoute]]:
    found = [(path, r) for path, r in api_routes(app) if path.startswith(API_PREFIX)]
    assert len(found) >= 30
    return found


def _url(path: str, route: APIRoute) -> str:
    values: dict[str, Any] = {}
    for param in route.dependant.path_params:
        values[param.name] = 999999 if param.field_info.annotation is int else "NO-SUCH"
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(values[m.group(1)]), path)


def _calls(path: str, route: APIRoute) -> list[tuple[str, str]]:
    return [(method, _url(path, route)) for method in sorted(route.methods or ())]


def test_every_route_declares_roles_or_is_public(app_client: tuple[FastAPI, TestClient]) -> None:
    """Each API route has exactly one role guard, except the public ones (health, login)."""
    app, _ = app_client
    for path, route in _api_routes(app):
        guards = _guards(route.dependant)
        if path in PUBLIC_PATHS:
            assert not guards, path
        else:
            assert len({id(g) for g in guards}) == 1, f"{path} declares {len(guards)} role guards"


def test_unauthenticated_requests_get_401(app_client: tuple[FastAPI, TestClient]) -> None:
    """Without a key, token or cookie every protected route answers 401 problem+json."""
    app, client = app_client
    client.cookies.clear()
    for path, route in _api_routes(app):
        if path in PUBLIC_PATHS:
            continue
        for method, url in _calls(path, route):
            response = client.request(method, url, json={})
            assert response.status_code == 401, (method, url, response.text)
            assert response.headers["content-type"] == "application/problem+json"


def test_bad_key_gets_401(client: TestClient) -> None:
    """A made-up key is refused like no key."""
    response = client.get("/api/v1/sites", headers={"X-API-Key": "mfk_000000000000_nope"})
    assert response.status_code == 401


def test_role_matrix(app_client: tuple[FastAPI, TestClient], env: ApiEnv) -> None:
    """Every route × every role: 403 exactly when the role is not among the route's declared roles."""
    app, client = app_client
    client.cookies.clear()
    checked = 0
    for path, route in _api_routes(app):
        guards = _guards(route.dependant)
        if not guards:
            continue
        allowed = guards[0].roles
        for role in Role:
            for method, url in _calls(path, route):
                response = client.request(method, url, json={}, headers=as_role(env, role))
                assert response.status_code < 500, (role, method, url, response.text)
                if role in allowed:
                    assert response.status_code not in (401, 403), (role, method, url, response.text)
                else:
                    assert response.status_code == 403, (role, method, url, response.text)
                    assert role.value in response.json()["detail"]
                checked += 1
    assert checked >= 30 * len(Role)
