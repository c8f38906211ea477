"""Fixtures of the API tests: one seeded database per module, and a client on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from microfactory.store.api_repository import Role
from tests.api.helpers import ApiEnv, api_client, seed_api_database


@pytest.fixture(scope="module")
def env(module_database_url: str) -> ApiEnv:
    """The seeded database of this module."""
    return seed_api_database(module_database_url)


@pytest.fixture(scope="module")
def app_client(env: ApiEnv) -> Iterator[tuple[FastAPI, TestClient]]:
    """The app and a client on the module's database."""
    with api_client(env.url) as pair:
        yield pair


@pytest.fixture(scope="module")
def client(app_client: tuple[FastAPI, TestClient]) -> TestClient:
    """A test client (send an ``X-API-Key`` header per request)."""
    return app_client[1]


@pytest.fixture(scope="module")
def admin(env: ApiEnv) -> dict[str, str]:
    """Headers of the admin's API key."""
    return {"X-API-Key": env.keys[Role.ADMIN]}


def as_role(env: ApiEnv, role: Role) -> dict[str, str]:
    """Headers of ``role``'s API key."""
    return {"X-API-Key": env.keys[role]}
