"""The HTML report: every section present, values escaped, nothing loaded from the network."""

from __future__ import annotations

from datetime import UTC, date, datetime

from microfactory.domain import PlanHorizon, Problem, ProblemKind, Severity
from microfactory.report import ReportData, StageSection, render_report
from tests.store.factories import master_data


def _report() -> str:
    master = master_data()
    brand = master.brands[0].code
    zone = master.zones[0].outcode
    data = ReportData(
        title="Plan <test>",
        generated_at=datetime(2026, 7, 1, 12, tzinfo=UTC),
        database="sqlite:///x.db",
        master=master,
        order_counts={brand: {"orders": 3, "lines": 5, "units": 9, "cancelled": 1, "channel.web": 3}},
        weekly_orders={brand: [(date(2026, 6, 1), 1.0), (date(2026, 6, 8), 2.0)]},
        zone_units={brand: {zone: 9}},
        stages=[
            StageSection(
                stage="demand_history",
                scope=brand,
                horizon=PlanHorizon(
                    start=datetime(2026, 1, 5, tzinfo=UTC), end=datetime(2026, 7, 6, tzinfo=UTC)
                ),
                kpis={"orders": 3, "growth_13w_yoy_pct": 12.5},
                problems=[
                    Problem(
                        stage="demand_history",
                        kind=ProblemKind.DATA,
                        subject_kind="order",
                        subject="web/42",
                        reason="SKU <unknown>",
                        severity=Severity.ERROR,
                    )
                ],
            )
        ],
        facts={"seed": "1"},
    )
    return render_report(data)


def test_report_has_every_section() -> None:
    """Summary, map, order history, sites and stages all appear."""
    html = _report()
    for section in ('id="summary"', 'id="map"', 'id="demand"', 'id="sites"', 'id="stages"'):
        assert section in html


def test_report_escapes_text_and_shows_london_time() -> None:
    """User text is escaped; times are shown in Europe/London (BST in July)."""
    html = _report()
    assert "Plan &lt;test&gt;" in html and "SKU &lt;unknown&gt;" in html
    assert "13:00 BST" in html


def test_report_references_nothing_outside_itself() -> None:
    """No scripts, stylesheets, images or fonts from elsewhere."""
    html = _report().replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html and "<link" not in html and "<img" not in html


def test_report_shows_kpis_and_problems() -> None:
    """Stage KPIs and its problem records are listed."""
    html = _report()
    assert "growth_13w_yoy_pct" in html and "12.50" in html
    assert "Problems (1)" in html and "web/42" in html
