"""Hearth & Jar: ghost-kitchen microfactories in Hackney and Ancoats, and a candidate cold hub.

The kitchens release production daily at 05:00: bakers start at 04:30 and pack the morning bake, the
presses run through the lunch and dinner service, and fermentation vessels and chillers run round the
clock. The kitchens shut on Christmas Day, Boxing Day and New Year's Day only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from microfactory.demo.calendars import (
    EVERY_DAY,
    ClosurePolicy,
    calendar,
    closures,
    release_slots,
    round_the_clock,
    shifts,
)
from microfactory.demo.food_catalogue import BRAND, CHILLER, MIXER, OVEN, PACKING, PRESS, VESSEL
from microfactory.demo.geography import ZoneArrays
from microfactory.demo.holidays import Nation
from microfactory.demo.records import SiteRecords
from microfactory.domain import (
    Brand,
    Calendar,
    LabourPool,
    Resource,
    ResourceKind,
    ResourceType,
    Sector,
    Site,
    SiteKind,
    SiteStatus,
)

FOOD_CLOSED_DAYS = ((12, 25, "Christmas Day"), (12, 26, "Boxing Day"), (1, 1, "New Year's Day"))
FOOD_CLOSURES = ClosurePolicy(Nation.ENGLAND_AND_WALES, bank_holidays=False, fixed_days=FOOD_CLOSED_DAYS)


@dataclass(frozen=True)
class FoodSite:
    """A food site: machine counts per resource type and crew sizes (empty for the hub)."""

    code: str
    name: str
    outcode: str
    kind: SiteKind
    status: SiteStatus
    fixed_cost_pence_per_week: int
    region: str | None
    machines: dict[str, int]
    bakers: int = 0
    service_crew: int = 0


_MICRO, _ACTIVE = SiteKind.MICROFACTORY, SiteStatus.ACTIVE

# fmt: off
FOOD_SITES: tuple[FoodSite, ...] = (
    # code, name, outcode, kind, status, fixed pence/week, region, machines, bakers, service crew
    FoodSite("FOOD-LON", "Hearth & Jar Hackney kitchen", "E8", _MICRO, _ACTIVE, 420_000, "LON",
             {MIXER: 2, OVEN: 3, VESSEL: 10, CHILLER: 1, PACKING: 2, PRESS: 3}, 3, 4),
    FoodSite("FOOD-MAN", "Hearth & Jar Ancoats kitchen", "M4", _MICRO, _ACTIVE, 290_000, "MAN",
             {MIXER: 1, OVEN: 2, VESSEL: 6, CHILLER: 1, PACKING: 1, PRESS: 2}, 2, 3),
    FoodSite("FOOD-HUB-NW10", "Hearth & Jar Park Royal cold hub", "NW10", SiteKind.HUB, SiteStatus.CANDIDATE,
             180_000, None, {}),
)
# fmt: on
"""Ghost kitchens (active) and a candidate chilled hub for west London; weekly costs in pence."""

_RESOURCE_CODES = {
    MIXER: "MIX",
    OVEN: "OVEN",
    VESSEL: "FERM",
    CHILLER: "CHILL",
    PACKING: "PACK",
    PRESS: "PRESS",
}


def food_brand() -> Brand:
    """The food brand."""
    return Brand(code=BRAND, name="Hearth & Jar", sector=Sector.FOOD)


def food_resource_types() -> tuple[ResourceType, ...]:
    """Machines named by food routings."""
    machine = ResourceKind.MACHINE
    return (
        ResourceType(code=MIXER, name="Planetary mixer", kind=machine),
        ResourceType(code=OVEN, name="Combi oven", kind=machine),
        ResourceType(code=VESSEL, name="Fermentation vessel", kind=machine),
        ResourceType(code=CHILLER, name="Blast chiller", kind=machine),
        ResourceType(code=PACKING, name="Packing and labelling line", kind=ResourceKind.WORKSTATION),
        ResourceType(code=PRESS, name="Heat press (contact grill)", kind=machine),
    )


def food_site_records(spec: FoodSite, zones: ZoneArrays, first: date, last: date) -> SiteRecords:
    """Site, calendars, resources and labour pools of one food site; closures from ``first`` to ``last``."""
    closed = closures(FOOD_CLOSURES, first, last)
    code = spec.code
    early = shifts(EVERY_DAY, ("04:30", "12:30"))
    service = shifts(EVERY_DAY, ("10:30", "21:00"))
    if spec.kind is SiteKind.HUB:
        site_cal = calendar(f"{code}-SITE", shifts(EVERY_DAY, ("05:00", "20:00")), closed)
        cals: dict[str, Calendar] = {"SITE": site_cal}
    else:
        cals = {
            "SITE": calendar(
                f"{code}-SITE",
                shifts(EVERY_DAY, ("04:30", "21:30")),
                closed,
                release_slots(EVERY_DAY, "05:00"),
            ),
            "EARLY": calendar(f"{code}-EARLY", early, closed),
            "SERVICE": calendar(f"{code}-SERVICE", service, closed),
            "PACK": calendar(f"{code}-PACK", shifts(EVERY_DAY, ("05:00", "20:00")), closed),
            "24H": calendar(f"{code}-24H", round_the_clock(), closed),
        }
    which = {MIXER: "EARLY", OVEN: "EARLY", VESSEL: "24H", CHILLER: "24H", PACKING: "PACK", PRESS: "SERVICE"}
    site = Site(
        code=code,
        name=spec.name,
        brand=BRAND,
        kind=spec.kind,
        location=zones.centroid(spec.outcode),
        outcode=spec.outcode,
        fixed_cost_pence_per_week=spec.fixed_cost_pence_per_week,
        status=spec.status,
        calendar=cals["SITE"].code,
    )
    resources = tuple(
        Resource(
            site=code,
            code=_RESOURCE_CODES[rtype],
            resource_type=rtype,
            count=count,
            calendar=cals[which[rtype]].code,
        )
        for rtype, count in spec.machines.items()
    )
    pools: tuple[LabourPool, ...] = ()
    if spec.bakers:
        pools += (
            LabourPool(
                site=code,
                code="BAKERS",
                calendar=cals["EARLY"].code,
                operators_per_shift=spec.bakers,
                skills=(MIXER, OVEN, CHILLER, PACKING),
            ),
        )
    if spec.service_crew:
        pools += (
            LabourPool(
                site=code,
                code="SERVICE",
                calendar=cals["SERVICE"].code,
                operators_per_shift=spec.service_crew,
                skills=(PRESS, PACKING, CHILLER),
            ),
        )
    return SiteRecords(site=site, calendars=tuple(cals.values()), resources=resources, labour_pools=pools)
