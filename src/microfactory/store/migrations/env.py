"""Alembic environment for the microfactory schema.

Run through :func:`microfactory.store.migrate.upgrade` (which passes an open connection in
``config.attributes["connection"]``), or with the ``alembic`` command and the repository's
``alembic.ini`` (which reads ``MICROFACTORY_DATABASE_URL``). Engines come from
:func:`microfactory.store.db.create_engine_for`, so SQLite gets the same pragmas as the product.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from microfactory.config import DEFAULT_DATABASE_URL
from microfactory.store.db import create_engine_for
from microfactory.store.models import Base
from microfactory.store.types import UtcDateTime

config = context.config
MIGRATION_LOCK_KEY = 0x6D66_6D69_6772  # "mfmigr": the PostgreSQL advisory lock held while migrating
target_metadata = Base.metadata


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Switch SQLite foreign keys off while tables are rebuilt, then check them.

    Batch migrations on SQLite copy a table, drop the old one and rename the copy; with foreign keys
    on, the drop would cascade into child tables. The PRAGMA only works outside a transaction, and
    ``foreign_key_check`` afterwards is SQLite's own procedure (https://sqlite.org/lang_altertable.html).
    """
    if connection.dialect.name != "sqlite" or connection.in_transaction():
        yield
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        violations = raw.execute("PRAGMA foreign_key_check").fetchall()
        if violations:
            raise RuntimeError(f"migration left rows with broken foreign keys: {violations[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our column types as plain SQLAlchemy types, so migrations never import app code."""
    if kind == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        transactional_ddl=True,
        compare_type=True,
        render_item=_render_item,
    )
    with _sqlite_foreign_keys_off(connection), context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Concurrent upgrades take turns; the second then finds the schema at head and does nothing.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on a connection passed in by the caller, or on one opened here."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ.get(
        "MICROFACTORY_DATABASE_URL", DEFAULT_DATABASE_URL
    )
    engine = create_engine_for(url)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
