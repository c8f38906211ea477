"""Fulfilment engines: delivery routing per site and day (PyVRP), and the central-versus-local comparison.

Pure engines: typed immutable problems in, typed results out; no database, web or file access.
"""

from microfactory.fulfilment.distances import (
    clear_distance_cache,
    great_circle_matrix_km,
    road_distance_matrix_km,
)
from microfactory.fulfilment.routing import SolveLimits, solve
from microfactory.fulfilment.routing_checks import check_routes
from microfactory.fulfilment.routing_compare import (
    CentralLocalComparison,
    ScenarioOutcome,
    TrunkHaul,
    compare_central_local,
)
from microfactory.fulfilment.routing_orders import OrderRoutingOptions, problem_from_orders
from microfactory.fulfilment.routing_plane import plane_problem, problem_from_vrplib
from microfactory.fulfilment.routing_problem import (
    Delivery,
    PlanePoint,
    RoutingDepot,
    RoutingProblem,
    RoutingVehicleType,
)
from microfactory.fulfilment.routing_result import (
    PlannedRoute,
    RoutingResult,
    ScheduledStop,
    UnservedDelivery,
)

__all__ = [
    "CentralLocalComparison",
    "Delivery",
    "OrderRoutingOptions",
    "PlanePoint",
    "PlannedRoute",
    "RoutingDepot",
    "RoutingProblem",
    "RoutingResult",
    "RoutingVehicleType",
    "ScenarioOutcome",
    "ScheduledStop",
    "SolveLimits",
    "TrunkHaul",
    "UnservedDelivery",
    "check_routes",
    "clear_distance_cache",
    "compare_central_local",
    "great_circle_matrix_km",
    "plane_problem",
    "problem_from_orders",
    "problem_from_vrplib",
    "road_distance_matrix_km",
    "solve",
]
