"""Network scenarios: save/load round trip, replacement by name and window, latest per name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microfactory.domain import PlanHorizon, Problem, ProblemKind, Severity
from microfactory.store import (
    NetworkScenarioRecord,
    NetworkSiteRecord,
    NetworkZoneRecord,
    latest_network_scenarios,
    load_network_scenario,
    save_network_scenario,
)
from microfactory.store.models import NetworkScenarioRow, NetworkSiteRow, NetworkZoneRow, PlanRunRow

WINDOW = PlanHorizon(start=datetime(2026, 8, 24, tzinfo=UTC), end=datetime(2026, 11, 23, tzinfo=UTC))


def _record(name: str = "local", cost: int = 6_142_738) -> NetworkScenarioRecord:
    return NetworkScenarioRecord(
        brand="KITCHEN",
        name=name,
        parameters={"weeks": 13, "max_delivery_hours": 8.0},
        status="optimal",
        gap=0.0,
        bound_pence=cost,
        objective_pence=cost,
        kpis={"sites_open": 2, "weekly_cost_pence": cost, "mean_km": 45.7, "feasible": "no"},
        sites=(
            NetworkSiteRecord("KIT-GLA", "microfactory", 440_000, 6, 14.9, 14.9, 0.05),
            NetworkSiteRecord("KIT-LON", "microfactory", 880_000, 23, 87.8, 0.0, 0.1),
        ),
        zones=(
            NetworkZoneRecord("N17", "KIT-LON", "KIT-GLA", 3.5, 0.1, 10.0, 1.0),
            NetworkZoneRecord("ZE2", None, None, None, None, 1.5, 0.0),
        ),
        problems=(
            Problem(
                stage="network",
                kind=ProblemKind.UNSERVED,
                subject_kind="zone",
                subject="ZE2",
                reason="too far",
                severity=Severity.ERROR,
            ),
        ),
    )


def test_round_trip(session: Session) -> None:
    """What is saved is read back: scenario fields, sites, zones (None kept), problems, window."""
    run_id = save_network_scenario(session, _record(), horizon=WINDOW)
    got = load_network_scenario(session, brand="KITCHEN", name="local")
    assert got is not None
    assert got.plan_run_id == run_id
    assert got.horizon == WINDOW
    assert got.kpis["weekly_cost_pence"] == 6_142_738 and got.objective_pence == 6_142_738
    assert got.parameters["weeks"] == 13
    assert [s.site for s in got.sites] == ["KIT-GLA", "KIT-LON"]
    assert got.sites[1].at_risk_units_per_week == 87.8
    zones = {z.outcode: z for z in got.zones}
    assert zones["N17"].backup_site == "KIT-GLA"
    assert zones["ZE2"].primary_site is None and zones["ZE2"].road_km is None
    assert [p.subject for p in got.problems] == ["ZE2"]
    assert load_network_scenario(session, brand="KITCHEN", name="n-1") is None


def test_same_name_and_window_replaces(session: Session) -> None:
    """Saving a name again for the same brand and window leaves one scenario, its sites and zones."""
    save_network_scenario(session, _record(cost=1), horizon=WINDOW)
    save_network_scenario(session, _record(cost=2), horizon=WINDOW)
    assert session.scalar(select(func.count()).select_from(NetworkScenarioRow)) == 1
    assert session.scalar(select(func.count()).select_from(NetworkSiteRow)) == 2
    assert session.scalar(select(func.count()).select_from(NetworkZoneRow)) == 2
    got = load_network_scenario(session, brand="KITCHEN", name="local")
    assert got is not None and got.objective_pence == 2


def test_latest_per_name_and_cascade(session: Session) -> None:
    """latest_network_scenarios gives one per name (the newest window); deleting the run removes all."""
    earlier = PlanHorizon(start=WINDOW.start - timedelta(weeks=1), end=WINDOW.end - timedelta(weeks=1))
    save_network_scenario(session, _record(cost=1), horizon=earlier)
    save_network_scenario(session, _record(cost=2), horizon=WINDOW)
    save_network_scenario(session, _record("centralised", cost=3), horizon=WINDOW)
    latest = latest_network_scenarios(session, brand="KITCHEN")
    assert {(r.name, r.objective_pence) for r in latest} == {("local", 2), ("centralised", 3)}
    for run in session.scalars(select(PlanRunRow)).all():
        session.delete(run)
    session.flush()
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(NetworkSiteRow)) == 0
    assert latest_network_scenarios(session) == []
