"""Hub stocking engine: lead-time demand distributions, stocking policies, replays and transfers.

Pure: typed inputs in, typed results out; no database, web or file access. Method and formulas:
``docs/inventory.md``.
"""

from microfactory.fulfilment.inventory.distribution import (
    DemandDistribution,
    bootstrap_sums,
    nested_bootstrap_sums,
)
from microfactory.fulfilment.inventory.forecast import (
    ForecastDemand,
    convolve,
    lead_time_distribution,
    thin,
)
from microfactory.fulfilment.inventory.hub import (
    HubItem,
    HubOutcome,
    HubProblem,
    ItemPolicy,
    PlannedTransfer,
    ReviewDay,
    choose_policies,
    plan_transfers,
    replay_history,
    sample_demand,
    simulate_hub,
)
from microfactory.fulfilment.inventory.leadtime import (
    ReplenishmentCycle,
    replenishment_cycles,
    weekly_lead_times,
)
from microfactory.fulfilment.inventory.policy import (
    CycleDemand,
    DemandClass,
    Levels,
    PolicyKind,
    allocate_mean_fill_rate,
    carry_over_level,
    classify_demand,
    critical_ratio,
    fill_rate_curve,
    min_max_fill_rate,
    min_max_for_fill_rate,
    newsvendor_quantity,
    normal_levels,
    order_quantity,
    order_up_to_for_cycle_service,
    order_up_to_for_fill_rate,
    round_order,
    z_for,
)
from microfactory.fulfilment.inventory.simulate import (
    SimulationInput,
    SimulationResult,
    simulate,
    simulate_base_stock_batch,
)

__all__ = [
    "CycleDemand",
    "DemandClass",
    "DemandDistribution",
    "ForecastDemand",
    "HubItem",
    "HubOutcome",
    "HubProblem",
    "ItemPolicy",
    "Levels",
    "PlannedTransfer",
    "PolicyKind",
    "ReplenishmentCycle",
    "ReviewDay",
    "SimulationInput",
    "SimulationResult",
    "allocate_mean_fill_rate",
    "bootstrap_sums",
    "carry_over_level",
    "choose_policies",
    "classify_demand",
    "convolve",
    "critical_ratio",
    "fill_rate_curve",
    "lead_time_distribution",
    "min_max_fill_rate",
    "min_max_for_fill_rate",
    "nested_bootstrap_sums",
    "newsvendor_quantity",
    "normal_levels",
    "order_quantity",
    "order_up_to_for_cycle_service",
    "order_up_to_for_fill_rate",
    "plan_transfers",
    "replay_history",
    "replenishment_cycles",
    "round_order",
    "sample_demand",
    "simulate",
    "simulate_base_stock_batch",
    "simulate_hub",
    "thin",
    "weekly_lead_times",
    "z_for",
]
