"""Settings: environment parsing, database URL checks and errors that name the variable."""

from __future__ import annotations

import os

import pytest

from microfactory.config import DEFAULT_DATABASE_URL, Settings, load_settings, normalise_database_url
from microfactory.errors import ConfigurationError


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no MICROFACTORY_* variables, whatever the shell or CI has set."""
    for name in list(os.environ):
        if name.startswith("MICROFACTORY_"):
            monkeypatch.delenv(name)


def test_defaults_work_on_a_fresh_machine() -> None:
    """With nothing set: a local SQLite file, two workers, 30 s solves, seed 1, circuity 1.4."""
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL == "sqlite:///./microfactory.db"
    assert (settings.workers, settings.solver_seconds, settings.seed, settings.circuity) == (2, 30.0, 1, 1.4)
    assert settings.dask_scheduler is None


def test_environment_variables_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    """MICROFACTORY_* variables are read and converted to their types."""
    monkeypatch.setenv("MICROFACTORY_WORKERS", "4")
    monkeypatch.setenv("MICROFACTORY_SOLVER_SECONDS", "12.5")
    monkeypatch.setenv("MICROFACTORY_SEED", "7")
    monkeypatch.setenv("MICROFACTORY_CIRCUITY", "1.25")
    monkeypatch.setenv("MICROFACTORY_DASK_SCHEDULER", " tcp://127.0.0.1:8786 ")
    monkeypatch.setenv("MICROFACTORY_DATABASE_URL", "sqlite:////tmp/plan.db")
    settings = load_settings()
    assert (settings.workers, settings.solver_seconds, settings.seed, settings.circuity) == (4, 12.5, 7, 1.25)
    assert settings.dask_scheduler == "tcp://127.0.0.1:8786"
    assert settings.database_url == "sqlite:////tmp/plan.db"


def test_overrides_win_over_the_environment_and_none_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit override (a CLI option) beats the environment; an unset option (None) does not."""
    monkeypatch.setenv("MICROFACTORY_WORKERS", "4")
    monkeypatch.setenv("MICROFACTORY_SEED", "7")
    settings = load_settings(workers=8, seed=None)
    assert (settings.workers, settings.seed) == (8, 7)


def test_settings_are_not_read_at_import_or_kept_between_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each call reads the environment afresh."""
    assert load_settings().workers == 2
    monkeypatch.setenv("MICROFACTORY_WORKERS", "3")
    assert load_settings().workers == 3


def test_blank_dask_scheduler_means_local_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty scheduler address is the same as none."""
    monkeypatch.setenv("MICROFACTORY_DASK_SCHEDULER", "   ")
    assert load_settings().dask_scheduler is None


def test_dask_scheduler_without_a_port_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bare host name is not a scheduler address; the error names the variable."""
    monkeypatch.setenv("MICROFACTORY_DASK_SCHEDULER", "scheduler")
    with pytest.raises(ConfigurationError, match="MICROFACTORY_DASK_SCHEDULER='scheduler'"):
        load_settings()


@pytest.mark.parametrize("workers", ["0", "-2"])
def test_workers_must_be_at_least_one(monkeypatch: pytest.MonkeyPatch, workers: str) -> None:
    """Zero or negative workers are refused, naming MICROFACTORY_WORKERS and the value."""
    monkeypatch.setenv("MICROFACTORY_WORKERS", workers)
    with pytest.raises(ConfigurationError) as excinfo:
        load_settings()
    assert excinfo.value.setting == "MICROFACTORY_WORKERS"
    assert excinfo.value.value == workers
    assert "greater than or equal to 1" in excinfo.value.reason


def test_non_numeric_workers_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A value that is not a number is refused, naming the variable."""
    monkeypatch.setenv("MICROFACTORY_WORKERS", "two")
    with pytest.raises(ConfigurationError, match="MICROFACTORY_WORKERS"):
        load_settings()


def test_settings_are_immutable() -> None:
    """Settings cannot be changed once built; build new ones instead."""
    settings = load_settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.workers = 5  # type: ignore[misc]


# --- database URLs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("postgres://mf:secret@db.example:5432/plan", "postgresql+psycopg://mf:secret@db.example:5432/plan"),
        ("postgresql://mf@localhost/plan", "postgresql+psycopg://mf@localhost/plan"),
        ("postgresql+psycopg2://mf@localhost/plan", "postgresql+psycopg://mf@localhost/plan"),
        ("postgresql+psycopg://mf@localhost/plan", "postgresql+psycopg://mf@localhost/plan"),
        ("  sqlite:///./microfactory.db  ", "sqlite:///./microfactory.db"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_database_url_is_normalised(raw: str, expected: str) -> None:
    """postgres:// and postgresql:// get our driver (psycopg 3); SQLite URLs are kept."""
    assert normalise_database_url(raw) == expected


def test_postgres_url_from_the_environment_is_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Heroku-style postgres:// URL in MICROFACTORY_DATABASE_URL is stored as postgresql+psycopg://."""
    monkeypatch.setenv("MICROFACTORY_DATABASE_URL", "postgres://mf@localhost:5433/plan")
    assert load_settings().database_url == "postgresql+psycopg://mf@localhost:5433/plan"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("not a url", "not a database URL"),
        ("mysql://mf@localhost/plan", "unsupported database 'mysql'"),
        ("postgresql+asyncpg://mf@localhost/plan", "unsupported PostgreSQL driver 'asyncpg'"),
        ("postgresql://mf@localhost", "PostgreSQL URL names no database"),
    ],
)
def test_bad_database_url_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, raw: str, reason: str
) -> None:
    """A URL we cannot use raises ConfigurationError naming MICROFACTORY_DATABASE_URL and why."""
    monkeypatch.setenv("MICROFACTORY_DATABASE_URL", raw)
    with pytest.raises(ConfigurationError) as excinfo:
        load_settings()
    error = excinfo.value
    assert error.setting == "MICROFACTORY_DATABASE_URL"
    assert error.value == raw
    assert reason in error.reason
    assert str(error).startswith(f"setting MICROFACTORY_DATABASE_URL={raw!r}: ")


def test_refused_database_url_does_not_show_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """The error for a refused URL names the variable but hides the password."""
    monkeypatch.setenv("MICROFACTORY_DATABASE_URL", "postgresql+asyncpg://mf:hunter2@db/plan")
    with pytest.raises(ConfigurationError) as excinfo:
        load_settings()
    assert "hunter2" not in str(excinfo.value)


def test_settings_class_validates_directly() -> None:
    """Building Settings directly applies the same URL normalisation."""
    assert Settings(database_url="postgres://mf@db/plan").database_url == "postgresql+psycopg://mf@db/plan"
