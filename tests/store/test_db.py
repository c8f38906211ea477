"""Engines, transactions and the reachability check."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from microfactory.errors import ConfigurationError
from microfactory.store.db import check_database, create_engine_for, make_session_factory, transaction
from microfactory.store.master_repository import load_master_data, save_master_data
from microfactory.store.migrate import upgrade
from microfactory.store.models import PlanRunRow
from tests.store.factories import master_data


def test_sqlite_connections_get_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    """Every pooled SQLite connection is configured, not just the first."""
    engine = create_engine_for(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 1000
    finally:
        engine.dispose()


def test_sqlite_transaction_takes_the_write_lock_at_once(backend: str, database_url: str) -> None:
    """A ``transaction`` on SQLite begins IMMEDIATE: another writer waits even before the first write."""
    if backend != "sqlite":
        pytest.skip("SQLite locking only")
    upgrade(database_url)
    engine = create_engine_for(database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            session.execute(text("SELECT count(*) FROM brands"))
            other = sqlite3.connect(make_url(database_url).database or "", timeout=0)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("INSERT INTO brands (code, name, sector) VALUES ('X', 'X', 'food')")
            finally:
                other.close()
    finally:
        engine.dispose()


def test_bad_url_is_refused_naming_the_setting() -> None:
    """An unsupported backend raises ConfigurationError naming MICROFACTORY_DATABASE_URL."""
    with pytest.raises(ConfigurationError, match="MICROFACTORY_DATABASE_URL") as info:
        create_engine_for("mysql://user:secret@db/plan")
    assert "secret" not in str(info.value)
    assert "unsupported database" in str(info.value)


def test_check_database_passes_on_a_reachable_database(database_url: str) -> None:
    """A reachable database raises nothing."""
    check_database(database_url)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://mf:s3cret-pw@127.0.0.1:1/plan",
        "sqlite:////nonexistent-directory/for/sure/plan.db",
    ],
)
def test_check_database_names_setting_and_reason_without_password(url: str) -> None:
    """An unreachable database gives one line: the setting, the URL without password, the reason."""
    with pytest.raises(ConfigurationError) as info:
        check_database(url)
    message = str(info.value)
    assert info.value.setting == "MICROFACTORY_DATABASE_URL"
    assert "cannot connect to the database" in message
    assert "s3cret-pw" not in message
    assert "\n" not in message


def test_transaction_commits_on_success(database_url: str) -> None:
    """Writes inside ``transaction`` are visible to the next session."""
    upgrade(database_url)
    engine = create_engine_for(database_url)
    try:
        factory = make_session_factory(engine)
        with transaction(factory) as session:
            save_master_data(session, master_data())
        with factory() as session:
            assert load_master_data(session) == master_data()
    finally:
        engine.dispose()


def test_failing_transaction_leaves_the_database_unchanged(database_url: str) -> None:
    """An exception inside ``transaction`` rolls back every write made in it, then propagates."""
    upgrade(database_url)
    engine = create_engine_for(database_url)
    try:
        factory = make_session_factory(engine)
        with pytest.raises(RuntimeError, match="halfway"), transaction(factory) as session:
            save_master_data(session, master_data())
            session.flush()
            raise RuntimeError("failed halfway through the import")
        with factory() as session:
            assert load_master_data(session).sites == ()
            assert session.execute(text("SELECT count(*) FROM skus")).scalar_one() == 0
    finally:
        engine.dispose()


def _plan_run(created_at: datetime) -> PlanRunRow:
    start = datetime(2026, 11, 23, tzinfo=UTC)
    return PlanRunRow(
        stage="t",
        scope="all",
        horizon_start=start,
        horizon_end=start + timedelta(days=7),
        created_at=created_at,
        status="completed",
        kpis={},
    )


def test_utc_datetime_refuses_a_naive_datetime(session: Session) -> None:
    """Writing a naive datetime fails, saying a timezone is needed, instead of guessing one."""
    session.add(_plan_run(datetime(2026, 11, 23, 9, 30)))
    with pytest.raises(StatementError, match="timezone is needed"):
        session.flush()


def test_utc_datetime_returns_aware_utc(session: Session) -> None:
    """An aware time in another zone comes back as the same instant, in UTC."""
    cet = timezone(timedelta(hours=1))
    written = datetime(2026, 11, 23, 10, 30, 15, 123456, tzinfo=cet)
    row = _plan_run(written)
    session.add(row)
    session.flush()
    run_id = row.id
    session.expunge_all()
    read = session.execute(select(PlanRunRow.created_at).where(PlanRunRow.id == run_id)).scalar_one()
    assert read == written
    assert read.tzinfo is not None
    assert read.utcoffset() == timedelta(0)
    assert read.hour == 9
