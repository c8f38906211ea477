"""Build a :class:`NetworkProblem` from master data and weekly demand (no I/O: objects in, object out).

- Demand: mean weekly units per zone × SKU family over the last ``weeks`` weeks (weeks without a row
  count as zero), from :class:`~microfactory.domain.WeeklyDemand` rows of one brand.
- Sites: the brand's sites that are not closed. The central plant, and active sites when
  ``keep_active_open``, are forced open; candidates are free to open.
- Capacity: given per site and family, or derived from the site's resources: weekly shift minutes × count
  × ``utilisation`` per resource type, and minutes per unit per resource type from the family's
  routings (mean over its SKUs; batch minutes spread over the largest batch). The site makes the brand's
  demand mix, so its capacity per family is the mix throughput times the family's share.
- Transport: the chosen vehicle type's cost per km (and a kg CO2e per km factor when given) divided by
  the units in a load (``capacity_kg × load_factor`` over the mean unit mass of the brand's demand).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import numpy as np

from microfactory.domain import MasterData, Site, SiteKind, SiteStatus, Sku, VehicleType, WeeklyDemand
from microfactory.errors import InvalidInputError
from microfactory.network.problem import CandidateSite, DeliveryModel, DemandZone, NetworkProblem, Redundancy

SOURCE = "network problem"


def network_problem_from_master(
    master: MasterData,
    weekly_demand: Sequence[WeeklyDemand],
    *,
    brand: str,
    weeks: int = 13,
    as_of: date | None = None,
    vehicle_type: str | None = None,
    max_delivery_hours: float = 8.0,
    circuity: float = 1.4,
    capacity_units_per_week: Mapping[str, Mapping[str, float]] | None = None,
    extra_sites: Sequence[CandidateSite] = (),
    dispatch_hours: float = 0.0,
    driving_hours_per_day: float | None = None,
    load_factor: float = 0.6,
    kg_co2e_per_vehicle_km: float | None = None,
    utilisation: float = 0.85,
    variable_cost_pence_per_unit: int = 0,
    keep_active_open: bool = True,
    redundancy: Redundancy = Redundancy.NONE,
    single_sourcing: bool = False,
    min_sites: int = 1,
    max_sites: int | None = None,
    budget_pence_per_week: int | None = None,
    carbon_price_gbp_per_tonne: float = 0.0,
) -> NetworkProblem:
    """Derive the network-design problem of ``brand``.

    Args:
        master: Master data holding the brand, its sites, resources, calendars, SKUs, zones, vehicles.
        weekly_demand: Weekly demand rows (any brands; only ``brand``'s are used).
        brand: Brand code.
        weeks: Number of most recent weeks to average demand over (≥ 1).
        as_of: Demand window ends with the week containing this date; default the latest week present.
        vehicle_type: Delivery vehicle type code; default the type with the largest ``capacity_kg``.
        max_delivery_hours: Coverage limit in hours from dispatch to delivery.
        circuity: Road km over great-circle km (settings ``circuity``).
        capacity_units_per_week: ``{site: {family: units}}`` overriding capacity derived from resources.
        extra_sites: Further candidate sites (e.g. from :func:`generate_candidates`).
        dispatch_hours: Hours before a vehicle leaves the site.
        driving_hours_per_day: Daily driving limit; adds overnight rests to long deliveries.
        load_factor: Share of the vehicle's kg capacity used on an average delivery (0, 1].
        kg_co2e_per_vehicle_km: Emission factor of the vehicle; ``None`` reports transport CO2e as 0.
        utilisation: Share of shift minutes that produce (0, 1] (OEE-like).
        variable_cost_pence_per_unit: Variable cost per unit made, at every site.
        keep_active_open: Force active sites open (the central plant is always forced open).
        redundancy, single_sourcing, min_sites, max_sites, budget_pence_per_week,
        carbon_price_gbp_per_tonne: Passed to :class:`NetworkProblem`.

    Raises:
        InvalidInputError: an unknown brand, vehicle type, zone or site code, or a bad number; the
            error names the argument.
    """
    if not any(b.code == brand for b in master.brands):
        raise InvalidInputError.single(SOURCE, f"unknown brand {brand!r}", field="brand")
    if weeks < 1:
        raise InvalidInputError.single(SOURCE, f"must be ≥ 1, got {weeks}", field="weeks")
    if not 0 < load_factor <= 1:
        raise InvalidInputError.single(SOURCE, f"must be in (0, 1], got {load_factor}", field="load_factor")
    if not 0 < utilisation <= 1:
        raise InvalidInputError.single(SOURCE, f"must be in (0, 1], got {utilisation}", field="utilisation")
    families = tuple(f.code for f in master.sku_families if f.brand == brand)
    if not families:
        raise InvalidInputError.single(SOURCE, f"brand {brand!r} has no SKU families", field="brand")
    zones = _zones(master, weekly_demand, brand, families, weeks, as_of)
    mix = _mix(families, zones)
    skus = [s for s in master.skus if s.family in families]
    vehicle = _vehicle(master, vehicle_type)
    unit_kg = _mean_unit_kg(skus, mix)
    units_per_load = max(1e-9, vehicle.capacity_kg * load_factor / unit_kg)
    sites = [
        _candidate(
            master, site, families, skus, mix, utilisation, keep_active_open, variable_cost_pence_per_unit
        )
        for site in master.sites
        if site.brand == brand and site.status is not SiteStatus.CLOSED
    ]
    overrides = capacity_units_per_week or {}
    known = {s.code for s in sites} | {s.code for s in extra_sites}
    for code in overrides:
        if code not in known:
            raise InvalidInputError.single(SOURCE, f"unknown site {code!r}", field="capacity_units_per_week")
    all_sites = [
        s.model_copy(update={"capacity_units_per_week": dict(overrides[s.code])})
        if s.code in overrides
        else s
        for s in (*sites, *extra_sites)
    ]
    return NetworkProblem(
        name=brand,
        families=families,
        sites=tuple(all_sites),
        zones=tuple(zones),
        delivery=DeliveryModel(
            vehicle_type=vehicle.code,
            speed_kmh=vehicle.speed_kmh,
            max_delivery_hours=max_delivery_hours,
            dispatch_hours=dispatch_hours,
            driving_hours_per_day=driving_hours_per_day,
            circuity=circuity,
        ),
        transport_pence_per_unit_km=vehicle.cost_pence_per_km / units_per_load,
        kg_co2e_per_unit_km=(kg_co2e_per_vehicle_km or 0.0) / units_per_load,
        carbon_price_gbp_per_tonne=carbon_price_gbp_per_tonne,
        single_sourcing=single_sourcing,
        min_sites=min_sites,
        max_sites=max_sites,
        budget_pence_per_week=budget_pence_per_week,
        redundancy=redundancy,
    )


def mean_weekly_units(
    weekly_demand: Sequence[WeeklyDemand], *, brand: str, weeks: int, as_of: date | None = None
) -> dict[tuple[str, str], float]:
    """Mean weekly units per ``(outcode, family)`` of ``brand`` over the last ``weeks`` weeks.

    The window ends with the week containing ``as_of`` (default: the latest week in the rows); weeks
    without a row count as zero, so an intermittent zone is not overstated.
    """
    rows = [r for r in weekly_demand if r.brand == brand]
    if not rows:
        return {}
    last = max(r.week_start for r in rows) if as_of is None else as_of - timedelta(days=as_of.weekday())
    first = last - timedelta(weeks=weeks - 1)
    total: dict[tuple[str, str], float] = defaultdict(float)
    for r in rows:
        if first <= r.week_start <= last:
            total[(r.outcode, r.sku_family)] += r.units
    return {key: units / weeks for key, units in total.items() if units > 0}


def _zones(
    master: MasterData,
    weekly_demand: Sequence[WeeklyDemand],
    brand: str,
    families: tuple[str, ...],
    weeks: int,
    as_of: date | None,
) -> list[DemandZone]:
    by_outcode = {z.outcode: z for z in master.zones}
    per_zone: dict[str, dict[str, float]] = defaultdict(dict)
    for (outcode, family), units in mean_weekly_units(
        weekly_demand, brand=brand, weeks=weeks, as_of=as_of
    ).items():
        if family not in families:
            raise InvalidInputError.single(
                SOURCE, f"unknown SKU family {family!r} of {brand}", field="weekly_demand"
            )
        per_zone[outcode][family] = units
    zones = []
    for outcode in sorted(per_zone):
        zone = by_outcode.get(outcode)
        if zone is None:
            raise InvalidInputError.single(
                SOURCE, f"outcode {outcode!r} is not a zone of the master data", field="weekly_demand"
            )
        zones.append(DemandZone(outcode=outcode, centroid=zone.centroid, units_per_week=per_zone[outcode]))
    return zones


def _mix(families: tuple[str, ...], zones: Sequence[DemandZone]) -> dict[str, float]:
    totals = {f: sum(z.units_per_week.get(f, 0.0) for z in zones) for f in families}
    grand = sum(totals.values())
    if grand <= 0:
        return {f: 1.0 / len(families) for f in families}
    return {f: units / grand for f, units in totals.items()}


def _vehicle(master: MasterData, code: str | None) -> VehicleType:
    if not master.vehicle_types:
        raise InvalidInputError.single(SOURCE, "the master data has no vehicle types", field="vehicle_type")
    if code is None:
        return max(master.vehicle_types, key=lambda v: (v.capacity_kg, v.code))
    for vehicle in master.vehicle_types:
        if vehicle.code == code:
            return vehicle
    raise InvalidInputError.single(SOURCE, f"unknown vehicle type {code!r}", field="vehicle_type")


def _mean_unit_kg(skus: Sequence[Sku], mix: Mapping[str, float]) -> float:
    per_family: dict[str, list[float]] = defaultdict(list)
    for sku in skus:
        per_family[sku.family].append(sku.unit_mass_kg)
    weighted = [(mix[f], float(np.mean(m))) for f, m in per_family.items() if f in mix]
    weight = sum(w for w, _ in weighted)
    return sum(w * kg for w, kg in weighted) / weight if weight > 0 else 1.0


def _candidate(
    master: MasterData,
    site: Site,
    families: tuple[str, ...],
    skus: Sequence[Sku],
    mix: Mapping[str, float],
    utilisation: float,
    keep_active_open: bool,
    variable_cost: int,
) -> CandidateSite:
    forced = site.kind is SiteKind.CENTRAL_PLANT or (keep_active_open and site.status is SiteStatus.ACTIVE)
    return CandidateSite(
        code=site.code,
        kind=site.kind,
        location=site.location,
        fixed_cost_pence_per_week=site.fixed_cost_pence_per_week,
        variable_cost_pence_per_unit=variable_cost,
        capacity_units_per_week=resource_capacity(master, site.code, families, skus, mix, utilisation),
        forced_open=forced,
    )


def resource_capacity(
    master: MasterData,
    site: str,
    families: Sequence[str],
    skus: Sequence[Sku],
    mix: Mapping[str, float],
    utilisation: float = 0.85,
) -> dict[str, float]:
    """Weekly units per family a site can make from its resources when making the demand ``mix``.

    Minutes available per resource type = Σ count × weekly shift minutes of its calendar × utilisation;
    minutes per unit of a family per resource type = mean over the family's SKUs of their routing steps
    (a step goes to the first of its resource types the site has; batch minutes are spread over the
    largest batch). The mix throughput is the bottleneck ``min_r minutes_r / Σ_f mix_f × a_fr``; each
    family gets its share. Families whose routing needs a resource type the site lacks get 0.
    """
    calendars = {c.code: sum(s.minutes for s in c.shifts) for c in master.calendars}
    available: dict[str, float] = defaultdict(float)
    for res in master.resources:
        if res.site == site:
            available[res.resource_type] += res.count * calendars.get(res.calendar, 0) * utilisation
    per_unit: dict[str, dict[str, float]] = {}
    for family in families:
        members = [s for s in skus if s.family == family]
        minutes: dict[str, float] = defaultdict(float)
        possible = bool(members)
        for sku in members:
            for step in sku.routing:
                rtype = next((t for t in step.resource_types if available.get(t, 0) > 0), None)
                if rtype is None:
                    possible = False
                    break
                minutes[rtype] += (
                    step.minutes_per_unit + step.minutes_per_batch / sku.max_batch_units
                ) / len(members)
        if possible:
            per_unit[family] = dict(minutes)
    share = {f: mix.get(f, 0.0) for f in per_unit}
    total_share = sum(share.values())
    if total_share <= 0:
        return dict.fromkeys(families, 0.0)
    load: dict[str, float] = defaultdict(float)
    for family, minutes in per_unit.items():
        for rtype, m in minutes.items():
            load[rtype] += share[family] / total_share * m
    throughput = min((available[r] / m for r, m in load.items() if m > 0), default=0.0)
    return {f: throughput * share[f] / total_share if f in per_unit else 0.0 for f in families}
