"""Cut lists of the kitchen SKUs, a week of production runs, and surplus offcuts in the racks.

Carcasses are 18 mm white melamine-faced chipboard with 8 mm white backs and drawer bottoms; doors, drawer
fronts and end panels are cut from raw 18 mm MDF (powder-coated after cutting, so the finish at the saw is
``raw``); the oak accessories are 20 mm oak with a grain that must run along the part (no rotation).
Worktops are cut from worktop blanks, not sheets, and bought-in hardware has no cut list. Carcass sizes
follow common UK practice: base units 720 mm high and 560 mm deep, wall units 720 × 320, tall units
2150 × 560; a carcass of width ``W`` has a bottom of ``W - 36`` (between two 18 mm sides).

Offcuts are what nesting leaves of 2440 × 1220 sheets: cross-cut ends (the full 1220 width, short
along the grain), rip strips (full length, narrow) and blocks from inside a nest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

from microfactory.demo.kitchen_catalogue import DOOR_TYPES, FINISHES, kitchen_skus
from microfactory.demo.kitchen_layout import KitchenColumns, compose_kitchens
from microfactory.domain.cutlist import CutList, CutPart, MaterialKey, SurplusPanel
from microfactory.domain.plan import ProductionRun

CARCASS = MaterialKey(material="melamine", finish="white", thickness_mm=18)
BACK = MaterialKey(material="melamine", finish="white", thickness_mm=8)
DOOR = MaterialKey(material="mdf", finish="raw", thickness_mm=18)
OAK = MaterialKey(material="oak", finish="natural", thickness_mm=20)
GRAIN_FINISHES = frozenset({"natural", "oak_veneer", "walnut_veneer"})
"""Finishes with a visible grain: parts in them keep their length along the panel's grain."""

BASE_H, BASE_D, WALL_H, WALL_D, TALL_H, TALL_D, T = 720, 560, 720, 320, 2150, 560, 18
SHELF_D_BASE, SHELF_D_WALL, RAIL_W = 500, 300, 100
CABINET_WIDTH_MM = {
    "K-BASE-300": 300,
    "K-BASE-400": 400,
    "K-BASE-500": 500,
    "K-BASE-600": 600,
    "K-BASE-600-DRW": 600,
    "K-BASE-800": 800,
    "K-BASE-1000-SINK": 1000,
    "K-BASE-CORNER": 1000,
    "K-WALL-300": 300,
    "K-WALL-500": 500,
    "K-WALL-600": 600,
    "K-WALL-800": 800,
    "K-WALL-CORNER": 600,
    "K-TALL-LARDER": 600,
    "K-TALL-OVEN": 600,
    "K-TALL-FRIDGE": 600,
}


@dataclass(frozen=True, slots=True)
class PartSpec:
    """One part of one SKU: its name, board, size in mm (length along the grain) and count per unit."""

    name: str
    board: MaterialKey
    length_mm: int
    width_mm: int
    count: int

    @property
    def rotation_allowed(self) -> bool:
        """Grainless boards may be turned; grained finishes may not."""
        return self.board.finish not in GRAIN_FINISHES


def _cabinet_parts(code: str) -> tuple[PartSpec, ...]:
    w = CABINET_WIDTH_MM[code]
    inner = w - 2 * T
    if code.startswith("K-BASE"):
        parts = [
            PartSpec("side", CARCASS, BASE_H, BASE_D, 2),
            PartSpec("bottom", CARCASS, inner, BASE_D, 1),
            PartSpec("top rail", CARCASS, inner, RAIL_W, 2),
        ]
        if code == "K-BASE-1000-SINK":  # open back for the plumbing: a back rail instead of a back
            parts.append(PartSpec("back rail", CARCASS, inner, RAIL_W, 1))
        else:
            parts.append(PartSpec("back", BACK, BASE_H - 4, w - 4, 1))
        if code == "K-BASE-600-DRW":
            parts.append(PartSpec("drawer bottom", BACK, SHELF_D_BASE, inner - 39, 3))
        elif code != "K-BASE-1000-SINK":
            parts.append(PartSpec("shelf", CARCASS, inner - 2, SHELF_D_BASE, 1))
        return tuple(parts)
    if code.startswith("K-WALL"):
        return (
            PartSpec("side", CARCASS, WALL_H, WALL_D, 2),
            PartSpec("top and bottom", CARCASS, inner, WALL_D, 2),
            PartSpec("back", BACK, WALL_H - 4, w - 4, 1),
            PartSpec("shelf", CARCASS, inner - 2, SHELF_D_WALL, 1),
        )
    parts = [
        PartSpec("side", CARCASS, TALL_H, TALL_D, 2),
        PartSpec("top and bottom", CARCASS, inner, TALL_D, 2),
        PartSpec("back", BACK, TALL_H - 4, w - 4, 1),
    ]
    if code == "K-TALL-LARDER":
        parts.append(PartSpec("shelf", CARCASS, inner - 2, SHELF_D_BASE, 4))
    elif code == "K-TALL-OVEN":
        parts += [
            PartSpec("oven shelf", CARCASS, inner, TALL_D, 2),
            PartSpec("shelf", CARCASS, inner - 2, 500, 1),
        ]
    else:
        parts.append(PartSpec("fridge shelf", CARCASS, inner, TALL_D, 1))
    return tuple(parts)


_DOOR_SIZE = re.compile(r"(\d+)x(\d+)$")

# fmt: off
_OTHER_PARTS: dict[str, tuple[PartSpec, ...]] = {
    "K-ACC-CUTLERY-OAK-600": (PartSpec("side", OAK, 470, 70, 2), PartSpec("front and back", OAK, 520, 70, 2),
                              PartSpec("divider", OAK, 430, 60, 3)),
    "K-ACC-SPICE-RACK-150": (PartSpec("back", OAK, 500, 110, 1), PartSpec("shelf", OAK, 110, 90, 3)),
    "K-ACC-PLATE-RACK-OAK": (PartSpec("end", OAK, 400, 250, 2), PartSpec("rail", OAK, 520, 40, 4)),
    "K-SP-SHELF-500": (PartSpec("shelf", CARCASS, 462, SHELF_D_BASE, 1),),
    "K-SP-SHELF-600": (PartSpec("shelf", CARCASS, 562, SHELF_D_BASE, 1),),
    "K-SP-DRAWER-BOX-500": (PartSpec("side", CARCASS, 500, 150, 2), PartSpec("end", CARCASS, 464, 150, 2),
                            PartSpec("bottom", BACK, 496, 464, 1)),
}
# fmt: on


def sku_parts(sku: str) -> tuple[PartSpec, ...]:
    """The sheet parts of one unit of a kitchen SKU (empty for worktops and bought-in items).

    Door SKUs (``K-DOOR-715x597-SAGE``) are one raw MDF part of the door type's size, whatever the finish.
    """
    if sku in CABINET_WIDTH_MM:
        return _cabinet_parts(sku)
    if sku in _OTHER_PARTS:
        return _OTHER_PARTS[sku]
    for door in DOOR_TYPES:
        if sku.startswith(f"K-{door.code}-") or sku == door.code:
            match = _DOOR_SIZE.search(door.code)
            if match is None:  # pragma: no cover - every door code ends in its size
                break
            name = door.name.split(" ", maxsplit=1)[0].lower()
            return (PartSpec(name, DOOR, int(match.group(1)), int(match.group(2)), 1),)
    return ()


def cut_list_for_runs(runs: tuple[ProductionRun, ...] | list[ProductionRun]) -> CutList:
    """Expand production runs into a cut list: one line per run and part, quantity = units × count.

    Part ids are ``{run_code}/{part name}`` (spaces as ``-``); runs of SKUs without sheet parts add nothing.
    """
    parts: list[CutPart] = []
    for run in runs:
        for spec in sku_parts(run.sku):
            parts.append(
                CutPart(
                    part_id=f"{run.run_code}/{spec.name.replace(' ', '-')}",
                    site=run.site,
                    run_code=run.run_code,
                    sku=run.sku,
                    part_name=spec.name,
                    material=spec.board.material,
                    finish=spec.board.finish,
                    thickness_mm=spec.board.thickness_mm,
                    length_mm=spec.length_mm,
                    width_mm=spec.width_mm,
                    quantity=run.quantity * spec.count,
                    rotation_allowed=spec.rotation_allowed,
                )
            )
    return CutList(parts=tuple(parts))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


STOCK_RUNS = (("K-SP-SHELF-500", 20), ("K-SP-SHELF-600", 20), ("K-SP-DRAWER-BOX-500", 10))
"""Make-to-stock board spares topped up most weeks (SKU, batch)."""


def demo_week_runs(
    seed: int, *, site: str = "KIT-CENTRAL", target_pieces: int = 5000, week_start: date | None = None
) -> tuple[ProductionRun, ...]:
    """A week of production runs at one site: enough kitchens for about ``target_pieces`` sheet parts.

    Kitchens are drawn by the order generator's layout model (:func:`compose_kitchens`, one finish each);
    their units are summed per SKU and split into runs of at most the SKU's maximum batch, spread over
    Monday–Friday; a few board spares are made to stock. The cut list has at least ``target_pieces`` pieces
    (the last kitchen is not split).
    """
    rng = np.random.default_rng(seed)
    cols = KitchenColumns()
    pieces_of = np.array([sum(s.count for s in sku_parts(c)) for c in cols.all], dtype=np.int64)
    popularity = np.array([f.popularity for f in FINISHES])
    stock: list[tuple[str, int]] = [(s, b) for s, b in STOCK_RUNS if rng.random() < 0.7]
    stock_pieces = sum(b * sum(p.count for p in sku_parts(s)) for s, b in stock)
    per_kitchen_guess = 150
    m = compose_kitchens(rng, max(4, 2 * target_pieces // per_kitchen_guess + 4), cols)
    finish = np.asarray(rng.choice(len(FINISHES), size=m.shape[0], p=popularity / popularity.sum()))
    cumulative = np.cumsum(m @ pieces_of) + stock_pieces
    n = int(np.searchsorted(cumulative, target_pieces)) + 1
    n = min(n, m.shape[0])
    units: dict[str, int] = {}
    for k in range(n):
        for c in np.nonzero(m[k])[0]:
            sku = cols.sku(int(c), int(finish[k]))
            units[sku] = units.get(sku, 0) + int(m[k, c])
    for sku, batch in stock:
        units[sku] = units.get(sku, 0) + batch
    max_batch = {s.code: s.max_batch_units for s in kitchen_skus()}
    monday = _monday(week_start or date(2026, 11, 23))
    runs: list[ProductionRun] = []
    for sku in sorted(units):
        left = units[sku]
        while left > 0:
            quantity = min(left, max_batch.get(sku, left))
            left -= quantity
            i = len(runs)
            start = datetime(monday.year, monday.month, monday.day, 7, tzinfo=UTC) + timedelta(days=i % 5)
            runs.append(
                ProductionRun(
                    site=site,
                    run_code=f"R{monday:%Y%m%d}-{i + 1:04d}",
                    sku=sku,
                    quantity=quantity,
                    start=start,
                    end=start + timedelta(hours=8),
                )
            )
    return tuple(runs)


# (board, share of offcuts); the last three match nothing in the kitchen cut lists (other jobs' stock).
OFFCUT_BOARDS: tuple[tuple[MaterialKey, float], ...] = (
    (CARCASS, 0.50),
    (BACK, 0.12),
    (DOOR, 0.25),
    (OAK, 0.05),
    (MaterialKey(material="melamine", finish="graphite", thickness_mm=18), 0.03),
    (MaterialKey(material="mdf", finish="raw", thickness_mm=12), 0.03),
    (MaterialKey(material="oak", finish="natural", thickness_mm=18), 0.02),
)
SHEET_LENGTH_MM, SHEET_WIDTH_MM = 2440, 1220
OFFCUT_SHAPES = (("end", 0.35), ("strip", 0.25), ("block", 0.40))


def demo_offcuts(seed: int, count: int = 2000, *, site: str = "KIT-CENTRAL") -> tuple[SurplusPanel, ...]:
    """``count`` seeded offcuts in a site's rack, sized like the remnants of 2440 × 1220 sheets.

    Cross-cut ends keep the sheet's 1220 mm (less a 10 mm trim) across the grain and 120–1100 mm along it;
    rip strips keep the sheet's length (less a trim) and are 80–600 mm wide; blocks from inside a nest are
    250–1600 × 150–900 mm. Boards follow :data:`OFFCUT_BOARDS`.
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    rng = np.random.default_rng(seed)
    share = np.array([s for _, s in OFFCUT_BOARDS])
    board = rng.choice(len(OFFCUT_BOARDS), size=count, p=share / share.sum())
    shape_share = np.array([s for _, s in OFFCUT_SHAPES])
    shape = rng.choice(len(OFFCUT_SHAPES), size=count, p=shape_share / shape_share.sum())
    panels: list[SurplusPanel] = []
    for n in range(count):
        kind = OFFCUT_SHAPES[int(shape[n])][0]
        if kind == "end":
            length, width = int(rng.integers(120, 1101)), SHEET_WIDTH_MM - 10
        elif kind == "strip":
            length, width = SHEET_LENGTH_MM - 10, int(rng.integers(80, 601))
        else:
            length, width = int(rng.integers(250, 1601)), int(rng.integers(150, 901))
        key = OFFCUT_BOARDS[int(board[n])][0]
        panels.append(
            SurplusPanel(
                panel_id=f"OC-{site}-{n + 1:05d}",
                site=site,
                material=key.material,
                finish=key.finish,
                thickness_mm=key.thickness_mm,
                length_mm=length,
                width_mm=width,
            )
        )
    return tuple(panels)
