"""Cut lists and surplus panels: what the nesting routers must cut, and the offcuts that might supply it.

A :class:`CutPart` is one line of a production run's cut list (``quantity`` identical pieces); a
:class:`SurplusPanel` is one offcut or surplus board in a site's rack. Dimensions are whole millimetres:
``length_mm`` runs along the grain (for a panel: along its grain or, for grainless boards, its first
dimension as recorded), ``width_mm`` across it. A part whose finish has a grain (oak, walnut veneer) may
not be rotated: its length must run along the panel's length.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from microfactory.domain.base import Code, DomainModel, Name

MAX_PANEL_MM = 6000
"""Longest dimension accepted for a part or panel (a 5.6 m jumbo board plus margin)."""


class MaterialKey(DomainModel):
    """The board a part is cut from or a panel is made of: material, finish and thickness must all match."""

    material: Code
    finish: Code
    thickness_mm: float = Field(gt=0, le=100)

    def label(self) -> str:
        """``melamine/white/18`` (thickness without a trailing ``.0``)."""
        return f"{self.material}/{self.finish}/{self.thickness_mm:g}"


class CutPart(DomainModel):
    """One cut-list line: ``quantity`` identical pieces of one part of one SKU in one production run."""

    part_id: Code
    """Unique within a cut list, e.g. ``R0001/K-BASE-600/side``."""
    site: Code
    """Site whose router cuts the part (offcuts are matched within a site unless settings say otherwise)."""
    run_code: Code
    sku: Code
    part_name: Name
    material: Code
    finish: Code
    thickness_mm: float = Field(gt=0, le=100)
    length_mm: int = Field(gt=0, le=MAX_PANEL_MM)
    """Along the grain."""
    width_mm: int = Field(gt=0, le=MAX_PANEL_MM)
    quantity: int = Field(default=1, ge=1, le=100_000)
    rotation_allowed: bool = True
    """False when the finish has a grain that must run along the part's length."""

    @property
    def key(self) -> MaterialKey:
        """The board this part needs."""
        return MaterialKey(material=self.material, finish=self.finish, thickness_mm=self.thickness_mm)

    @property
    def area_mm2(self) -> int:
        """Area of one piece in mm²."""
        return self.length_mm * self.width_mm


class SurplusPanel(DomainModel):
    """An offcut or surplus board in a site's rack, available to cut parts from."""

    panel_id: Code
    site: Code
    material: Code
    finish: Code
    thickness_mm: float = Field(gt=0, le=100)
    length_mm: int = Field(gt=0, le=MAX_PANEL_MM)
    """Along the grain (for grainless boards: the first dimension as recorded)."""
    width_mm: int = Field(gt=0, le=MAX_PANEL_MM)

    @property
    def key(self) -> MaterialKey:
        """The board this panel is."""
        return MaterialKey(material=self.material, finish=self.finish, thickness_mm=self.thickness_mm)

    @property
    def area_mm2(self) -> int:
        """Area in mm²."""
        return self.length_mm * self.width_mm


class CutList(DomainModel):
    """The parts to cut for a set of production runs; part ids are unique."""

    parts: tuple[CutPart, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> CutList:
        seen: set[str] = set()
        for part in self.parts:
            if part.part_id in seen:
                raise ValueError(f"duplicate part_id {part.part_id!r}")
            seen.add(part.part_id)
        return self

    @property
    def pieces(self) -> int:
        """Number of pieces (sum of quantities)."""
        return sum(p.quantity for p in self.parts)

    @property
    def area_mm2(self) -> int:
        """Total area of every piece in mm²."""
        return sum(p.area_mm2 * p.quantity for p in self.parts)
