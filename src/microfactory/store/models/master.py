"""Tables of the master data: brands, calendars, sites, resources, SKUs with routings, zones, fleet.

Every table has an integer surrogate key ``id`` and a unique natural key (``code``, or the parent's
id plus ``code``); references inside the master data are foreign keys to ``id``. Children that are
part of their parent's value (routing steps, a step's eligible resource types, a labour pool's
skills) are deleted with the parent. Calendars keep shifts, closures and release slots as JSON
lists in the domain's own serialisation, so a round trip is exact.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from microfactory.store.models.base import (
    Base,
    CodeStr,
    JsonList,
    LongText,
    NameStr,
    Pence,
    ShortStr,
)


class BrandRow(Base):
    """A brand (company) planning its own network."""

    __tablename__ = "brands"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[CodeStr] = mapped_column(unique=True)
    name: Mapped[NameStr]
    sector: Mapped[ShortStr]


class CalendarRow(Base):
    """A working calendar; shifts, closures and release slots as JSON lists of domain records."""

    __tablename__ = "calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[CodeStr] = mapped_column(unique=True)
    timezone: Mapped[NameStr]
    shifts: Mapped[JsonList]
    closures: Mapped[JsonList]
    release_slots: Mapped[JsonList]


class ResourceTypeRow(Base):
    """A class of interchangeable machines or workstations named by routings."""

    __tablename__ = "resource_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[CodeStr] = mapped_column(unique=True)
    name: Mapped[NameStr]
    kind: Mapped[ShortStr]


class SiteRow(Base):
    """A microfactory, hub or central plant."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[CodeStr] = mapped_column(unique=True)
    name: Mapped[NameStr]
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    kind: Mapped[ShortStr]
    lat: Mapped[float]
    lon: Mapped[float]
    outcode: Mapped[CodeStr]
    fixed_cost_pence_per_week: Mapped[Pence]
    status: Mapped[ShortStr]
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id"))


class ResourceRow(Base):
    """Machines of one type at one site; natural key ``(site, code)``."""

    __tablename__ = "resources"
    __table_args__ = (UniqueConstraint("site_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    code: Mapped[CodeStr]
    resource_type_id: Mapped[int] = mapped_column(ForeignKey("resource_types.id"))
    count: Mapped[int]
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id"))


class LabourPoolRow(Base):
    """Operators at a site; natural key ``(site, code)``; skills in ``labour_pool_skills``."""

    __tablename__ = "labour_pools"
    __table_args__ = (UniqueConstraint("site_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    code: Mapped[CodeStr]
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id"))
    operators_per_shift: Mapped[int]


class LabourPoolSkillRow(Base):
    """One resource type a labour pool can run; ``position`` keeps the domain's order."""

    __tablename__ = "labour_pool_skills"
    __table_args__ = (UniqueConstraint("labour_pool_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    labour_pool_id: Mapped[int] = mapped_column(ForeignKey("labour_pools.id", ondelete="CASCADE"))
    position: Mapped[int]
    resource_type_id: Mapped[int] = mapped_column(ForeignKey("resource_types.id"))


class SkuFamilyRow(Base):
    """A group of SKUs planned and forecast together."""

    __tablename__ = "sku_families"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[CodeStr] = mapped_column(unique=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    name: Mapped[NameStr]
    make_policy: Mapped[ShortStr]


class SkuRow(Base):
    """A sellable item; its routing is in ``routing_steps``."""

    __tablename__ = "skus"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[CodeStr] = mapped_column(unique=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("sku_families.id"), index=True)
    name: Mapped[NameStr]
    unit_mass_kg: Mapped[float]
    unit_volume_m3: Mapped[float]
    shelf_life_hours: Mapped[float | None]
    make_policy: Mapped[ShortStr]
    unit_price_pence: Mapped[Pence]
    min_batch_units: Mapped[int]
    max_batch_units: Mapped[int]
    region: Mapped[CodeStr | None]


class RoutingStepRow(Base):
    """One operation of a SKU's routing; natural key ``(sku, sequence)``.

    ``setup`` holds the changeover-driving attributes (``{"finish_colour": "graphite"}``) as JSON.
    """

    __tablename__ = "routing_steps"
    __table_args__ = (UniqueConstraint("sku_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku_id: Mapped[int] = mapped_column(ForeignKey("skus.id", ondelete="CASCADE"))
    sequence: Mapped[int]
    name: Mapped[NameStr]
    minutes_per_unit: Mapped[float]
    minutes_per_batch: Mapped[float]
    operators: Mapped[int]
    splittable: Mapped[bool]
    setup: Mapped[dict[str, str]]


class RoutingStepResourceTypeRow(Base):
    """A resource type eligible for a routing step; ``position`` keeps the domain's order."""

    __tablename__ = "routing_step_resource_types"
    __table_args__ = (UniqueConstraint("routing_step_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    routing_step_id: Mapped[int] = mapped_column(ForeignKey("routing_steps.id", ondelete="CASCADE"))
    position: Mapped[int]
    resource_type_id: Mapped[int] = mapped_column(ForeignKey("resource_types.id"), index=True)


class ChangeoverRuleRow(Base):
    """Minutes to switch a resource type from one setup value to another."""

    __tablename__ = "changeover_rules"
    __table_args__ = (
        UniqueConstraint(
            "resource_type_id", "attribute", "from_value", "to_value", name="uq_changeover_rules_key"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_type_id: Mapped[int] = mapped_column(ForeignKey("resource_types.id"))
    attribute: Mapped[CodeStr]
    from_value: Mapped[LongText]
    to_value: Mapped[LongText]
    minutes: Mapped[float]


class ZoneRow(Base):
    """A delivery zone: one GB outcode with its centroid (WGS84), grid reference and size."""

    __tablename__ = "zones"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcode: Mapped[CodeStr] = mapped_column(unique=True)
    area: Mapped[ShortStr] = mapped_column(index=True)
    lat: Mapped[float]
    lon: Mapped[float]
    easting: Mapped[int | None]
    northing: Mapped[int | None]
    delivery_points: Mapped[int]


class CustomerRow(Base):
    """A buyer, located by outcode."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[CodeStr] = mapped_column(unique=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    outcode: Mapped[CodeStr]
    kind: Mapped[ShortStr]
    name: Mapped[NameStr | None]


class VehicleTypeRow(Base):
    """A kind of delivery vehicle: capacity, speed (km/h), range (km) and cost (pence)."""

    __tablename__ = "vehicle_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[CodeStr] = mapped_column(unique=True)
    name: Mapped[NameStr]
    capacity_kg: Mapped[float]
    capacity_m3: Mapped[float]
    speed_kmh: Mapped[float]
    cost_pence_per_km: Mapped[Pence]
    fixed_cost_pence_per_day: Mapped[Pence]
    emission_factor_key: Mapped[LongText]
    range_km: Mapped[float | None]
    shift_minutes: Mapped[int]
    crew: Mapped[int]
    refrigerated: Mapped[bool]


__all__ = [
    "BrandRow",
    "CalendarRow",
    "ChangeoverRuleRow",
    "CustomerRow",
    "LabourPoolRow",
    "LabourPoolSkillRow",
    "ResourceRow",
    "ResourceTypeRow",
    "RoutingStepResourceTypeRow",
    "RoutingStepRow",
    "SiteRow",
    "SkuFamilyRow",
    "SkuRow",
    "VehicleTypeRow",
    "ZoneRow",
]
