"""Plan runs: exact round trip, replace on re-run, latest runs, weekly demand, cascades."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from microfactory.domain import PlanHorizon, StockMove, StockMoveKind
from microfactory.errors import NotFoundError
from microfactory.store.models import (
    Base,
    OperationAssignmentRow,
    PlanRunRow,
    ProblemRow,
    ProductionRunRow,
    RouteStopRow,
    StockMoveRow,
    WeeklyDemandRow,
)
from microfactory.store.plan_repository import (
    DEMAND_HISTORY_STAGE,
    latest_plan_runs,
    load_plan_output,
    load_problems,
    load_weekly_demand,
    save_plan_run,
)
from tests.store.factories import T0, problems, schedule_output, weekly_demand

WEEK = PlanHorizon(start=T0, end=T0 + timedelta(days=7))
NEXT_WEEK = PlanHorizon(start=WEEK.end, end=WEEK.end + timedelta(days=7))
OUTPUT_TABLES = [
    "problems",
    "weekly_demand",
    "production_runs",
    "operation_assignments",
    "delivery_routes",
    "route_stops",
    "stock_moves",
]


def _counts(session: Session) -> dict[str, int]:
    return {
        name: session.execute(select(func.count()).select_from(Base.metadata.tables[name])).scalar_one()
        for name in ["plan_runs", *OUTPUT_TABLES]
    }


def _save_schedule(session: Session, horizon: PlanHorizon = WEEK, *, problem_count: int = 2) -> int:
    out = schedule_output()
    return save_plan_run(
        session,
        stage="schedule",
        scope="LON-MF",
        horizon=horizon,
        kpis={"runs": 2, "utilisation_pct": 81.5, "note": "ok"},
        problems=problems(count=problem_count),
        weekly_demand=weekly_demand(),
        production_runs=out.production_runs,
        operations=out.operations,
        routes=out.routes,
        stops=out.stops,
        stock_moves=out.stock_moves,
    )


def test_plan_output_round_trips(session: Session) -> None:
    """Every record saved with a run loads back equal, with the run's horizon and KPIs."""
    run_id = _save_schedule(session)
    out = load_plan_output(session, run_id)
    expected = schedule_output()
    assert out.run.horizon == WEEK
    assert out.run.kpis == {"runs": 2, "utilisation_pct": 81.5, "note": "ok"}
    assert out.run.problem_count == 2
    assert out.run.created_at.utcoffset() == timedelta(0)
    assert out.problems == problems(count=2)
    assert out.weekly_demand == weekly_demand()
    assert out.production_runs == expected.production_runs
    assert out.operations == expected.operations
    assert out.routes == expected.routes
    assert out.stops == expected.stops
    assert out.stock_moves == expected.stock_moves


def test_saving_the_same_horizon_again_replaces_the_run(session: Session) -> None:
    """A re-run deletes the old run and its records: row counts stay, old problems are gone."""
    first = _save_schedule(session, problem_count=3)
    counts = _counts(session)
    second = _save_schedule(session, problem_count=3)
    assert second != first
    assert _counts(session) == counts
    assert session.get(PlanRunRow, first) is None
    with pytest.raises(NotFoundError):
        load_problems(session, first)
    assert len(load_problems(session, second)) == 3
    remaining = session.execute(select(ProblemRow.plan_run_id).distinct()).scalars().all()
    assert remaining == [second]


def test_different_horizons_and_scopes_are_kept_side_by_side(session: Session) -> None:
    """Only the same (stage, scope, horizon) is replaced."""
    _save_schedule(session, WEEK)
    _save_schedule(session, NEXT_WEEK)
    save_plan_run(session, stage="schedule", scope="MAN-MF", horizon=WEEK, kpis={})
    assert _counts(session)["plan_runs"] == 3


def test_latest_plan_runs_gives_the_newest_run_per_stage_and_scope(session: Session) -> None:
    """Newest first; one per (stage, scope); problem counts included; filter by stage."""
    _save_schedule(session, WEEK)
    newer = _save_schedule(session, NEXT_WEEK, problem_count=1)
    demand = save_plan_run(session, stage=DEMAND_HISTORY_STAGE, scope="KIT", horizon=WEEK, kpis={"orders": 5})
    runs = latest_plan_runs(session)
    assert [(r.id, r.stage, r.scope) for r in runs] == [
        (demand, DEMAND_HISTORY_STAGE, "KIT"),
        (newer, "schedule", "LON-MF"),
    ]
    assert [r.problem_count for r in runs] == [0, 1]
    assert [r.id for r in latest_plan_runs(session, stage="schedule")] == [newer]
    assert latest_plan_runs(session, stage="nothing") == []


def test_load_problems_of_an_unknown_run_is_not_found(session: Session) -> None:
    """An unknown id raises NotFoundError naming the run."""
    with pytest.raises(NotFoundError, match="plan run '123456'"):
        load_problems(session, 123_456)


def test_weekly_demand_comes_from_the_latest_demand_history_run_of_each_scope(session: Session) -> None:
    """Older runs of the same scope are ignored; scopes are merged; brand filters."""
    save_plan_run(
        session,
        stage=DEMAND_HISTORY_STAGE,
        scope="KIT",
        horizon=WEEK,
        kpis={},
        weekly_demand=weekly_demand("KIT", weeks=5),
    )
    save_plan_run(
        session,
        stage=DEMAND_HISTORY_STAGE,
        scope="KIT",
        horizon=NEXT_WEEK,
        kpis={},
        weekly_demand=weekly_demand("KIT", weeks=2),
    )
    save_plan_run(
        session,
        stage=DEMAND_HISTORY_STAGE,
        scope="FOOD",
        horizon=WEEK,
        kpis={},
        weekly_demand=weekly_demand("FOOD", weeks=1, outcode="M1"),
    )
    save_plan_run(
        session, stage="forecast", scope="KIT", horizon=WEEK, kpis={}, weekly_demand=weekly_demand()
    )
    assert load_weekly_demand(session) == weekly_demand("FOOD", weeks=1, outcode="M1") + weekly_demand(
        "KIT", 2
    )
    assert load_weekly_demand(session, brand="KIT") == weekly_demand("KIT", weeks=2)
    assert load_weekly_demand(session, brand="NOPE") == []


def test_duplicate_natural_keys_in_plan_output_are_refused(session: Session) -> None:
    """Two weekly-demand rows for the same key, or two runs with one code, fail the save."""
    with pytest.raises(IntegrityError), session.begin_nested():
        save_plan_run(
            session, stage="d", scope="KIT", horizon=WEEK, kpis={}, weekly_demand=weekly_demand() * 2
        )
    out = schedule_output()
    with pytest.raises(IntegrityError), session.begin_nested():
        save_plan_run(
            session, stage="s", scope="X", horizon=WEEK, kpis={}, production_runs=out.production_runs * 2
        )
    run_id = save_plan_run(session, stage="s", scope="X", horizon=WEEK, kpis={})
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            insert(PlanRunRow),
            [
                {
                    "stage": "s",
                    "scope": "X",
                    "horizon_start": WEEK.start,
                    "horizon_end": WEEK.end,
                    "created_at": T0,
                    "status": "completed",
                    "kpis": {},
                }
            ],
        )
    assert session.get(PlanRunRow, run_id) is not None


def test_deleting_a_plan_run_cascades_to_all_its_records(session: Session) -> None:
    """ON DELETE CASCADE holds on both backends for every output table."""
    run_id = _save_schedule(session)
    assert all(n > 0 for n in _counts(session).values())
    session.execute(delete(PlanRunRow).where(PlanRunRow.id == run_id))
    assert set(_counts(session).values()) == {0}
    for model in (ProductionRunRow, OperationAssignmentRow, RouteStopRow, StockMoveRow, WeeklyDemandRow):
        assert session.execute(select(func.count()).select_from(model)).scalar_one() == 0


def test_bulk_writes_refuse_naive_times_too(session: Session) -> None:
    """The fast bulk path still runs UtcDateTime: a naive time smuggled past validation is refused."""
    naive = StockMove.model_construct(
        sku="DOOR-WHITE",
        quantity=1,
        from_site=None,
        to_site="LON-MF",
        at=datetime(2026, 11, 23),
        kind=StockMoveKind.SALE,
    )
    with pytest.raises(StatementError, match="timezone is needed"), session.begin_nested():
        save_plan_run(session, stage="s", scope="X", horizon=WEEK, kpis={}, stock_moves=[naive])


def test_kpis_are_stored_as_plain_json(session: Session) -> None:
    """NumPy scalars are unwrapped; NaN is refused naming the KPI, before anything is written."""
    from_pandas: dict[str, Any] = {"orders": np.int64(7), "share": np.float64(0.25)}
    run_id = save_plan_run(session, stage="s", scope="X", horizon=WEEK, kpis=from_pandas)
    assert load_plan_output(session, run_id).run.kpis == {"orders": 7, "share": 0.25}
    with pytest.raises(ValueError, match="'share'"):
        save_plan_run(session, stage="s", scope="X", horizon=WEEK, kpis={"share": float("nan")})
    assert session.get(PlanRunRow, run_id) is not None
