"""Stage ``schedule`` makes the stored hub transfers as make-to-stock work, due at their dispatch."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from microfactory.domain import PlanHorizon
from microfactory.plan.stages.base import StageContext
from microfactory.plan.stages.schedule import (
    ScheduleOptions,
    SiteWeekTask,
    WorkRule,
    _tasks,
    schedule_site_week,
    transfer_demands,
)
from microfactory.production import DemandKind
from microfactory.store import load_master_data, save_plan_run, transaction
from microfactory.store.inventory_repository import TransferRecord, load_transfers, save_inventory_plan
from tests.demo_db import demo_database

HUB = "KIT-LON-HUB"


def _transfer(sku: str, units: int, dispatch: datetime) -> TransferRecord:
    return TransferRecord(
        f"TR-{sku}-{dispatch:%Y%m%d}", "KIT-LON", HUB, sku, units, dispatch, dispatch + timedelta(hours=1),
        f"TR-{dispatch:%Y%m%d}", 0.0, 1.0, 0.0,
    )  # fmt: skip


@dataclass
class Planned:
    sessions: sessionmaker[Session]
    ctx: StageContext


@pytest.fixture(scope="module")
def planned(module_database_url: str) -> Iterator[Planned]:
    """A small demo network (seed 7, scale 0.05) with a stored inventory plan of three KIT-LON transfers.

    Two leave in the week from ``as_of`` (hinges on day 1, handles on day 3), one the week after.
    """
    with demo_database(module_database_url) as demo:
        start = demo.network.history_end
        horizon = PlanHorizon(start=start, end=start + timedelta(days=7))
        with transaction(demo.sessions) as session:
            run_id = save_plan_run(session, stage="inventory", scope=HUB, horizon=horizon, kpis={"hub": HUB})
            save_inventory_plan(
                session,
                plan_run_id=run_id,
                policies=[],
                transfers=[
                    _transfer("K-SP-HINGE-110", 10, start + timedelta(days=1, hours=14)),
                    _transfer("K-ACC-HANDLE-BAR-BLACK", 20, start + timedelta(days=3, hours=14)),
                    _transfer("K-SP-HINGE-170", 5, start + timedelta(days=8, hours=14)),
                ],
            )
        yield Planned(demo.sessions, demo.ctx)


def test_transfers_in_the_week_become_stock_demands(planned: Planned) -> None:
    """Every transfer leaving KIT-LON this week is one stock demand, due at dispatch, keyed SKU@hub."""
    start = planned.ctx.as_of
    with planned.sessions() as session:
        transfers = load_transfers(session, from_site="KIT-LON", dispatch_to=start + timedelta(days=7))
        demands = transfer_demands(session, "KIT-LON", start, 7)
        later = transfer_demands(session, "KIT-LON", start + timedelta(days=7), 7)
    assert len(transfers) == len(demands) == 2
    assert [d.sku for d in later] == ["K-SP-HINGE-170"]
    for demand, transfer in zip(demands, transfers, strict=True):
        assert demand.kind is DemandKind.STOCK
        assert demand.key == f"stock:{transfer.sku}@{HUB}"
        assert demand.due == transfer.dispatch_at
        assert demand.quantity == transfer.quantity


def test_week_tasks_carry_the_transfers(planned: Planned) -> None:
    """The stage's work selection adds the site's transfers to its orders."""
    with planned.sessions() as session:
        tasks = _tasks(session, ScheduleOptions(rule=WorkRule.FIRM), planned.ctx.as_of, ["KIT-LON"], False)
    assert tasks and tasks[0].stock
    assert all(d.kind is DemandKind.STOCK for d in tasks[0].stock)


def test_transfers_are_scheduled_like_orders(planned: Planned) -> None:
    """With no orders at all, the transfers alone are made: a run per SKU covering its units."""
    start = planned.ctx.as_of
    with planned.sessions() as session:
        master = load_master_data(session)
        demands = transfer_demands(session, "KIT-LON", start, 7)
    task = SiteWeekTask(master, "KIT-LON", start, (), ScheduleOptions(seconds=2.0, seed=1), demands)
    plan = schedule_site_week(task)
    made: dict[str, int] = {}
    for run in plan.result.runs():
        made[run.sku] = made.get(run.sku, 0) + run.quantity
    unserved = {p.subject for p in plan.result.problems if p.kind.value == "unserved"}
    for demand in demands:
        assert made.get(demand.sku, 0) >= demand.quantity or demand.key in unserved
    assert plan.kpis()["hub_transfers"] == len(demands)
