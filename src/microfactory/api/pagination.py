"""Offset pagination: ``limit``/``offset`` query parameters and a page envelope with ``total``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Path, Query
from pydantic import BaseModel

T = TypeVar("T")

MAX_LIMIT = 1000
"""Largest page a client may ask for."""

MAX_ID = 2**31 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="A numeric id (plan run, job).")]
"""A numeric id in a path: positive and within the database's integer range."""


class PageParams(BaseModel):
    """Which slice of a listing to return."""

    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")] = 0,
) -> PageParams:
    """The ``limit``/``offset`` of a listing request."""
    return PageParams(limit=limit, offset=offset)


class Page(BaseModel, Generic[T]):
    """One page of a listing: the items, the page asked for, and how many items match in all."""

    items: list[T]
    total: int
    limit: int
    offset: int


def page_of(items: Sequence[T], params: PageParams, total: int | None = None) -> Page[T]:
    """A page from already-sliced ``items`` (with ``total``), or by slicing a full list."""
    if total is None:
        return Page[T](
            items=list(items[params.offset : params.offset + params.limit]),
            total=len(items),
            limit=params.limit,
            offset=params.offset,
        )
    return Page[T](items=list(items), total=total, limit=params.limit, offset=params.offset)
