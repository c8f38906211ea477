"""The main job on the demo network: build it, store it, run every stage, write the report.

This is what ``microfactory demo`` (and ``make demo``) runs. Master data and orders are written in
one transaction, so a failure leaves the database as it was; re-running with the same seed changes
nothing but the plan runs' timestamps (orders upsert by natural key, stages replace their output).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from microfactory.config import Settings
from microfactory.demo import DemoNetwork, build_demo
from microfactory.plan.plan_job import run_plan_job
from microfactory.plan.progress import ProgressSink, SilentProgress
from microfactory.plan.stages.base import StageReport
from microfactory.store import (
    create_engine_for,
    make_session_factory,
    save_master_data,
    transaction,
    upgrade,
    upsert_orders,
)

ORDER_BATCH = 10_000


@dataclass(frozen=True)
class DemoJobResult:
    """What the demo job did: the network it stored, each stage's report, where the report is."""

    network: DemoNetwork
    orders_inserted: int
    orders_updated: int
    stages: Sequence[StageReport]
    report_path: Path
    runner: str
    seconds: float


def run_demo_job(
    settings: Settings,
    *,
    seed: int,
    scale: float,
    out_dir: Path,
    as_of: datetime | None = None,
    progress: ProgressSink | None = None,
) -> DemoJobResult:
    """Build the seeded UK demo network into the configured database and plan it end to end."""
    started = time.perf_counter()
    sink = progress or SilentProgress()
    # Build first: bad parameters are refused before the database is touched.
    sink.step("Building the UK demo network", None)
    network = build_demo(seed=seed, scale=scale, as_of=as_of)
    engine = create_engine_for(settings.database_url)
    try:
        sink.step("Preparing database", None)
        upgrade(settings.database_url)
        sessions = make_session_factory(engine)
        inserted = updated = 0
        advance = sink.step("Storing master data and orders", len(network.orders))
        with transaction(sessions) as session:
            save_master_data(session, network.master)
            for i in range(0, len(network.orders), ORDER_BATCH):
                counts = upsert_orders(session, network.orders[i : i + ORDER_BATCH])
                inserted += counts.inserted
                updated += counts.updated
                advance(min(i + ORDER_BATCH, len(network.orders)), len(network.orders))
        planned = run_plan_job(
            settings,
            sessions=sessions,
            database=engine.url.render_as_string(hide_password=True),
            as_of=network.history_end,
            out_dir=out_dir,
            title="microfactory — UK demo network plan",
            facts={"seed": str(seed), "scale": f"{scale:g}"},
            progress=sink,
        )
    finally:
        engine.dispose()
    return DemoJobResult(
        network=network,
        orders_inserted=inserted,
        orders_updated=updated,
        stages=planned.stages,
        report_path=planned.report_path,
        runner=planned.runner,
        seconds=time.perf_counter() - started,
    )
