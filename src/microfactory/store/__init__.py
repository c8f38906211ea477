"""Storage: SQLAlchemy models, Alembic migrations and typed repositories over SQLite or PostgreSQL.

Typical use at an edge (CLI command, API request)::

    engine = create_engine_for(settings.database_url)
    upgrade(settings.database_url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        counts = upsert_orders(session, orders)

Repository functions take a ``Session`` and never commit; :func:`transaction` does, once, so one
command's writes land together or not at all.
"""

from microfactory.store.db import (
    check_database,
    create_engine_for,
    make_session_factory,
    redact_url,
    transaction,
)
from microfactory.store.frames import (
    UNKNOWN_FAMILY,
    order_counts,
    order_lines_frame,
    weekly_order_counts,
    zone_units,
)
from microfactory.store.master_repository import (
    list_sites,
    list_zones,
    load_master_data,
    save_master_data,
    sort_master_data,
)
from microfactory.store.migrate import current_revision, head_revision, upgrade
from microfactory.store.order_repository import (
    OrderUpsertCounts,
    count_orders,
    load_orders,
    upsert_orders,
)
from microfactory.store.plan_repository import (
    DEMAND_HISTORY_STAGE,
    PlanOutput,
    PlanRunRecord,
    get_plan_run,
    latest_plan_runs,
    load_plan_output,
    load_problems,
    load_weekly_demand,
    save_plan_run,
)
from microfactory.store.types import UtcDateTime

__all__ = [
    "DEMAND_HISTORY_STAGE",
    "UNKNOWN_FAMILY",
    "OrderUpsertCounts",
    "PlanOutput",
    "PlanRunRecord",
    "UtcDateTime",
    "check_database",
    "count_orders",
    "create_engine_for",
    "current_revision",
    "get_plan_run",
    "head_revision",
    "latest_plan_runs",
    "list_sites",
    "list_zones",
    "load_master_data",
    "load_orders",
    "load_plan_output",
    "load_problems",
    "load_weekly_demand",
    "make_session_factory",
    "order_counts",
    "order_lines_frame",
    "redact_url",
    "save_master_data",
    "save_plan_run",
    "sort_master_data",
    "transaction",
    "upgrade",
    "upsert_orders",
    "weekly_order_counts",
    "zone_units",
]

from microfactory.store.fulfilment_repository import (
    EmissionRecords,
    EmissionTotal,
    OrderEmission,
    RouteEmission,
    delivery_day_counts,
    emissions_by_site,
    emissions_by_week,
    find_plan_run_id,
    load_emissions,
    load_window_orders,
    order_emissions,
    order_outcodes,
    save_emissions,
)
from microfactory.store.lot_release import release_decisions, release_lot, release_lots
from microfactory.store.lot_repository import (
    allocate_lot_to_order,
    allocate_lot_to_transfer,
    allocate_lots,
    create_lots,
    get_lot,
    link_lot_inputs,
    list_lots,
)
from microfactory.store.network_repository import (
    NETWORK_STAGE,
    NetworkScenarioRecord,
    NetworkSiteRecord,
    NetworkZoneRecord,
    latest_network_scenarios,
    load_network_scenario,
    network_scope,
    save_network_scenario,
    save_network_scenarios,
)
from microfactory.store.qa_records import (
    RecordedChecks,
    audit_entries,
    correct_entry,
    hold_lot,
    record_checks,
    record_deviation,
)
from microfactory.store.quality_reads import (
    delivered_lines,
    lot_states,
    measurement_observations,
    quality_counts,
)
from microfactory.store.quality_templates import load_templates, save_templates
from microfactory.store.traceability import recall, trace_backward, trace_forward

__all__ += [
    "RecordedChecks",
    "allocate_lot_to_order",
    "allocate_lot_to_transfer",
    "allocate_lots",
    "audit_entries",
    "correct_entry",
    "create_lots",
    "delivered_lines",
    "get_lot",
    "hold_lot",
    "link_lot_inputs",
    "list_lots",
    "load_templates",
    "lot_states",
    "measurement_observations",
    "quality_counts",
    "recall",
    "record_checks",
    "record_deviation",
    "release_decisions",
    "release_lot",
    "release_lots",
    "save_templates",
    "trace_backward",
    "trace_forward",
]

__all__ += [
    "EmissionRecords",
    "EmissionTotal",
    "OrderEmission",
    "RouteEmission",
    "delivery_day_counts",
    "emissions_by_site",
    "emissions_by_week",
    "find_plan_run_id",
    "load_emissions",
    "load_window_orders",
    "order_emissions",
    "order_outcodes",
    "save_emissions",
]

__all__ += [
    "NETWORK_STAGE",
    "NetworkScenarioRecord",
    "NetworkSiteRecord",
    "NetworkZoneRecord",
    "latest_network_scenarios",
    "load_network_scenario",
    "network_scope",
    "save_network_scenario",
    "save_network_scenarios",
]
