"""The pipeline on a real database: stage output matches the orders, re-runs replace, failures roll back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from microfactory.domain import OrderStatus
from microfactory.plan.pipeline import STAGES, run_pipeline
from microfactory.plan.stages import demand_history
from microfactory.store import latest_plan_runs, load_weekly_demand
from microfactory.store.models import PlanRunRow, WeeklyDemandRow
from tests.demo_db import DemoDatabase, demo_database

SEED, SCALE = 3, 0.02
"""A tiny demo network: every stage has work, and the whole pipeline stays cheap."""
SOLVER_SECONDS = 1.0
"""Caps the time-limited solves (the schedule's search runs to its limit): these tests check what the
stages store and replace, not how good the plans are."""


@pytest.fixture
def planned(database_url: str) -> Iterator[DemoDatabase]:
    """A tiny demo network stored in a fresh database, with a stage context over it (no stage run yet)."""
    with demo_database(database_url, seed=SEED, scale=SCALE) as demo:
        yield demo


@dataclass
class Piped:
    demo: DemoDatabase
    counts: tuple[int, int]
    """Plan runs and weekly demand rows right after the first run."""


@pytest.fixture(scope="module")
def piped(module_database_url: str) -> Iterator[Piped]:
    """The tiny demo network in a fresh database with the whole pipeline run on it once (serially).

    Shared by the tests that need a first full run; each later run must leave the same counts.
    ``SOLVER_SECONDS`` is in the context's settings, so every later run (serial or on Dask) has it too.
    """
    with demo_database(
        module_database_url, seed=SEED, scale=SCALE, stages=list(STAGES), solver_seconds=SOLVER_SECONDS
    ) as demo:
        yield Piped(demo, _counts(demo.sessions))


def _counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        runs = session.scalar(select(func.count()).select_from(PlanRunRow)) or 0
        rows = session.scalar(select(func.count()).select_from(WeeklyDemandRow)) or 0
    return runs, rows


def test_weekly_demand_conserves_units_of_live_orders(piped: Piped) -> None:
    """Stored weekly units per brand equal the units of the brand's non-cancelled orders."""
    network = piped.demo.network
    scopes = {r.scope for r in piped.demo.reports if r.stage == "demand_history"}
    assert scopes == {b.code for b in network.master.brands}
    start = network.history_end - timedelta(weeks=104)
    with piped.demo.sessions() as session:
        weekly = load_weekly_demand(session)
    for brand in network.master.brands:
        expected = sum(
            o.units
            for o in network.orders
            if o.brand == brand.code
            and o.status != OrderStatus.CANCELLED
            and start <= o.created_at < network.history_end
        )
        assert sum(w.units for w in weekly if w.brand == brand.code) == expected


def test_running_twice_replaces_instead_of_duplicating(piped: Piped) -> None:
    """A second run for the same horizon leaves as many plan runs and weekly rows as the first."""
    first = piped.counts
    assert all(first)
    run_pipeline(piped.demo.ctx)
    assert _counts(piped.demo.sessions) == first
    with piped.demo.sessions() as session:
        assert len(latest_plan_runs(session)) == first[0]  # one run per stage and scope, every stage


def test_a_failing_stage_writes_nothing(planned: DemoDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
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


def test_unknown_stage_is_refused(planned: DemoDatabase) -> None:
    """Asking for a stage that does not exist names it and lists the known ones."""
    with pytest.raises(ValueError, match=r"unknown stage.*telepathy.*demand_history"):
        run_pipeline(planned.ctx, ["telepathy"])


def test_dask_cluster_gives_the_same_plan_as_local_processes(piped: Piped) -> None:
    """The whole pipeline runs on a Dask LocalCluster, and its demand-history stage stores the same weekly
    demand as the serial run."""
    from dataclasses import replace

    from distributed import Client, LocalCluster

    from microfactory.plan import DaskRunner

    with piped.demo.sessions() as session:
        local = load_weekly_demand(session)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
        DaskRunner(client) as runner,
    ):
        run_pipeline(replace(piped.demo.ctx, runner=runner))
    with piped.demo.sessions() as session:
        on_dask = load_weekly_demand(session)
    assert on_dask == local
    assert local
