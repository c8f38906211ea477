"""The pipeline on a real database: stage output matches the orders, re-runs replace, failures roll back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from microfactory.config import load_settings
from microfactory.demo import DemoNetwork, build_demo
from microfactory.domain import OrderStatus
from microfactory.plan import SerialRunner
from microfactory.plan.pipeline import run_pipeline
from microfactory.plan.stages import demand_history
from microfactory.plan.stages.base import StageContext
from microfactory.store import (
    create_engine_for,
    latest_plan_runs,
    load_weekly_demand,
    make_session_factory,
    save_master_data,
    transaction,
    upgrade,
    upsert_orders,
)
from microfactory.store.models import PlanRunRow, WeeklyDemandRow


@dataclass
class Planned:
    network: DemoNetwork
    sessions: sessionmaker[Session]
    ctx: StageContext


@pytest.fixture
def planned(database_url: str) -> Iterator[Planned]:
    """A tiny demo network stored in a fresh database, with a stage context over it."""
    network = build_demo(seed=3, scale=0.02)
    upgrade(database_url)
    engine = create_engine_for(database_url)
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        save_master_data(session, network.master)
        upsert_orders(session, network.orders)
    ctx = StageContext(
        sessions=sessions,
        runner=SerialRunner(),
        settings=load_settings(database_url=database_url),
        as_of=network.history_end,
    )
    yield Planned(network, sessions, ctx)
    engine.dispose()


def _counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        runs = session.scalar(select(func.count()).select_from(PlanRunRow)) or 0
        rows = session.scalar(select(func.count()).select_from(WeeklyDemandRow)) or 0
    return runs, rows


def test_weekly_demand_conserves_units_of_live_orders(planned: Planned) -> None:
    """Stored weekly units per brand equal the units of the brand's non-cancelled orders."""
    reports = run_pipeline(planned.ctx)
    scopes = {r.scope for r in reports if r.stage == "demand_history"}
    assert scopes == {b.code for b in planned.network.master.brands}
    start = planned.network.history_end - timedelta(weeks=104)
    with planned.sessions() as session:
        weekly = load_weekly_demand(session)
    for brand in planned.network.master.brands:
        expected = sum(
            o.units
            for o in planned.network.orders
            if o.brand == brand.code
            and o.status != OrderStatus.CANCELLED
            and start <= o.created_at < planned.network.history_end
        )
        assert sum(w.units for w in weekly if w.brand == brand.code) == expected


def test_running_twice_replaces_instead_of_duplicating(planned: Planned) -> None:
    """A second run for the same horizon leaves as many plan runs and weekly rows as the first."""
    run_pipeline(planned.ctx)
    first = _counts(planned.sessions)
    run_pipeline(planned.ctx)
    assert _counts(planned.sessions) == first
    with planned.sessions() as session:
        assert len(latest_plan_runs(session)) == first[0]  # one run per stage and scope, every stage


def test_a_failing_stage_writes_nothing(planned: Planned, monkeypatch: pytest.MonkeyPatch) -> None:
    """If writing the second brand fails, the first brand's output is rolled back too."""
    real = demand_history.save_plan_run  # type: ignore[attr-defined]
    calls = {"n": 0}

    def flaky(session: Session, **kwargs: object) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(session, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(demand_history, "save_plan_run", flaky)
    with pytest.raises(RuntimeError, match="disk full"):
        run_pipeline(planned.ctx)
    assert _counts(planned.sessions) == (0, 0)


def test_unknown_stage_is_refused(planned: Planned) -> None:
    """Asking for a stage that does not exist names it and lists the known ones."""
    with pytest.raises(ValueError, match=r"unknown stage.*telepathy.*demand_history"):
        run_pipeline(planned.ctx, ["telepathy"])


def test_dask_cluster_gives_the_same_plan_as_local_processes(planned: Planned) -> None:
    """The demand-history stage stores identical weekly demand on a Dask LocalCluster."""
    from dataclasses import replace

    from distributed import Client, LocalCluster

    from microfactory.plan import DaskRunner

    run_pipeline(planned.ctx)
    with planned.sessions() as session:
        local = load_weekly_demand(session)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
        DaskRunner(client) as runner,
    ):
        run_pipeline(replace(planned.ctx, runner=runner))
    with planned.sessions() as session:
        on_dask = load_weekly_demand(session)
    assert on_dask == local
    assert local
