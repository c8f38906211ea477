"""Locations and what they hold: brands, sites, resource types, resources and labour pools."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from microfactory.domain.base import Code, DomainModel, Name
from microfactory.domain.geo import GeoPoint
from microfactory.domain.zone import Outcode


class Sector(StrEnum):
    """The kind of business a brand is in; it decides which defaults and checks apply."""

    KITCHEN = "kitchen"
    FOOD = "food"


class Brand(DomainModel):
    """A company planning its own network (a kitchen maker or a food brand)."""

    code: Code
    name: Name
    sector: Sector


class SiteKind(StrEnum):
    """What a site does in the network."""

    MICROFACTORY = "microfactory"
    HUB = "hub"
    CENTRAL_PLANT = "central_plant"


class SiteStatus(StrEnum):
    """Whether a site is a candidate for network design, running, or closed."""

    CANDIDATE = "candidate"
    ACTIVE = "active"
    CLOSED = "closed"


class Site(DomainModel):
    """A place that makes or holds product: a microfactory, a hub or a central plant."""

    code: Code
    name: Name
    brand: Code
    kind: SiteKind
    location: GeoPoint
    outcode: Outcode
    fixed_cost_pence_per_week: int = Field(ge=0)
    status: SiteStatus = SiteStatus.ACTIVE
    calendar: Code
    """The site calendar; its release slots are when runs may start."""


class ResourceKind(StrEnum):
    """A machine (CNC, oven) or a manual workstation (assembly bench, QA table)."""

    MACHINE = "machine"
    WORKSTATION = "workstation"


class ResourceType(DomainModel):
    """A class of interchangeable machines or stations named by routings (``cnc_nesting``)."""

    code: Code
    name: Name
    kind: ResourceKind = ResourceKind.MACHINE


class Resource(DomainModel):
    """Machines of one type at one site, with their own shift calendar."""

    site: Code
    code: Code
    resource_type: Code
    count: int = Field(default=1, ge=1)
    calendar: Code


class LabourPool(DomainModel):
    """Operators at a site who can run the listed resource types, staffed per calendar shift."""

    site: Code
    code: Code
    calendar: Code
    operators_per_shift: int = Field(ge=1)
    skills: tuple[Code, ...] = Field(min_length=1)
    """Resource types these operators can run."""
