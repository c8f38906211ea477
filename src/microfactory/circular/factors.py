"""Embodied-carbon factors per material, for the CO2e avoided when an item is reused instead of made new.

The table ships as ``data/second_life_material_factors.csv``: one row per material code an item may
carry, with the factor set, sheet, row and column it comes from (UK Government GHG Conversion Factors
for Company Reporting 2025, DESNZ, sheet "Material use", column "Primary material production", kg CO2e
per tonne; Open Government Licence v3). Every row is marked ``unverified``: the values were written
offline and must be checked against the published workbook before they are quoted (docs/second-life.md).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from microfactory.data import data_file
from microfactory.errors import InvalidInputError

FACTOR_FILE = "second_life_material_factors.csv"
FACTOR_COLUMNS = (
    "material",
    "description",
    "factor_set",
    "sheet",
    "row",
    "column",
    "kg_co2e_per_tonne",
    "check_status",
)


@dataclass(frozen=True, slots=True)
class MaterialFactor:
    """The embodied carbon of making one tonne of a material new, and where the figure comes from."""

    material: str
    description: str
    factor_set: str
    sheet: str
    row: str
    column: str
    kg_co2e_per_tonne: float
    check_status: str

    @property
    def kg_co2e_per_kg(self) -> float:
        """The factor per kg (items are weighed in kg)."""
        return self.kg_co2e_per_tonne / 1000.0

    @property
    def citation(self) -> str:
        """``DESNZ 2025, Material use: Wood (Primary material production)``."""
        return f"{self.factor_set}, {self.sheet}: {self.row} ({self.column})"


@dataclass(frozen=True, slots=True)
class MaterialFactors:
    """The factor table: material code → factor, with a one-line source for reports."""

    factors: Mapping[str, MaterialFactor]
    source: str

    def get(self, material: str) -> MaterialFactor | None:
        """The factor of ``material``, or ``None`` when the table has none."""
        return self.factors.get(material)

    @property
    def unverified(self) -> bool:
        """True while any row still has to be checked against the published table."""
        return any(f.check_status != "verified" for f in self.factors.values())


def parse_factors(text: str, *, source: str) -> MaterialFactors:
    """Read a factor table from CSV text (header :data:`FACTOR_COLUMNS`).

    Raises :class:`InvalidInputError` naming ``source``, row and field for a missing column, a repeated
    material, or a factor that is not a non-negative number.
    """
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in FACTOR_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInputError.single(source, f"missing columns: {', '.join(missing)}", row=1)
    factors: dict[str, MaterialFactor] = {}
    for row_no, row in enumerate(reader, start=2):
        material = row["material"].strip()
        if material in factors:
            raise InvalidInputError.single(
                source, f"material {material} repeats", row=row_no, field="material"
            )
        try:
            value = float(row["kg_co2e_per_tonne"])
        except ValueError:
            value = -1.0
        if not value >= 0:
            raise InvalidInputError.single(
                source,
                f"{row['kg_co2e_per_tonne']!r} is not a factor ≥ 0",
                row=row_no,
                field="kg_co2e_per_tonne",
            )
        factors[material] = MaterialFactor(
            material=material,
            description=row["description"].strip(),
            factor_set=row["factor_set"].strip(),
            sheet=row["sheet"].strip(),
            row=row["row"].strip(),
            column=row["column"].strip(),
            kg_co2e_per_tonne=value,
            check_status=row["check_status"].strip(),
        )
    sets = sorted({f"{f.factor_set}, sheet “{f.sheet}”, column “{f.column}”" for f in factors.values()})
    cited = "; ".join(sets)
    return MaterialFactors(factors=factors, source=f"{cited} (kg CO2e per tonne; Open Government Licence v3)")


@cache
def load_material_factors() -> MaterialFactors:
    """The shipped factor table (read once)."""
    return parse_factors(data_file(FACTOR_FILE).read_text(encoding="utf-8"), source=FACTOR_FILE)
