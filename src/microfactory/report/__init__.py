"""Self-contained HTML report of a planning run (no network, no scripts from elsewhere)."""

from microfactory.report.html import ReportData, StageSection, render_report

__all__ = ["ReportData", "StageSection", "render_report"]
