"""Tables of plan output: one ``plan_runs`` row per stage, scope and horizon, and its records.

Every output table hangs off ``plan_runs`` with ``ON DELETE CASCADE``, so re-running a stage for the
same horizon deletes the old run and everything it wrote in one statement. Records name master data
and orders by natural key (site code, SKU code, order channel + external id), like the domain's plan
records, so a plan stays readable after master data changes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from microfactory.store.models.base import Base, CodeStr, JsonObject, LongText, Pence, ShortStr


class PlanRunRow(Base):
    """One execution of a planning stage for a scope (brand, site...) over a horizon ``[start, end)``."""

    __tablename__ = "plan_runs"
    __table_args__ = (
        UniqueConstraint("stage", "scope", "horizon_start", "horizon_end"),
        Index(None, "stage", "created_at"),
        # Ids are shown to users (reports, API jobs): SQLite must not reuse the id of a replaced run.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[CodeStr]
    scope: Mapped[LongText]
    horizon_start: Mapped[datetime]
    horizon_end: Mapped[datetime]
    created_at: Mapped[datetime]
    status: Mapped[ShortStr]
    kpis: Mapped[JsonObject]


def _plan_run_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("plan_runs.id", ondelete="CASCADE"))


class ProductionRunRow(Base):
    """A batch of one SKU made at a site."""

    __tablename__ = "production_runs"
    __table_args__ = (UniqueConstraint("plan_run_id", "site", "run_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_run_id: Mapped[int] = _plan_run_fk()
    site: Mapped[CodeStr]
    run_code: Mapped[CodeStr]
    sku: Mapped[CodeStr]
    quantity: Mapped[int]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]


class OperationAssignmentRow(Base):
    """One routing step of a run placed on a resource, with the changeover (minutes) before it."""

    __tablename__ = "operation_assignments"
    __table_args__ = (UniqueConstraint("plan_run_id", "site", "run_code", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_run_id: Mapped[int] = _plan_run_fk()
    site: Mapped[CodeStr]
    run_code: Mapped[CodeStr]
    sequence: Mapped[int]
    resource: Mapped[CodeStr]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    changeover_minutes: Mapped[float]


class DeliveryRouteRow(Base):
    """One vehicle's trip from a site on a day; ``route_code`` is unique within a plan run."""

    __tablename__ = "delivery_routes"
    __table_args__ = (UniqueConstraint("plan_run_id", "route_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_run_id: Mapped[int] = _plan_run_fk()
    site: Mapped[CodeStr]
    route_code: Mapped[CodeStr]
    day: Mapped[date]
    vehicle_type: Mapped[CodeStr]
    distance_km: Mapped[float]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    cost_pence: Mapped[Pence]


class RouteStopRow(Base):
    """A visit on a route serving one order (named by channel and external id)."""

    __tablename__ = "route_stops"
    __table_args__ = (UniqueConstraint("plan_run_id", "route_code", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_run_id: Mapped[int] = _plan_run_fk()
    route_code: Mapped[CodeStr]
    sequence: Mapped[int]
    order_channel: Mapped[CodeStr]
    order_external_id: Mapped[str] = mapped_column(String(120))
    arrival: Mapped[datetime]
    departure: Mapped[datetime]


class StockMoveRow(Base):
    """Units of a SKU moving into, out of or between sites; ``position`` is the order written."""

    __tablename__ = "stock_moves"
    __table_args__ = (UniqueConstraint("plan_run_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_run_id: Mapped[int] = _plan_run_fk()
    position: Mapped[int]
    sku: Mapped[CodeStr]
    quantity: Mapped[int]
    from_site: Mapped[CodeStr | None]
    to_site: Mapped[CodeStr | None]
    at: Mapped[datetime]
    kind: Mapped[ShortStr]


class ProblemRow(Base):
    """Why a demand is late, short or unserved; ``position`` is the order written."""

    __tablename__ = "problems"
    __table_args__ = (UniqueConstraint("plan_run_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_run_id: Mapped[int] = _plan_run_fk()
    position: Mapped[int]
    stage: Mapped[CodeStr]
    kind: Mapped[ShortStr]
    subject_kind: Mapped[CodeStr]
    subject: Mapped[LongText]
    reason: Mapped[LongText]
    severity: Mapped[ShortStr]
    binding_constraint: Mapped[LongText | None]
    quantity: Mapped[float | None]


class WeeklyDemandRow(Base):
    """Orders and units of one SKU family in one zone in one week (Monday, UTC date)."""

    __tablename__ = "weekly_demand"
    __table_args__ = (
        UniqueConstraint(
            "plan_run_id", "brand", "sku_family", "outcode", "week_start", name="uq_weekly_demand_key"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_run_id: Mapped[int] = _plan_run_fk()
    brand: Mapped[CodeStr]
    sku_family: Mapped[CodeStr]
    outcode: Mapped[CodeStr]
    week_start: Mapped[date]
    orders: Mapped[int]
    units: Mapped[int]
