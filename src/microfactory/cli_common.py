"""What every CLI command module shares: the root options, settings and database sessions.

The root options live here rather than in ``cli.py`` so that sub-command modules see the same state
whether the program runs as the ``microfactory`` script or as ``python -m microfactory.cli`` (where
``cli.py`` is loaded as ``__main__`` and a second import of it would start with fresh state).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import typer
from sqlalchemy.orm import Session, sessionmaker

from microfactory.config import Settings, load_settings

LONDON = ZoneInfo("Europe/London")


@dataclass
class CliState:
    """Options given before the sub-command, shared by all commands."""

    debug: bool = False
    database_url: str | None = None


STATE = CliState()


def settings(**overrides: object) -> Settings:
    """Settings from the environment, the root ``--database-url`` and command options."""
    return load_settings(database_url=STATE.database_url, **overrides)


@contextmanager
def session_factory(config: Settings | None = None) -> Iterator[sessionmaker[Session]]:
    """A session factory on the configured database; the engine is closed afterwards."""
    from microfactory.store import create_engine_for, make_session_factory

    engine = create_engine_for((config or settings()).database_url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


@contextmanager
def session(*, write: bool = False, config: Settings | None = None) -> Iterator[Session]:
    """One session for a command; with ``write`` it is one transaction, committed at the end."""
    from microfactory.store import transaction

    with session_factory(config) as factory:
        if write:
            with transaction(factory) as s:
                yield s
        else:
            with factory() as s:
                yield s


def parse_day(value: str, option: str) -> date:
    """A ``YYYY-MM-DD`` option value, or a usage error naming the option."""
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option) from exc
