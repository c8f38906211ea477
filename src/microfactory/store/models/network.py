"""Tables of network-design scenarios: one scenario per plan run, with its open sites and zone assignments.

A scenario (``network_scenarios``) belongs to a plan run of stage ``network`` whose scope is
``<brand>/<scenario name>`` (``ON DELETE CASCADE``), so re-running the same scenario for the same brand
and demand window replaces it, sites and zones included. Its problems (zones that cannot be covered and
why) are the plan run's ``problems``. Money in integer pence per week, demand in units per week.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from microfactory.store.models.base import Base, CodeStr, JsonObject, Pence, ShortStr


class NetworkScenarioRow(Base):
    """One solved scenario of one brand: parameters, solver outcome and KPIs."""

    __tablename__ = "network_scenarios"
    __table_args__ = (
        UniqueConstraint("plan_run_id", name="uq_network_scenarios_plan_run_id"),
        Index(None, "brand", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id", ondelete="CASCADE"))
    brand: Mapped[CodeStr]
    name: Mapped[CodeStr]
    parameters: Mapped[JsonObject]
    created_at: Mapped[datetime]
    status: Mapped[ShortStr]
    gap: Mapped[float | None]
    """Relative MIP gap (0.001 = 0.1 %); ``None`` without a design."""
    bound_pence: Mapped[Pence | None]
    objective_pence: Mapped[Pence | None]
    kpis: Mapped[JsonObject]


def _scenario_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("network_scenarios.id", ondelete="CASCADE"))


class NetworkSiteRow(Base):
    """A site opened by a scenario, with the demand at risk and lost if it fails."""

    __tablename__ = "network_sites"
    __table_args__ = (UniqueConstraint("scenario_id", "site", name="uq_network_sites_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = _scenario_fk()
    site: Mapped[CodeStr]
    kind: Mapped[ShortStr]
    fixed_cost_pence: Mapped[Pence]
    zones_served: Mapped[int]
    at_risk_units_per_week: Mapped[float]
    lost_if_down_units_per_week: Mapped[float | None]
    utilisation: Mapped[float]


class NetworkZoneRow(Base):
    """How a scenario serves one zone: primary and backup site, distance, time and units."""

    __tablename__ = "network_zones"
    __table_args__ = (UniqueConstraint("scenario_id", "outcode", name="uq_network_zones_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = _scenario_fk()
    outcode: Mapped[CodeStr]
    primary_site: Mapped[CodeStr | None]
    backup_site: Mapped[CodeStr | None]
    road_km: Mapped[float | None]
    delivery_hours: Mapped[float | None]
    units_per_week: Mapped[float]
    served_share: Mapped[float]
