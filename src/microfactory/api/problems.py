"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error answer has ``type``, ``title``, ``status`` and ``detail``; validation errors add
``errors``: one entry per refused field (``field`` as a dotted path, ``reason``), so a client can
fix every field in one pass. The product's own errors map as: :class:`InvalidInputError` → 422 with
every issue, :class:`NotFoundError` → 404, a refused lot release → 409, a bad setting → 500 naming
the setting (an operator problem, not the caller's).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from microfactory.errors import ConfigurationError, InvalidInputError, MicrofactoryError, NotFoundError
from microfactory.quality.rules import ReleaseRefusedError

PROBLEM_JSON = "application/problem+json"
"""Media type of every error body."""

TYPE_BASE = "https://microfactory.dev/problems/"
"""Base of the ``type`` URI of our problems (documentation anchors, never fetched)."""

log = logging.getLogger(__name__)


class ConflictError(MicrofactoryError):
    """The request conflicts with the stored state (an idempotency key reused with another body)."""


class FieldIssue(BaseModel):
    """One refused field: where (dotted path, ``body.lines.0.sku``) and why."""

    field: str
    reason: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(examples=[TYPE_BASE + "validation"])
    title: str = Field(examples=["Invalid input"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["body.lines: at least one line is needed"])
    instance: str | None = None
    errors: list[FieldIssue] = Field(default_factory=list)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Not authenticated", "content": {PROBLEM_JSON: {}}},
    403: {"model": Problem, "description": "Role not allowed", "content": {PROBLEM_JSON: {}}},
    422: {"model": Problem, "description": "Invalid input", "content": {PROBLEM_JSON: {}}},
}
"""Responses every protected route may give; added to each route's OpenAPI entry."""

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "Not found", "content": {PROBLEM_JSON: {}}}
}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "Conflict", "content": {PROBLEM_JSON: {}}}
}


def problem_response(
    request: Request,
    status: int,
    kind: str,
    title: str,
    detail: str,
    errors: Sequence[FieldIssue] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A ``application/problem+json`` response."""
    body = Problem(
        type=TYPE_BASE + kind,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=list(errors),
    )
    return JSONResponse(jsonable_encoder(body), status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _loc(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


def validation_issues(errors: Sequence[Any]) -> list[FieldIssue]:
    """Field issues from pydantic/FastAPI error dicts."""
    return [FieldIssue(field=_loc(e.get("loc", ())), reason=str(e.get("msg", ""))) for e in errors]


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    issues = validation_issues(exc.errors())
    detail = "; ".join(f"{i.field}: {i.reason}" for i in issues[:5]) or "invalid request"
    return problem_response(request, 422, "validation", "Invalid input", detail, issues)


async def _pydantic_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ValidationError)
    issues = validation_issues(exc.errors())
    detail = "; ".join(f"{i.field}: {i.reason}" for i in issues[:5]) or "invalid input"
    return problem_response(request, 422, "validation", "Invalid input", detail, issues)


async def _invalid_input(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InvalidInputError)
    issues = [FieldIssue(field=str(i.location), reason=i.reason) for i in exc.issues]
    return problem_response(request, 422, "invalid-input", "Invalid input", str(exc), issues)


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 404, "not-found", "Not found", str(exc))


async def _conflict(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 409, "conflict", "Conflict", str(exc))


async def _release_refused(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 409, "release-refused", "Release refused", str(exc))


async def _configuration(request: Request, exc: Exception) -> JSONResponse:
    log.error("configuration error: %s", exc)
    return problem_response(request, 500, "configuration", "Server misconfigured", str(exc))


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 422, "refused", "Request refused", str(exc))


async def _value_error(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 422, "invalid-input", "Invalid input", str(exc))


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    # The database refused a value the request carried (e.g. a NUL byte in a text filter on PostgreSQL).
    assert isinstance(exc, DataError)
    reason = " ".join(str(exc.orig if exc.orig is not None else exc).split())[:300]
    return problem_response(
        request, 422, "invalid-value", "Invalid value", f"the database refused a value: {reason}"
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {401: "Not authenticated", 403: "Forbidden", 404: "Not found", 405: "Method not allowed"}
    return problem_response(
        request,
        exc.status_code,
        {401: "unauthenticated", 403: "forbidden"}.get(exc.status_code, f"http-{exc.status_code}"),
        titles.get(exc.status_code, "Error"),
        str(exc.detail),
        headers=dict(exc.headers) if exc.headers else None,
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Route every error the API can raise to a problem+json answer."""
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(ValidationError, _pydantic_validation)
    app.add_exception_handler(InvalidInputError, _invalid_input)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(ReleaseRefusedError, _release_refused)
    app.add_exception_handler(ConflictError, _conflict)
    app.add_exception_handler(ConfigurationError, _configuration)
    app.add_exception_handler(MicrofactoryError, _domain_error)
    app.add_exception_handler(ValueError, _value_error)
    app.add_exception_handler(OverflowError, _value_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
