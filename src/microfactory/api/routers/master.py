"""Master data: brands, sites, resources, calendars, SKUs and delivery zones (read-only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from microfactory.api.deps import DbSession, Reader
from microfactory.api.pagination import Page, PageParams, page_of, page_params
from microfactory.api.problems import NOT_FOUND
from microfactory.api.schemas import BrandOut, CalendarOut, ResourceOut, SkuOut, ZoneOut
from microfactory.domain import Site, SiteKind
from microfactory.errors import NotFoundError
from microfactory.store import api_reads
from microfactory.store.master_repository import list_sites

router = APIRouter(tags=["master data"])
Paging = Annotated[PageParams, Depends(page_params)]
CodeQuery = Annotated[str | None, Query(max_length=80)]


@router.get("/brands", response_model=list[BrandOut], summary="List brands")
def get_brands(caller: Reader, session: DbSession) -> list[BrandOut]:
    """Every brand, by code."""
    return [BrandOut(**r) for r in api_reads.brands(session)]


@router.get("/sites", response_model=Page[Site], summary="List sites")
def get_sites(
    caller: Reader, session: DbSession, paging: Paging, brand: CodeQuery = None, kind: SiteKind | None = None
) -> Page[Site]:
    """Sites by code; filter by ``brand`` and ``kind``."""
    return page_of(list_sites(session, brand=brand, kind=kind), paging)


@router.get("/sites/{code}", response_model=Site, responses=NOT_FOUND, summary="One site")
def get_site(caller: Reader, session: DbSession, code: str) -> Site:
    """The site ``code``."""
    for site in list_sites(session):
        if site.code == code:
            return site
    raise NotFoundError("site", code)


@router.get("/resources", response_model=list[ResourceOut], summary="List resources")
def get_resources(caller: Reader, session: DbSession, site: CodeQuery = None) -> list[ResourceOut]:
    """Machines and workstations with their type and calendar, by site and code; only ``site`` if given."""
    return [ResourceOut(**r) for r in api_reads.resources(session, site=site)]


@router.get("/calendars", response_model=list[CalendarOut], summary="List calendars")
def get_calendars(caller: Reader, session: DbSession) -> list[CalendarOut]:
    """Every calendar with shifts, closures and release slots."""
    return [CalendarOut(**r) for r in api_reads.calendars(session)]


@router.get("/calendars/{code}", response_model=CalendarOut, responses=NOT_FOUND, summary="One calendar")
def get_calendar(caller: Reader, session: DbSession, code: str) -> CalendarOut:
    """The calendar ``code``."""
    found = api_reads.calendars(session, code=code)
    if not found:
        raise NotFoundError("calendar", code)
    return CalendarOut(**found[0])


@router.get("/skus", response_model=Page[SkuOut], summary="List SKUs")
def get_skus(
    caller: Reader, session: DbSession, paging: Paging, brand: CodeQuery = None, family: CodeQuery = None
) -> Page[SkuOut]:
    """SKUs by code with family and brand; filter by ``brand`` and ``family``."""
    rows, total = api_reads.skus_page(
        session, limit=paging.limit, offset=paging.offset, brand=brand, family=family
    )
    return page_of([SkuOut(**r) for r in rows], paging, total)


@router.get("/zones", response_model=Page[ZoneOut], summary="List delivery zones")
def get_zones(
    caller: Reader,
    session: DbSession,
    paging: Paging,
    area: Annotated[str | None, Query(max_length=4, description="Postcode area, e.g. SW.")] = None,
    prefix: Annotated[str | None, Query(max_length=8, description="Outcode prefix, e.g. SW1.")] = None,
) -> Page[ZoneOut]:
    """Delivery zones (outcodes) by outcode."""
    rows, total = api_reads.zones_page(
        session, limit=paging.limit, offset=paging.offset, area=area, outcode_prefix=prefix
    )
    return page_of([ZoneOut(**r) for r in rows], paging, total)
