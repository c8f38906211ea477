"""Plan records: what the engines decide, mirroring the master data.

Production runs and their operation assignments, delivery routes and stops, stock moves, and problem
records that say why a demand is late, short or cannot be served. All times are aware UTC.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field, model_validator

from microfactory.domain.base import Code, DomainModel, UtcDatetime
from microfactory.domain.zone import Outcode


class PlanHorizon(DomainModel):
    """The period a plan covers, ``[start, end)``."""

    start: UtcDatetime
    end: UtcDatetime

    @model_validator(mode="after")
    def _ordered(self) -> PlanHorizon:
        if self.end <= self.start:
            raise ValueError(f"horizon end ({self.end.isoformat()}) is not after its start")
        return self

    @property
    def days(self) -> float:
        """Length of the horizon in days."""
        return (self.end - self.start).total_seconds() / 86400.0


class ProductionRun(DomainModel):
    """A batch of one SKU made at a site; its operations are :class:`OperationAssignment`."""

    site: Code
    run_code: Code
    sku: Code
    quantity: int = Field(ge=1)
    start: UtcDatetime
    end: UtcDatetime

    @model_validator(mode="after")
    def _ordered(self) -> ProductionRun:
        if self.end < self.start:
            raise ValueError("production run ends before it starts")
        return self


class OperationAssignment(DomainModel):
    """One routing step of a run placed on a resource, with the changeover before it."""

    site: Code
    run_code: Code
    sequence: int = Field(ge=1)
    resource: Code
    start: UtcDatetime
    end: UtcDatetime
    changeover_minutes: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> OperationAssignment:
        if self.end < self.start:
            raise ValueError("operation ends before it starts")
        return self


class DeliveryRoute(DomainModel):
    """One vehicle's trip from a site on a day."""

    site: Code
    route_code: Code
    day: date
    vehicle_type: Code
    distance_km: float = Field(ge=0)
    start: UtcDatetime
    end: UtcDatetime
    cost_pence: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> DeliveryRoute:
        if self.end < self.start:
            raise ValueError("route ends before it starts")
        return self


class RouteStop(DomainModel):
    """A visit on a route, serving one order."""

    route_code: Code
    sequence: int = Field(ge=1)
    order_channel: Code
    order_external_id: str = Field(min_length=1)
    arrival: UtcDatetime
    departure: UtcDatetime

    @model_validator(mode="after")
    def _ordered(self) -> RouteStop:
        if self.departure < self.arrival:
            raise ValueError("departure is before arrival")
        return self


class StockMoveKind(StrEnum):
    """Why stock moved."""

    PRODUCTION = "production"
    TRANSFER = "transfer"
    SALE = "sale"
    WRITE_OFF = "write_off"
    ADJUSTMENT = "adjustment"


class StockMove(DomainModel):
    """Units of a SKU moving into, out of or between sites."""

    sku: Code
    quantity: int = Field(ge=1)
    from_site: Code | None = None
    to_site: Code | None = None
    at: UtcDatetime
    kind: StockMoveKind

    @model_validator(mode="after")
    def _has_end(self) -> StockMove:
        if self.from_site is None and self.to_site is None:
            raise ValueError("a stock move needs a from_site, a to_site, or both")
        return self


class ProblemKind(StrEnum):
    """The class of a planning problem."""

    LATE = "late"
    SHORT = "short"
    UNSERVED = "unserved"
    INFEASIBLE = "infeasible"
    OVERLOAD = "overload"
    DATA = "data"


class Severity(StrEnum):
    """How much a problem matters."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class Problem(DomainModel):
    """Why a demand is late, short or not served: what, where and the binding cause."""

    stage: Code
    kind: ProblemKind
    subject_kind: Code
    """What the problem is about: ``order``, ``zone``, ``resource``, ``site``, ``sku``."""
    subject: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    severity: Severity = Severity.WARNING
    binding_constraint: str | None = None
    """E.g. ``capacity:LON-MF/powder_coat 2026-11-24``, ``release_slot``, ``freshness``."""
    quantity: float | None = None


class WeeklyDemand(DomainModel):
    """Orders and units of one SKU family in one zone in one week (Monday-based, Europe/London).

    The demand-history stage writes these; forecasting and network design read them.
    """

    brand: Code
    sku_family: Code
    outcode: Outcode
    week_start: date
    orders: int = Field(ge=0)
    units: int = Field(ge=0)

    @model_validator(mode="after")
    def _monday(self) -> WeeklyDemand:
        if self.week_start.weekday() != 0:
            raise ValueError(f"week_start {self.week_start.isoformat()} is not a Monday")
        return self
