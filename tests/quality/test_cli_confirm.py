"""``microfactory schedule confirm`` end to end: runs of the stored schedule become lots, once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from microfactory.domain import PlanHorizon, ProductionRun
from microfactory.store import (
    create_engine_for,
    make_session_factory,
    save_master_data,
    save_plan_run,
    transaction,
    upgrade,
    upsert_orders,
)
from tests.cli_helpers import run_cli
from tests.quality.builders import SITE, T0
from tests.store.factories import master_data, order


@pytest.fixture(scope="module")
def url(module_database_url: str) -> str:
    """A module database with the factories' master data and a stored schedule of two runs at ``SITE``."""
    upgrade(module_database_url)
    engine = create_engine_for(module_database_url)
    runs = [
        ProductionRun(
            site=SITE,
            run_code=f"W1-000{n}",
            sku="DOOR-GRAPHITE",
            quantity=4 * n,
            start=T0,
            end=T0 + timedelta(hours=2 * n),
        )
        for n in (1, 2)
    ]
    try:
        with transaction(make_session_factory(engine)) as session:
            save_master_data(session, master_data())
            upsert_orders(session, [order(1)])
            save_plan_run(
                session,
                stage="schedule",
                scope=SITE,
                horizon=PlanHorizon(start=T0, end=T0 + timedelta(days=7)),
                kpis={},
                production_runs=runs,
            )
    finally:
        engine.dispose()
    return module_database_url


def test_confirm_makes_one_lot_per_ended_run_once(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """By 11:00 London (= UTC in November) run 1 (ends 10:00) is confirmed, run 2 (12:00) not; again:
    nothing new; through the whole day: run 2 too, a pending lot of its quantity."""
    args = ("--database-url", url, "schedule", "confirm", "--site", SITE, "--json")
    code, out, _ = run_cli(capsys, *args, "--through", "2026-11-23T11:00")
    first = json.loads(out)
    assert code == 0 and first["lots"] == [f"{SITE}/W1-0001/DOOR-GRAPHITE/1"]
    assert first["not_ended"] == ["W1-0002"]
    code, out, _ = run_cli(capsys, *args, "--through", "2026-11-23T11:00")
    assert code == 0 and json.loads(out)["lots"] == [] and json.loads(out)["already_confirmed"] == ["W1-0001"]
    code, out, _ = run_cli(
        capsys, "--database-url", url, "schedule", "confirm", "--site", SITE, "--through", "2026-11-23"
    )
    assert code == 0 and "W1-0002" in out and "1 lot(s) made" in out
    code, out, _ = run_cli(capsys, "--database-url", url, "quality", "lots", "--json")
    lots = {x["code"]: x for x in json.loads(out)}
    assert lots[f"{SITE}/W1-0002/DOOR-GRAPHITE/1"]["quantity"] == 8
    assert lots[f"{SITE}/W1-0002/DOOR-GRAPHITE/1"]["status"] == "pending"


def test_confirm_refusals_are_one_line(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown site and a bad cut-off: exit 2 with a clear message, nothing written."""
    code, _, err = run_cli(capsys, "--database-url", url, "schedule", "confirm", "--site", "NOPE")
    assert code == 2 and "NOPE" in err
    code, _, err = run_cli(
        capsys, "--database-url", url, "schedule", "confirm", "--site", SITE, "--through", "tomorrow"
    )
    assert code == 2 and "--through" in err
