"""Oakline Kitchens: a Midlands central plant, two pilot microfactories and four candidates.

The plant (Hinckley, between Coventry and Leicester) does everything today. London and Manchester
microfactories run as pilots; Birmingham, Leeds, Glasgow and Bristol are candidates for network design.
Micro-sites release work on Tuesday, Thursday and Saturday at 06:00; the plant releases every weekday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from microfactory.demo.calendars import (
    MON_SAT,
    WEEKDAYS,
    ClosurePolicy,
    calendar,
    closures,
    release_slots,
    shifts,
)
from microfactory.demo.geography import ZoneArrays
from microfactory.demo.holidays import Nation
from microfactory.demo.kitchen_codes import ASSEMBLY, BRAND, CNC, COAT, EDGE, QA
from microfactory.demo.records import SiteRecords
from microfactory.domain import (
    Brand,
    LabourPool,
    Resource,
    ResourceKind,
    ResourceType,
    Sector,
    Site,
    SiteKind,
    SiteStatus,
    Weekday,
)


@dataclass(frozen=True)
class KitchenSite:
    """A kitchen site and its kit: machine counts per resource type and operators per shift."""

    code: str
    name: str
    outcode: str
    kind: SiteKind
    status: SiteStatus
    fixed_cost_pence_per_week: int
    nation: Nation
    machines: dict[str, int]
    machinists: int
    coaters: int
    assemblers: int


CENTRAL_SITE = "KIT-CENTRAL"

_MICRO_KIT = {CNC: 1, EDGE: 1, COAT: 1, ASSEMBLY: 4, QA: 1}
_CANDIDATE = SiteStatus.CANDIDATE
_MICRO = SiteKind.MICROFACTORY
_EW = Nation.ENGLAND_AND_WALES

# fmt: off
KITCHEN_SITES: tuple[KitchenSite, ...] = (
    # code, name, outcode, kind, status, fixed pence/week, nation, machines, machinists, coaters, assemblers
    KitchenSite("KIT-CENTRAL", "Oakline Hinckley plant", "LE10", SiteKind.CENTRAL_PLANT, SiteStatus.ACTIVE,
                3_650_000, _EW, {CNC: 4, EDGE: 3, COAT: 2, ASSEMBLY: 14, QA: 3}, 5, 3, 14),
    KitchenSite("KIT-LON", "Oakline London microfactory, Tottenham Hale", "N17", _MICRO, SiteStatus.ACTIVE,
                880_000, _EW, {CNC: 2, EDGE: 1, COAT: 1, ASSEMBLY: 5, QA: 1}, 3, 1, 5),
    KitchenSite("KIT-BHM", "Oakline Birmingham microfactory, Aston", "B6", _MICRO, _CANDIDATE,
                520_000, _EW, dict(_MICRO_KIT), 2, 1, 4),
    KitchenSite("KIT-MAN", "Oakline Manchester microfactory, Trafford Park", "M17", _MICRO, SiteStatus.ACTIVE,
                610_000, _EW, dict(_MICRO_KIT), 2, 1, 4),
    KitchenSite("KIT-LDS", "Oakline Leeds microfactory, Hunslet", "LS10", _MICRO, _CANDIDATE,
                490_000, _EW, dict(_MICRO_KIT), 2, 1, 4),
    KitchenSite("KIT-GLA", "Oakline Glasgow microfactory, Hillington", "G52", _MICRO, _CANDIDATE,
                440_000, Nation.SCOTLAND, dict(_MICRO_KIT), 2, 1, 4),
    KitchenSite("KIT-BRS", "Oakline Bristol microfactory, St Philip's", "BS2", _MICRO, _CANDIDATE,
                560_000, _EW, dict(_MICRO_KIT), 2, 1, 4),
)
# fmt: on
"""Fixed weekly costs (rent, rates, leases, supervision) in pence: £4.4k–£8.8k micro, £36.5k plant."""


def kitchen_brand() -> Brand:
    """The kitchen maker."""
    return Brand(code=BRAND, name="Oakline Kitchens", sector=Sector.KITCHEN)


def kitchen_resource_types() -> tuple[ResourceType, ...]:
    """Machines and workstations named by kitchen routings."""
    machine, station = ResourceKind.MACHINE, ResourceKind.WORKSTATION
    return (
        ResourceType(code=CNC, name="CNC nesting router", kind=machine),
        ResourceType(code=EDGE, name="Edge bander", kind=machine),
        ResourceType(code=COAT, name="Powder-coating line with cure oven", kind=machine),
        ResourceType(code=ASSEMBLY, name="Finishing and assembly bench", kind=station),
        ResourceType(code=QA, name="QA station", kind=station),
    )


_RESOURCE_CODES = {CNC: "CNC", EDGE: "EDGE", COAT: "COAT", ASSEMBLY: "ASSY", QA: "QA"}


def kitchen_site_records(spec: KitchenSite, zones: ZoneArrays, first: date, last: date) -> SiteRecords:
    """Site, calendars, resources and labour pools of one kitchen site; closures from ``first`` to ``last``.

    CNC and edge banding run two shifts Monday to Friday at micro-sites (the plant adds a Saturday
    morning), powder coating one long shift Monday to Saturday, assembly and QA a day shift.
    """
    closed = closures(ClosurePolicy(spec.nation, christmas_shutdown=True), first, last)
    central = spec.kind is SiteKind.CENTRAL_PLANT
    code = spec.code
    two_shifts = shifts(WEEKDAYS, ("06:00", "14:00"), ("14:00", "22:00"))
    if central:
        two_shifts += shifts((Weekday.SAT,), ("06:00", "12:00"))
    day_shift = shifts(WEEKDAYS, ("07:00", "15:30"))
    site_shifts = shifts(WEEKDAYS, ("06:00", "22:00")) + shifts((Weekday.SAT,), ("06:00", "18:00"))
    slot_days = WEEKDAYS if central else (Weekday.TUE, Weekday.THU, Weekday.SAT)
    calendars = {
        "SITE": calendar(f"{code}-SITE", site_shifts, closed, release_slots(slot_days, "06:00")),
        CNC: calendar(f"{code}-CNC", two_shifts, closed),
        EDGE: calendar(
            f"{code}-EDGE", two_shifts if central else shifts(WEEKDAYS, ("06:00", "14:30")), closed
        ),
        COAT: calendar(f"{code}-COAT", shifts(MON_SAT, ("06:00", "18:00")), closed),
        ASSEMBLY: calendar(f"{code}-ASSY", day_shift, closed),
        QA: calendar(f"{code}-QA", shifts(WEEKDAYS, ("07:30", "16:00")), closed),
    }
    site = Site(
        code=code,
        name=spec.name,
        brand=BRAND,
        kind=spec.kind,
        location=zones.centroid(spec.outcode),
        outcode=spec.outcode,
        fixed_cost_pence_per_week=spec.fixed_cost_pence_per_week,
        status=spec.status,
        calendar=calendars["SITE"].code,
    )
    resources = tuple(
        Resource(
            site=code,
            code=_RESOURCE_CODES[rtype],
            resource_type=rtype,
            count=count,
            calendar=calendars[rtype].code,
        )
        for rtype, count in spec.machines.items()
    )
    pools = (
        LabourPool(
            site=code,
            code="MACHINISTS",
            calendar=calendars[CNC].code,
            operators_per_shift=spec.machinists,
            skills=(CNC, EDGE),
        ),
        LabourPool(
            site=code,
            code="COATERS",
            calendar=calendars[COAT].code,
            operators_per_shift=spec.coaters,
            skills=(COAT,),
        ),
        LabourPool(
            site=code,
            code="ASSEMBLERS",
            calendar=calendars[ASSEMBLY].code,
            operators_per_shift=spec.assemblers,
            skills=(ASSEMBLY, QA),
        ),
    )
    return SiteRecords(
        site=site, calendars=tuple(calendars.values()), resources=resources, labour_pools=pools
    )
