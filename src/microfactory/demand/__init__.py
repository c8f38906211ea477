"""Demand: order history aggregated to weekly zone × family series (forecasting builds on these)."""

from microfactory.demand.history import (
    ORDER_LINE_COLUMNS,
    DemandHistory,
    order_lines_from_orders,
    summarise_demand_history,
    week_start_london,
)

__all__ = [
    "ORDER_LINE_COLUMNS",
    "DemandHistory",
    "order_lines_from_orders",
    "summarise_demand_history",
    "week_start_london",
]
