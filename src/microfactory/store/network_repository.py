"""Save and read network-design scenarios: parameters, outcome, KPIs, open sites and zone assignments.

Each scenario is one plan run of stage :data:`NETWORK_STAGE` with scope ``<brand>/<name>`` over the
demand window it was designed for; its problems (zones that cannot be covered and why) are the plan
run's problems. Saving the same scenario name for the same brand and window replaces the old one (the
plan run is deleted, and its scenario, sites and zones with it by ``ON DELETE CASCADE``). Readers take
the most recently created scenario of a name. Functions never commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from microfactory.domain import PlanHorizon, Problem
from microfactory.store import _sql
from microfactory.store.models import NetworkScenarioRow, NetworkSiteRow, NetworkZoneRow, PlanRunRow
from microfactory.store.plan_repository import _json_kpis, load_problems, save_plan_run

NETWORK_STAGE = "network"
"""Stage name of network-design plan runs."""


@dataclass(frozen=True, slots=True)
class NetworkSiteRecord:
    """An open site of a scenario: what it serves (the demand at risk) and what is lost if it fails."""

    site: str
    kind: str
    fixed_cost_pence: int
    zones_served: int
    at_risk_units_per_week: float
    lost_if_down_units_per_week: float | None
    utilisation: float


@dataclass(frozen=True, slots=True)
class NetworkZoneRecord:
    """How a scenario serves one zone (``primary_site`` ``None``: not served)."""

    outcode: str
    primary_site: str | None
    backup_site: str | None
    road_km: float | None
    delivery_hours: float | None
    units_per_week: float
    served_share: float


@dataclass(frozen=True, slots=True)
class NetworkScenarioRecord:
    """A stored (or to-be-stored) scenario; ``plan_run_id``, ``created_at``, ``horizon`` are set on read."""

    brand: str
    name: str
    parameters: Mapping[str, Any]
    status: str
    gap: float | None
    bound_pence: int | None
    objective_pence: int | None
    kpis: Mapping[str, float | int | str]
    sites: tuple[NetworkSiteRecord, ...] = ()
    zones: tuple[NetworkZoneRecord, ...] = ()
    problems: tuple[Problem, ...] = ()
    plan_run_id: int | None = None
    created_at: datetime | None = None
    horizon: PlanHorizon | None = field(default=None)


def network_scope(brand: str, name: str) -> str:
    """Plan-run scope of scenario ``name`` of ``brand``."""
    return f"{brand}/{name}"


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def save_network_scenario(session: Session, record: NetworkScenarioRecord, *, horizon: PlanHorizon) -> int:
    """Store a scenario with its sites, zones and problems, replacing the same name, brand and window.

    Returns the new plan run's id. Raises ``ValueError`` for a KPI that is not a finite number or a
    string, and ``sqlalchemy.exc.IntegrityError`` for a repeated site or outcode.
    """
    kpis = _json_kpis(record.kpis)
    run_id = save_plan_run(
        session,
        stage=NETWORK_STAGE,
        scope=network_scope(record.brand, record.name),
        horizon=horizon,
        kpis=kpis,
        problems=record.problems,
        status=record.status,
    )
    row = NetworkScenarioRow(
        plan_run_id=run_id,
        brand=record.brand,
        name=record.name,
        parameters=dict(record.parameters),
        created_at=session.get_one(PlanRunRow, run_id).created_at,
        status=record.status,
        gap=record.gap,
        bound_pence=record.bound_pence,
        objective_pence=record.objective_pence,
        kpis=kpis,
    )
    session.add(row)
    session.flush()
    scenario_id = row.id
    _sql.bulk_insert(
        session,
        _table(NetworkSiteRow),
        [{"scenario_id": scenario_id, **_site_values(s)} for s in record.sites],
    )
    _sql.bulk_insert(
        session,
        _table(NetworkZoneRow),
        [{"scenario_id": scenario_id, **_zone_values(z)} for z in record.zones],
    )
    return run_id


def _site_values(s: NetworkSiteRecord) -> dict[str, Any]:
    return {name: getattr(s, name) for name in NetworkSiteRecord.__slots__}


def _zone_values(z: NetworkZoneRecord) -> dict[str, Any]:
    return {name: getattr(z, name) for name in NetworkZoneRecord.__slots__}


def _record(session: Session, row: NetworkScenarioRow, run: PlanRunRow) -> NetworkScenarioRecord:
    sites_t, zones_t = _table(NetworkSiteRow), _table(NetworkZoneRow)
    sites = session.execute(
        select(sites_t).where(sites_t.c.scenario_id == row.id).order_by(sites_t.c.site)
    ).mappings()
    zones = session.execute(
        select(zones_t).where(zones_t.c.scenario_id == row.id).order_by(zones_t.c.outcode)
    ).mappings()
    return NetworkScenarioRecord(
        brand=row.brand,
        name=row.name,
        parameters=dict(row.parameters),
        status=row.status,
        gap=row.gap,
        bound_pence=row.bound_pence,
        objective_pence=row.objective_pence,
        kpis=dict(row.kpis),
        sites=tuple(NetworkSiteRecord(**{k: s[k] for k in NetworkSiteRecord.__slots__}) for s in sites),
        zones=tuple(NetworkZoneRecord(**{k: z[k] for k in NetworkZoneRecord.__slots__}) for z in zones),
        problems=tuple(load_problems(session, run.id)),
        plan_run_id=run.id,
        created_at=row.created_at,
        horizon=PlanHorizon(start=run.horizon_start, end=run.horizon_end),
    )


def load_network_scenario(session: Session, *, brand: str, name: str) -> NetworkScenarioRecord | None:
    """The most recently stored scenario ``name`` of ``brand`` (any window), or ``None``."""
    stmt = (
        select(NetworkScenarioRow, PlanRunRow)
        .join(PlanRunRow, PlanRunRow.id == NetworkScenarioRow.plan_run_id)
        .where(NetworkScenarioRow.brand == brand, NetworkScenarioRow.name == name)
        .order_by(NetworkScenarioRow.created_at.desc(), NetworkScenarioRow.id.desc())
        .limit(1)
    )
    found = session.execute(stmt).first()
    return _record(session, found[0], found[1]) if found is not None else None


def latest_network_scenarios(session: Session, *, brand: str | None = None) -> list[NetworkScenarioRecord]:
    """The most recent scenario of every (brand, name), ordered by brand then creation."""
    stmt = select(NetworkScenarioRow, PlanRunRow).join(
        PlanRunRow, PlanRunRow.id == NetworkScenarioRow.plan_run_id
    )
    if brand is not None:
        stmt = stmt.where(NetworkScenarioRow.brand == brand)
    stmt = stmt.order_by(NetworkScenarioRow.created_at.desc(), NetworkScenarioRow.id.desc())
    latest: dict[tuple[str, str], tuple[NetworkScenarioRow, PlanRunRow]] = {}
    for scenario, run in session.execute(stmt).all():
        latest.setdefault((scenario.brand, scenario.name), (scenario, run))
    ordered = sorted(latest.values(), key=lambda pair: (pair[0].brand, pair[0].created_at, pair[0].id))
    return [_record(session, scenario, run) for scenario, run in ordered]


def save_network_scenarios(
    session: Session, records: Sequence[NetworkScenarioRecord], *, horizon: PlanHorizon
) -> list[int]:
    """Store several scenarios over one window (see :func:`save_network_scenario`); their plan run ids."""
    return [save_network_scenario(session, r, horizon=horizon) for r in records]
