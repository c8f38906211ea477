"""A small API environment: the store factories' master data, orders, QA lots, and a user per role."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.testclient import TestClient

from microfactory.api import create_app
from microfactory.config import load_settings
from microfactory.store import (
    create_engine_for,
    create_lots,
    make_session_factory,
    record_checks,
    save_master_data,
    save_templates,
    transaction,
    upgrade,
    upsert_orders,
)
from microfactory.store.api_repository import Role, create_api_key, create_user
from tests.quality.builders import SITE, entry, lot, passing_entries, tiny_template
from tests.store.factories import master_data, order

PASSWORD = "correct-horse-9"
OTHER_SITE = "NOT-MY-SITE"


@dataclass(frozen=True)
class ApiEnv:
    """A migrated database with data, its URL, and an API key per role (site operator at ``SITE``)."""

    url: str
    keys: dict[Role, str]
    held_lot: str
    releasable_lot: str


def seed_api_database(url: str) -> ApiEnv:
    """Migrate ``url`` and store master data, two orders, three lots (held, releasable, pending) and users."""
    upgrade(url)
    engine = create_engine_for(url)
    try:
        sessions = make_session_factory(engine)
        with transaction(sessions) as session:
            save_master_data(session, master_data())
            upsert_orders(session, [order(1), order(2)])
            save_templates(session, [tiny_template()])
            held, ok, _pending = create_lots(session, [lot("R1"), lot("R2"), lot("R3")])
            record_checks(session, [entry(held, "core", value=71.5, unit="degC")])
            record_checks(session, passing_entries(ok))
            keys = {}
            for role in Role:
                name = f"user-{role.value}"
                create_user(
                    session,
                    name,
                    role=role,
                    password=PASSWORD,
                    site=SITE if role is Role.SITE_OPERATOR else None,
                )
                keys[role] = create_api_key(session, name)
    finally:
        engine.dispose()
    return ApiEnv(url=url, keys=keys, held_lot=held, releasable_lot=ok)


@contextmanager
def api_client(url: str, **settings: object) -> Iterator[tuple[FastAPI, TestClient]]:
    """The app on ``url`` and a test client running its lifespan."""
    app = create_app(load_settings(database_url=url, **settings))
    with TestClient(app) as client:
        yield app, client
