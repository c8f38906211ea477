"""Stage ``forecast``: forecasts per SKU and zone."""

from __future__ import annotations

from sqlalchemy.orm import Session

from microfactory.config import Settings
from microfactory.plan.stages.base import StageContext, StageReport

STAGE = "forecast"


def run_forecast(ctx: StageContext) -> list[StageReport]:
    """Run the forecast stage (not built yet: does nothing)."""
    return []


def forecast_report_section(session: Session, settings: Settings) -> str:
    """The report's section for this stage as HTML, or ``""`` when there is nothing to show."""
    return ""
