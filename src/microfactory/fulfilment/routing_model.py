"""Translate a :class:`RoutingProblem` into PyVRP's model, after screening out hopeless deliveries.

PyVRP works in integers. Map problems use metres, seconds and 1/100,000 penny; plane problems (the
Solomon benchmark) use tenths of a unit for distance and time, truncating distances as the DIMACS 2021
VRPTW challenge does, so the objective is exactly ten times the published distance.

Screening (:func:`screen`) checks each delivery against each vehicle type on its own (the delivery
alone on a vehicle): compatibility, weight, volume, range, shift, depot hours and the time window
(tightened by freshness). A delivery no vehicle can carry is left out of the model and reported with
the constraint that binds; a vehicle type that cannot carry a delivery gets a routing profile in which
that delivery is unreachable, which also keeps PyVRP's search away from hopeless moves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from pyvrp import Location as PyvrpLocation
from pyvrp import Model, ProblemData
from pyvrp.constants import MAX_VALUE

from microfactory.domain.geo import GeoPoint
from microfactory.fulfilment.distances import (
    FloatMatrix,
    IntMatrix,
    dimacs_ticks,
    plane_distance_matrix,
    road_distance_matrix_km,
)
from microfactory.fulfilment.routing_problem import (
    Delivery,
    PlanePoint,
    RoutingProblem,
    RoutingVehicleType,
)

_EPS = 1e-6
BLOCKED = 10**8
"""Distance and duration of an edge a vehicle may not use: 100,000 km or 3 years, far beyond any range,
shift or window, yet small enough that PyVRP's penalty × violation cannot overflow 64-bit integers
(PyVRP's own ``MAX_VALUE`` times our scaled penalties would)."""


@dataclass(frozen=True)
class Resolution:
    """Integer units PyVRP works in: ticks per km, per minute and per penny."""

    distance_ticks_per_km: int
    time_ticks_per_minute: int
    cost_ticks_per_penny: int
    truncate_distances: bool
    penalty_scale: float = 1.0
    """Multiplies PyVRP's penalty bounds, so penalties stay large next to costs in fine cost units."""


MAP_RESOLUTION = Resolution(1000, 60, 100_000, truncate_distances=False, penalty_scale=1000.0)
"""Metres, seconds and 1/100,000 penny (so a carbon price of a few pence per km keeps 3 digits).

PyVRP caps a penalty at 100,000 per unit of violation (a second late, a gram over); in 1/100,000 penny
that is a penny, far below the £1,000 penalty for leaving a delivery out, so the search would rather be
late than drop a delivery. Scaling the bounds by 1,000 makes a second late cost up to £10."""
PLANE_RESOLUTION = Resolution(10, 10, 10, truncate_distances=True)
# Plane distances are ``dimacs_ticks`` (tenths), so distance_ticks_per_km must stay 10 here.
"""DIMACS: distances and times in tenths, distances truncated."""


@dataclass(frozen=True)
class Exclusion:
    """A delivery screened out before solving: why, and which constraint binds."""

    delivery: int
    binding_constraint: str
    reason: str


@dataclass(frozen=True)
class CompiledModel:
    """PyVRP data plus the maps back to the problem.

    Locations are the problem's depots then its deliveries, in order; ``distance_km`` covers them all
    (the model's own integer distances converted back to km, so results and checks agree exactly).
    """

    data: ProblemData | None
    """``None`` when there is nothing to solve (no deliveries left or no vehicle available)."""
    resolution: Resolution
    client_delivery: tuple[int, ...]
    """Model client index → problem delivery index."""
    vehicle_type: tuple[int, ...]
    """Model vehicle type index → problem vehicle type index."""
    excluded: tuple[Exclusion, ...]
    distance_km: FloatMatrix
    can_serve: npt.NDArray[np.bool_]
    """Problem vehicle type × delivery: True when that type could serve the delivery alone."""


def resolution_for(problem: RoutingProblem) -> Resolution:
    """The integer resolution for a problem's kind of locations."""
    return PLANE_RESOLUTION if problem.on_plane else MAP_RESOLUTION


def distance_ticks(problem: RoutingProblem, resolution: Resolution) -> IntMatrix:
    """Integer distances between the problem's locations (depots first, then deliveries)."""
    places = [d.location for d in problem.depots] + [d.location for d in problem.deliveries]
    if problem.on_plane:
        km = plane_distance_matrix([(p.x, p.y) for p in places if isinstance(p, PlanePoint)])
    else:
        pts = [(p.lat, p.lon) for p in places if isinstance(p, GeoPoint)]
        km = road_distance_matrix_km(pts, problem.circuity)
    if resolution.truncate_distances:
        return dimacs_ticks(km)
    out: IntMatrix = np.rint(km * resolution.distance_ticks_per_km).astype(np.int64)
    return out


def travel_minutes(km: float | FloatMatrix, speed_kmh: float) -> float | FloatMatrix:
    """Driving minutes for a distance at a vehicle's planning speed."""
    return km * 60.0 / speed_kmh


def _hhmm(minutes: float) -> str:
    total = round(minutes)
    sign = "-" if total < 0 else ""
    total = abs(total)
    return f"{sign}{total // 60:02d}:{total % 60:02d}"


def _vehicle_check(
    problem: RoutingProblem, v: RoutingVehicleType, d: Delivery, out_km: float, back_km: float
) -> tuple[int, str, str] | None:
    """First failing check of delivery ``d`` alone on vehicle ``v``: (stage, binding, reason), or None."""
    depot = problem.depot(v.depot)
    if d.allowed_vehicle_types is not None and v.code not in d.allowed_vehicle_types:
        return 0, "compatibility", f"needs one of {', '.join(d.allowed_vehicle_types) or 'no vehicle'}"
    if d.allowed_depots is not None and v.depot not in d.allowed_depots:
        return 0, "compatibility", f"must leave from {', '.join(d.allowed_depots) or 'no depot'}"
    if d.load_kg > v.capacity_kg + _EPS:
        return 1, "capacity_kg", f"{d.load_kg:.1f} kg exceeds {v.code} capacity {v.capacity_kg:g} kg"
    if v.capacity_m3 is not None and d.load_m3 > v.capacity_m3 + _EPS:
        return 2, "capacity_m3", f"{d.load_m3:.2f} m³ exceeds {v.code} capacity {v.capacity_m3:g} m³"
    if v.range_km is not None and out_km + back_km > v.range_km + _EPS:
        return 3, "range", f"round trip {out_km + back_km:.1f} km exceeds {v.code} range {v.range_km:g} km"
    out_min = float(travel_minutes(out_km, v.speed_kmh))
    back_min = float(travel_minutes(back_km, v.speed_kmh))
    need = out_min + d.service_minutes + back_min
    if v.shift_minutes is not None and need > v.shift_minutes + _EPS:
        return (
            4,
            "shift",
            (f"round trip needs {need:.0f} min, over the {v.code} shift of {v.shift_minutes:g} min"),
        )
    leave = max(d.ready_minutes, depot.open_minutes, _or_neg_inf(v.available_from_minutes))
    if depot.last_departure_minutes is not None and leave > depot.last_departure_minutes + _EPS:
        return (
            5,
            "depot_hours",
            (
                f"ready at {_hhmm(d.ready_minutes)}, after the last departure from {depot.code} at "
                f"{_hhmm(depot.last_departure_minutes)}"
            ),
        )
    start = max(leave + out_min, d.window_open_minutes)
    latest = d.latest_minutes
    if start > latest + _EPS:
        binding = "freshness" if latest < d.window_close_minutes else "time_window"
        return (
            5,
            binding,
            (
                f"earliest arrival by {v.code} is {_hhmm(leave + out_min)} (ready {_hhmm(d.ready_minutes)}, "
                f"{out_min:.0f} min drive), after the latest delivery time {_hhmm(latest)}"
            ),
        )
    close = min(_or_inf(depot.return_by_minutes), _or_inf(v.available_until_minutes))
    if start + d.service_minutes + back_min > close + _EPS:
        return 6, "depot_hours", f"{v.code} cannot return before {_hhmm(close)} after delivering"
    return None


def screen(problem: RoutingProblem, km: FloatMatrix) -> tuple[npt.NDArray[np.bool_], tuple[Exclusion, ...]]:
    """Which vehicle types can serve which deliveries alone, and the deliveries none can serve."""
    n_dep = len(problem.depots)
    depot_index = {d.code: i for i, d in enumerate(problem.depots)}
    can = np.zeros((len(problem.vehicle_types), len(problem.deliveries)), dtype=np.bool_)
    excluded: list[Exclusion] = []
    for j, d in enumerate(problem.deliveries):
        if d.ready_minutes > d.window_close_minutes + _EPS:
            excluded.append(
                Exclusion(
                    j,
                    "ready_after_window",
                    f"ready at {_hhmm(d.ready_minutes)}, after its window closes at "
                    f"{_hhmm(d.window_close_minutes)}",
                )
            )
            continue
        if d.latest_minutes + _EPS < d.window_open_minutes:
            excluded.append(
                Exclusion(
                    j,
                    "freshness",
                    f"freshness limit ({d.freshness_minutes:g} min from ready at {_hhmm(d.ready_minutes)}) "
                    f"ends before the window opens at {_hhmm(d.window_open_minutes)}",
                )
            )
            continue
        best: tuple[int, str, str] | None = None
        for i, v in enumerate(problem.vehicle_types):
            if v.count == 0:
                continue
            di = depot_index[v.depot]
            failure = _vehicle_check(problem, v, d, float(km[di, n_dep + j]), float(km[n_dep + j, di]))
            if failure is None:
                can[i, j] = True
            elif best is None or failure[0] > best[0]:
                best = failure
        if not can[:, j].any():
            if best is None:
                excluded.append(Exclusion(j, "compatibility", "no vehicle is available"))
            else:
                excluded.append(Exclusion(j, best[1], best[2]))
    return can, tuple(excluded)


def _ticks(minutes: float, per_minute: int, *, up: bool) -> int:
    value = max(0.0, minutes) * per_minute
    return max(0, math.ceil(value - _EPS) if up else math.floor(value + _EPS))


def compile_model(problem: RoutingProblem) -> CompiledModel:
    """Screen the problem and build PyVRP data: depots, clients, vehicle types and routing profiles."""
    res = resolution_for(problem)
    dist = distance_ticks(problem, res)
    km: FloatMatrix = dist / res.distance_ticks_per_km
    can, excluded = screen(problem, km)
    skip = {e.delivery for e in excluded}
    tpm, cpp = res.time_ticks_per_minute, res.cost_ticks_per_penny
    volume = any(v.capacity_m3 is not None for v in problem.vehicle_types)

    model = Model()
    depots = []
    for site in problem.depots:
        depots.append(model.add_depot(_add_location(model, site.location), name=site.code))
    client_delivery: list[int] = []
    for j, d in enumerate(problem.deliveries):
        if j in skip:
            continue
        loc = _add_location(model, d.location)
        load = [round(d.load_kg * 1000)] + ([round(d.load_m3 * 1_000_000)] if volume else [])
        model.add_client(
            loc,
            delivery=load,
            service_duration=round(d.service_minutes * tpm),
            tw_early=_ticks(d.window_open_minutes, tpm, up=True),
            tw_late=_ticks(d.latest_minutes, tpm, up=False),
            release_time=_ticks(d.ready_minutes, tpm, up=True),
            prize=0 if d.required else int(d.unserved_penalty_pence or 0) * cpp,
            required=d.required,
            name=d.code,
        )
        client_delivery.append(j)

    n_dep = len(problem.depots)
    keep = np.array([*range(n_dep), *(n_dep + j for j in client_delivery)], dtype=np.intp)
    base = dist[np.ix_(keep, keep)]
    matrices: dict[tuple[float, bytes], int] = {}
    dist_mats: list[IntMatrix] = []
    dur_mats: list[IntMatrix] = []
    vehicle_type: list[int] = []
    depot_index = {d.code: i for i, d in enumerate(problem.depots)}
    carbon_pence_per_kg = problem.carbon_price_pence_per_tonne / 1000.0
    for i, v in enumerate(problem.vehicle_types):
        if v.count == 0:
            continue
        mask = can[i, client_delivery] if client_delivery else np.zeros(0, dtype=np.bool_)
        factor = tpm * 60.0 / (res.distance_ticks_per_km * v.speed_kmh)
        key = (factor, np.packbits(mask).tobytes() + len(mask).to_bytes(4, "little"))
        if key not in matrices:
            profile_dist, profile_dur = _profile_matrices(base, factor, mask, n_dep)
            matrices[key] = len(dist_mats)
            dist_mats.append(profile_dist)
            dur_mats.append(profile_dur)
            model.add_profile(name=f"p{len(dist_mats)}")
        depot = problem.depot(v.depot)
        per_km = v.cost_pence_per_km + carbon_pence_per_kg * v.kg_co2e_per_km
        tw_late = _limit_ticks(min(_or_inf(depot.return_by_minutes), _or_inf(v.available_until_minutes)), tpm)
        start_late = _limit_ticks(_or_inf(depot.last_departure_minutes), tpm)
        model.add_vehicle_type(
            num_available=v.count,
            capacity=[_cap(v.capacity_kg, 1000)] + ([_cap(v.capacity_m3, 1_000_000)] if volume else []),
            start_depot=depots[depot_index[v.depot]],
            end_depot=depots[depot_index[v.depot]],
            fixed_cost=v.fixed_cost_pence * cpp,
            tw_early=_ticks(max(depot.open_minutes, _or_neg_inf(v.available_from_minutes)), tpm, up=True),
            tw_late=tw_late,
            start_late=None if depot.last_departure_minutes is None else min(tw_late, start_late),
            shift_duration=_limit(v.shift_minutes, tpm),
            max_distance=_limit(v.range_km, res.distance_ticks_per_km),
            unit_distance_cost=round(per_km * cpp / res.distance_ticks_per_km),
            unit_duration_cost=0,
            profile=model.profiles[matrices[key]],
            name=v.code,
        )
        vehicle_type.append(i)
    data = None
    if client_delivery and vehicle_type:
        # The stub types matrices oddly (ndarray[int]); int64 arrays are what PyVRP expects.
        data = model.data().replace(
            distance_matrices=cast(Any, dist_mats), duration_matrices=cast(Any, dur_mats)
        )
    return CompiledModel(
        data=data,
        resolution=res,
        client_delivery=tuple(client_delivery),
        vehicle_type=tuple(vehicle_type),
        excluded=excluded,
        distance_km=km,
        can_serve=can,
    )


def _add_location(model: Model, where: GeoPoint | PlanePoint) -> PyvrpLocation:
    # PyVRP only uses coordinates for plots and diagnostics; distances come from our matrices.
    if isinstance(where, PlanePoint):
        return model.add_location(where.x, where.y)
    return model.add_location(where.lon, where.lat)


def _or_inf(value: float | None) -> float:
    return math.inf if value is None else value


def _or_neg_inf(value: float | None) -> float:
    return -math.inf if value is None else value


def _limit_ticks(minutes: float, per_minute: int) -> int:
    """Latest-time ticks; infinity becomes PyVRP's 'no limit'."""
    if math.isinf(minutes):
        return int(np.iinfo(np.int64).max)
    return _ticks(minutes, per_minute, up=False)


def _cap(value: float | None, scale: int) -> int:
    if value is None:
        return int(MAX_VALUE)
    return math.floor(value * scale + _EPS)


def _limit(value: float | None, scale: int) -> int:
    if value is None:
        return int(np.iinfo(np.int64).max)
    return math.floor(value * scale + _EPS)


def _profile_matrices(
    base: IntMatrix, factor: float, mask: npt.NDArray[np.bool_], n_dep: int
) -> tuple[IntMatrix, IntMatrix]:
    """Distance and duration matrices of one profile; deliveries outside ``mask`` are unreachable."""
    profile_dist = base.copy()
    profile_dur = base.copy() if factor == 1.0 else np.rint(base * factor).astype(np.int64)
    blocked = np.concatenate([np.zeros(n_dep, dtype=np.bool_), ~mask])
    if blocked.any():
        for m in (profile_dist, profile_dur):
            m[blocked, :] = BLOCKED
            m[:, blocked] = BLOCKED
            np.fill_diagonal(m, 0)
    return profile_dist, profile_dur
