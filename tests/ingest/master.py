"""Master data for the import tests: a food brand in London and the online retailer of the UCI export.

Zones E1, EC2A, N1, SW1A and M1 exist; every other outcode is unknown. The food brand's SKUs are
named like their PLUs (``BOWL-CHICKEN``...), so Deliverect payloads need no translation, while
Square and Toast fixtures translate catalogue ids through ``[skus.map]``.
"""

from __future__ import annotations

from datetime import time

from microfactory.domain import (
    Brand,
    Calendar,
    GeoPoint,
    MasterData,
    ResourceType,
    RoutingStep,
    Shift,
    Site,
    Sku,
    SkuFamily,
    Weekday,
    Zone,
)
from microfactory.ingest import ReferenceData

FOOD_SKUS = ("BOWL-CHICKEN", "BOWL-TOFU", "SIDE-SLAW", "DRINK-LEMONADE")


def _sku(code: str, family: str, resource: str, *, price: int) -> Sku:
    return Sku(
        code=code,
        family=family,
        name=code.replace("-", " ").title(),
        routing=(RoutingStep(sequence=10, name="Make", resource_types=(resource,), minutes_per_unit=1.5),),
        unit_mass_kg=0.45,
        unit_volume_m3=0.001,
        unit_price_pence=price,
    )


def import_master_data() -> MasterData:
    """Two brands, a ghost kitchen, five zones, four food SKUs and the retailer's template SKU."""
    zones = {
        "E1": (51.5166, -0.0583),
        "EC2A": (51.5240, -0.0820),
        "M1": (53.4794, -2.2453),
        "N1": (51.5380, -0.0990),
        "SW1A": (51.5010, -0.1416),
        "LU1": (51.8787, -0.4200),
    }
    return MasterData(
        brands=(
            Brand(code="FOOD", name="Bowl Co", sector="food"),
            Brand(code="ONLINE-RETAIL", name="UK online gift retailer", sector="kitchen"),
        ),
        calendars=(
            Calendar(
                code="DAY", shifts=tuple(Shift(weekday=d, start=time(7), end=time(15)) for d in Weekday)
            ),
        ),
        resource_types=(
            ResourceType(code="kitchen_line", name="Kitchen line"),
            ResourceType(code="pick_pack", name="Pick and pack bench"),
        ),
        sites=(
            Site(
                code="FOOD-LON",
                name="Shoreditch ghost kitchen",
                brand="FOOD",
                kind="microfactory",
                location=GeoPoint(lat=51.5240, lon=-0.0820),
                outcode="EC2A",
                fixed_cost_pence_per_week=400_000,
                calendar="DAY",
            ),
        ),
        sku_families=(
            SkuFamily(code="BOWLS", brand="FOOD", name="Bowls and sides"),
            SkuFamily(code="ONLINE-RETAIL-GIFTS", brand="ONLINE-RETAIL", name="Gifts and homeware"),
        ),
        skus=(
            _sku("BOWL-CHICKEN", "BOWLS", "kitchen_line", price=995),
            _sku("BOWL-TOFU", "BOWLS", "kitchen_line", price=895),
            _sku("DRINK-LEMONADE", "BOWLS", "kitchen_line", price=295),
            _sku("ONLINE-RETAIL-ITEM", "ONLINE-RETAIL-GIFTS", "pick_pack", price=500),
            _sku("SIDE-SLAW", "BOWLS", "kitchen_line", price=350),
        ),
        zones=tuple(
            Zone(outcode=code, centroid=GeoPoint(lat=lat, lon=lon), delivery_points=1_000)
            for code, (lat, lon) in sorted(zones.items())
        ),
    )


def import_references() -> ReferenceData:
    """The same master data as a :class:`ReferenceData` snapshot, for tests without a database."""
    master = import_master_data()
    return ReferenceData(
        brands=frozenset(b.code for b in master.brands),
        outcodes=frozenset(z.outcode for z in master.zones),
        skus=frozenset(s.code for s in master.skus),
        families={f.code: f.brand for f in master.sku_families},
        site_outcodes={s.code: s.outcode for s in master.sites},
    )
