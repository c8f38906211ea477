"""Versioned emission factor sets as data: DESNZ 2025 road-freight rows, resolved per vehicle class.

A vehicle names one row of the set (``VehicleType.emission_factor_key``, the DESNZ row ``id``); that
row identifies a *vehicle class* (family, size class, fuel or laden state). For a boundary and an
activity unit the set then sums the class's rows (ISO 14083:2023 §5.2 system boundaries; GLEC
Framework v3):

- **tank-to-wheel (TTW)**, vehicle operation: the Scope 1 "Delivery vehicles" row per km. Per tonne-km
  there is no Scope 1 row, so the "Freighting goods" row is used; for electric classes that row already
  contains the electricity, so their TTW is the Scope 1 per-km row (0 for battery-electric) or, for
  plug-in hybrids, Freighting goods minus electricity minus T&D.
- **well-to-wheel (WTW)** = TTW + energy provision: the "WTT- delivery vehs & freight" row and, for
  electric classes, the Scope 2 "UK electricity for EVs" row and the Scope 3 "UK electricity T&D for
  EVs" row (generation and grid losses are energy provision under ISO 14083, not vehicle operation).

Every factor keeps the set id, year, boundary and the row ids it was built from.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

from microfactory.data import data_file

ActivityUnit = Literal["km", "tonne.km"]

DESNZ_2025_FILE = "desnz_2025_road_freight_factors.csv"
DESNZ_2025_ID = "desnz-2025"
DESNZ_2025_SOURCE = (
    "UK Government GHG Conversion Factors for Company Reporting 2025, "
    "Department for Energy Security and Net Zero"
)
DESNZ_2025_LICENCE = "Open Government Licence v3.0"

_COLUMNS = ("id", "scope", "level1", "level2", "level3", "column_text", "uom", "kgco2e_per_unit_2025")


class Boundary(StrEnum):
    """Which life-cycle stages of the energy a figure covers (ISO 14083:2023 §5.2)."""

    TTW = "ttw"
    """Tank-to-wheel: vehicle operation only."""
    WTW = "wtw"
    """Well-to-wheel: vehicle operation plus energy provision (well-to-tank)."""


class Table(StrEnum):
    """The DESNZ table a row belongs to (its ``level1``)."""

    DELIVERY_VEHICLES = "Delivery vehicles"
    FREIGHTING_GOODS = "Freighting goods"
    WTT = "WTT- delivery vehs & freight"
    ELECTRICITY = "UK electricity for EVs"
    ELECTRICITY_T_AND_D = "UK electricity T&D for EVs"


@dataclass(frozen=True)
class FactorRow:
    """One row of a factor table, as published."""

    id: str
    scope: str
    level1: str
    level2: str
    level3: str
    column_text: str
    uom: str
    kg_co2e_per_unit: float

    @property
    def vehicle_class(self) -> tuple[str, str, str]:
        """(family, size class, fuel or laden state), the same across a class's tables.

        DESNZ spells families differently per table ("HGVs refrigerated", "WTT- HGV refrigerated"),
        so the family is normalised.
        """
        family = self.level2.lower().removeprefix("wtt- ").replace("hgvs", "hgv")
        return family, self.level3, self.column_text


@dataclass(frozen=True)
class FactorComponent:
    """One row's contribution to a combined factor (negative when subtracted)."""

    row_id: str
    role: str
    """``vehicle``, ``freighting_goods``, ``electricity``, ``electricity_t_and_d`` or ``wtt``."""
    kg_co2e_per_unit: float


@dataclass(frozen=True)
class EmissionFactor:
    """kg CO2e per km or per tonne-km for one vehicle class and boundary, with its provenance."""

    kg_co2e_per_unit: float
    unit: ActivityUnit
    boundary: Boundary
    factor_set_id: str
    year: int
    components: tuple[FactorComponent, ...]

    @property
    def row_ids(self) -> tuple[str, ...]:
        """Source row ids, in the order they were added."""
        return tuple(c.row_id for c in self.components)


@dataclass(frozen=True)
class FactorSet:
    """A published set of factors (id, year, source, licence) and its rows by id."""

    id: str
    year: int
    source: str
    licence: str
    rows: Mapping[str, FactorRow]

    def row(self, row_id: str) -> FactorRow:
        """The row with this id. Raises ``KeyError`` naming the set when it is not there."""
        try:
            return self.rows[row_id]
        except KeyError:
            raise KeyError(f"factor set {self.id} has no row {row_id!r}") from None

    def _class_rows(self, key: str, unit: str) -> dict[str, FactorRow]:
        cls = self.row(key).vehicle_class
        return {r.level1: r for r in self.rows.values() if r.vehicle_class == cls and r.uom == unit}

    def vehicle_factor(self, key: str, boundary: Boundary, unit: ActivityUnit = "km") -> EmissionFactor:
        """The factor of the vehicle class that row ``key`` belongs to, for a boundary and unit.

        Raises:
            KeyError: ``key`` is not a row of the set, or the class has no row for ``unit``.
        """
        rows = self._class_rows(key, unit)
        electric = Table.ELECTRICITY in rows
        parts: list[FactorComponent] = []

        def add(table: Table, role: str, sign: float = 1.0) -> None:
            row = rows[table]
            parts.append(FactorComponent(row.id, role, sign * row.kg_co2e_per_unit))

        if Table.DELIVERY_VEHICLES in rows:
            add(Table.DELIVERY_VEHICLES, "vehicle")
        elif Table.FREIGHTING_GOODS in rows and not electric:
            add(Table.FREIGHTING_GOODS, "freighting_goods")
        elif Table.FREIGHTING_GOODS in rows:
            km_rows = self._class_rows(key, "km")
            scope1 = km_rows.get(Table.DELIVERY_VEHICLES)
            if scope1 is not None and scope1.kg_co2e_per_unit == 0.0:
                # A battery-electric vehicle emits nothing at the wheel, per km and so per tonne-km.
                parts.append(FactorComponent(scope1.id, "vehicle", 0.0))
            else:
                add(Table.FREIGHTING_GOODS, "freighting_goods")
                add(Table.ELECTRICITY, "electricity", -1.0)
                if Table.ELECTRICITY_T_AND_D in rows:
                    add(Table.ELECTRICITY_T_AND_D, "electricity_t_and_d", -1.0)
        else:
            raise KeyError(f"factor set {self.id}: no {unit} row for the class of {key!r}")
        if boundary is Boundary.WTW:
            if any(p.kg_co2e_per_unit < 0 for p in parts):
                # Plug-in hybrid per tonne-km: WTW is simply Freighting goods (which holds the
                # electricity and T&D) plus WTT, rather than subtracting and adding them back.
                parts[:] = [p for p in parts if p.role == "freighting_goods"]
            elif Table.ELECTRICITY in rows:
                add(Table.ELECTRICITY, "electricity")
                if Table.ELECTRICITY_T_AND_D in rows:
                    add(Table.ELECTRICITY_T_AND_D, "electricity_t_and_d")
            if Table.WTT not in rows:
                raise KeyError(f"factor set {self.id}: no WTT {unit} row for the class of {key!r}")
            add(Table.WTT, "wtt")
        return EmissionFactor(
            kg_co2e_per_unit=sum(p.kg_co2e_per_unit for p in parts),
            unit=unit,
            boundary=boundary,
            factor_set_id=self.id,
            year=self.year,
            components=tuple(parts),
        )

    def laden_factor(self, key: str, boundary: Boundary, laden_share: float) -> EmissionFactor | None:
        """Per-km factor for an HGV class at a given load, interpolated between its 0 % and 100 % rows.

        DESNZ publishes 0 %, 50 % and 100 % laden rows for HGVs; fuel use rises about linearly with
        load, so a route's mean laden share picks the factor (GLEC Framework: load-dependent factors).
        Returns ``None`` when the class has no laden rows (vans).
        """
        row = self.row(key)
        family, size, _ = row.vehicle_class
        share = min(1.0, max(0.0, laden_share))
        ends = []
        for state in ("0% Laden", "100% Laden"):
            match = next(
                (r for r in self.rows.values() if r.vehicle_class == (family, size, state) and r.uom == "km"),
                None,
            )
            if match is None:
                return None
            ends.append(self.vehicle_factor(match.id, boundary, "km"))
        empty, full = ends
        parts = tuple(
            FactorComponent(c.row_id, c.role, c.kg_co2e_per_unit * w)
            for f, w in ((empty, 1.0 - share), (full, share))
            for c in f.components
        )
        return EmissionFactor(
            kg_co2e_per_unit=sum(p.kg_co2e_per_unit for p in parts),
            unit="km",
            boundary=boundary,
            factor_set_id=self.id,
            year=self.year,
            components=parts,
        )


def parse_factor_rows(text: str) -> tuple[FactorRow, ...]:
    """Rows of a factor CSV in the shipped layout (``id, scope, level1..3, column_text, uom, value``).

    Raises:
        ValueError: A column is missing, a value is not a number, or an id repeats.
    """
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in _COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise ValueError(f"factor CSV lacks columns: {', '.join(missing)}")
    rows: list[FactorRow] = []
    seen: set[str] = set()
    for n, rec in enumerate(reader, start=2):
        if rec["id"] in seen:
            raise ValueError(f"factor CSV line {n}: duplicate id {rec['id']!r}")
        seen.add(rec["id"])
        try:
            value = float(rec["kgco2e_per_unit_2025"])
        except ValueError:
            raw = rec["kgco2e_per_unit_2025"]
            raise ValueError(f"factor CSV line {n}: value {raw!r} is not a number") from None
        rows.append(
            FactorRow(
                id=rec["id"],
                scope=rec["scope"],
                level1=rec["level1"],
                level2=rec["level2"],
                level3=rec["level3"],
                column_text=rec["column_text"],
                uom=rec["uom"],
                kg_co2e_per_unit=value,
            )
        )
    return tuple(rows)


def factor_set(rows: Iterable[FactorRow], *, set_id: str, year: int, source: str, licence: str) -> FactorSet:
    """A factor set from rows (read-only mapping by row id)."""
    return FactorSet(
        id=set_id, year=year, source=source, licence=licence, rows=MappingProxyType({r.id: r for r in rows})
    )


@lru_cache(maxsize=1)
def load_desnz_2025() -> FactorSet:
    """The shipped DESNZ 2025 road-freight set (read once from the package data)."""
    text = data_file(DESNZ_2025_FILE).read_text(encoding="utf-8")
    return factor_set(
        parse_factor_rows(text),
        set_id=DESNZ_2025_ID,
        year=2025,
        source=DESNZ_2025_SOURCE,
        licence=DESNZ_2025_LICENCE,
    )
