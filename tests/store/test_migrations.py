"""Migrations: build the schema from empty, repeat safely, and match the ORM models exactly."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from microfactory.store.db import create_engine_for
from microfactory.store.migrate import alembic_config, current_revision, head_revision, upgrade
from microfactory.store.models import Base


def test_upgrade_from_empty_creates_every_table(database_url: str) -> None:
    """An empty database gets every model table and ends at the head revision."""
    assert current_revision(database_url) is None
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()
    engine = create_engine_for(database_url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrade_twice_is_a_no_op(database_url: str) -> None:
    """A second upgrade keeps the revision and the data already there."""
    upgrade(database_url)
    engine = create_engine_for(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO brands (code, name, sector) VALUES ('KIT', 'Kitchen Co', 'kitchen')")
            )
        upgrade(database_url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM brands")).scalar_one() == 1
    finally:
        engine.dispose()
    assert current_revision(database_url) == head_revision()


def test_migrated_schema_matches_the_models(migrated_url: str) -> None:
    """Autogenerate finds nothing to change: migrations and ORM models agree (types, keys, indexes)."""
    engine = create_engine_for(migrated_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_upgrade_to_base_and_back(database_url: str) -> None:
    """The initial revision can be undone and redone (downgrade drops every table)."""
    upgrade(database_url)
    engine = create_engine_for(database_url)
    try:
        with engine.connect() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
            conn.commit()
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()
