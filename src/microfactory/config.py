"""Settings: one validated object built on demand from ``MICROFACTORY_*`` environment variables.

Nothing is read at import time; call :func:`load_settings` at the edge (CLI, API start-up) and pass the
result down. A bad value raises :class:`~microfactory.errors.ConfigurationError` naming the variable.
"""

from __future__ import annotations

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from microfactory.errors import ConfigurationError

ENV_PREFIX = "MICROFACTORY_"
DEFAULT_DATABASE_URL = "sqlite:///./microfactory.db"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def normalise_database_url(raw: str) -> str:
    """Check a database URL names a supported backend and pick our driver for PostgreSQL.

    ``postgresql://`` and ``postgres://`` become ``postgresql+psycopg://`` (psycopg 3 is the driver
    we install). Raises ``ValueError`` with the reason when the URL cannot be used.
    """
    text = raw.strip()
    if text.startswith("postgres://"):
        text = "postgresql://" + text[len("postgres://") :]
    try:
        url: URL = make_url(text)
    except ArgumentError as exc:
        raise ValueError("not a database URL (expected e.g. sqlite:///./microfactory.db)") from exc
    backend = url.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise ValueError(f"unsupported database {backend!r}; use sqlite or postgresql")
    if backend == "postgresql":
        driver = url.drivername.partition("+")[2]
        if driver not in ("psycopg", "psycopg2", ""):
            raise ValueError(f"unsupported PostgreSQL driver {driver!r}; use postgresql+psycopg")
        url = url.set(drivername="postgresql+psycopg")
        if not url.database:
            raise ValueError("PostgreSQL URL names no database")
    return url.render_as_string(hide_password=False)


class Settings(BaseSettings):
    """Every tunable of the product, with defaults that work on a fresh machine."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    """SQLAlchemy URL; SQLite file by default, PostgreSQL via ``postgresql+psycopg://...``."""
    dask_scheduler: str | None = None
    """Address of a Dask distributed scheduler (``tcp://host:8786``); local processes when unset."""
    workers: int = Field(default=2, ge=1, le=256)
    """Local worker processes for fan-out and threads for solvers."""
    solver_seconds: float = Field(default=30.0, gt=0, le=86400)
    """Default time limit for one solver call."""
    seed: int = Field(default=1, ge=0)
    """Default seed for every random step."""
    circuity: float = Field(default=1.4, ge=1.0, le=3.0)
    """Road distance over great-circle distance (about 1.4 in GB: Ballou et al. 2002)."""
    h3_resolution: int = Field(default=6, ge=0, le=15)
    """H3 resolution of demand heat-zone cells (6: about 36 km² per cell)."""

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("dask_scheduler")
    @classmethod
    def _dask_address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if "://" not in value and ":" not in value:
            raise ValueError("expected an address like tcp://host:8786")
        return value


def _hide_password(url: str) -> str:
    """The URL with any password replaced by ``***`` (safe to print in an error)."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment plus explicit overrides (e.g. CLI options).

    Raises :class:`ConfigurationError` naming the environment variable and value that is wrong.
    """
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        value = err.get("input")
        if field == "database_url" and isinstance(value, str):
            value = _hide_password(value)
        reason = str(err["msg"]).removeprefix("Value error, ")
        raise ConfigurationError(ENV_PREFIX + field.upper(), value, reason) from exc
