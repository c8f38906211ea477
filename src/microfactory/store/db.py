"""Engines, sessions and transactions: the only place that knows how to open the database.

Nothing here runs at import time. Build an engine at the edge (CLI command, API start-up) with
:func:`create_engine_for`, a session factory with :func:`make_session_factory`, and wrap each
command's writes in one :func:`transaction`, so a failure leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from microfactory.config import normalise_database_url
from microfactory.errors import ConfigurationError

DATABASE_URL_SETTING = "MICROFACTORY_DATABASE_URL"
"""The setting named in errors about the database URL."""

SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long an SQLite writer waits for another writer's lock before failing, in milliseconds."""

POSTGRESQL_CONNECT_TIMEOUT_S = 10
"""How long to wait for a PostgreSQL server to answer a connection attempt, in seconds."""

SQLITE_BEGIN_OPTION = "microfactory_sqlite_begin"
"""Connection execution option choosing SQLite's BEGIN mode: ``DEFERRED`` (default) or ``IMMEDIATE``.

``IMMEDIATE`` takes the write lock at BEGIN, so concurrent writers queue (up to the busy timeout)
instead of failing with "database is locked" when one upgrades a read to a write."""

_SQLITE_BEGIN_MODES = ("DEFERRED", "IMMEDIATE", "EXCLUSIVE")


def redact_url(url: str | URL) -> str:
    """The URL with any password replaced by ``***``, safe to show in errors and logs."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except SQLAlchemyError:
        return "<unparseable database URL>"
    return parsed.render_as_string(hide_password=True)


def create_engine_for(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for a SQLite or PostgreSQL URL, set up the way the product needs.

    The URL is checked with :func:`microfactory.config.normalise_database_url` (``postgresql://``
    becomes ``postgresql+psycopg://``). SQLite connections get WAL journal mode (readers do not block
    the writer), ``foreign_keys=ON`` (SQLite ignores foreign keys otherwise), a busy timeout of
    :data:`SQLITE_BUSY_TIMEOUT_MS`, and SQLAlchemy-controlled ``BEGIN`` so savepoints and
    transactional DDL work (the ``sqlite3`` driver's legacy mode breaks both). No connection is
    opened here; use :func:`check_database` to fail early when the database is unreachable.

    Raises :class:`~microfactory.errors.ConfigurationError` naming ``MICROFACTORY_DATABASE_URL`` when
    the URL cannot be used.
    """
    try:
        normalised = normalise_database_url(url)
    except ValueError as exc:
        raise ConfigurationError(DATABASE_URL_SETTING, redact_url(url), str(exc)) from exc
    parsed = make_url(normalised)
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = POSTGRESQL_CONNECT_TIMEOUT_S
    engine = create_engine(
        parsed,
        echo=echo,
        connect_args=connect_args,
        # A long-running API keeps working after the PostgreSQL server restarts.
        pool_pre_ping=parsed.get_backend_name() == "postgresql",
    )
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # Take BEGIN away from the sqlite3 driver (its legacy mode skips BEGIN before SAVEPOINT and DDL);
    # _begin_sqlite_transaction emits it instead. See SQLAlchemy's "sqlite_transactions" docs.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS:d}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable across app crashes in WAL mode
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    mode = str(connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")).upper()
    if mode not in _SQLITE_BEGIN_MODES:
        raise ValueError(f"{SQLITE_BEGIN_OPTION} must be one of {_SQLITE_BEGIN_MODES}, got {mode!r}")
    connection.exec_driver_sql(f"BEGIN {mode}")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine``.

    ``expire_on_commit=False`` so objects read in a transaction stay usable after it commits (the
    repositories return domain models anyway, but callers may hold ORM rows).
    """
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session and run one unit of work in one transaction.

    Commits when the block finishes, rolls back when it raises (the exception propagates), and
    always closes the session. One command's writes belong in one ``transaction``: a failure halfway
    leaves the database as it was. On SQLite the transaction takes the write lock at once
    (``BEGIN IMMEDIATE``), so two writers wait for each other instead of one failing.
    """
    with factory() as session, session.begin():
        bind = session.get_bind()
        if isinstance(bind, Engine) and bind.dialect.name == "sqlite":
            session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        yield session


def check_database(target: Engine | str) -> None:
    """Open a connection and run ``SELECT 1``, to fail early with a clear message.

    ``target`` is an engine or a database URL. Raises
    :class:`~microfactory.errors.ConfigurationError` naming ``MICROFACTORY_DATABASE_URL``, the URL
    without its password, and a one-line reason (e.g. "cannot connect: connection refused").
    """
    engine = create_engine_for(target) if isinstance(target, str) else target
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise ConfigurationError(DATABASE_URL_SETTING, redact_url(engine.url), _one_line_reason(exc)) from exc
    finally:
        if isinstance(target, str):
            engine.dispose()


def _one_line_reason(exc: SQLAlchemyError) -> str:
    detail = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    message = " ".join(str(detail).split())
    if len(message) > 300:
        message = message[:297] + "..."
    return f"cannot connect to the database: {message}" if message else "cannot connect to the database"
