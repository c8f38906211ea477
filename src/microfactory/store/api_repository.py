"""Users, API keys, login sessions, jobs, the write audit and idempotency keys of the HTTP API.

Secrets never reach the database in clear: passwords are stored as scrypt hashes (``hashlib.scrypt``,
salted, memory-hard), API keys and session tokens as SHA-256 digests (they are long random strings,
so a fast digest is enough and keeps every request's check cheap). Functions take a ``Session`` and
never commit; the caller runs writes in :func:`microfactory.store.db.transaction`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from microfactory.errors import InvalidInputError, NotFoundError
from microfactory.store.models import SiteRow
from microfactory.store.models.api import (
    ApiAuditRow,
    ApiIdempotencyRow,
    ApiJobRow,
    ApiKeyRow,
    ApiSessionRow,
    ApiUserRow,
)


class Role(StrEnum):
    """What a user may do; every API route declares the roles it admits."""

    ADMIN = "admin"
    PLANNER = "planner"
    QA_INSPECTOR = "qa_inspector"
    SITE_OPERATOR = "site_operator"
    VIEWER = "viewer"


class JobStatus(StrEnum):
    """Life of a background job."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED_JOB_STATES = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})
"""States a job never leaves."""

SESSION_HOURS = 12
"""How long a login session lasts."""

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_KEY_PREFIX = "mfk"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: user name, role, own site (site operators) and how they authenticated."""

    username: str
    role: Role
    site: str | None
    via: str
    """``"key"`` or ``"session"``."""


def _now() -> datetime:
    return datetime.now(UTC)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """A salted scrypt hash of ``password`` as ``scrypt$n$r$p$salt$hash`` (hex)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    derived = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${derived.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash made by :func:`hash_password` (constant-time compare)."""
    try:
        scheme, n, r, p, salt_hex, hash_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        derived = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(derived.hex(), hash_hex)


def create_user(
    session: Session, username: str, *, role: Role | str, password: str | None = None, site: str | None = None
) -> int:
    """Add a user; returns its id.

    Raises :class:`InvalidInputError` for an unknown role, a taken username, a password shorter than 8
    characters, a site operator without a site, or an unknown site.
    """
    source = f"user {username}"
    try:
        chosen = Role(role)
    except ValueError:
        raise InvalidInputError.single(
            source, f"unknown role {role!r}; one of {', '.join(r.value for r in Role)}", field="role"
        ) from None
    if session.scalar(select(ApiUserRow.id).where(ApiUserRow.username == username)) is not None:
        raise InvalidInputError.single(source, "username already exists", field="username")
    if password is not None and len(password) < 8:
        raise InvalidInputError.single(source, "password must have at least 8 characters", field="password")
    if chosen is Role.SITE_OPERATOR and not site:
        raise InvalidInputError.single(source, "a site operator needs --site", field="site")
    if site is not None and session.scalar(select(SiteRow.id).where(SiteRow.code == site)) is None:
        raise InvalidInputError.single(source, f"site {site!r} does not exist", field="site")
    row = ApiUserRow(
        username=username,
        password_hash=hash_password(password) if password is not None else None,
        role=chosen.value,
        site=site,
        active=True,
        created_at=_now(),
    )
    session.add(row)
    session.flush()
    return row.id


def _user(session: Session, username: str) -> ApiUserRow:
    row = session.scalar(select(ApiUserRow).where(ApiUserRow.username == username))
    if row is None:
        raise NotFoundError("user", username)
    return row


def _principal(user: ApiUserRow, via: str) -> Principal:
    return Principal(username=user.username, role=Role(user.role), site=user.site, via=via)


def create_api_key(session: Session, username: str, *, name: str = "default") -> str:
    """Issue an API key for ``username``; returns the key (shown once, stored only as a digest)."""
    user = _user(session, username)
    prefix = secrets.token_hex(6)
    key = f"{_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(24)}"
    session.add(
        ApiKeyRow(
            user_id=user.id,
            prefix=prefix,
            key_hash=_digest(key),
            name=name,
            created_at=_now(),
            revoked_at=None,
        )
    )
    session.flush()
    return key


def authenticate_key(session: Session, key: str) -> Principal | None:
    """The active user owning API key ``key``, or ``None`` (unknown, revoked, or user disabled)."""
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != _KEY_PREFIX:
        return None
    found = session.execute(
        select(ApiKeyRow, ApiUserRow)
        .join(ApiUserRow, ApiUserRow.id == ApiKeyRow.user_id)
        .where(ApiKeyRow.prefix == parts[1], ApiKeyRow.revoked_at.is_(None), ApiUserRow.active.is_(True))
    ).first()
    if found is None or not hmac.compare_digest(found[0].key_hash, _digest(key)):
        return None
    return _principal(found[1], "key")


def login(session: Session, username: str, password: str, *, hours: float = SESSION_HOURS) -> str | None:
    """Start a session for correct credentials; returns its bearer token, or ``None``."""
    user = session.scalar(select(ApiUserRow).where(ApiUserRow.username == username, ApiUserRow.active))
    if user is None or user.password_hash is None or not verify_password(password, user.password_hash):
        return None
    token = secrets.token_urlsafe(32)
    now = _now()
    session.execute(delete(ApiSessionRow).where(ApiSessionRow.expires_at < now))
    session.add(
        ApiSessionRow(
            user_id=user.id,
            token_hash=_digest(token),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    session.flush()
    return token


def authenticate_token(session: Session, token: str) -> Principal | None:
    """The user of an unexpired session token, or ``None``."""
    found = session.scalar(
        select(ApiUserRow)
        .join(ApiSessionRow, ApiSessionRow.user_id == ApiUserRow.id)
        .where(
            ApiSessionRow.token_hash == _digest(token),
            ApiSessionRow.expires_at > _now(),
            ApiUserRow.active.is_(True),
        )
    )
    return _principal(found, "session") if found is not None else None


def logout(session: Session, token: str) -> None:
    """End the session of ``token`` (nothing happens for an unknown token)."""
    session.execute(delete(ApiSessionRow).where(ApiSessionRow.token_hash == _digest(token)))


def list_users(session: Session) -> list[dict[str, Any]]:
    """Every user (never the password hash), by username."""
    rows = session.scalars(select(ApiUserRow).order_by(ApiUserRow.username))
    return [
        {
            "username": u.username,
            "role": u.role,
            "site": u.site,
            "active": u.active,
            "created_at": u.created_at,
        }
        for u in rows
    ]


# --- audit --------------------------------------------------------------------------------------------


def record_audit(
    session: Session,
    principal: Principal,
    *,
    action: str,
    method: str,
    path: str,
    detail: Mapping[str, Any],
) -> None:
    """Write one audit row: who (user, role), when (now, UTC) and what (action, request, detail)."""
    session.execute(
        insert(ApiAuditRow),
        [
            {
                "at": _now(),
                "actor": principal.username,
                "role": principal.role.value,
                "action": action,
                "method": method,
                "path": path,
                "detail": dict(detail),
            }
        ],
    )


def audit_page(
    session: Session, *, limit: int, offset: int, actor: str | None = None
) -> tuple[list[Any], int]:
    """Audit rows newest first (one page) and the number matching."""
    stmt = select(ApiAuditRow)
    count = select(func.count()).select_from(ApiAuditRow)
    if actor is not None:
        stmt = stmt.where(ApiAuditRow.actor == actor)
        count = count.where(ApiAuditRow.actor == actor)
    rows = session.scalars(stmt.order_by(ApiAuditRow.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), int(session.execute(count).scalar_one())


# --- idempotency -------------------------------------------------------------------------------------


def find_idempotent(session: Session, actor: str, key: str) -> ApiIdempotencyRow | None:
    """The stored answer for ``actor``'s ``Idempotency-Key`` ``key``, if any."""
    return session.scalar(
        select(ApiIdempotencyRow).where(ApiIdempotencyRow.actor == actor, ApiIdempotencyRow.key == key)
    )


def save_idempotent(
    session: Session,
    actor: str,
    key: str,
    *,
    request_hash: str,
    status_code: int,
    response: Mapping[str, Any],
) -> None:
    """Remember the answer to a request sent with an ``Idempotency-Key`` (same transaction as its writes)."""
    session.add(
        ApiIdempotencyRow(
            actor=actor,
            key=key,
            request_hash=request_hash,
            status_code=status_code,
            response=dict(response),
            created_at=_now(),
        )
    )
    session.flush()


# --- jobs ----------------------------------------------------------------------------------------------


def create_job(session: Session, *, kind: str, params: Mapping[str, Any], created_by: str) -> int:
    """Queue a job; returns its id."""
    row = ApiJobRow(
        kind=kind,
        params=dict(params),
        status=JobStatus.QUEUED.value,
        progress=0.0,
        message="queued",
        result=None,
        error=None,
        cancel_requested=False,
        created_by=created_by,
        created_at=_now(),
        started_at=None,
        finished_at=None,
    )
    session.add(row)
    session.flush()
    return row.id


def get_job(session: Session, job_id: int) -> ApiJobRow:
    """The job ``job_id``; raises :class:`NotFoundError`."""
    row = session.get(ApiJobRow, job_id)
    if row is None:
        raise NotFoundError("job", str(job_id))
    return row


def jobs_page(
    session: Session, *, limit: int, offset: int, status: JobStatus | None = None
) -> tuple[list[ApiJobRow], int]:
    """Jobs newest first (one page) and the number matching."""
    stmt = select(ApiJobRow)
    count = select(func.count()).select_from(ApiJobRow)
    if status is not None:
        stmt = stmt.where(ApiJobRow.status == status.value)
        count = count.where(ApiJobRow.status == status.value)
    rows = session.scalars(stmt.order_by(ApiJobRow.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), int(session.execute(count).scalar_one())


def update_job(
    session: Session,
    job_id: int,
    *,
    status: JobStatus | None = None,
    progress: float | None = None,
    message: str | None = None,
    result: Mapping[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Record a job's progress or outcome; sets ``started_at``/``finished_at`` on those transitions."""
    values: dict[str, Any] = {}
    if status is not None:
        values["status"] = status.value
        if status is JobStatus.RUNNING:
            values["started_at"] = _now()
        if status in FINISHED_JOB_STATES:
            values["finished_at"] = _now()
    if progress is not None:
        values["progress"] = min(max(progress, 0.0), 1.0)
    if message is not None:
        values["message"] = message
    if result is not None:
        values["result"] = dict(result)
    if error is not None:
        values["error"] = error
    session.execute(update(ApiJobRow).where(ApiJobRow.id == job_id).values(**values))


def request_cancel(session: Session, job_id: int) -> ApiJobRow:
    """Ask a job to stop: a queued job is cancelled at once, a running one when it next checks."""
    row = get_job(session, job_id)
    if JobStatus(row.status) in FINISHED_JOB_STATES:
        return row
    row.cancel_requested = True
    if row.status == JobStatus.QUEUED.value:
        row.status = JobStatus.CANCELLED.value
        row.finished_at = _now()
        row.message = "cancelled before it started"
    session.flush()
    return row


def cancel_requested(session: Session, job_id: int) -> bool:
    """Whether someone asked job ``job_id`` to stop."""
    return bool(session.scalar(select(ApiJobRow.cancel_requested).where(ApiJobRow.id == job_id)))


def fail_orphaned_jobs(session: Session) -> int:
    """Mark jobs left queued or running by a server that stopped as failed; returns how many."""
    result = session.execute(
        update(ApiJobRow)
        .where(ApiJobRow.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]))
        .values(
            status=JobStatus.FAILED.value,
            error="the server stopped before the job finished",
            finished_at=_now(),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def existing_codes(session: Session, column: Any, codes: Sequence[str]) -> set[str]:
    """Which of ``codes`` exist in ``column`` (e.g. ``SkuRow.code``): one query per 500 codes."""
    found: set[str] = set()
    unique = sorted(set(codes))
    for start in range(0, len(unique), 500):
        found.update(session.scalars(select(column).where(column.in_(unique[start : start + 500]))))
    return found
