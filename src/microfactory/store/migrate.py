"""Schema migrations run from Python: no ``alembic.ini`` needed, works from an installed wheel.

The migration scripts live inside the package (``microfactory/store/migrations``); file names are
dated (``2026_11_22_0001_initial_schema.py``). Start-up code calls :func:`upgrade` before anything
else touches the database.
"""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from microfactory.store.db import SQLITE_BEGIN_OPTION, create_engine_for

MIGRATIONS_PACKAGE = "microfactory.store"
FILE_TEMPLATE = "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s"
"""Dated migration file names; pass ``--rev-id 0002`` (and so on) when creating a revision."""


def alembic_config(url: str | None = None) -> Config:
    """An Alembic ``Config`` pointing at the packaged migrations (and at ``url`` when given).

    Useful for ``alembic.command`` calls such as ``revision(config, autogenerate=True)``.
    """
    config = Config()
    config.set_main_option("script_location", str(files(MIGRATIONS_PACKAGE) / "migrations"))
    config.set_main_option("file_template", FILE_TEMPLATE)
    config.set_main_option("timezone", "UTC")
    if url is not None:
        # ConfigParser interpolation: a literal % (e.g. in a URL-encoded password) must be doubled.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest revision shipped with the package."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("the packaged migrations have no head revision")
    return head


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision`` (default: the newest).

    Idempotent: on a database already at ``revision`` it does nothing. All of one upgrade runs in
    one transaction on both backends, so a failing migration leaves the schema as it was, and
    concurrent upgrades (API and CLI starting together) take turns: an advisory lock on PostgreSQL,
    the write lock on SQLite. Raises
    :class:`~microfactory.errors.ConfigurationError` for an unusable URL and SQLAlchemy errors when
    the database cannot be reached or a migration fails.
    """
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            # SQLite: hold the write lock from the start, so a concurrent upgrade waits, then no-ops.
            connection.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            if connection.in_transaction():
                connection.commit()
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at, or ``None`` for a database never migrated."""
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
