"""Save and load master data: upsert by natural key, exact round trip.

Load order (each step needs the ids of the ones before): brands, calendars, resource types, sites,
resources, labour pools (+ skills), SKU families, SKUs (+ routing steps + their resource types),
changeover rules, zones, customers, vehicle types.

Canonical order of the lists in a loaded :class:`MasterData` (see :func:`sort_master_data`): every
list sorted by its natural key with Python's string ordering: brands, calendars, resource types,
sites, SKU families, SKUs, customers and vehicle types by ``code``; resources and labour pools by
``(site, code)``; changeovers by ``(resource_type, attribute, from_value, to_value)``; zones by
``outcode``. Lists inside a record (shifts, routing steps, eligible resource types, skills) keep
their saved order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from microfactory.domain import (
    Brand,
    Calendar,
    ChangeoverRule,
    Customer,
    GeoPoint,
    LabourPool,
    MasterData,
    Resource,
    ResourceType,
    RoutingStep,
    Site,
    SiteKind,
    Sku,
    SkuFamily,
    VehicleType,
    Zone,
)
from microfactory.store import _sql
from microfactory.store.models import (
    Base,
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

_SORT_KEYS: dict[str, Callable[[Any], tuple[str, ...]]] = {
    "brands": lambda b: (b.code,),
    "calendars": lambda c: (c.code,),
    "resource_types": lambda r: (r.code,),
    "sites": lambda s: (s.code,),
    "resources": lambda r: (r.site, r.code),
    "labour_pools": lambda p: (p.site, p.code),
    "sku_families": lambda f: (f.code,),
    "skus": lambda s: (s.code,),
    "changeovers": lambda c: (c.resource_type, c.attribute, c.from_value, c.to_value),
    "zones": lambda z: (z.outcode,),
    "customers": lambda c: (c.code,),
    "vehicle_types": lambda v: (v.code,),
}


def sort_master_data(master: MasterData) -> MasterData:
    """``master`` with every list in canonical order (by natural key, see the module docstring).

    :func:`load_master_data` returns this order, so ``load_master_data(s) == sort_master_data(m)``
    after ``save_master_data(s, m)``.
    """
    update = {name: tuple(sorted(getattr(master, name), key=key)) for name, key in _SORT_KEYS.items()}
    return master.model_copy(update=update)


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _code_ids(session: Session, model: type[Base]) -> dict[str, int]:
    table = _table(model)
    return {code: id_ for id_, code in session.execute(select(table.c.id, table.c.code))}


def _pair_ids(session: Session, model: type[Base], sites: dict[str, int]) -> dict[tuple[str, str], int]:
    names = {id_: code for code, id_ in sites.items()}
    table = _table(model)
    return {
        (names[site_id], code): id_
        for id_, site_id, code in session.execute(select(table.c.id, table.c.site_id, table.c.code))
    }


def save_master_data(session: Session, master: MasterData) -> dict[str, int]:
    """Insert or update every record of ``master`` by its natural key.

    Idempotent: saving the same data again writes nothing and duplicates nothing; records whose
    fields changed are updated in place; children that are part of a record's value (routing steps,
    a step's eligible resource types, a labour pool's skills) are replaced to match. Records that
    exist in the database but not in ``master`` are kept (this is an upsert, not a sync). Does not
    commit: run it inside :func:`microfactory.store.db.transaction`.

    References (a site's brand and calendar, a routing step's resource types...) are resolved
    within ``master``, which :class:`~microfactory.domain.MasterData` has already checked.

    Returns the number of records saved per table (e.g. ``{"sites": 3, "routing_steps": 12, ...}``),
    whether they were inserted, updated or already up to date.
    """
    counts: dict[str, int] = {}

    def save(model: type[Base], rows: Sequence[dict[str, Any]], key: Sequence[str]) -> None:
        table = _table(model)
        _sql.upsert(session, table, rows, key)
        counts[table.name] = len(rows)

    save(
        BrandRow,
        [{"code": b.code, "name": b.name, "sector": b.sector.value} for b in master.brands],
        ["code"],
    )
    save(CalendarRow, [_calendar_row(c) for c in master.calendars], ["code"])
    save(
        ResourceTypeRow,
        [{"code": t.code, "name": t.name, "kind": t.kind.value} for t in master.resource_types],
        ["code"],
    )
    brands = _code_ids(session, BrandRow)
    calendars = _code_ids(session, CalendarRow)
    types = _code_ids(session, ResourceTypeRow)

    save(SiteRow, [_site_row(s, brands, calendars) for s in master.sites], ["code"])
    sites = _code_ids(session, SiteRow)
    save(
        ResourceRow,
        [
            {
                "site_id": sites[r.site],
                "code": r.code,
                "resource_type_id": types[r.resource_type],
                "count": r.count,
                "calendar_id": calendars[r.calendar],
            }
            for r in master.resources
        ],
        ["site_id", "code"],
    )
    save(
        LabourPoolRow,
        [
            {
                "site_id": sites[p.site],
                "code": p.code,
                "calendar_id": calendars[p.calendar],
                "operators_per_shift": p.operators_per_shift,
            }
            for p in master.labour_pools
        ],
        ["site_id", "code"],
    )
    pools = _pair_ids(session, LabourPoolRow, sites)
    skill_rows = [
        {"labour_pool_id": pools[(p.site, p.code)], "position": i, "resource_type_id": types[skill]}
        for p in master.labour_pools
        for i, skill in enumerate(p.skills)
    ]
    _save_children(session, LabourPoolSkillRow, skill_rows, "labour_pool_id", "position", counts)

    save(
        SkuFamilyRow,
        [
            {"code": f.code, "brand_id": brands[f.brand], "name": f.name, "make_policy": f.make_policy.value}
            for f in master.sku_families
        ],
        ["code"],
    )
    families = _code_ids(session, SkuFamilyRow)
    save(SkuRow, [_sku_row(s, families) for s in master.skus], ["code"])
    _save_routings(session, master.skus, types, counts)

    save(
        ChangeoverRuleRow,
        [
            {
                "resource_type_id": types[c.resource_type],
                "attribute": c.attribute,
                "from_value": c.from_value,
                "to_value": c.to_value,
                "minutes": c.minutes,
            }
            for c in master.changeovers
        ],
        ["resource_type_id", "attribute", "from_value", "to_value"],
    )
    save(ZoneRow, [_zone_row(z) for z in master.zones], ["outcode"])
    save(
        CustomerRow,
        [
            {
                "code": c.code,
                "brand_id": brands[c.brand],
                "outcode": c.outcode,
                "kind": c.kind.value,
                "name": c.name,
            }
            for c in master.customers
        ],
        ["code"],
    )
    save(VehicleTypeRow, [v.model_dump() for v in master.vehicle_types], ["code"])
    return counts


def _save_children(
    session: Session,
    model: type[Base],
    rows: list[dict[str, Any]],
    parent: str,
    position: str,
    counts: dict[str, int],
) -> None:
    table = _table(model)
    _sql.upsert(session, table, rows, [parent, position])
    parent_ids = {row[parent] for row in rows}
    keep = {(row[parent], row[position]) for row in rows}
    _sql.delete_missing(
        session, table, parent_column=parent, parent_ids=sorted(parent_ids), key=[parent, position], keep=keep
    )
    counts[table.name] = len(rows)


def _save_routings(
    session: Session, skus: Sequence[Sku], types: dict[str, int], counts: dict[str, int]
) -> None:
    sku_ids = _code_ids(session, SkuRow)
    step_rows = [
        {
            "sku_id": sku_ids[sku.code],
            "sequence": step.sequence,
            "name": step.name,
            "minutes_per_unit": step.minutes_per_unit,
            "minutes_per_batch": step.minutes_per_batch,
            "operators": step.operators,
            "splittable": step.splittable,
            "setup": dict(step.setup),
        }
        for sku in skus
        for step in sku.routing
    ]
    steps_table = _table(RoutingStepRow)
    _sql.upsert(session, steps_table, step_rows, ["sku_id", "sequence"])
    # SKUs whose routing became shorter lose their extra steps (and, by cascade, their types).
    _sql.delete_missing(
        session,
        steps_table,
        parent_column="sku_id",
        parent_ids=sorted(sku_ids[s.code] for s in skus),
        key=["sku_id", "sequence"],
        keep={(row["sku_id"], row["sequence"]) for row in step_rows},
    )
    counts[steps_table.name] = len(step_rows)

    step_ids = _sql.key_ids(session, steps_table, ["sku_id", "sequence"])
    type_rows = [
        {
            "routing_step_id": step_ids[(sku_ids[sku.code], step.sequence)],
            "position": i,
            "resource_type_id": types[code],
        }
        for sku in skus
        for step in sku.routing
        for i, code in enumerate(step.resource_types)
    ]
    _save_children(session, RoutingStepResourceTypeRow, type_rows, "routing_step_id", "position", counts)


def _calendar_row(calendar: Calendar) -> dict[str, Any]:
    return {
        "code": calendar.code,
        "timezone": calendar.timezone,
        "shifts": [s.model_dump(mode="json") for s in calendar.shifts],
        "closures": [c.model_dump(mode="json") for c in calendar.closures],
        "release_slots": [r.model_dump(mode="json") for r in calendar.release_slots],
    }


def _site_row(site: Site, brands: dict[str, int], calendars: dict[str, int]) -> dict[str, Any]:
    return {
        "code": site.code,
        "name": site.name,
        "brand_id": brands[site.brand],
        "kind": site.kind.value,
        "lat": site.location.lat,
        "lon": site.location.lon,
        "outcode": site.outcode,
        "fixed_cost_pence_per_week": site.fixed_cost_pence_per_week,
        "status": site.status.value,
        "calendar_id": calendars[site.calendar],
    }


def _sku_row(sku: Sku, families: dict[str, int]) -> dict[str, Any]:
    return {
        "code": sku.code,
        "family_id": families[sku.family],
        "name": sku.name,
        "unit_mass_kg": sku.unit_mass_kg,
        "unit_volume_m3": sku.unit_volume_m3,
        "shelf_life_hours": sku.shelf_life_hours,
        "make_policy": sku.make_policy.value,
        "unit_price_pence": sku.unit_price_pence,
        "min_batch_units": sku.min_batch_units,
        "max_batch_units": sku.max_batch_units,
        "region": sku.region,
    }


def _zone_row(zone: Zone) -> dict[str, Any]:
    return {
        "outcode": zone.outcode,
        "area": zone.area,
        "lat": zone.centroid.lat,
        "lon": zone.centroid.lon,
        "easting": zone.easting,
        "northing": zone.northing,
        "delivery_points": zone.delivery_points,
    }


def _rows(session: Session, model: type[Base]) -> list[RowMapping]:
    table = _table(model)
    return list(session.execute(select(table).order_by(table.c.id)).mappings())


def _names(session: Session, model: type[Base]) -> dict[int, str]:
    return {id_: code for code, id_ in _code_ids(session, model).items()}


def load_master_data(session: Session) -> MasterData:
    """Read all master data back as one validated :class:`MasterData`, in canonical order.

    ``load_master_data(s) == sort_master_data(m)`` after ``save_master_data(s, m)`` on an empty
    database. Raises ``pydantic.ValidationError`` if the stored records are inconsistent (e.g. a
    site's outcode not among the stored zones).
    """
    brands = _names(session, BrandRow)
    calendars = _names(session, CalendarRow)
    types = _names(session, ResourceTypeRow)
    sites = _names(session, SiteRow)
    families = _names(session, SkuFamilyRow)

    skills: dict[int, list[str]] = {}
    for row in session.execute(
        select(LabourPoolSkillRow.labour_pool_id, LabourPoolSkillRow.resource_type_id).order_by(
            LabourPoolSkillRow.labour_pool_id, LabourPoolSkillRow.position
        )
    ):
        skills.setdefault(row.labour_pool_id, []).append(types[row.resource_type_id])

    master = MasterData(
        brands=tuple(Brand(code=r.code, name=r.name, sector=r.sector) for r in _rows(session, BrandRow)),
        calendars=tuple(
            Calendar(
                code=r.code,
                timezone=r.timezone,
                shifts=r.shifts,
                closures=r.closures,
                release_slots=r.release_slots,
            )
            for r in _rows(session, CalendarRow)
        ),
        resource_types=tuple(
            ResourceType(code=r.code, name=r.name, kind=r.kind) for r in _rows(session, ResourceTypeRow)
        ),
        sites=tuple(_site(r, brands, calendars) for r in _rows(session, SiteRow)),
        resources=tuple(
            Resource(
                site=sites[r.site_id],
                code=r.code,
                resource_type=types[r.resource_type_id],
                count=r["count"],
                calendar=calendars[r.calendar_id],
            )
            for r in _rows(session, ResourceRow)
        ),
        labour_pools=tuple(
            LabourPool(
                site=sites[r.site_id],
                code=r.code,
                calendar=calendars[r.calendar_id],
                operators_per_shift=r.operators_per_shift,
                skills=tuple(skills.get(r.id, ())),
            )
            for r in _rows(session, LabourPoolRow)
        ),
        sku_families=tuple(
            SkuFamily(code=r.code, brand=brands[r.brand_id], name=r.name, make_policy=r.make_policy)
            for r in _rows(session, SkuFamilyRow)
        ),
        skus=tuple(_load_skus(session, families, types)),
        changeovers=tuple(
            ChangeoverRule(
                resource_type=types[r.resource_type_id],
                attribute=r.attribute,
                from_value=r.from_value,
                to_value=r.to_value,
                minutes=r.minutes,
            )
            for r in _rows(session, ChangeoverRuleRow)
        ),
        zones=tuple(_zone(r) for r in _rows(session, ZoneRow)),
        customers=tuple(
            Customer(code=r.code, brand=brands[r.brand_id], outcode=r.outcode, kind=r.kind, name=r.name)
            for r in _rows(session, CustomerRow)
        ),
        vehicle_types=tuple(_vehicle_type(r) for r in _rows(session, VehicleTypeRow)),
    )
    return sort_master_data(master)


def _load_skus(session: Session, families: dict[int, str], types: dict[int, str]) -> list[Sku]:
    eligible: dict[int, list[str]] = {}
    for row in session.execute(
        select(
            RoutingStepResourceTypeRow.routing_step_id, RoutingStepResourceTypeRow.resource_type_id
        ).order_by(RoutingStepResourceTypeRow.routing_step_id, RoutingStepResourceTypeRow.position)
    ):
        eligible.setdefault(row.routing_step_id, []).append(types[row.resource_type_id])
    steps: dict[int, list[RoutingStep]] = {}
    for r in session.execute(
        select(_table(RoutingStepRow)).order_by(RoutingStepRow.sku_id, RoutingStepRow.sequence)
    ).mappings():
        steps.setdefault(r.sku_id, []).append(
            RoutingStep(
                sequence=r.sequence,
                name=r.name,
                resource_types=tuple(eligible.get(r.id, ())),
                minutes_per_unit=r.minutes_per_unit,
                minutes_per_batch=r.minutes_per_batch,
                operators=r.operators,
                splittable=r.splittable,
                setup=r.setup,
            )
        )
    return [
        Sku(
            code=r.code,
            family=families[r.family_id],
            name=r.name,
            routing=tuple(steps.get(r.id, ())),
            unit_mass_kg=r.unit_mass_kg,
            unit_volume_m3=r.unit_volume_m3,
            shelf_life_hours=r.shelf_life_hours,
            make_policy=r.make_policy,
            unit_price_pence=r.unit_price_pence,
            min_batch_units=r.min_batch_units,
            max_batch_units=r.max_batch_units,
            region=r.region,
        )
        for r in _rows(session, SkuRow)
    ]


def _site(r: RowMapping, brands: dict[int, str], calendars: dict[int, str]) -> Site:
    return Site(
        code=r.code,
        name=r.name,
        brand=brands[r.brand_id],
        kind=r.kind,
        location=GeoPoint(lat=r.lat, lon=r.lon),
        outcode=r.outcode,
        fixed_cost_pence_per_week=r.fixed_cost_pence_per_week,
        status=r.status,
        calendar=calendars[r.calendar_id],
    )


def _zone(r: RowMapping) -> Zone:
    return Zone(
        outcode=r.outcode,
        centroid=GeoPoint(lat=r.lat, lon=r.lon),
        delivery_points=r.delivery_points,
        easting=r.easting,
        northing=r.northing,
    )


def _vehicle_type(r: RowMapping) -> VehicleType:
    return VehicleType(**{name: r[name] for name in VehicleType.model_fields})


def list_sites(
    session: Session, *, brand: str | None = None, kind: SiteKind | str | None = None
) -> list[Site]:
    """Sites sorted by code, optionally only those of ``brand`` (a brand code) and/or ``kind``.

    An unknown brand gives an empty list. Raises ``ValueError`` for a ``kind`` that is not a
    :class:`~microfactory.domain.SiteKind`.
    """
    stmt = select(_table(SiteRow))
    if brand is not None:
        stmt = stmt.join(BrandRow, BrandRow.id == SiteRow.brand_id).where(BrandRow.code == brand)
    if kind is not None:
        stmt = stmt.where(SiteRow.kind == SiteKind(kind).value)
    brands = _names(session, BrandRow)
    calendars = _names(session, CalendarRow)
    found = [_site(r, brands, calendars) for r in session.execute(stmt).mappings()]
    return sorted(found, key=lambda s: s.code)


def list_zones(session: Session) -> list[Zone]:
    """Every delivery zone, sorted by outcode."""
    return sorted((_zone(r) for r in _rows(session, ZoneRow)), key=lambda z: z.outcode)
