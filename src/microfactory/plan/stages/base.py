"""What every stage shares: its context and the report it hands back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from microfactory.config import Settings
from microfactory.domain import PlanHorizon, Problem
from microfactory.plan.progress import ProgressSink, SilentProgress
from microfactory.plan.runner import Runner


@dataclass(frozen=True)
class StageContext:
    """What a stage may use: the store, the runner, settings and the plan's reference time."""

    sessions: sessionmaker[Session]
    runner: Runner
    settings: Settings
    as_of: datetime
    """The plan is made as at this instant (aware UTC): history before, horizon after."""
    progress: ProgressSink = field(default_factory=SilentProgress)


@dataclass(frozen=True)
class StageReport:
    """One stage's outcome for one scope (a brand, a site): KPIs, problems, timing."""

    stage: str
    scope: str
    horizon: PlanHorizon
    kpis: Mapping[str, float | int | str]
    problems: Sequence[Problem] = ()
    seconds: float = 0.0
    plan_run_id: int | None = None
