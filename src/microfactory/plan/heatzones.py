"""Demand heat-zones for the demo report."""

from __future__ import annotations

from sqlalchemy.orm import Session

from microfactory.config import Settings


def heatzones_report_section(session: Session, settings: Settings) -> str:
    """The report's heat-zone section as HTML, or ``""`` when there are no orders."""
    return ""
