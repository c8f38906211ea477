"""Stage ``inventory``: hub stocking policies and transfers."""

from __future__ import annotations

from sqlalchemy.orm import Session

from microfactory.config import Settings
from microfactory.plan.stages.base import StageContext, StageReport

STAGE = "inventory"


def run_inventory(ctx: StageContext) -> list[StageReport]:
    """Run the inventory stage (not built yet: does nothing)."""
    return []


def inventory_report_section(session: Session, settings: Settings) -> str:
    """The report's section for this stage as HTML, or ``""`` when there is nothing to show."""
    return ""
