"""Shared fixtures: a database per test, a migrated database per session, a rolled-back session.

Tests run on SQLite by default. With ``MICROFACTORY_TEST_DATABASE_URL`` set to a PostgreSQL server
(``postgresql+psycopg://postgres@127.0.0.1:55432/postgres``; ``make test-postgres`` starts a throwaway
one), every database fixture makes its own ``mf_test_<hex>`` database on that server instead and drops
it afterwards. Test ids carry the backend (``test_x[sqlite]`` / ``test_x[postgresql]``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

from microfactory.config import normalise_database_url
from microfactory.store.db import create_engine_for
from microfactory.store.migrate import upgrade

TEST_DATABASE_ENV = "MICROFACTORY_TEST_DATABASE_URL"


def _server_url() -> str | None:
    raw = os.environ.get(TEST_DATABASE_ENV, "").strip()
    return normalise_database_url(raw) if raw else None


BACKEND = "postgresql" if _server_url() else "sqlite"


@contextmanager
def _temporary_postgresql_database() -> Iterator[str]:
    """Create an empty ``mf_test_<hex>`` database on the test server; drop it afterwards."""
    server = _server_url()
    assert server is not None
    name = f"mf_test_{secrets.token_hex(6)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def _fresh_database(directory: Path) -> Iterator[str]:
    if BACKEND == "postgresql":
        with _temporary_postgresql_database() as url:
            yield url
    else:
        yield f"sqlite:///{directory / 'microfactory.db'}"


@pytest.fixture(scope="session", params=[BACKEND], ids=[BACKEND])
def backend(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgresql"``: the backend the database fixtures use."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, empty database (no schema) for this test only."""
    with _fresh_database(tmp_path) as url:
        yield url


@pytest.fixture(scope="module")
def module_database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a fresh, empty database shared by the tests of one module."""
    with _fresh_database(tmp_path_factory.mktemp("module-db")) as url:
        yield url


@pytest.fixture(scope="session")
def migrated_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of one database migrated to the newest revision, shared by the whole test session.

    Use it through :func:`session`, which rolls back, so tests do not see each other's rows.
    """
    with _fresh_database(tmp_path_factory.mktemp("migrated-db")) as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def engine(migrated_url: str) -> Iterator[Engine]:
    """An engine on the migrated database, configured like the product's."""
    eng = create_engine_for(migrated_url)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back when the test ends."""
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            yield conn
        finally:
            if outer.is_active:
                outer.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions joined to the test's transaction: their commits are savepoints, all rolled back."""
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session on the migrated database whose work is rolled back after the test."""
    with session_factory() as sess:
        yield sess
