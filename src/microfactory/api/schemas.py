"""Request and response bodies of the HTTP API that are not domain models.

Domain models (orders, sites, production runs, routes, lots...) are used as they are; these are the
envelopes and the shapes of stored records that the repositories return as dataclasses or rows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from microfactory.domain import Order
from microfactory.domain.plan import DeliveryRoute, OperationAssignment, ProductionRun, RouteStop
from microfactory.domain.plan import Problem as PlanProblem
from microfactory.store.api_repository import JobStatus, Role

ORDER_EXAMPLE: dict[str, Any] = {
    "channel": "web",
    "external_id": "W-100234",
    "brand": "KITCHEN",
    "customer": None,
    "outcode": "SW1A",
    "created_at": "2026-11-02T10:15:00Z",
    "window": {"start": "2026-11-20T08:00:00Z", "end": "2026-11-20T12:00:00Z"},
    "status": "open",
    "fulfilment": "delivery",
    "site": None,
    "lines": [{"line_no": 1, "sku": "KIT-BASE-600", "quantity": 2, "unit_price_pence": 18900}],
}


class LoginRequest(BaseModel):
    """A username and password."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"username": "alice", "password": "s3cret-pass"}]}
    )
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


class TokenResponse(BaseModel):
    """A session token: send as ``Authorization: Bearer <access_token>`` (the dashboard uses the cookie)."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the session ends.")


class Me(BaseModel):
    """Who is calling."""

    username: str
    role: Role
    site: str | None
    via: str


class UserIn(BaseModel):
    """A new user."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"username": "op-lon", "role": "site_operator", "site": "KIT-LON"}]}
    )
    username: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-@]*$")
    role: Role
    password: str | None = Field(default=None, min_length=8, max_length=200)
    site: str | None = Field(default=None, max_length=80)


class UserOut(BaseModel):
    """A user (never the password hash)."""

    username: str
    role: str
    site: str | None
    active: bool
    created_at: datetime


class KeyOut(BaseModel):
    """A newly issued API key: shown once, stored only as a digest."""

    username: str
    api_key: str


class AuditOut(BaseModel):
    """One audited write."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    method: str
    path: str
    detail: dict[str, Any]


class BrandOut(BaseModel):
    """A brand."""

    code: str
    name: str
    sector: str


class SkuOut(BaseModel):
    """A SKU with its family and brand."""

    code: str
    name: str
    family: str
    brand: str
    unit_mass_kg: float
    unit_volume_m3: float
    shelf_life_hours: float | None
    make_policy: str
    unit_price_pence: int
    min_batch_units: int
    max_batch_units: int


class ResourceOut(BaseModel):
    """A machine or workstation at a site."""

    site: str
    code: str
    resource_type: str
    kind: str
    count: int
    calendar: str


class CalendarOut(BaseModel):
    """A calendar as stored: shifts, closures and release slots."""

    code: str
    timezone: str
    shifts: list[Any]
    closures: list[Any]
    release_slots: list[Any]


class ZoneOut(BaseModel):
    """A delivery zone (postcode outcode)."""

    outcode: str
    area: str
    lat: float
    lon: float
    delivery_points: int


class OrderBatch(BaseModel):
    """Orders to upsert in one transaction (all or nothing)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"orders": [ORDER_EXAMPLE]}]})
    orders: list[Order] = Field(min_length=1, max_length=50_000)


class UpsertResult(BaseModel):
    """What an order upsert did."""

    inserted: int
    updated: int
    unchanged: int
    skus_created: int = 0


class PlanRunOut(BaseModel):
    """A stored plan run."""

    id: int
    stage: str
    scope: str
    horizon_start: datetime
    horizon_end: datetime
    created_at: datetime
    status: str
    kpis: dict[str, Any]
    problem_count: int


class ScheduleOut(BaseModel):
    """One stored schedule (a plan run of stage ``schedule``): runs, operations, problems, late runs."""

    run: PlanRunOut
    production_runs: list[ProductionRun]
    operations: list[OperationAssignment]
    problems: list[PlanProblem]
    late_runs: list[str]


class RoutePlanOut(BaseModel):
    """One stored routing plan run: its routes and stops."""

    run: PlanRunOut
    routes: list[DeliveryRoute]
    stops: list[RouteStop]
    problems: list[PlanProblem]


class RouteDayOut(BaseModel):
    """Routes of one site on one day in one plan run."""

    plan_run_id: int
    site: str
    day: date
    routes: int
    distance_km: float
    cost_pence: int


class EmissionTotalOut(BaseModel):
    """A sum of route emissions with its provenance."""

    site: str | None
    week_start: date | None
    boundary: str
    routes: int
    distance_km: float
    tonne_km: float
    kg_co2e: float
    g_co2e_per_tonne_km: float | None
    methods: list[str]
    factor_sets: list[str]


class NetworkSiteOut(BaseModel):
    """An open site of a scenario."""

    site: str
    kind: str
    fixed_cost_pence: int
    zones_served: int
    at_risk_units_per_week: float
    lost_if_down_units_per_week: float | None
    utilisation: float


class NetworkZoneOut(BaseModel):
    """How a scenario serves one zone."""

    outcode: str
    primary_site: str | None
    backup_site: str | None
    road_km: float | None
    delivery_hours: float | None
    units_per_week: float
    served_share: float


class ScenarioOut(BaseModel):
    """A stored network scenario; ``zones`` only on the single-scenario read."""

    brand: str
    name: str
    plan_run_id: int | None
    created_at: datetime | None
    status: str
    gap: float | None
    objective_pence: int | None
    bound_pence: int | None
    parameters: dict[str, Any]
    kpis: dict[str, Any]
    sites: list[NetworkSiteOut]
    zones: list[NetworkZoneOut] = Field(default_factory=list)
    problems: list[PlanProblem] = Field(default_factory=list)


class ScenarioRequest(BaseModel):
    """A network scenario to solve as a job."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"brand": "KITCHEN", "scenario": "local", "seconds": 10}]}
    )
    brand: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-/+&]*$")
    scenario: str = Field(
        default="local", min_length=1, max_length=120, description="centralised, local, n-1 or site_down=CODE"
    )
    seconds: float = Field(default=10.0, gt=0, le=600, description="Solver time limit.")
    max_hours: float | None = Field(default=None, gt=0, le=168)


class ScheduleRequest(BaseModel):
    """A site week to re-schedule as a job."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"site": "KIT-LON", "week_start": "2026-11-16", "seconds": 10}]}
    )
    site: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-/+&]*$")
    week_start: date = Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))
    seconds: float = Field(default=10.0, gt=0, le=600)
    rule: Literal["firm", "replay"] = Field(
        default="firm", description="firm: the week's open orders; replay: the week before, shifted a week"
    )


class JobOut(BaseModel):
    """A background job: state, progress (0–1), message, result or error."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    params: dict[str, Any]
    status: JobStatus
    progress: float
    message: str
    result: dict[str, Any] | None
    error: str | None
    cancel_requested: bool
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class LotOut(BaseModel):
    """A lot and its QA status."""

    code: str
    site: str
    run_code: str
    sku: str
    sequence: int
    kind: str
    quantity: int
    produced_at: datetime
    status: str
    template_code: str | None
    template_version: int | None


class DecisionOut(BaseModel):
    """Whether a lot may be released, and what stands in the way."""

    lot: str
    releasable: bool
    missing: list[str]
    failed: list[str]
    needs_deviation: list[str]
    covered: list[str]
    explanation: str


class LotDetailOut(BaseModel):
    """A lot, its release decision and its QA audit trail."""

    lot: LotOut
    decision: DecisionOut
    audit: list[dict[str, Any]]


class DeviationIn(BaseModel):
    """A deviation: what went wrong, the corrective action and who approved going ahead."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "checks": ["core_temp"],
                    "description": "probe read 71.6 C, 0.4 below limit",
                    "corrective_action": "re-heated and re-probed at 75.2 C",
                    "approved_by": "QA lead",
                }
            ]
        }
    )
    checks: list[str] = Field(min_length=1, max_length=50)
    description: str = Field(min_length=1, max_length=2000)
    corrective_action: str = Field(min_length=1, max_length=2000)
    approved_by: str = Field(min_length=1, max_length=200)


class HoldIn(BaseModel):
    """Why a lot is put on hold."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "customer complaint: warped panel"}]}
    )
    reason: str = Field(min_length=1, max_length=2000)


class ActionResult(BaseModel):
    """The outcome of a QA action."""

    lot: str
    status: str
    message: str
