"""Log in and out, who am I, and the admin's users, keys and audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from microfactory.api.deps import (
    SESSION_COOKIE,
    Admin,
    DbSession,
    Reader,
    bearer_scheme,
    cookie_scheme,
    sessions_of,
)
from microfactory.api.pagination import Page, PageParams, page_of, page_params
from microfactory.api.problems import NOT_FOUND, PROBLEM_RESPONSES
from microfactory.api.schemas import AuditOut, KeyOut, LoginRequest, Me, TokenResponse, UserIn, UserOut
from microfactory.store.api_repository import (
    SESSION_HOURS,
    audit_page,
    authenticate_token,
    create_api_key,
    create_user,
    list_users,
    login,
    logout,
    record_audit,
)
from microfactory.store.db import transaction

router = APIRouter(tags=["authentication"])


@router.post(
    "/auth/login",
    response_model=TokenResponse,
    responses={401: PROBLEM_RESPONSES[401], 422: PROBLEM_RESPONSES[422]},
    summary="Log in",
)
def post_login(request: Request, body: LoginRequest, response: Response) -> TokenResponse:
    """Check a username and password; returns a bearer token and sets the dashboard's session cookie."""
    with transaction(sessions_of(request)) as session:
        token = login(session, body.username, body.password)
        principal = authenticate_token(session, token) if token is not None else None
        if principal is not None:
            record_audit(
                session, principal, action="auth.login", method="POST", path=request.url.path, detail={}
            )
    if token is None:
        raise HTTPException(401, "wrong username or password")
    seconds = SESSION_HOURS * 3600
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=seconds,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return TokenResponse(access_token=token, expires_in=seconds)


@router.post("/auth/logout", status_code=204, summary="Log out")
def post_logout(
    caller: Reader,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    cookie: Annotated[str | None, Depends(cookie_scheme)],
) -> Response:
    """End the current session (its token stops working) and clear the cookie."""
    token = bearer.credentials if bearer is not None else cookie
    if token:
        caller.request.app.state.credentials.forget(token)
        with caller.write("auth.logout") as session:
            logout(session, token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/auth/me", response_model=Me, summary="Who am I")
def get_me(caller: Reader) -> Me:
    """The calling user, role and (site operators) site."""
    p = caller.principal
    return Me(username=p.username, role=p.role, site=p.site, via=p.via)


@router.get("/admin/users", response_model=list[UserOut], summary="List users")
def get_users(caller: Admin, session: DbSession) -> list[UserOut]:
    """Every user and role."""
    return [UserOut(**u) for u in list_users(session)]


@router.post("/admin/users", response_model=UserOut, status_code=201, summary="Add a user")
def post_user(caller: Admin, body: UserIn) -> UserOut:
    """Add a user with a role (a site operator needs a site)."""
    with caller.write(
        "users.add", {"username": body.username, "role": body.role.value, "site": body.site}
    ) as s:
        create_user(s, body.username, role=body.role, password=body.password, site=body.site)
    with sessions_of(caller.request)() as session:
        return next(UserOut(**u) for u in list_users(session) if u["username"] == body.username)


@router.post(
    "/admin/users/{username}/keys",
    response_model=KeyOut,
    status_code=201,
    responses=NOT_FOUND,
    summary="Issue a key",
)
def post_key(caller: Admin, username: str) -> KeyOut:
    """Issue an API key for a user (shown once)."""
    with caller.write("users.key", {"username": username}) as session:
        key = create_api_key(session, username)
    return KeyOut(username=username, api_key=key)


@router.get("/admin/audit", response_model=Page[AuditOut], summary="Audit log")
def get_audit(
    caller: Admin,
    session: DbSession,
    paging: Annotated[PageParams, Depends(page_params)],
    actor: str | None = None,
) -> Page[AuditOut]:
    """Every write made through the API (who, when, what), newest first."""
    rows, total = audit_page(session, limit=paging.limit, offset=paging.offset, actor=actor)
    return page_of([AuditOut.model_validate(r) for r in rows], paging, total)
