"""Plane ("abstract coordinates") routing problems, as in the VRPTW literature (Solomon, Gehring–Homberger).

Distances are Euclidean, truncated to one decimal (DIMACS 2021 convention); travel time equals
distance (vehicles at 60 units an hour, times in minutes); one capacity dimension; every customer is
required; the objective is total distance (cost 1 per unit of distance, no fixed vehicle cost, so the
fleet size is not minimised). The instance dictionary is what ``vrplib.read_instance`` returns; this
module does no file I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from microfactory.fulfilment.routing_problem import (
    Delivery,
    PlanePoint,
    RoutingDepot,
    RoutingProblem,
    RoutingVehicleType,
)

PLANE_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
"""Horizon start of plane problems; their times are abstract minutes from it."""
PLANE_SPEED = 60.0
"""One distance unit per minute, so travel time equals distance."""


def plane_problem(
    coords: Sequence[tuple[float, float]],
    demands: Sequence[float],
    windows: Sequence[tuple[float, float]],
    service_minutes: Sequence[float],
    capacity: float,
    vehicles: int,
) -> RoutingProblem:
    """A single-depot VRPTW on the plane; node 0 is the depot, node ``i`` becomes delivery ``"i"``.

    The depot's window is the vehicles' working time (leave after its start, be back by its end).
    """
    n = len(coords)
    if not (len(demands) == len(windows) == len(service_minutes) == n) or n < 1:
        raise ValueError("coords, demands, windows and service_minutes must have the same length ≥ 1")
    depot = RoutingDepot(
        code="depot",
        location=PlanePoint(x=float(coords[0][0]), y=float(coords[0][1])),
        open_minutes=float(windows[0][0]),
        return_by_minutes=float(windows[0][1]),
    )
    deliveries = tuple(
        Delivery(
            code=str(i),
            location=PlanePoint(x=float(coords[i][0]), y=float(coords[i][1])),
            load_kg=float(demands[i]),
            window_open_minutes=float(windows[i][0]),
            window_close_minutes=float(windows[i][1]),
            service_minutes=float(service_minutes[i]),
            ready_minutes=0.0,
        )
        for i in range(1, n)
    )
    fleet = RoutingVehicleType(
        code="vehicle",
        depot="depot",
        count=vehicles,
        capacity_kg=float(capacity),
        speed_kmh=PLANE_SPEED,
        cost_pence_per_km=1.0,
    )
    return RoutingProblem(
        horizon_start=PLANE_EPOCH, depots=(depot,), deliveries=deliveries, vehicle_types=(fleet,)
    )


def problem_from_vrplib(instance: Mapping[str, Any], vehicles: int | None = None) -> RoutingProblem:
    """A plane problem from a parsed VRPLIB VRPTW instance (single depot at node 1 of the file).

    ``vehicles`` overrides the instance's ``VEHICLES`` (25 for Solomon when absent).

    Raises:
        ValueError: The instance lacks coordinates, demands or time windows, or has several depots.
    """
    for key in ("node_coord", "demand", "time_window", "capacity"):
        if key not in instance:
            raise ValueError(f"VRPLIB instance has no {key.upper()} section")
    depots = np.atleast_1d(instance.get("depot", np.array([0])))
    if depots.size != 1 or int(depots[0]) != 0:
        raise ValueError("only single-depot instances with the depot at node 1 are supported")
    coords = np.asarray(instance["node_coord"], dtype=np.float64)
    n = len(coords)
    service = np.asarray(instance.get("service_time", 0), dtype=np.float64)
    service_arr = np.broadcast_to(service, (n,)).copy()
    service_arr[0] = 0.0
    windows = np.asarray(instance["time_window"], dtype=np.float64)
    count = vehicles if vehicles is not None else int(instance.get("vehicles", 25))
    return plane_problem(
        [(float(x), float(y)) for x, y in coords],
        [float(q) for q in np.asarray(instance["demand"], dtype=np.float64)],
        [(float(a), float(b)) for a, b in windows],
        [float(s) for s in service_arr],
        float(instance["capacity"]),
        count,
    )
