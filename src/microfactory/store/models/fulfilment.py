"""Tables of delivery emissions: kg CO2e per planned route and per order, with their provenance.

Each row belongs to the plan run of the routes it was computed for (``ON DELETE CASCADE``), so
re-planning a site and day replaces its emissions with its routes. Every figure keeps the boundary
(``ttw``/``wtw``), the method (``per_km``/``per_tonne_km``), the factor set id and year and the source
row ids (``;``-joined DESNZ row ids) it was computed from (ISO 14083:2023 §5.2; docs/emissions.md).
Orders are named by natural key (channel + external id), like route stops.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from microfactory.store.models.base import Base, CodeStr, LongText, ShortStr


class RouteEmissionRow(Base):
    """One route's kg CO2e and tonne-km for one boundary."""

    __tablename__ = "route_emissions"
    __table_args__ = (
        UniqueConstraint("plan_run_id", "route_code", "boundary", name="uq_route_emissions_key"),
        Index(None, "day", "site"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id", ondelete="CASCADE"))
    site: Mapped[CodeStr]
    route_code: Mapped[CodeStr]
    day: Mapped[date]
    vehicle_type: Mapped[CodeStr]
    boundary: Mapped[ShortStr]
    method: Mapped[ShortStr]
    distance_km: Mapped[float]
    tonne_km: Mapped[float]
    kg_co2e: Mapped[float]
    factor_set_id: Mapped[CodeStr]
    factor_year: Mapped[int]
    factor_row_ids: Mapped[LongText]


class OrderEmissionRow(Base):
    """One order's share of one route's kg CO2e (by tonne-km, ISO 14083 §5.6) for one boundary."""

    __tablename__ = "order_emissions"
    __table_args__ = (
        UniqueConstraint(
            "plan_run_id",
            "route_code",
            "order_channel",
            "order_external_id",
            "boundary",
            name="uq_order_emissions_key",
        ),
        Index(None, "day", "site"),
        Index(None, "order_channel", "order_external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id", ondelete="CASCADE"))
    site: Mapped[CodeStr]
    route_code: Mapped[CodeStr]
    day: Mapped[date]
    order_channel: Mapped[CodeStr]
    order_external_id: Mapped[str] = mapped_column(String(120))
    boundary: Mapped[ShortStr]
    method: Mapped[ShortStr]
    tonne_km: Mapped[float]
    kg_co2e: Mapped[float]
    factor_set_id: Mapped[CodeStr]
    factor_year: Mapped[int]
    factor_row_ids: Mapped[LongText]
