"""What goes into one kitchen order: a layout drawn per order, as a units-per-SKU matrix.

Every kitchen has a sink base and a drawer pack, maybe a corner unit, and fills the rest of its base
run with common widths; wall and tall units follow the kitchen's size. Worktops cover the base run,
doors and drawer fronts follow from the cabinets (one finish per kitchen), every front gets a handle
and some kitchens add accessories. Rows are kitchens; columns are :class:`KitchenColumns`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from microfactory.demo.clock import IntArray
from microfactory.demo.demand import FloatArray
from microfactory.demo.kitchen_catalogue import (
    CABINETS,
    DOOR_TYPES,
    FINISHES,
    HANDLE_SKUS,
    WORKTOPS,
    door_sku,
)
from microfactory.demo.kitchen_stock import ACCESSORIES
from microfactory.demo.orders import Line

UnitMatrix = npt.NDArray[np.int64]

SIZE_SHARE = (0.35, 0.45, 0.20)
"""Small, medium and large kitchens."""
BASE_UNITS = ((4, 6), (6, 8), (8, 11))
WALL_UNITS = ((3, 4), (4, 6), (6, 9))
BASE_FILLERS = (
    ("K-BASE-300", 0.10),
    ("K-BASE-400", 0.10),
    ("K-BASE-500", 0.20),
    ("K-BASE-600", 0.45),
    ("K-BASE-800", 0.15),
)
WALL_FILLERS = (("K-WALL-300", 0.15), ("K-WALL-500", 0.25), ("K-WALL-600", 0.45), ("K-WALL-800", 0.15))
TALL_TYPES = (("K-TALL-LARDER", 0.40), ("K-TALL-OVEN", 0.35), ("K-TALL-FRIDGE", 0.25))
BASE_WIDTH_MM = {
    "K-BASE-300": 300,
    "K-BASE-400": 400,
    "K-BASE-500": 500,
    "K-BASE-600": 600,
    "K-BASE-600-DRW": 600,
    "K-BASE-800": 800,
    "K-BASE-1000-SINK": 1000,
    "K-BASE-CORNER": 1000,
}
WORKTOP_MATERIAL_SHARE = (0.55, 0.35, 0.10)
"""Laminate, oak, walnut."""
HANDLE_SHARE = (0.55, 0.35, 0.10)
ADD_ONS = (
    ("K-ACC-BIN-2x35", 0.50),
    ("K-ACC-CUTLERY-OAK-600", 0.35),
    ("K-ACC-LED-PLINTH", 0.20),
    ("K-ACC-SPICE-RACK-150", 0.15),
    ("K-ACC-PLATE-RACK-OAK", 0.10),
)
MAGIC_CORNER_SHARE = 0.30


class KitchenColumns:
    """The column layout of the kitchen composition matrix: cabinets, worktops, door types, accessories."""

    def __init__(self) -> None:
        self.cabinets = [c.code for c in CABINETS]
        self.worktops = [w.code for w in WORKTOPS]
        self.doors = [d.code for d in DOOR_TYPES]
        self.accessories = [a.code for a in ACCESSORIES]
        self.all = [*self.cabinets, *self.worktops, *self.doors, *self.accessories]
        self.at = {code: i for i, code in enumerate(self.all)}
        self.door_start = len(self.cabinets) + len(self.worktops)
        self.door_end = self.door_start + len(self.doors)
        prices = [c.price_pence for c in CABINETS] + [w.price_pence for w in WORKTOPS]
        prices += [d.price_pence for d in DOOR_TYPES] + [a.price_pence for a in ACCESSORIES]
        self.price = np.array(prices, dtype=np.int64)
        door_map = np.zeros((len(self.cabinets), len(self.doors)), dtype=np.int64)
        for i, cab in enumerate(CABINETS):
            for door, count in cab.doors:
                door_map[i, self.doors.index(door)] += count
        self.door_map = door_map

    def sku(self, column: int, finish: int) -> str:
        """SKU code of a column; door columns take the kitchen's finish."""
        if self.door_start <= column < self.door_end:
            return door_sku(self.all[column], FINISHES[finish])
        return self.all[column]


def _pick(rng: np.random.Generator, options: tuple[tuple[str, float], ...], n: int) -> list[str]:
    codes = [c for c, _ in options]
    p = np.array([w for _, w in options])
    return [codes[i] for i in rng.choice(len(codes), size=n, p=p / p.sum())]


def _add(matrix: UnitMatrix, rows: IntArray, cols: IntArray, counts: IntArray | int = 1) -> None:
    np.add.at(matrix, (rows, cols), counts)


def compose_kitchens(rng: np.random.Generator, n: int, cols: KitchenColumns) -> UnitMatrix:
    """Units per kitchen (rows) and SKU column: a realistic kitchen layout drawn per order."""
    m = np.zeros((n, len(cols.all)), dtype=np.int64)
    rows = np.arange(n, dtype=np.int64)
    size = rng.choice(3, size=n, p=SIZE_SHARE)
    large = size == 2
    lo_b, hi_b = np.array(BASE_UNITS).T
    base_total = rng.integers(lo_b[size], hi_b[size] + 1)
    corner = rng.random(n) < 0.5
    drawers = 1 + large.astype(np.int64)
    _add(m, rows, np.full(n, cols.at["K-BASE-1000-SINK"]))
    _add(m, rows, np.full(n, cols.at["K-BASE-600-DRW"]), drawers)
    _add(m, rows[corner], np.full(int(corner.sum()), cols.at["K-BASE-CORNER"]))
    fillers = np.maximum(base_total - 1 - drawers - corner, 0)
    filler_rows = np.repeat(rows, fillers)
    _add(m, filler_rows, np.array([cols.at[c] for c in _pick(rng, BASE_FILLERS, len(filler_rows))], np.int64))

    lo_w, hi_w = np.array(WALL_UNITS).T
    wall_total = rng.integers(lo_w[size], hi_w[size] + 1)
    wall_corner = rng.random(n) < 0.4
    _add(m, rows[wall_corner], np.full(int(wall_corner.sum()), cols.at["K-WALL-CORNER"]))
    wall_rows = np.repeat(rows, np.maximum(wall_total - wall_corner, 0))
    _add(m, wall_rows, np.array([cols.at[c] for c in _pick(rng, WALL_FILLERS, len(wall_rows))], np.int64))

    tall_total = np.select(
        [size == 0, size == 1], [rng.random(n) < 0.4, 1 + (rng.random(n) < 0.4)], 2 + (rng.random(n) < 0.5)
    ).astype(np.int64)
    tall_rows = np.repeat(rows, tall_total)
    _add(m, tall_rows, np.array([cols.at[c] for c in _pick(rng, TALL_TYPES, len(tall_rows))], np.int64))

    # Worktops cover the base run: 3 m lengths, the last one 2 m when that is enough (walnut: 3 m only).
    widths = np.array([BASE_WIDTH_MM.get(c, 0) for c in cols.cabinets], dtype=np.int64)
    run_mm = m[:, : len(cols.cabinets)] @ widths
    material = rng.choice(3, size=n, p=WORKTOP_MATERIAL_SHARE)
    full, rest = np.divmod(run_mm, 3000)
    short = (rest > 0) & (rest <= 2000) & (material != 2)
    full = full + ((rest > 0) & ~short)
    long_col = np.array(
        [cols.at["K-WTOP-LAM-3000"], cols.at["K-WTOP-OAK-3000"], cols.at["K-WTOP-WALNUT-3000"]]
    )
    short_col = np.array([cols.at["K-WTOP-LAM-2000"], cols.at["K-WTOP-OAK-2000"], cols.at["K-WTOP-OAK-2000"]])
    _add(m, rows, long_col[material], full)
    _add(m, rows[short], short_col[material[short]])

    doors = m[:, : len(cols.cabinets)] @ cols.door_map
    m[:, cols.door_start : cols.door_end] += doors
    m[:, cols.at["PANEL-END-870x580"]] += 2 + large
    fronts = doors.sum(axis=1)
    handle = rng.choice(len(HANDLE_SKUS), size=n, p=HANDLE_SHARE)
    _add(m, rows, np.array([cols.at[HANDLE_SKUS[h]] for h in handle], np.int64), fronts)
    for code, share in ADD_ONS:
        pick = rng.random(n) < share
        _add(m, rows[pick], np.full(int(pick.sum()), cols.at[code]))
    magic = corner & (rng.random(n) < MAGIC_CORNER_SHARE)
    _add(m, rows[magic], np.full(int(magic.sum()), cols.at["K-ACC-MAGIC-CORNER"]))
    return m


def kitchen_lines(
    m: UnitMatrix, finish: IntArray, price_factor: FloatArray, cols: KitchenColumns
) -> list[tuple[Line, ...]]:
    """Order lines per kitchen from its unit matrix row: doors in the kitchen's finish, prices in pence.

    ``price_factor`` scales list prices per kitchen (trade discount).
    """
    rows, columns = np.nonzero(m)
    bounds = np.searchsorted(rows, np.arange(m.shape[0] + 1))
    price = cols.price
    out: list[tuple[Line, ...]] = []
    for k in range(m.shape[0]):
        lo, hi = bounds[k], bounds[k + 1]
        factor = float(price_factor[k])
        out.append(
            tuple(
                (cols.sku(int(c), int(finish[k])), int(m[k, c]), round(int(price[c]) * factor))
                for c in columns[lo:hi]
            )
        )
    return out
