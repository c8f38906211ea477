"""``microfactory forecast run`` and ``forecast show``: forecast the stored demand, read the forecasts.

``forecast run`` runs the ``forecast`` plan stage on the stored weekly demand (the ``demand_history``
stage's output; by default as at the end of that history), fanned out over the configured runner with
a progress bar, stores one forecast per brand (replacing the same brand and horizon) and prints each
brand's KPIs. ``forecast show`` prints a brand's stored forecasts (the GB total by default, or one
level or series). Errors are one line with exit code 2 (see :func:`microfactory.cli.main`).
"""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from microfactory import cli_common as common
from microfactory.cli_output import kpi_table, print_json, rich_progress, table
from microfactory.errors import MicrofactoryError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

out = Console()
err = Console(stderr=True)

RUN_KPIS = (
    "series",
    "bottom_series",
    "areas",
    "pooled_areas",
    "history_weeks",
    "horizon_weeks",
    "first_week",
    "auto_mase",
    "best_single_model",
    "best_single_mase",
    "improvement_pct",
    "share_smooth",
    "share_erratic",
    "share_intermittent",
    "share_lumpy",
    "reconciliation",
    "forecast_units_per_week",
    "history_units_per_week_13w",
    "series_fell_back",
    "seconds",
    "engine_version",
)


class LevelChoice(StrEnum):
    """``--level`` values: a hierarchy level, or ``all``."""

    TOTAL = "total"
    FAMILY = "family"
    AREA = "area"
    BOTTOM = "family/area"
    ALL = "all"


class NoDemandHistoryError(MicrofactoryError):
    """There is no stored weekly demand to forecast."""

    def __init__(self, brand: str | None) -> None:
        which = f" for brand {brand!r}" if brand else ""
        super().__init__(
            f"no weekly demand stored{which} before the forecast date: run `microfactory demo` "
            "(or the demand_history stage) first"
        )


class NoForecastError(MicrofactoryError):
    """No forecast is stored (for the brand)."""

    def __init__(self, brand: str | None) -> None:
        which = f" for brand {brand!r}" if brand else ""
        super().__init__(f"no forecast stored{which}: run `microfactory forecast run` first")


def _default_as_of(session: Session) -> datetime:
    """The end of the latest stored demand history (the forecast starts there)."""
    from microfactory.store import DEMAND_HISTORY_STAGE, latest_plan_runs

    runs = latest_plan_runs(session, stage=DEMAND_HISTORY_STAGE)
    if not runs:
        raise NoDemandHistoryError(None)
    return max(r.horizon.end for r in runs)


SHOWN_QUANTILES = ("q50", "q90")
"""Quantiles in the ``show`` table (all stored quantiles are in ``--json``), so it fits 80 columns."""
MODELS_LISTED = 12


def _show_rows(frame: Any) -> list[list[Any]]:
    return [
        [
            uid,
            ds.date().isoformat(),
            round(float(mean), 2),
            *("–" if q != q else round(float(q), 2) for q in quantiles),  # q != q: NaN
        ]
        for uid, ds, mean, *quantiles in frame[["unique_id", "ds", "mean", *SHOWN_QUANTILES]].itertuples(
            index=False
        )
    ]


def _models_line(frame: Any) -> str:
    """``models: total AutoETS · FOOD-BARS TSB ...`` for a few series (the model is per series)."""
    models = frame.drop_duplicates("unique_id")[["unique_id", "model"]].itertuples(index=False)
    listed = [f"{uid} {model}" for uid, model in models]
    more = f" · … {len(listed) - MODELS_LISTED} more (--json)" if len(listed) > MODELS_LISTED else ""
    return "models: " + " · ".join(listed[:MODELS_LISTED]) + more


def register_forecast_run(app: typer.Typer) -> None:
    """Add ``run`` and ``show`` (the store-backed forecast commands) to the ``forecast`` group."""

    @app.command("run")
    def forecast_run(
        brand: Annotated[str | None, typer.Option("--brand", help="Only this brand (default: all).")] = None,
        horizon_weeks: Annotated[
            int, typer.Option("--horizon-weeks", min=1, max=52, help="Weeks ahead to forecast.")
        ] = 8,
        as_of: Annotated[
            str | None,
            typer.Option(
                "--as-of",
                help="Forecast as at this date (Europe/London midnight; history before it). "
                "Default: the end of the stored demand history.",
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Forecast the stored weekly demand per SKU family × area, reconcile, store and print KPIs."""
        from microfactory.plan.runner import make_runner
        from microfactory.plan.stages.base import StageContext
        from microfactory.plan.stages.forecast import run_forecast

        settings = common.settings()
        with common.session_factory(settings) as sessions:
            if as_of is None:
                with sessions() as session:
                    when = _default_as_of(session)
            else:
                when = datetime.combine(common.parse_day(as_of, "--as-of"), time(0), tzinfo=common.LONDON)
            with (
                make_runner(workers=settings.workers, dask_scheduler=settings.dask_scheduler) as runner,
                rich_progress(err) as progress,
            ):
                ctx = StageContext(
                    sessions=sessions, runner=runner, settings=settings, as_of=when, progress=progress
                )
                reports = run_forecast(
                    ctx, horizon_weeks=horizon_weeks, brands=None if brand is None else [brand]
                )
        if not reports:
            raise NoDemandHistoryError(brand)
        if as_json:
            print_json(
                out,
                [
                    {
                        "brand": r.scope,
                        "plan_run_id": r.plan_run_id,
                        "horizon": r.horizon.model_dump(mode="json"),
                        "kpis": dict(r.kpis),
                        "problems": [p.model_dump(mode="json") for p in r.problems],
                    }
                    for r in reports
                ],
            )
            return
        for r in reports:
            shown = {k: r.kpis[k] for k in RUN_KPIS if k in r.kpis}
            out.print(kpi_table(f"Forecast — {r.scope} (stored as plan run {r.plan_run_id})", shown))
            if r.problems:
                out.print(
                    f"{len(r.problems)} problem(s), e.g. {r.problems[0].subject}: {r.problems[0].reason}"
                )

    @app.command("show")
    def forecast_show(
        brand: Annotated[str | None, typer.Option("--brand", help="Only this brand (default: all).")] = None,
        level: Annotated[
            LevelChoice | None,
            typer.Option("--level", help="Hierarchy level (default: total, or all with --series)."),
        ] = None,
        series: Annotated[
            str | None, typer.Option("--series", help="One series id, e.g. KIT-DOORS/M.")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Print stored forecasts: mean, q50 and q90 per series and week (--json: every quantile)."""
        from microfactory.store.forecast_repository import forecast_runs, load_forecasts

        chosen = level or (LevelChoice.ALL if series else LevelChoice.TOTAL)
        wanted = None if chosen is LevelChoice.ALL else chosen.value
        payload: list[dict[str, Any]] = []
        with common.session() as session:
            runs = [r for r in forecast_runs(session) if brand is None or r.brand == brand]
            if not runs:
                raise NoForecastError(brand)
            frames = [
                (r, load_forecasts(session, r.brand, wanted, series, plan_run_id=r.plan_run_id)) for r in runs
            ]
        for run, frame in frames:
            if as_json:
                records = frame.assign(ds=frame["ds"].dt.date.astype(str)).astype(object)
                payload.append(
                    {
                        "brand": run.brand,
                        "plan_run_id": run.plan_run_id,
                        "version": run.version,
                        "reconciliation": run.reconciliation,
                        "first_week": run.history_end.isoformat(),
                        "horizon_weeks": run.horizon_weeks,
                        "forecasts": records.where(records.notna(), None).to_dict("records"),
                    }
                )
                continue
            title = (
                f"Forecast — {run.brand} (plan run {run.plan_run_id}, {run.version}, "
                f"{run.reconciliation}, from {run.history_end.isoformat()})"
            )
            headers = ["series", "week", "mean", *SHOWN_QUANTILES]
            out.print(table(title, headers, _show_rows(frame)))
            if frame.empty:
                out.print(f"no series matched (level {chosen.value}, series {series or 'any'})")
            else:
                out.print(_models_line(frame), highlight=False)
        if as_json:
            print_json(out, payload)
