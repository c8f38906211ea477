"""The whole master data of a network, checked for consistency as one unit.

Individual records validate their own fields; :class:`MasterData` checks what only the whole can:
unique codes and references that point at something that exists (a routing naming an unknown resource
type, a resource on an unknown calendar). Errors name the offending record and field.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cached_property

from pydantic import model_validator

from microfactory.domain.base import DomainModel
from microfactory.domain.calendar import Calendar
from microfactory.domain.fleet import VehicleType
from microfactory.domain.product import ChangeoverRule, Sku, SkuFamily
from microfactory.domain.site import Brand, LabourPool, Resource, ResourceType, Site
from microfactory.domain.zone import Customer, Zone


class MasterData(DomainModel):
    """Everything that describes a network before any plan is made."""

    brands: tuple[Brand, ...] = ()
    calendars: tuple[Calendar, ...] = ()
    resource_types: tuple[ResourceType, ...] = ()
    sites: tuple[Site, ...] = ()
    resources: tuple[Resource, ...] = ()
    labour_pools: tuple[LabourPool, ...] = ()
    sku_families: tuple[SkuFamily, ...] = ()
    skus: tuple[Sku, ...] = ()
    changeovers: tuple[ChangeoverRule, ...] = ()
    zones: tuple[Zone, ...] = ()
    customers: tuple[Customer, ...] = ()
    vehicle_types: tuple[VehicleType, ...] = ()

    @model_validator(mode="after")
    def _references(self) -> MasterData:
        problems: list[str] = []
        problems += _duplicates("brands", (b.code for b in self.brands))
        problems += _duplicates("calendars", (c.code for c in self.calendars))
        problems += _duplicates("resource_types", (r.code for r in self.resource_types))
        problems += _duplicates("sites", (s.code for s in self.sites))
        problems += _duplicates("resources", (f"{r.site}/{r.code}" for r in self.resources))
        problems += _duplicates("labour_pools", (f"{p.site}/{p.code}" for p in self.labour_pools))
        problems += _duplicates("sku_families", (f.code for f in self.sku_families))
        problems += _duplicates("skus", (s.code for s in self.skus))
        problems += _duplicates("zones", (z.outcode for z in self.zones))
        problems += _duplicates("customers", (c.code for c in self.customers))
        problems += _duplicates("vehicle_types", (v.code for v in self.vehicle_types))
        problems += _duplicates(
            "changeovers",
            (f"{r.resource_type}/{r.attribute}:{r.from_value}->{r.to_value}" for r in self.changeovers),
        )

        brands = {b.code for b in self.brands}
        calendars = {c.code for c in self.calendars}
        types = {t.code for t in self.resource_types}
        sites = {s.code for s in self.sites}
        families = {f.code for f in self.sku_families}
        zones = {z.outcode for z in self.zones}

        def check(kind: str, value: str, known: set[str], where: str) -> None:
            if value not in known:
                problems.append(f"{where}: unknown {kind} {value!r}")

        for i, site in enumerate(self.sites):
            check("brand", site.brand, brands, f"sites[{i}] ({site.code}).brand")
            check("calendar", site.calendar, calendars, f"sites[{i}] ({site.code}).calendar")
            if zones:
                check("outcode", site.outcode, zones, f"sites[{i}] ({site.code}).outcode")
        for i, res in enumerate(self.resources):
            where = f"resources[{i}] ({res.site}/{res.code})"
            check("site", res.site, sites, f"{where}.site")
            check("resource type", res.resource_type, types, f"{where}.resource_type")
            check("calendar", res.calendar, calendars, f"{where}.calendar")
        for i, pool in enumerate(self.labour_pools):
            where = f"labour_pools[{i}] ({pool.site}/{pool.code})"
            check("site", pool.site, sites, f"{where}.site")
            check("calendar", pool.calendar, calendars, f"{where}.calendar")
            for skill in pool.skills:
                check("resource type", skill, types, f"{where}.skills")
        for i, fam in enumerate(self.sku_families):
            check("brand", fam.brand, brands, f"sku_families[{i}] ({fam.code}).brand")
        for i, sku in enumerate(self.skus):
            check("SKU family", sku.family, families, f"skus[{i}] ({sku.code}).family")
            for j, step in enumerate(sku.routing):
                for rtype in step.resource_types:
                    check(
                        "resource type",
                        rtype,
                        types,
                        f"skus[{i}] ({sku.code}).routing[{j}].resource_types",
                    )
        for i, rule in enumerate(self.changeovers):
            check("resource type", rule.resource_type, types, f"changeovers[{i}].resource_type")
        for i, cust in enumerate(self.customers):
            check("brand", cust.brand, brands, f"customers[{i}] ({cust.code}).brand")
            if zones:
                check("outcode", cust.outcode, zones, f"customers[{i}] ({cust.code}).outcode")
        if problems:
            shown = "; ".join(problems[:10])
            more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
            raise ValueError(shown + more)
        return self

    @cached_property
    def _sites_by_code(self) -> Mapping[str, Site]:
        return {site.code: site for site in self.sites}

    @cached_property
    def _skus_by_code(self) -> Mapping[str, Sku]:
        return {sku.code: sku for sku in self.skus}

    @cached_property
    def _calendars_by_code(self) -> Mapping[str, Calendar]:
        return {cal.code: cal for cal in self.calendars}

    def site(self, code: str) -> Site:
        """The site with ``code``; raises ``KeyError`` naming it when absent."""
        try:
            return self._sites_by_code[code]
        except KeyError:
            raise KeyError(f"site {code!r}") from None

    def sku(self, code: str) -> Sku:
        """The SKU with ``code``; raises ``KeyError`` naming it when absent."""
        try:
            return self._skus_by_code[code]
        except KeyError:
            raise KeyError(f"SKU {code!r}") from None

    def calendar(self, code: str) -> Calendar:
        """The calendar with ``code``; raises ``KeyError`` naming it when absent."""
        try:
            return self._calendars_by_code[code]
        except KeyError:
            raise KeyError(f"calendar {code!r}") from None


def _duplicates(kind: str, codes: Iterable[str]) -> list[str]:
    counts = Counter(codes)
    return [f"{kind}: duplicate code {code!r}" for code, n in counts.items() if n > 1]
