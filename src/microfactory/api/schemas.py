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


# --- hub stock -----------------------------------------------------------------------------------------


class HubOut(BaseModel):
    """A hub with its latest inventory plan run and the stock on hand now."""

    hub: str
    source_site: str | None
    plan_run_id: int | None
    horizon_start: datetime | None
    horizon_end: datetime | None
    planned_at: datetime | None
    skus: int
    lots_on_hand: int
    units_on_hand: int
    stock_value_pence: int
    transfers: int


class StockLotOut(BaseModel):
    """Units of one lot on hand at a hub (``expires_at`` is the end of its shelf life)."""

    hub: str
    sku: str
    lot_code: str
    quantity: int
    received_at: datetime
    expires_at: datetime | None
    unit_cost_pence: int
    value_pence: int


class StockMoveOut(BaseModel):
    """One recorded change of a lot (signed units) and the lot's balance after it."""

    id: int
    hub: str
    sku: str
    lot_code: str
    kind: str
    quantity: int
    balance_after: int
    at: datetime
    reference: str | None


class PolicyOut(BaseModel):
    """A stored stocking rule of a hub × SKU on one review weekday (0 = Monday)."""

    hub: str
    sku: str
    weekday: int
    kind: str
    demand_class: str
    reorder_point: int
    order_up_to: int
    minimum_order: int
    pack_size: int
    lead_days: int
    protection_days: int
    target: float
    expected_fill_rate: float | None
    mean_daily_units: float
    distribution: str


class TransferOut(BaseModel):
    """A stored transfer order from a producing site to a hub, with its share of the trip's kg CO2e."""

    code: str
    from_site: str
    to_hub: str
    sku: str
    quantity: int
    dispatch_at: datetime
    arrive_at: datetime
    trip_code: str
    distance_km: float
    mass_kg: float
    kg_co2e: float


class PolicyKpisOut(BaseModel):
    """A hub's replay of the last weeks under one policy family (``auto``: the chosen policies;
    ``normal``: the textbook normal baseline)."""

    policy: str
    fill_rate: float | None = Field(description="Units sold ÷ units demanded over the replay (0–1).")
    waste_pct: float | None = Field(description="Units written off ÷ units received, in %.")
    waste_units: int | None
    avg_stock_value_pence: int | None
    stockout_sku_days: int | None
    demand_units: int | None
    transfers: int | None
    kg_co2e: float | None


class HubKpisOut(BaseModel):
    """The latest inventory KPIs of one hub: the replay per policy, the plan's week, stock value now."""

    hub: str
    source_site: str | None
    plan_run_id: int
    planned_at: datetime
    replay_days: int | None
    fill_rate_target: float | None
    stock_value_pence: int
    units_on_hand: int
    policies: list[PolicyKpisOut]
    kpis: dict[str, float | int | str]


# --- second life ---------------------------------------------------------------------------------------


class SecondLifeItemOut(BaseModel):
    """A second-life item with its current status (a copy of what its history says)."""

    item: str
    kind: str
    source: str
    site: str
    received_at: datetime
    mass_kg: float
    material: str
    new_value_pence: int
    make: str | None
    model: str | None
    status: str
    grade: str | None
    channel: str | None
    disposed_at: datetime | None


class ItemEventOut(BaseModel):
    """One entry of an item's append-only history."""

    sequence: int
    kind: str
    at: datetime
    actor: str
    summary: str
    detail: dict[str, Any]


class SecondLifeItemDetailOut(BaseModel):
    """An item, its current state and its full history (oldest first)."""

    item: SecondLifeItemOut
    note: str
    refurbished_minutes: int
    parts_pence: int
    value_recovered_pence: int | None
    history: list[ItemEventOut]


ITEM_EXAMPLE: dict[str, Any] = {
    "item": "SN-OV-2231-7781",
    "kind": "appliance",
    "source": "showroom_demo",
    "site": "KIT-LON",
    "received_at": "2026-11-02T10:15:00Z",
    "mass_kg": 38.5,
    "material": "appliance_large",
    "new_value_pence": 64900,
    "make": "Neff",
    "model": "B57CR22N0B",
    "manufacture_year": 2024,
    "origin": "showroom",
}


class GradeIn(BaseModel):
    """A grade and the reason for it; ``graded_at`` defaults to now, the grader is the caller."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"grade": "B", "reason": "light scratches on the door, works"}]}
    )
    grade: Literal["A", "B", "C", "scrap"]
    reason: str = Field(min_length=1, max_length=2000)
    graded_at: datetime | None = None


class PartIn(BaseModel):
    """A part fitted during refurbishment."""

    name: str = Field(min_length=1, max_length=200)
    cost_pence: int = Field(ge=0, le=10_000_000)
    quantity: int = Field(default=1, ge=1, le=1000)


class RefurbishIn(BaseModel):
    """One refurbishment task; ``done_at`` defaults to now, the technician is the caller."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"task": "replace door seal", "minutes": 25, "parts": []}]}
    )
    task: str = Field(min_length=1, max_length=200)
    minutes: int = Field(gt=0, le=10_000)
    parts: list[PartIn] = Field(default_factory=list, max_length=50)
    done_at: datetime | None = None


class DisposeIn(BaseModel):
    """Where an item goes; ``disposed_at`` defaults to now. Recycling needs ``material_stream``."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"channel": "resell", "value_recovered_pence": 32000}]}
    )
    channel: Literal["resell", "reuse", "donate", "recycle", "landfill"]
    value_recovered_pence: int = Field(ge=0, le=10_000_000_000)
    disposed_at: datetime | None = None
    material_stream: str | None = Field(default=None, min_length=1, max_length=80)
    cost_pence: int = Field(default=0, ge=0, le=10_000_000_000)
    recipient: str = Field(default="", max_length=200)


class ItemActionOut(BaseModel):
    """The outcome of a second-life write: the event appended and the item's status after it."""

    item: str
    status: str
    event: ItemEventOut


class KpiDefinition(BaseModel):
    """What one KPI means."""

    name: str
    value: float | int | None
    unit: str
    definition: str


class Co2eSourceOut(BaseModel):
    """Where the embodied-carbon factors behind ``kg_co2e_avoided`` come from."""

    source: str
    unverified: bool
    materials: dict[str, str] = Field(description="Material code → citation of its factor.")


class SecondLifeKpisOut(BaseModel):
    """Second-life KPIs of a cohort (items taken in within the scope), with definitions and sources."""

    site: str | None
    received_from: datetime | None
    received_to: datetime | None
    kpis: list[KpiDefinition]
    grades: dict[str, int]
    channels: dict[str, int]
    kg_co2e_avoided_by_material: dict[str, float]
    co2e_source: Co2eSourceOut
