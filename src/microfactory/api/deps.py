"""Request dependencies: the database session, who is calling, and the role each route requires.

Every route declares the roles it admits with :func:`require` (a :class:`RoleGuard`); the guard
authenticates the caller (``X-API-Key`` header, ``Authorization: Bearer <token>`` or the dashboard's
session cookie) and refuses with 401 (nobody) or 403 (wrong role, or a site operator reaching past
their own site). The authorisation matrix test reads each route's guard, so a new route is covered
as soon as it exists. Writes go through :meth:`Caller.write`: one transaction that also writes the
audit row, so a change and its audit entry land together or not at all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from microfactory.store.api_repository import (
    Principal,
    Role,
    authenticate_key,
    authenticate_token,
    record_audit,
)
from microfactory.store.db import transaction

SESSION_COOKIE = "mf_session"
"""Name of the dashboard's session cookie (the same token a login returns as bearer token)."""

ALL_ROLES = frozenset(Role)
READ = ALL_ROLES
"""Reads: every role (site operators see their own site where a route is site-scoped)."""
PLAN = frozenset({Role.ADMIN, Role.PLANNER})
"""Planning writes: orders, scenarios, re-plans."""
QA = frozenset({Role.ADMIN, Role.QA_INSPECTOR})
"""Quality decisions: release, deviation."""
FLOOR = frozenset({Role.ADMIN, Role.QA_INSPECTOR, Role.SITE_OPERATOR})
"""Shop-floor actions (putting a lot on hold): QA and the site's own operators."""
ADMIN = frozenset({Role.ADMIN})

api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key of an integration.")
bearer_scheme = HTTPBearer(auto_error=False, description="Session token from POST /api/v1/auth/login.")
cookie_scheme = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="Dashboard session cookie.")


def sessions_of(request: Request) -> sessionmaker[Session]:
    """The app's session factory."""
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


def db_session(request: Request) -> Iterator[Session]:
    """A read session for this request, closed afterwards."""
    with sessions_of(request)() as session:
        yield session


class CredentialCache:
    """Who a key or token belonged to, remembered for :data:`CREDENTIAL_CACHE_SECONDS`.

    Saves a database round trip on every request of a busy integration. Logging out forgets the token
    at once; a disabled user or revoked key stops working within the cache time.
    """

    def __init__(self, seconds: float = 30.0) -> None:
        self.seconds = seconds
        self.lock = threading.Lock()
        self.entries: dict[str, tuple[Principal, float]] = {}

    def get(self, credential: str) -> Principal | None:
        """The cached principal of ``credential``, if still fresh."""
        with self.lock:
            found = self.entries.get(credential)
        if found is None or found[1] < time.monotonic():
            return None
        return found[0]

    def put(self, credential: str, principal: Principal) -> None:
        """Remember ``credential``'s principal."""
        with self.lock:
            if len(self.entries) > 10_000:
                self.entries.clear()
            self.entries[credential] = (principal, time.monotonic() + self.seconds)

    def forget(self, credential: str) -> None:
        """Drop ``credential`` (on logout)."""
        with self.lock:
            self.entries.pop(credential, None)


def _lookup(
    request: Request, credential: str, check: Callable[[Session, str], Principal | None]
) -> Principal | None:
    with sessions_of(request)() as session:
        return check(session, credential)


async def authenticate(
    request: Request,
    key: Annotated[str | None, Depends(api_key_scheme)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    cookie: Annotated[str | None, Depends(cookie_scheme)],
) -> Principal:
    """Who is calling; 401 when no valid key, token or cookie came with the request."""
    cache: CredentialCache = request.app.state.credentials
    credential: str | None = None
    check: Callable[[Session, str], Principal | None] = authenticate_token
    if key:
        credential, check = key, authenticate_key
    elif bearer is not None and bearer.scheme.lower() == "bearer":
        credential = bearer.credentials
    elif cookie:
        credential = cookie
    principal = cache.get(credential) if credential else None
    if credential and principal is None:
        # The database lookup runs in the thread pool; a cached credential costs no thread hop at all.
        principal = await run_in_threadpool(_lookup, request, credential, check)
        if principal is not None:
            cache.put(credential, principal)
    if principal is None:
        raise HTTPException(
            401,
            "a valid X-API-Key header, bearer token or session cookie is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of one request, with the means to write on their behalf."""

    principal: Principal
    request: Request

    @property
    def username(self) -> str:
        """The caller's user name (what the audit and QA records name as actor)."""
        return self.principal.username

    def check_site(self, site: str | None) -> None:
        """Refuse (403) a site operator acting on a site other than their own."""
        if self.principal.role is Role.SITE_OPERATOR and site != self.principal.site:
            raise HTTPException(403, f"site operators may only act on their own site ({self.principal.site})")

    def site_filter(self, site: str | None) -> str | None:
        """The site a site-scoped listing shows: a site operator's own site, else ``site`` as asked."""
        if self.principal.role is Role.SITE_OPERATOR:
            self.check_site(site if site is not None else self.principal.site)
            return self.principal.site
        return site

    @contextmanager
    def write(self, action: str, detail: Mapping[str, Any] | None = None) -> Iterator[Session]:
        """One transaction for this request's writes, audited (who, when, what) in the same transaction.

        On SQLite the app's writers take turns on an in-process lock: SQLite has one writer at a time
        anyway, and queueing here is far fairer than its busy-timeout polling (which backs off up to
        100 ms per retry and made the tail latency of concurrent order POSTs explode).
        """
        lock: AbstractContextManager[Any] = self.request.app.state.write_lock
        with lock, transaction(sessions_of(self.request)) as session:
            yield session
            record_audit(
                session,
                self.principal,
                action=action,
                method=self.request.method,
                path=self.request.url.path,
                detail=dict(detail or {}),
            )


class RoleGuard:
    """Dependency admitting only callers whose role is in ``roles``; also used by the authz test."""

    def __init__(self, roles: frozenset[Role]) -> None:
        self.roles = roles

    async def __call__(
        self, request: Request, principal: Annotated[Principal, Depends(authenticate)]
    ) -> Caller:
        """Return the caller, or refuse with 403 naming the roles allowed."""
        if principal.role not in self.roles:
            allowed = ", ".join(sorted(r.value for r in self.roles))
            raise HTTPException(403, f"role {principal.role.value} may not do this (allowed: {allowed})")
        return Caller(principal, request)

    def __repr__(self) -> str:
        return f"RoleGuard({sorted(r.value for r in self.roles)})"


def require(roles: frozenset[Role]) -> Any:
    """``Depends`` on a :class:`RoleGuard` for ``roles`` (use as a parameter default)."""
    return Depends(RoleGuard(roles))


DbSession = Annotated[Session, Depends(db_session)]
Reader = Annotated[Caller, require(READ)]
Planner = Annotated[Caller, require(PLAN)]
Inspector = Annotated[Caller, require(QA)]
FloorWorker = Annotated[Caller, require(FLOOR)]
Admin = Annotated[Caller, require(ADMIN)]
