"""Two-dimensional guillotine packing of rectangular parts onto rectangular panels, with a saw kerf.

Every pattern this module builds can be cut by edge-to-edge (guillotine) cuts, as panel saws and most
nesting strategies for offcuts do. The kerf is handled by the classic inflation argument: a part of
``l × w`` needs ``(l + k) × (w + k)`` and a usable panel of ``L × W`` offers ``(L + k) × (W + k)``; two
inflated parts that do not overlap leave at least one kerf between the real parts, and a part may touch
the edge of the usable area (the edge trim is taken off beforehand).

The fill heuristic is the guillotine family of Jylänki, "A Thousand Ways to Pack the Bin" (2010),
adapted to the knapsack setting of offcuts (not every part has to be placed, the aim is the most area):
free rectangles are taken last-in first-out; each takes the part type that scores best for it (largest
area, best short-side fit or best long-side fit, i.e. parts sorted decreasing by the rule), the part goes
in the rectangle's corner and the L-shaped remainder is split in two by one straight cut (shorter or
longer leftover axis, minimum or maximum area rule). :meth:`Packer.fill` tries every rule and keeps the
fullest pattern. Rectangles no remaining part fits are waste.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class FitScore(StrEnum):
    """Which part a free rectangle takes (parts sorted decreasing by this rule)."""

    AREA = "area"
    """The largest part that fits (best area fit: the least area left over)."""
    SHORT_SIDE = "short_side"
    """The part leaving the smallest leftover along either side (ties: the larger part)."""
    LONG_SIDE = "long_side"
    """The part whose longer leftover side is smallest (ties: the larger part)."""
    NORMAL = "normal"
    """The part leaving the least unavoidable waste: leftover lengths that no sum of part sizes fills
    (normal patterns, see :func:`normal_extents`); ties: the larger part."""
    RANDOM = "random"
    """Largest area with a seeded random tie-break weight (diversifies the rule set)."""


class SplitRule(StrEnum):
    """Which of the two guillotine cuts frees the L-shaped remainder after a part is placed."""

    SHORTER_LEFTOVER = "shorter_leftover"
    LONGER_LEFTOVER = "longer_leftover"
    MIN_AREA = "min_area"
    MAX_AREA = "max_area"


@dataclass(frozen=True, slots=True)
class FillRule:
    """One heuristic: how a free rectangle chooses its part, and how the remainder is split."""

    score: FitScore
    split: SplitRule


DEFAULT_RULES: tuple[FillRule, ...] = (
    *(
        FillRule(score, split)
        for score in (FitScore.NORMAL, FitScore.AREA, FitScore.SHORT_SIDE, FitScore.LONG_SIDE)
        for split in (
            SplitRule.SHORTER_LEFTOVER,
            SplitRule.LONGER_LEFTOVER,
            SplitRule.MIN_AREA,
            SplitRule.MAX_AREA,
        )
    ),
    FillRule(FitScore.RANDOM, SplitRule.SHORTER_LEFTOVER),
    FillRule(FitScore.RANDOM, SplitRule.MIN_AREA),
)
"""Eighteen rules (two seeded); :meth:`Packer.fill` keeps the best pattern they make."""


@dataclass(frozen=True, slots=True)
class ItemType:
    """A kind of identical part: its size in mm (length along the grain) and whether it may turn 90°."""

    length_mm: int
    width_mm: int
    rotatable: bool = True

    def __post_init__(self) -> None:
        if self.length_mm <= 0 or self.width_mm <= 0:
            raise ValueError(f"item dimensions must be positive, got {self.length_mm} × {self.width_mm}")

    @property
    def area_mm2(self) -> int:
        """Area of one part in mm²."""
        return self.length_mm * self.width_mm


@dataclass(frozen=True, slots=True)
class Placed:
    """One part in a pattern: its type, lower-left corner and extent along the panel's length (x) and width
    (y), in mm from the corner of the usable area; ``rotated`` when its length runs across the panel."""

    item: int
    x_mm: int
    y_mm: int
    length_mm: int
    """Extent along the panel's length (x)."""
    width_mm: int
    """Extent along the panel's width (y)."""
    rotated: bool

    @property
    def area_mm2(self) -> int:
        """Area in mm²."""
        return self.length_mm * self.width_mm


MAX_BIN_MM = 6000
"""Largest panel side the packer handles (matches the domain's limit)."""

_Candidate = tuple[int, int, int, bool]
"""(item index, inflated extent along x, inflated extent along y, rotated)."""

FreeRect = tuple[int, int, int, int]
"""(x, y, extent along x, extent along y) of a free rectangle, inflated by the kerf, in mm."""


@dataclass(frozen=True, slots=True)
class Fill:
    """A fill of a panel: the parts placed and the free rectangles left over (inflated)."""

    placed: list[Placed]
    waste: list[FreeRect]


class Packer:
    """Fills panels with parts of a fixed set of types, guillotine cuts only, one kerf between parts.

    Candidate lists (which parts fit a free rectangle, best first) are cached per rectangle size and rule,
    so the many identical rectangles of a sheet run, and the rules tried on one panel, share the work.
    """

    def __init__(
        self,
        items: Sequence[ItemType],
        *,
        kerf_mm: int = 0,
        rules: Sequence[FillRule] = DEFAULT_RULES,
        seed: int = 0,
    ) -> None:
        if kerf_mm < 0:
            raise ValueError(f"kerf_mm must be >= 0, got {kerf_mm}")
        if not rules:
            raise ValueError("at least one fill rule is needed")
        self.items = tuple(items)
        self.kerf_mm = kerf_mm
        self.rules = tuple(rules)
        k = kerf_mm
        # Orientations in inflated size, and a seeded weight per item for the RANDOM rule.
        rng = random.Random(seed)
        self._weight = [1.0 + 0.25 * rng.random() for _ in self.items]
        self._orients: list[_Candidate] = []
        for i, item in enumerate(self.items):
            self._orients.append((i, item.length_mm + k, item.width_mm + k, False))
            if item.rotatable and item.length_mm != item.width_mm:
                self._orients.append((i, item.width_mm + k, item.length_mm + k, True))
        self._min_side = min((min(c[1], c[2]) for c in self._orients), default=0)
        limit = MAX_BIN_MM + k
        self._nx = normal_extents([c[1] for c in self._orients], limit)
        self._ny = normal_extents([c[2] for c in self._orients], limit)
        self._cache: dict[tuple[FitScore, int, int], tuple[_Candidate, ...]] = {}

    def _candidates(self, score: FitScore, fw: int, fh: int) -> tuple[_Candidate, ...]:
        """Every orientation fitting an ``fw × fh`` (inflated) rectangle, best first by ``score``."""
        key = (score, fw, fh)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        fits = [c for c in self._orients if c[1] <= fw and c[2] <= fh]
        if score is FitScore.AREA:
            fits.sort(key=lambda c: (-c[1] * c[2], min(fw - c[1], fh - c[2]), c[0], c[3]))
        elif score is FitScore.NORMAL:
            nx, ny = self._nx, self._ny
            fits.sort(
                key=lambda c: (
                    (fw - c[1] - nx[fw - c[1]]) * fh + (fh - c[2] - ny[fh - c[2]]) * c[1],
                    -c[1] * c[2],
                    c[0],
                    c[3],
                )
            )
        elif score is FitScore.SHORT_SIDE:
            fits.sort(key=lambda c: (min(fw - c[1], fh - c[2]), -c[1] * c[2], c[0], c[3]))
        elif score is FitScore.LONG_SIDE:
            fits.sort(key=lambda c: (max(fw - c[1], fh - c[2]), -c[1] * c[2], c[0], c[3]))
        else:
            w = self._weight
            fits.sort(key=lambda c: (-c[1] * c[2] * w[c[0]], c[0], c[3]))
        out = tuple(fits)
        self._cache[key] = out
        return out

    def fill_with(self, length_mm: int, width_mm: int, counts: Sequence[int], rule: FillRule) -> list[Placed]:
        """Fill a usable ``length_mm × width_mm`` area with one rule; ``counts`` = parts left of each type.

        Returns the placements (at most ``counts[i]`` of type ``i``), origin at the usable corner.
        """
        k = self.kerf_mm
        return self._fill_rects([(0, 0, length_mm + k, width_mm + k)], counts, rule).placed

    def _fill_rects(self, free: list[FreeRect], counts: Sequence[int], rule: FillRule) -> Fill:
        """Fill the (inflated) free rectangles, last first; see the module docstring."""
        k = self.kerf_mm
        left = list(counts)
        placed: list[Placed] = []
        waste: list[FreeRect] = []
        free = list(free)
        min_side = self._min_side
        split = rule.split
        while free:
            fx, fy, fw, fh = free.pop()
            choice: _Candidate | None = None
            for cand in self._candidates(rule.score, fw, fh):
                if left[cand[0]] > 0:
                    choice = cand
                    break
            if choice is None:
                waste.append((fx, fy, fw, fh))
                continue
            i, ol, oh, rotated = choice
            left[i] -= 1
            placed.append(Placed(i, fx, fy, ol - k, oh - k, rotated))
            dw, dh = fw - ol, fh - oh
            if split is SplitRule.SHORTER_LEFTOVER:
                horizontal = dw < dh
            elif split is SplitRule.LONGER_LEFTOVER:
                horizontal = dw >= dh
            elif split is SplitRule.MIN_AREA:
                horizontal = ol * dh > dw * oh
            else:
                horizontal = ol * dh <= dw * oh
            if horizontal:  # full-length cut above the part
                right, top = (fx + ol, fy, dw, oh), (fx, fy + oh, fw, dh)
            else:  # full-width cut beside the part
                right, top = (fx + ol, fy, dw, fh), (fx, fy + oh, ol, dh)
            # The larger remainder goes on the stack last, so it is filled first.
            pair = (right, top) if right[2] * right[3] <= top[2] * top[3] else (top, right)
            for rect in pair:
                if rect[2] >= min_side and rect[3] >= min_side:
                    free.append(rect)
        return Fill(placed, waste)

    def fill(
        self, length_mm: int, width_mm: int, counts: Sequence[int], rules: Sequence[FillRule] | None = None
    ) -> list[Placed]:
        """The fullest pattern (most part area; ties: the earlier rule) over ``rules`` (default: all)."""
        k = self.kerf_mm
        return self.fill_free([(0, 0, length_mm + k, width_mm + k)], counts, rules).placed

    def fill_free(
        self, free: Sequence[FreeRect], counts: Sequence[int], rules: Sequence[FillRule] | None = None
    ) -> Fill:
        """The fullest fill of guillotine-separated free rectangles (inflated, from an earlier fill's waste).

        Each rectangle is cut off its neighbours by the cuts that made it, so filling it keeps the pattern
        guillotine; a second visit can use parts that were kept for other panels the first time.
        """
        best = Fill([], list(free))
        best_area = -1
        for rule in rules or self.rules:
            fill = self._fill_rects(list(free), counts, rule)
            area = sum(p.length_mm * p.width_mm for p in fill.placed)
            if area > best_area:
                best, best_area = fill, area
        return best

    def fits(self, item: int, length_mm: int, width_mm: int) -> bool:
        """Whether one part of type ``item`` fits a usable ``length_mm × width_mm`` area on its own."""
        it = self.items[item]
        if it.length_mm <= length_mm and it.width_mm <= width_mm:
            return True
        return it.rotatable and it.width_mm <= length_mm and it.length_mm <= width_mm


@dataclass(frozen=True, slots=True)
class SheetCount:
    """Standard sheets needed to cut a set of parts, and the parts too large for any sheet."""

    sheets: int
    oversize: tuple[int, ...]
    """Parts of each type that fit no sheet (not counted in ``sheets``)."""


def count_sheets(
    packer: Packer,
    length_mm: int,
    width_mm: int,
    counts: Sequence[int],
    rules: Sequence[FillRule] | None = None,
) -> SheetCount:
    """Sheets of usable ``length_mm × width_mm`` needed to cut every part in ``counts``.

    Sheet by sheet, each the fullest pattern over the rules from the parts still to cut (a best-fill
    bin-packing heuristic). Used for both sides of "raw board saved", so the two counts are comparable.
    """
    left = list(counts)
    oversize = [0] * len(left)
    for i, n in enumerate(left):
        if n and not packer.fits(i, length_mm, width_mm):
            oversize[i], left[i] = n, 0
    sheets = 0
    while any(left):
        placed = packer.fill(length_mm, width_mm, left, rules)
        if not placed:  # cannot happen: every remaining part fits an empty sheet
            raise RuntimeError("a part that fits a sheet could not be placed on an empty sheet")
        sheets += 1
        for p in placed:
            left[p.item] -= 1
    return SheetCount(sheets=sheets, oversize=tuple(oversize))


@dataclass(frozen=True, slots=True)
class Rect:
    """An axis-parallel rectangle in mm (for checks)."""

    x_mm: int
    y_mm: int
    length_mm: int
    width_mm: int


def is_guillotine(rects: Sequence[Rect], kerf_mm: int = 0) -> bool:
    """Whether the rectangles can be separated by edge-to-edge cuts of width ``kerf_mm``, recursively.

    Each rectangle is inflated by the kerf; a cut at ``c`` is possible when every inflated rectangle lies
    wholly before or after it and both sides keep at least one. Overlapping rectangles are never
    guillotine-separable. Used to check patterns (tests, imports).
    """
    k = kerf_mm
    boxes = [(r.x_mm, r.y_mm, r.x_mm + r.length_mm + k, r.y_mm + r.width_mm + k) for r in rects]
    stack = [boxes]
    while stack:
        group = stack.pop()
        if len(group) <= 1:
            continue
        parts = _cut(group, 0) or _cut(group, 1)
        if parts is None:
            return False
        stack.extend(parts)
    return True


def _cut(
    group: list[tuple[int, int, int, int]], axis: int
) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int, int, int]]] | None:
    """Split a group by the first straight cut along ``axis`` (0: x) that separates it, if any."""
    lo, hi = (0, 2) if axis == 0 else (1, 3)
    ordered = sorted(group, key=lambda b: b[lo])
    reach = ordered[0][hi]
    for n in range(1, len(ordered)):
        if ordered[n][lo] >= reach:
            return ordered[:n], ordered[n:]
        reach = max(reach, ordered[n][hi])
    return None


@dataclass(frozen=True, slots=True)
class AreaBound:
    """Upper bounds on the part area (mm², real, not inflated) that a set of panels can take."""

    lp_mm2: int
    """The LP relaxation bound (the one to quote; never above ``simple_mm2``)."""
    simple_mm2: int
    """min(usable area of panels that fit some part, area of parts that fit some panel)."""
    exact_lp: bool
    """False when the LP could not be solved and ``lp_mm2`` fell back to ``simple_mm2``."""
    plan: tuple[tuple[int, int, float], ...] = ()
    """The LP's fractional assignment ``(type, panel, parts)`` (non-zero entries); guides packing."""
    prices: tuple[float, ...] = ()
    """The LP's dual price of one more part of each type (mm² of reclaimed area); scarce parts cost."""


def normal_extents(extents: Sequence[int], limit: int) -> list[int]:
    """``out[n]`` = the largest sum of ``extents`` (each used any number of times) that is ``<= n``.

    Any packing can be pushed left and down until every part touches the edge or another part, so the
    far edge of a packed panel is a sum of part extents (Herz 1972; Christofides & Whitlock 1977,
    "normal patterns"): a panel of usable length ``n`` effectively offers only ``out[n]``.
    """
    reach = 1
    full = (1 << (limit + 1)) - 1
    for v in sorted({e for e in extents if 0 < e <= limit}):
        while True:
            grown = (reach | (reach << v)) & full
            if grown == reach:
                break
            reach = grown
    out = [0] * (limit + 1)
    best = 0
    for n in range(limit + 1):
        if (reach >> n) & 1:
            best = n
        out[n] = best
    return out


def _identity(x: float) -> float:
    return x


def _dff_big(k: int) -> DualFeasible:
    """Fekete–Schepers ``U^(k)``: ``x`` when ``(k+1)x`` is whole, else ``floor((k+1)x) / k``."""

    def f(x: float) -> float:
        y = (k + 1) * x
        return x if abs(y - round(y)) < 1e-12 else math.floor(y) / k

    return f


def _dff_eps(eps: float) -> DualFeasible:
    """Fekete–Schepers ``u^(eps)``: 1 above ``1 - eps``, 0 below ``eps``, ``x`` between."""

    def f(x: float) -> float:
        return 1.0 if x > 1 - eps else (0.0 if x < eps else x)

    return f


DualFeasible = Callable[[float], float]
DFF_PAIRS: tuple[tuple[DualFeasible, DualFeasible], ...] = (
    (_identity, _identity),
    (_dff_big(1), _identity),
    (_identity, _dff_big(1)),
    (_dff_big(2), _identity),
    (_identity, _dff_big(2)),
    (_dff_eps(0.2), _identity),
    (_identity, _dff_eps(0.2)),
    (_dff_big(1), _dff_big(1)),
)
"""Pairs of dual feasible functions (Fekete & Schepers 2004) giving one capacity row per panel each:
for any packing of rectangles ``w_i × h_i`` in a unit square, ``sum f1(w_i) f2(h_i) <= 1``. The first
pair is the plain area capacity."""


def area_upper_bound(
    items: Sequence[ItemType],
    counts: Sequence[int],
    panels: Sequence[tuple[int, int]],
    kerf_mm: int,
    *,
    seconds: float = 60.0,
    guillotine_caps: Sequence[int | None] | None = None,
) -> AreaBound:
    """An upper bound on the part area any packing (guillotine or not) of these parts onto these panels takes.

    ``panels`` are usable ``(length_mm, width_mm)`` (after edge trim). Argument, per panel ``o`` and part
    type ``t`` (inflated by the kerf: ``l' = l + k``, ``w' = w + k``; real area ``a_t = l w``):

    1. a packing on ``o`` lies, after normalisation (:func:`normal_extents`), inside ``L*_o × W*_o``
       (inflated);
    2. scaled to the unit square, the parts satisfy ``sum f1(x_i / L*) f2(y_i / W*) <= 1`` for every pair
       of dual feasible functions in :data:`DFF_PAIRS` (Fekete & Schepers, "A general framework for
       bounds for higher-dimensional orthogonal packing problems", 2004); with the identity pair this is
       the area capacity. A part that may turn takes the smaller coefficient of its two orientations;
    3. at most ``u_to`` parts of type ``t`` fit ``o`` (the grid count in ``L*_o × W*_o`` for a part that
       may not turn, the area count for one that may), and at most ``n_t`` exist;
    4. for guillotine patterns (the only ones this product cuts), ``guillotine_caps[o]`` when given is the
       exact best real area of an unconstrained guillotine pattern of ``o`` (:class:`GuillotineOptimum`),
       so ``sum_t a_t x_to <= guillotine_caps[o]``;
    5. so ``x_to`` = parts of type ``t`` on ``o`` satisfies every such row, ``sum_o x_to <= n_t`` and
       ``0 <= x_to <= u_to`` (``x_to = 0`` when ``t`` does not fit ``o``), and the reclaimed area
       ``sum a_t x_to`` is at most the LP optimum over real ``x``.

    The LP is solved by HiGHS (scipy); its optimum gets a relative margin of 1e-6 (above the solver's
    tolerances) and is then rounded down, as any real pattern's area is a whole number of mm². The simple
    bound is also returned (what the LP gives without 1–4), and
    replaces the LP bound when HiGHS finds no optimum within ``seconds``.
    """
    k = kerf_mm
    fit_pairs: list[tuple[int, int, int]] = []  # (type, panel, max count)
    if not panels or not items:
        return AreaBound(0, 0, True)
    limit = max(max(p) for p in panels) + k
    x_ext = [it.length_mm + k for it in items] + [it.width_mm + k for it in items if it.rotatable]
    y_ext = [it.width_mm + k for it in items] + [it.length_mm + k for it in items if it.rotatable]
    nx, ny = normal_extents(x_ext, limit), normal_extents(y_ext, limit)
    coefficients: list[list[float]] = []  # per fitting pair: one coefficient per DFF pair
    panel_fits = [False] * len(panels)
    type_fits = [False] * len(items)
    caps = list(guillotine_caps) if guillotine_caps is not None else [None] * len(panels)
    for o, (length, width) in enumerate(panels):
        lx, wy = nx[length + k], ny[width + k]
        cap = caps[o]
        if cap == 0:
            continue
        for t, it in enumerate(items):
            if counts[t] <= 0:
                continue
            il, iw = it.length_mm + k, it.width_mm + k
            orients = [(il, iw)] if il <= lx and iw <= wy else []
            if it.rotatable and iw <= lx and il <= wy:
                orients.append((iw, il))
            if not orients:
                continue
            # One orientation: a grid is best (DFFs 1/floor(L/a) on widths >= a, likewise heights). Mixed
            # orientations can beat both grids (40 × 41 parts in 81 × 120: 2 + 3), so turnable parts are
            # capped by area only.
            most = (lx // il) * (wy // iw) if not it.rotatable else (lx * wy) // (il * iw)
            fit_pairs.append((t, o, min(most, counts[t])))
            row = [min(f1(a / lx) * f2(b / wy) for a, b in orients) for f1, f2 in DFF_PAIRS]
            row.append(it.area_mm2 / cap if cap else 0.0)
            coefficients.append(row)
            panel_fits[o] = type_fits[t] = True
    usable = sum(length * width for o, (length, width) in enumerate(panels) if panel_fits[o])
    parts_area = sum(it.area_mm2 * counts[t] for t, it in enumerate(items) if type_fits[t])
    simple = min(usable, parts_area)
    if not fit_pairs:
        return AreaBound(0, 0, True)
    solved = _solve_bound_lp(items, counts, len(panels), fit_pairs, coefficients, seconds)
    if solved is None:
        return AreaBound(simple, simple, False)
    value, x, prices = solved
    plan = tuple((t, o, float(v)) for (t, o, _), v in zip(fit_pairs, x, strict=True) if v > 1e-9)
    return AreaBound(min(simple, math.floor(value * (1 + 1e-6))), simple, True, plan, tuple(prices))


def _solve_bound_lp(
    items: Sequence[ItemType],
    counts: Sequence[int],
    panels: int,
    fit_pairs: Sequence[tuple[int, int, int]],
    coefficients: Sequence[Sequence[float]],
    seconds: float,
) -> tuple[float, list[float], list[float]] | None:
    """The LP of :func:`area_upper_bound`: (optimum, solution, supply prices), or None without an optimum."""
    import numpy as np
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    n = len(fit_pairs)
    d = len(DFF_PAIRS) + 1
    t_idx = np.fromiter((p[0] for p in fit_pairs), dtype=np.int64, count=n)
    o_idx = np.fromiter((p[1] for p in fit_pairs), dtype=np.int64, count=n)
    upper = np.fromiter((p[2] for p in fit_pairs), dtype=np.float64, count=n)
    coef = np.asarray(coefficients, dtype=np.float64).reshape(n, d)
    real = np.array([it.area_mm2 for it in items], dtype=np.float64)
    # Rows: d capacity rows per panel (row o * d + j), then one supply row per part type.
    var = np.arange(n)
    rows = np.concatenate([(o_idx * d)[:, None] + np.arange(d)[None, :], np.full((n, 1), 0)], axis=1)
    rows[:, d] = panels * d + t_idx
    cols = np.repeat(var[:, None], d + 1, axis=1)
    vals = np.concatenate([coef, np.ones((n, 1))], axis=1)
    keep = vals.ravel() > 0
    a_ub = coo_matrix(
        (vals.ravel()[keep], (rows.ravel()[keep], cols.ravel()[keep])), shape=(panels * d + len(items), n)
    ).tocsr()
    b_ub = np.concatenate([np.ones(panels * d), np.asarray(counts, dtype=np.float64)])
    scale = 1e-6  # objective in m², so HiGHS sees numbers near 1
    res = linprog(
        -real[t_idx] * scale,
        A_ub=a_ub,
        b_ub=b_ub,
        bounds=np.column_stack([np.zeros(n), upper]),
        method="highs-ipm",
        options={"time_limit": seconds},
    )
    if res.status != 0:
        return None
    # Marginals of the supply rows: d(objective)/d(n_t) of the minimisation, in scaled units.
    supply = np.asarray(res.ineqlin.marginals, dtype=np.float64)[panels * d :]
    prices = [max(0.0, float(-m) / scale) for m in supply]
    return float(-res.fun) / scale, [float(v) for v in res.x], prices


class BudgetExceeded(Exception):
    """The exact guillotine recursion ran out of its work budget (the caller falls back to heuristics)."""


class GuillotineOptimum:
    """Exact unconstrained two-dimensional guillotine knapsack, by recursion over normal cut positions.

    ``V(x, y)`` = the most real part area a guillotine pattern of an (inflated) ``x × y`` rectangle holds
    when every part type is available without limit: the best single part, or the best first cut (vertical
    at ``x1`` or horizontal at ``y1``, only at sums of part extents and up to half the side, by symmetry)
    plus the two halves (Gilmore & Gomory 1966; Beasley 1985, "Algorithms for unconstrained
    two-dimensional guillotine cutting"). Values are memoised per rectangle, so every panel of a group
    shares the work. A budget of cut evaluations bounds the time; past it :class:`BudgetExceeded` is
    raised and the memo keeps what was finished.

    With part counts limited the true optimum can only be lower, so ``V`` is an upper bound for every
    guillotine pattern of the rectangle (used by the offcut bound), and its pattern, when the counts allow
    it, is an optimal one (used by the packing). ``profits`` replaces the part areas as values (Lagrangian
    prices: area less the price of a scarce part); parts with no positive profit are left out.
    """

    def __init__(
        self,
        items: Sequence[ItemType],
        kerf_mm: int,
        budget: int = 2_000_000,
        profits: Sequence[int] | None = None,
    ) -> None:
        k = kerf_mm
        self.kerf_mm = k
        self.budget = budget
        self.spent = 0
        gain = list(profits) if profits is not None else [it.area_mm2 for it in items]
        orients: list[tuple[int, int, int, int, bool]] = []  # (x, y, profit, item, rotated)
        for i, it in enumerate(items):
            if gain[i] <= 0:
                continue
            orients.append((it.length_mm + k, it.width_mm + k, gain[i], i, False))
            if it.rotatable and it.length_mm != it.width_mm:
                orients.append((it.width_mm + k, it.length_mm + k, gain[i], i, True))
        self._orients = orients
        limit = MAX_BIN_MM + k
        self.nx = normal_extents([o[0] for o in orients], limit)
        self.ny = normal_extents([o[1] for o in orients], limit)
        self._xs = [n for n in range(1, limit + 1) if self.nx[n] == n]
        self._ys = [n for n in range(1, limit + 1) if self.ny[n] == n]
        self._memo: dict[tuple[int, int], tuple[int, tuple[str, int]]] = {}

    def value(self, x: int, y: int) -> int:
        """Best value (real area in mm², or profit) of an inflated ``x × y`` rectangle.

        Raises:
            BudgetExceeded: the work budget ran out before the value was known.
        """
        return self._solve(self.nx[x], self.ny[y])[0]

    def _solve(self, x: int, y: int) -> tuple[int, tuple[str, int]]:
        key = (x, y)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        best = 0
        choice: tuple[str, int] = ("waste", -1)
        for n, (ox, oy, area, _, _) in enumerate(self._orients):
            if ox <= x and oy <= y and area > best:
                best, choice = area, ("part", n)
        nx, ny, xs, ys = self.nx, self.ny, self._xs, self._ys
        end = bisect.bisect_right(xs, x // 2)
        self.spent += end + bisect.bisect_right(ys, y // 2)
        if self.spent > self.budget:
            raise BudgetExceeded
        for x1 in xs[:end]:
            v = self._solve(x1, y)[0]
            if v == 0:
                continue
            v += self._solve(nx[x - x1], y)[0]
            if v > best:
                best, choice = v, ("x", x1)
        for y1 in ys[: bisect.bisect_right(ys, y // 2)]:
            v = self._solve(x, y1)[0]
            if v == 0:
                continue
            v += self._solve(x, ny[y - y1])[0]
            if v > best:
                best, choice = v, ("y", y1)
        self._memo[key] = (best, choice)
        return best, choice

    def pattern(self, x: int, y: int) -> Fill:
        """The optimal pattern of an inflated ``x × y`` rectangle (origin at its corner) and its free
        rectangles (inflated; guillotine-separated, so another fill may use them)."""
        k = self.kerf_mm
        out: list[Placed] = []
        waste: list[FreeRect] = []
        stack = [(0, 0, x, y)]
        while stack:
            px, py, w, h = stack.pop()
            nw, nh = self.nx[w], self.ny[h]
            if nw < w:
                waste.append((px + nw, py, w - nw, h))
            if nh < h and nw > 0:
                waste.append((px, py + nh, nw, h - nh))
            if nw == 0 or nh == 0:
                continue
            _, (kind, at) = self._solve(nw, nh)
            if kind == "part":
                ox, oy, _, item, rotated = self._orients[at]
                out.append(Placed(item, px, py, ox - k, oy - k, rotated))
                if ox < nw:
                    waste.append((px + ox, py, nw - ox, nh))
                if oy < nh:
                    waste.append((px, py + oy, ox, nh - oy))
            elif kind == "x":
                stack += [(px, py, at, nh), (px + at, py, nw - at, nh)]
            elif kind == "y":
                stack += [(px, py, nw, at), (px, py + at, nw, nh - at)]
            else:
                waste.append((px, py, nw, nh))
        return Fill(out, waste)
