"""Plain typed models of the planning world: no I/O, validated on construction, immutable.

The vocabulary follows mature planners (frePPLe): brand, site (location), resource, calendar,
SKU with routing (operation), zone, customer, order (demand), vehicle type, and plan records.
"""

from microfactory.domain.base import Code, DomainModel, UtcDatetime, ensure_aware_utc
from microfactory.domain.calendar import Calendar, Closure, ReleaseSlot, Shift, Weekday
from microfactory.domain.fleet import VehicleType
from microfactory.domain.geo import GeoPoint, great_circle_km
from microfactory.domain.master import MasterData
from microfactory.domain.order import (
    DeliveryWindow,
    FulfilmentKind,
    Order,
    OrderLine,
    OrderStatus,
)
from microfactory.domain.plan import (
    DeliveryRoute,
    OperationAssignment,
    PlanHorizon,
    Problem,
    ProblemKind,
    ProductionRun,
    RouteStop,
    Severity,
    StockMove,
    StockMoveKind,
    WeeklyDemand,
)
from microfactory.domain.product import ChangeoverRule, MakePolicy, RoutingStep, Sku, SkuFamily
from microfactory.domain.site import (
    Brand,
    LabourPool,
    Resource,
    ResourceKind,
    ResourceType,
    Sector,
    Site,
    SiteKind,
    SiteStatus,
)
from microfactory.domain.zone import Customer, CustomerKind, Zone, postcode_area

__all__ = [
    "Brand",
    "Calendar",
    "ChangeoverRule",
    "Closure",
    "Code",
    "Customer",
    "CustomerKind",
    "DeliveryRoute",
    "DeliveryWindow",
    "DomainModel",
    "FulfilmentKind",
    "GeoPoint",
    "LabourPool",
    "MakePolicy",
    "MasterData",
    "OperationAssignment",
    "Order",
    "OrderLine",
    "OrderStatus",
    "PlanHorizon",
    "Problem",
    "ProblemKind",
    "ProductionRun",
    "ReleaseSlot",
    "Resource",
    "ResourceKind",
    "ResourceType",
    "RouteStop",
    "RoutingStep",
    "Sector",
    "Severity",
    "Shift",
    "Site",
    "SiteKind",
    "SiteStatus",
    "Sku",
    "SkuFamily",
    "StockMove",
    "StockMoveKind",
    "UtcDatetime",
    "VehicleType",
    "Weekday",
    "WeeklyDemand",
    "Zone",
    "ensure_aware_utc",
    "great_circle_km",
    "postcode_area",
]

from microfactory.domain.quality import (
    Aggregate,
    AuditAction,
    AuditEntry,
    CheckDefinition,
    CheckEntry,
    CheckKind,
    ChecklistTemplate,
    CheckOutcome,
    Deviation,
    HaccpPlan,
    HaccpStep,
    HazardKind,
    Limits,
    Lot,
    LotInput,
    LotKind,
    LotStatus,
    SeriesPoint,
    Unit,
)

__all__ += [
    "Aggregate",
    "AuditAction",
    "AuditEntry",
    "CheckDefinition",
    "CheckEntry",
    "CheckKind",
    "CheckOutcome",
    "ChecklistTemplate",
    "Deviation",
    "HaccpPlan",
    "HaccpStep",
    "HazardKind",
    "Limits",
    "Lot",
    "LotInput",
    "LotKind",
    "LotStatus",
    "SeriesPoint",
    "Unit",
]
