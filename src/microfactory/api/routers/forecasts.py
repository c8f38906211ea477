"""Forecasts: the latest forecast run of each brand, and a brand's stored weekly forecasts (read-only)."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from microfactory.api.deps import DbSession, Reader
from microfactory.api.pagination import Page, PageParams, page_of, page_params
from microfactory.api.problems import NOT_FOUND
from microfactory.errors import NotFoundError
from microfactory.store.forecast_repository import (
    LEVELS,
    QUANTILE_COLUMNS,
    forecast_runs,
    latest_forecast_run,
    load_forecasts,
)

router = APIRouter(tags=["forecasts"])


class ForecastRunOut(BaseModel):
    """A stored forecast run of one brand."""

    plan_run_id: int
    brand: str
    version: str
    reconciliation: str
    horizon_weeks: int
    history_start: date
    history_end: date
    created_at: datetime
    kpis: dict[str, Any]


class ForecastPointOut(BaseModel):
    """One series' forecast for one week: mean and upper quantiles (units)."""

    unique_id: str
    week: date
    model: str
    mean: float | None
    quantiles: dict[str, float | None]


def _number(value: Any) -> float | None:
    number = float(value) if value is not None else math.nan
    return number if math.isfinite(number) else None


@router.get("/forecasts", response_model=list[ForecastRunOut], summary="Latest forecast runs")
def get_forecast_runs(caller: Reader, session: DbSession) -> list[ForecastRunOut]:
    """The latest forecast run of every brand, with its KPIs."""
    return [
        ForecastRunOut(**{k: getattr(r, k) for k in ForecastRunOut.model_fields})
        for r in forecast_runs(session)
    ]


@router.get(
    "/forecasts/{brand}",
    response_model=Page[ForecastPointOut],
    responses=NOT_FOUND,
    summary="A brand's forecasts",
)
def get_forecasts(
    caller: Reader,
    session: DbSession,
    brand: str,
    paging: Annotated[PageParams, Depends(page_params)],
    level: Annotated[
        str, Query(pattern="^(total|family|area|family/area)$", examples=list(LEVELS))
    ] = "total",
) -> Page[ForecastPointOut]:
    """The brand's latest weekly forecasts at one level of the hierarchy, by series then week."""
    if latest_forecast_run(session, brand) is None:
        raise NotFoundError("forecast of brand", brand)
    frame = load_forecasts(session, brand, level=level)
    total = len(frame)
    rows = frame.iloc[paging.offset : paging.offset + paging.limit]
    items = [
        ForecastPointOut(
            unique_id=str(r["unique_id"]),
            week=r["ds"].date(),
            model=str(r["model"]),
            mean=_number(r["mean"]),
            quantiles={q: _number(r[q]) for q in QUANTILE_COLUMNS},
        )
        for _, r in rows.iterrows()
    ]
    return page_of(items, paging, total)
