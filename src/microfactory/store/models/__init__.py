"""ORM models (SQLAlchemy 2 typed declarative), one module per domain area.

``Base.metadata`` holds every table; Alembic migrations in ``microfactory.store.migrations`` are
checked against it by the test suite.
"""

from microfactory.store.models.base import NAMING_CONVENTION, Base
from microfactory.store.models.master import (
    BrandRow,
    CalendarRow,
    ChangeoverRuleRow,
    CustomerRow,
    LabourPoolRow,
    LabourPoolSkillRow,
    ResourceRow,
    ResourceTypeRow,
    RoutingStepResourceTypeRow,
    RoutingStepRow,
    SiteRow,
    SkuFamilyRow,
    SkuRow,
    VehicleTypeRow,
    ZoneRow,
)
from microfactory.store.models.orders import OrderLineRow, OrderRow
from microfactory.store.models.plan import (
    DeliveryRouteRow,
    OperationAssignmentRow,
    PlanRunRow,
    ProblemRow,
    ProductionRunRow,
    RouteStopRow,
    StockMoveRow,
    WeeklyDemandRow,
)

__all__ = [
    "NAMING_CONVENTION",
    "Base",
    "BrandRow",
    "CalendarRow",
    "ChangeoverRuleRow",
    "CustomerRow",
    "DeliveryRouteRow",
    "LabourPoolRow",
    "LabourPoolSkillRow",
    "OperationAssignmentRow",
    "OrderLineRow",
    "OrderRow",
    "PlanRunRow",
    "ProblemRow",
    "ProductionRunRow",
    "ResourceRow",
    "ResourceTypeRow",
    "RouteStopRow",
    "RoutingStepResourceTypeRow",
    "RoutingStepRow",
    "SiteRow",
    "SkuFamilyRow",
    "SkuRow",
    "StockMoveRow",
    "VehicleTypeRow",
    "WeeklyDemandRow",
    "ZoneRow",
]
from microfactory.store.models.fulfilment import OrderEmissionRow, RouteEmissionRow
from microfactory.store.models.network import NetworkScenarioRow, NetworkSiteRow, NetworkZoneRow
from microfactory.store.models.quality import (
    LotAllocationRow,
    LotInputRow,
    LotRow,
    QaAuditRow,
    QaTemplateRow,
)

__all__ += ["LotAllocationRow", "LotInputRow", "LotRow", "QaAuditRow", "QaTemplateRow"]

__all__ += ["OrderEmissionRow", "RouteEmissionRow"]

__all__ += ["NetworkScenarioRow", "NetworkSiteRow", "NetworkZoneRow"]

# Capabilities whose rows are imported from their own module; importing registers their tables.
from microfactory.store.models import api, circular, forecast, inventory  # noqa: E402

__all__ += ["api", "circular", "forecast", "inventory"]
