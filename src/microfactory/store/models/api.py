"""ORM models for API users, keys, sessions, jobs and the write audit.

People log in with a username and password (``api_users``; the password is stored as a scrypt
hash) and get a session token (``api_sessions``); integrations use API keys (``api_keys``). Tokens and
keys are stored only as SHA-256 digests, so a copy of the database does not hand out access. Long
solves run as jobs (``api_jobs``); every successful write through the API leaves an ``api_audit``
row (who, when, what). ``api_idempotency`` remembers the answer to a bulk ingest sent with an
``Idempotency-Key`` so a retried request is not applied twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from microfactory.store.models.base import Base, CodeStr, JsonObject, LongText, ShortStr


class ApiUserRow(Base):
    """A person or integration owner: role, and for a site operator the site they may act on."""

    __tablename__ = "api_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[CodeStr] = mapped_column(unique=True)
    password_hash: Mapped[LongText | None]
    """``scrypt$n$r$p$salt_hex$hash_hex``; ``None`` for a key-only user (no login)."""
    role: Mapped[ShortStr]
    site: Mapped[CodeStr | None]
    active: Mapped[bool]
    created_at: Mapped[datetime]


class ApiKeyRow(Base):
    """An API key of a user: ``mfk_<prefix>_<secret>``, stored as the digest of the whole key."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("api_users.id", ondelete="CASCADE"))
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[CodeStr]
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ApiSessionRow(Base):
    """A login session: the digest of its bearer token (also sent as the dashboard cookie)."""

    __tablename__ = "api_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("api_users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ApiJobRow(Base):
    """A long solve run in the background: kind, parameters, state, progress and result."""

    __tablename__ = "api_jobs"
    __table_args__ = (Index(None, "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CodeStr]
    params: Mapped[JsonObject]
    status: Mapped[ShortStr]
    progress: Mapped[float]
    message: Mapped[LongText]
    result: Mapped[JsonObject | None]
    error: Mapped[LongText | None]
    cancel_requested: Mapped[bool]
    created_by: Mapped[CodeStr]
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class ApiAuditRow(Base):
    """One write made through the API: who (user and role), when, what (method, path, summary)."""

    __tablename__ = "api_audit"
    __table_args__ = (Index(None, "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[CodeStr]
    role: Mapped[ShortStr]
    action: Mapped[CodeStr]
    method: Mapped[ShortStr]
    path: Mapped[LongText]
    detail: Mapped[JsonObject]


class ApiIdempotencyRow(Base):
    """The stored answer to a request sent with an ``Idempotency-Key`` (per user)."""

    __tablename__ = "api_idempotency"
    __table_args__ = (Index("uq_api_idempotency_actor_key", "actor", "key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[CodeStr]
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response: Mapped[JsonObject]
    created_at: Mapped[datetime]
