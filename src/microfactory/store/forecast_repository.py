"""Save and read forecasts: one forecast run per brand and horizon, with values, selection and scores.

A forecast run is a plan run of stage :data:`FORECAST_STAGE` with the brand as scope. Saving again for
the same brand and horizon replaces the earlier run and everything it wrote (``ON DELETE CASCADE``).
Readers take the brand's most recently created run. Frames come back in the forecasting contract's
layout (:mod:`microfactory.demand.forecast.contract`): ``unique_id, ds, model, mean, q50, q80, q90,
q95`` with ``ds`` the week's Monday as a tz-naive timestamp. Functions never commit.

Series are the stage's hierarchy: ``total`` (GB), ``family`` (SKU family), ``area`` (postcode area,
with thin areas pooled into :data:`OTHER_AREA`) and ``family/area`` (the bottom level). Each stored row
carries its level, family and area, so no reader parses keys.

Later stages read forecasts per family and zone through :func:`zone_forecasts` (areas, or outcodes by
their recent share), per site through :func:`site_forecasts`, and as mean weekly units per outcode and
family through :func:`forecast_weekly_units` (network design).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from microfactory.demand.forecast.contract import (
    DEMAND_CLASS,
    DS,
    MEAN,
    MODEL,
    UNIQUE_ID,
    ForecastResult,
    quantile_column,
)
from microfactory.domain import PlanHorizon, Problem
from microfactory.store import _sql
from microfactory.store.models import PlanRunRow
from microfactory.store.models.forecast import (
    ForecastRunRow,
    ForecastScoreRow,
    ForecastSelectionRow,
    ForecastValueRow,
)
from microfactory.store.plan_repository import Kpis, _json_kpis, load_weekly_demand, save_plan_run

FORECAST_STAGE = "forecast"
"""Stage name of forecast plan runs."""

STORED_QUANTILES: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95)
"""Quantile levels stored with every forecast (other configured levels are not stored)."""
QUANTILE_COLUMNS: tuple[str, ...] = tuple(quantile_column(q) for q in STORED_QUANTILES)
FORECAST_COLUMNS: tuple[str, ...] = (UNIQUE_ID, DS, MODEL, MEAN, *QUANTILE_COLUMNS)
"""Columns of :func:`load_forecasts`: the contract's forecast frame."""
SELECTION_COLUMNS: tuple[str, ...] = (
    UNIQUE_ID,
    "level",
    "sku_family",
    "area",
    DEMAND_CLASS,
    "adi",
    "cv2",
    MODEL,
    "backtest_mase",
)
SCORE_COLUMNS: tuple[str, ...] = ("model", "mase", "rmsse", "bias", "spl90", "series")
ZONE_COLUMNS: tuple[str, ...] = ("brand", "sku_family", "zone", DS, MEAN, *QUANTILE_COLUMNS)
"""Columns of :func:`zone_forecasts`."""

LEVEL_TOTAL = "total"
LEVEL_FAMILY = "family"
LEVEL_AREA = "area"
LEVEL_BOTTOM = "family/area"
LEVELS: tuple[str, ...] = (LEVEL_TOTAL, LEVEL_FAMILY, LEVEL_AREA, LEVEL_BOTTOM)
TOTAL_ID = "total"
"""Series id of the GB total."""
OTHER_AREA = "OTHER"
"""Area of outcodes whose postcode area was too thin to forecast on its own (pooled)."""
SHARE_WEEKS = 13
"""Weeks of recent history whose shares split an area's forecast over its outcodes."""

_AREA = re.compile(r"^[A-Z]+")


def postcode_area(outcode: str) -> str:
    """The postcode area of an outcode: its leading letters (``M`` of ``M14``, ``EC`` of ``EC1A``)."""
    found = _AREA.match(outcode.strip().upper())
    if found is None:
        raise ValueError(f"outcode {outcode!r} does not start with a postcode area's letters")
    return found.group(0)


@dataclass(frozen=True, slots=True)
class SeriesKey:
    """Where a series sits in the hierarchy: its level, and its SKU family and area when it has them."""

    level: str
    sku_family: str | None = None
    area: str | None = None


@dataclass(frozen=True, slots=True)
class ForecastRunRecord:
    """A stored forecast run: engine version, reconciliation, horizon, history window, KPIs."""

    plan_run_id: int
    brand: str
    version: str
    reconciliation: str
    horizon_weeks: int
    history_start: date
    """Monday of the first history week used."""
    history_end: date
    """Monday after the last history week (the first forecast week)."""
    created_at: datetime
    parameters: dict[str, Any]
    kpis: dict[str, float | int | str]


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _finite(value: Any) -> float | None:
    """A float, or ``None`` for NaN, infinity and missing values (they cannot be compared or stored)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _key(keys: Mapping[str, SeriesKey], uid: str, frame: str) -> SeriesKey:
    try:
        return keys[uid]
    except KeyError:
        raise ValueError(f"{frame}: series {uid!r} has no hierarchy key") from None


def save_forecast_run(
    session: Session,
    *,
    brand: str,
    result: ForecastResult,
    keys: Mapping[str, SeriesKey],
    horizon: PlanHorizon,
    history_start: date,
    history_end: date,
    reconciliation: str,
    kpis: Kpis,
    problems: Sequence[Problem] = (),
    parameters: Mapping[str, Any] | None = None,
) -> int:
    """Store ``brand``'s forecast (values, selection, scores, version), replacing the same horizon.

    ``keys`` gives every series' level, family and area. The forecasts frame must have the columns of
    :data:`FORECAST_COLUMNS` (other quantile columns are not stored); means must be finite, NaN
    quantiles or scores are stored as NULL. Returns the plan run's id. Raises ``ValueError`` for a
    missing column, a series without a key or a non-finite mean, and ``IntegrityError`` for a
    repeated (series, week) or (model).
    """
    forecasts = result.forecasts
    missing = [c for c in FORECAST_COLUMNS if c not in forecasts.columns]
    if missing:
        raise ValueError(f"forecasts: missing columns {', '.join(missing)}")
    checked = _json_kpis(kpis)
    value_rows: list[dict[str, Any]] = []
    days = pd.to_datetime(forecasts[DS]).dt.date.tolist()
    for i, (uid, day, model, mean, *quantiles) in enumerate(
        zip(
            forecasts[UNIQUE_ID].astype(str).tolist(),
            days,
            forecasts[MODEL].astype(str).tolist(),
            forecasts[MEAN].tolist(),
            *(forecasts[c].tolist() for c in QUANTILE_COLUMNS),
            strict=True,
        )
    ):
        key = _key(keys, uid, "forecasts")
        point = _finite(mean)
        if point is None:
            raise ValueError(f"forecasts: row {i} ({uid} {day}): mean {mean} is not a finite number")
        value_rows.append(
            {
                "brand": brand,
                "level": key.level,
                "unique_id": uid,
                "sku_family": key.sku_family,
                "area": key.area,
                "ds": day,
                "model": model,
                "mean": point,
                **{c: _finite(q) for c, q in zip(QUANTILE_COLUMNS, quantiles, strict=True)},
            }
        )
    selection_rows = [
        {
            "brand": brand,
            "level": (key := _key(keys, str(row[UNIQUE_ID]), "selection")).level,
            "unique_id": str(row[UNIQUE_ID]),
            "sku_family": key.sku_family,
            "area": key.area,
            "demand_class": str(row.get(DEMAND_CLASS, "")),
            "adi": _finite(row.get("adi")),
            "cv2": _finite(row.get("cv2")),
            "model": str(row.get(MODEL, "")),
            "backtest_mase": _finite(row.get("backtest_mase")),
        }
        for row in result.selection.to_dict("records")
    ]
    score_rows = [
        {
            "brand": brand,
            "model": str(row["model"]),
            **{name: _finite(row.get(name)) for name in ("mase", "rmsse", "bias", "spl90")},
            "series": int(row.get("series", 0) or 0),
        }
        for row in result.scores.to_dict("records")
    ]
    run_id = save_plan_run(
        session, stage=FORECAST_STAGE, scope=brand, horizon=horizon, kpis=checked, problems=problems
    )
    session.add(
        ForecastRunRow(
            plan_run_id=run_id,
            brand=brand,
            version=result.version,
            reconciliation=reconciliation,
            horizon_weeks=int(result.config.horizon),
            history_start=history_start,
            history_end=history_end,
            created_at=session.get_one(PlanRunRow, run_id).created_at,
            parameters=dict(parameters or {}),
        )
    )
    session.flush()
    for table, rows in (
        (_table(ForecastValueRow), value_rows),
        (_table(ForecastSelectionRow), selection_rows),
        (_table(ForecastScoreRow), score_rows),
    ):
        _sql.bulk_insert(session, table, [{"plan_run_id": run_id, **r} for r in rows])
    return run_id


def _record(row: ForecastRunRow, kpis: Mapping[str, Any]) -> ForecastRunRecord:
    return ForecastRunRecord(
        plan_run_id=row.plan_run_id,
        brand=row.brand,
        version=row.version,
        reconciliation=row.reconciliation,
        horizon_weeks=row.horizon_weeks,
        history_start=row.history_start,
        history_end=row.history_end,
        created_at=row.created_at,
        parameters=dict(row.parameters),
        kpis=dict(kpis),
    )


def forecast_runs(session: Session) -> list[ForecastRunRecord]:
    """The latest forecast run of every brand, sorted by brand."""
    stmt = (
        select(ForecastRunRow, PlanRunRow.kpis)
        .join(PlanRunRow, PlanRunRow.id == ForecastRunRow.plan_run_id)
        .order_by(ForecastRunRow.created_at.desc(), ForecastRunRow.id.desc())
    )
    latest: dict[str, ForecastRunRecord] = {}
    for row, kpis in session.execute(stmt):
        if row.brand not in latest:
            latest[row.brand] = _record(row, kpis)
    return [latest[b] for b in sorted(latest)]


def latest_forecast_run(session: Session, brand: str) -> ForecastRunRecord | None:
    """``brand``'s most recently created forecast run, or ``None`` when it has none."""
    stmt = (
        select(ForecastRunRow, PlanRunRow.kpis)
        .join(PlanRunRow, PlanRunRow.id == ForecastRunRow.plan_run_id)
        .where(ForecastRunRow.brand == brand)
        .order_by(ForecastRunRow.created_at.desc(), ForecastRunRow.id.desc())
        .limit(1)
    )
    found = session.execute(stmt).first()
    return None if found is None else _record(*found)


def get_forecast_run(session: Session, plan_run_id: int) -> ForecastRunRecord | None:
    """The forecast run stored by plan run ``plan_run_id``, or ``None`` when there is none."""
    stmt = (
        select(ForecastRunRow, PlanRunRow.kpis)
        .join(PlanRunRow, PlanRunRow.id == ForecastRunRow.plan_run_id)
        .where(ForecastRunRow.plan_run_id == plan_run_id)
    )
    found = session.execute(stmt).first()
    return None if found is None else _record(*found)


def _run_id(session: Session, brand: str, plan_run_id: int | None) -> int | None:
    if plan_run_id is not None:
        return plan_run_id
    run = latest_forecast_run(session, brand)
    return None if run is None else run.plan_run_id


def _values(
    session: Session, run_id: int, level: str | None, series: str | Sequence[str] | None
) -> pd.DataFrame:
    table = _table(ForecastValueRow)
    stmt = select(table).where(table.c.plan_run_id == run_id)
    if level is not None:
        stmt = stmt.where(table.c.level == level)
    if series is not None:
        wanted = [series] if isinstance(series, str) else list(series)
        stmt = stmt.where(table.c.unique_id.in_(wanted))
    rows = [dict(r) for r in session.execute(stmt).mappings()]
    columns = [*FORECAST_COLUMNS, "level", "sku_family", "area"]
    frame = pd.DataFrame(rows, columns=[c.name for c in table.columns]) if rows else pd.DataFrame()
    if frame.empty:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    frame[DS] = pd.to_datetime(frame[DS])
    for name in (MEAN, *QUANTILE_COLUMNS):
        frame[name] = frame[name].astype("float64")
    return frame[columns].sort_values([UNIQUE_ID, DS], kind="stable").reset_index(drop=True)


def load_forecasts(
    session: Session,
    brand: str,
    level: str | None = None,
    series: str | Sequence[str] | None = None,
    *,
    plan_run_id: int | None = None,
) -> pd.DataFrame:
    """``brand``'s latest stored forecasts (or run ``plan_run_id``'s) in the contract's layout.

    Columns :data:`FORECAST_COLUMNS`; ``ds`` a tz-naive Monday; missing quantiles NaN. Only
    ``level`` (one of :data:`LEVELS`) and only the named ``series`` (unique ids) when given. Sorted
    by ``unique_id`` then ``ds``; empty (with the columns) when the brand has no forecast.
    """
    run_id = _run_id(session, brand, plan_run_id)
    if run_id is None:
        return _values_empty()[list(FORECAST_COLUMNS)]
    return _values(session, run_id, level, series)[list(FORECAST_COLUMNS)]


def _values_empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in (*FORECAST_COLUMNS, "level")})
    frame[DS] = pd.to_datetime(frame[DS])
    for name in (MEAN, *QUANTILE_COLUMNS):
        frame[name] = frame[name].astype("float64")
    return frame


def load_forecast_values(
    session: Session, brand: str, level: str | None = None, *, plan_run_id: int | None = None
) -> pd.DataFrame:
    """Like :func:`load_forecasts` with each series' ``level``, ``sku_family`` and ``area`` added."""
    run_id = _run_id(session, brand, plan_run_id)
    if run_id is None:
        empty = _values_empty()
        return empty.assign(sku_family=pd.Series(dtype=object), area=pd.Series(dtype=object))
    return _values(session, run_id, level, None)


def load_selection(session: Session, brand: str, *, plan_run_id: int | None = None) -> pd.DataFrame:
    """How each series of ``brand``'s latest forecast was chosen (:data:`SELECTION_COLUMNS`), by id."""
    run_id = _run_id(session, brand, plan_run_id)
    table = _table(ForecastSelectionRow)
    rows = (
        []
        if run_id is None
        else [dict(r) for r in session.execute(select(table).where(table.c.plan_run_id == run_id)).mappings()]
    )
    frame = pd.DataFrame(rows, columns=[c.name for c in table.columns])
    for name in ("adi", "cv2", "backtest_mase"):
        frame[name] = frame[name].astype("float64")
    return frame[list(SELECTION_COLUMNS)].sort_values(UNIQUE_ID, kind="stable").reset_index(drop=True)


def load_scores(session: Session, brand: str, *, plan_run_id: int | None = None) -> pd.DataFrame:
    """Backtest scores of every candidate model and ``auto`` (:data:`SCORE_COLUMNS`), best MASE first."""
    run_id = _run_id(session, brand, plan_run_id)
    table = _table(ForecastScoreRow)
    rows = (
        []
        if run_id is None
        else [dict(r) for r in session.execute(select(table).where(table.c.plan_run_id == run_id)).mappings()]
    )
    frame = pd.DataFrame(rows, columns=[c.name for c in table.columns])
    for name in ("mase", "rmsse", "bias", "spl90"):
        frame[name] = frame[name].astype("float64")
    frame["series"] = frame["series"].astype("int64")
    return (
        frame[list(SCORE_COLUMNS)]
        .sort_values(["mase", "model"], na_position="last", kind="stable")
        .reset_index(drop=True)
    )


def _outcode_shares(
    session: Session, brand: str, areas: set[str], history_end: date, share_weeks: int
) -> pd.DataFrame:
    """Share of each outcode in its (family, area) units: recent ``share_weeks`` weeks, else all history."""
    weekly = load_weekly_demand(session, brand=brand)
    columns = ["sku_family", "area", "zone", "share"]
    if not weekly:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(
        {
            "sku_family": [w.sku_family for w in weekly],
            "zone": [w.outcode for w in weekly],
            "week_start": [w.week_start for w in weekly],
            "units": [float(w.units) for w in weekly],
        }
    )
    frame = frame[frame["week_start"] < history_end]
    frame["area"] = [a if a in areas else OTHER_AREA for a in map(postcode_area, frame["zone"])]
    start = history_end - timedelta(weeks=share_weeks)
    recent = frame[frame["week_start"] >= start]

    def shares(part: pd.DataFrame) -> pd.DataFrame:
        units = part.groupby(["sku_family", "area", "zone"], as_index=False)["units"].sum()
        units = units[units["units"] > 0].copy()
        units["share"] = units["units"] / units.groupby(["sku_family", "area"])["units"].transform("sum")
        return pd.DataFrame(units[columns])

    from_recent = shares(recent)
    covered = set(zip(from_recent["sku_family"], from_recent["area"], strict=True))
    older = shares(frame)
    keep = [(f, a) not in covered for f, a in zip(older["sku_family"], older["area"], strict=True)]
    return pd.concat([from_recent, older[keep]], ignore_index=True)


def zone_forecasts(
    session: Session,
    brand: str,
    *,
    weeks: int | None = None,
    zone: str = "outcode",
    share_weeks: int = SHARE_WEEKS,
    plan_run_id: int | None = None,
) -> pd.DataFrame:
    """Forecast per SKU family × zone × week for the next ``weeks`` weeks of ``brand``'s latest forecast.

    ``zone="area"`` gives the bottom series as stored (postcode areas, thin ones pooled as
    :data:`OTHER_AREA`); ``zone="outcode"`` splits each area's forecast over its outcodes by their
    share of the family's units in the ``share_weeks`` weeks before the forecast (all stored history
    when those weeks had none). Quantiles are split by the same share: a top-down approximation that
    keeps every level's mean coherent (it understates a small outcode's relative spread). A family and
    area without any stored history has no outcodes to go to and is left out of the outcode split.

    Columns :data:`ZONE_COLUMNS`, sorted by family, zone and week; empty without a forecast. This is
    what hub stocking and network design read. Raises ``ValueError`` for another ``zone``.
    """
    if zone not in ("outcode", "area"):
        raise ValueError(f"zone must be 'outcode' or 'area', got {zone!r}")
    run = (
        latest_forecast_run(session, brand) if plan_run_id is None else get_forecast_run(session, plan_run_id)
    )
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in ZONE_COLUMNS})
    if run is None:
        return empty
    values = _values(session, run.plan_run_id, LEVEL_BOTTOM, None)
    if weeks is not None:
        first = pd.Timestamp(run.history_end)
        values = values[values[DS] < first + pd.Timedelta(weeks=weeks)]
    values = values.rename(columns={"area": "zone"})
    if zone == "outcode":
        areas = set(values["zone"].dropna())
        shares = _outcode_shares(session, brand, areas, run.history_end, share_weeks)
        values = values.rename(columns={"zone": "area"}).merge(shares, on=["sku_family", "area"])
        for name in (MEAN, *QUANTILE_COLUMNS):
            values[name] = values[name] * values["share"]
    values["brand"] = brand
    return (
        values[list(ZONE_COLUMNS)]
        .sort_values(["sku_family", "zone", DS], kind="stable")
        .reset_index(drop=True)
    )


def forecast_weekly_units(
    session: Session, brand: str, *, weeks: int | None = None
) -> dict[tuple[str, str], float]:
    """Mean forecast units per week per ``(outcode, family)`` over the next ``weeks`` weeks (default all).

    The forecast counterpart of :func:`microfactory.network.build.mean_weekly_units`; empty when the
    brand has no stored forecast.
    """
    frame = zone_forecasts(session, brand, weeks=weeks)
    if frame.empty:
        return {}
    periods = frame[DS].nunique()
    total = frame.groupby(["zone", "sku_family"], as_index=False)[MEAN].sum()
    return {
        (str(z), str(f)): float(v) / periods
        for z, f, v in zip(total["zone"], total["sku_family"], total[MEAN], strict=True)
        if v > 0
    }


SITE_COLUMNS: tuple[str, ...] = ("brand", "sku_family", "site", DS, MEAN, *QUANTILE_COLUMNS)
"""Columns of :func:`site_forecasts`."""


def site_forecasts(zones: pd.DataFrame, site_of_zone: Mapping[str, str]) -> pd.DataFrame:
    """Roll a :func:`zone_forecasts` frame up to the sites serving the zones (``zone -> site``).

    Means add up exactly. Quantiles are added too, which is exact when the zones' demand moves
    together and otherwise overstates the site's quantile (a sum of quantiles bounds the quantile of
    the sum from above): the safe side for stocking a hub. Zones without a site are left out. Columns
    :data:`SITE_COLUMNS`, sorted by family, site and week.
    """
    frame = zones.assign(site=zones["zone"].map(site_of_zone)).dropna(subset=["site"])
    summed = frame.groupby(["brand", "sku_family", "site", DS], as_index=False)[
        [MEAN, *QUANTILE_COLUMNS]
    ].sum(min_count=1)
    return (
        pd.DataFrame(summed[list(SITE_COLUMNS)])
        .sort_values(["sku_family", "site", DS], kind="stable")
        .reset_index(drop=True)
    )
