"""Stage ``second_life``: second-life items and offcut reuse."""

from __future__ import annotations

from sqlalchemy.orm import Session

from microfactory.config import Settings
from microfactory.plan.stages.base import StageContext, StageReport

STAGE = "second_life"


def run_second_life(ctx: StageContext) -> list[StageReport]:
    """Run the second_life stage (not built yet: does nothing)."""
    return []


def second_life_report_section(session: Session, settings: Settings) -> str:
    """The report's section for this stage as HTML, or ``""`` when there is nothing to show."""
    return ""
