"""The pipeline: the plan stages available so far, run in order over one context.

Each stage is a function ``(StageContext) -> list[StageReport]`` that reads the store, runs its
engine and writes its output back in one transaction. Later capabilities (forecasting, network
design, scheduling, routing...) add their stage to :data:`STAGES`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from microfactory.plan.stages.base import StageContext, StageReport
from microfactory.plan.stages.demand_history import STAGE as DEMAND_HISTORY
from microfactory.plan.stages.demand_history import run_demand_history
from microfactory.plan.stages.forecast import STAGE as FORECAST
from microfactory.plan.stages.forecast import run_forecast
from microfactory.plan.stages.inventory import STAGE as INVENTORY
from microfactory.plan.stages.inventory import run_inventory
from microfactory.plan.stages.network import STAGE as NETWORK
from microfactory.plan.stages.network import run_network
from microfactory.plan.stages.quality import STAGE as QUALITY
from microfactory.plan.stages.quality import run_quality
from microfactory.plan.stages.routes import STAGE as ROUTES
from microfactory.plan.stages.routes import run_routes
from microfactory.plan.stages.schedule import STAGE as SCHEDULE
from microfactory.plan.stages.schedule import run_schedule
from microfactory.plan.stages.second_life import STAGE as SECOND_LIFE
from microfactory.plan.stages.second_life import run_second_life

Stage = Callable[[StageContext], list[StageReport]]

STAGES: dict[str, Stage] = {
    DEMAND_HISTORY: run_demand_history,
    FORECAST: run_forecast,
    NETWORK: run_network,
    QUALITY: run_quality,
    INVENTORY: run_inventory,
    ROUTES: run_routes,
    SCHEDULE: run_schedule,
    SECOND_LIFE: run_second_life,
}
"""Every stage in run order, by name."""


def run_pipeline(ctx: StageContext, stages: Sequence[str] | None = None) -> list[StageReport]:
    """Run the named stages (all by default) in order and collect their reports.

    A stage that fails raises; stages before it have committed their own output, the failing one
    has written nothing.
    """
    names = list(STAGES) if stages is None else list(stages)
    unknown = [n for n in names if n not in STAGES]
    if unknown:
        raise ValueError(f"unknown stage(s) {', '.join(unknown)}; known: {', '.join(STAGES)}")
    reports: list[StageReport] = []
    for name in names:
        reports.extend(STAGES[name](ctx))
    return reports
