"""Offcut reuse: cut parts of upcoming production runs from surplus panels instead of new boards.

Pure engine: :class:`OffcutProblem` (a cut list and the panels in the racks) in,
:class:`OffcutResult` out, no I/O. Parts and panels are matched within a group of the same site (unless
``same_site`` is off), material, finish and thickness. Per group:

1. identical parts become one part type (length, width, may it rotate);
2. a first pass fills the panels, largest first, each with the fullest guillotine pattern the rules of
   :class:`~microfactory.circular.packing.Packer` find from the parts still uncovered (usable area =
   panel less ``trim_mm`` on every edge; one ``kerf_mm`` between parts), then refills every pattern's
   waste rectangles from what is left. If that cuts every part, the group is done;
3. otherwise each panel's exact best guillotine pattern for unlimited parts is computed
   (:class:`~microfactory.circular.packing.GuillotineOptimum`), the LP bound
   (:func:`~microfactory.circular.packing.area_upper_bound`) is solved with those values as caps, and
   its dual prices of the part types give a Lagrangian bound and priced patterns (the best pattern per
   panel when scarce parts cost what the LP says they are worth). More passes follow: in either panel
   order, with or without the LP's plan holding parts back for the panels it gives them to, using the
   exact or the priced patterns where the parts allow (a priced pattern whose parts ran out is repaired:
   the missing parts' places join the waste). The pass with most reclaimed area is kept;
4. raw board saved = standard sheets needed for every part of the group minus sheets needed for the
   parts not covered, both counted by the same sheet packing (``packing.count_sheets``);
5. the bound quoted is the smaller of the LP and the Lagrangian bound (both valid for every guillotine
   pattern; see ``docs/offcuts.md``).

Deterministic for a seed; ``seconds`` is a safety limit (when it is hit the remaining panels get only the
first rule, and the result says so).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import model_validator

from microfactory.circular.packing import (
    DEFAULT_RULES,
    AreaBound,
    BudgetExceeded,
    Fill,
    FreeRect,
    GuillotineOptimum,
    ItemType,
    Packer,
    Placed,
    area_upper_bound,
    count_sheets,
)
from microfactory.domain.base import DomainModel
from microfactory.domain.cutlist import CutList, CutPart, SurplusPanel


@dataclass(frozen=True, slots=True)
class OffcutSettings:
    """Saw and board settings of an offcut match (all lengths in mm).

    Raises:
        ValueError: a negative kerf or trim, a non-positive sheet size or time limit.
    """

    kerf_mm: int = 4
    """Width of the saw cut between two parts."""
    trim_mm: int = 5
    """Taken off every edge of an offcut before parts are placed (chipped or dirty edges)."""
    sheet_length_mm: int = 2440
    sheet_width_mm: int = 1220
    sheet_trim_mm: int = 5
    """Edge trim of a standard sheet."""
    same_site: bool = True
    """Match panels only to parts cut at the same site."""
    seconds: float = 30.0
    """Wall-clock safety limit for the whole match."""
    exact_budget: int = 3_000_000
    """Cut evaluations per group for the exact unconstrained guillotine optimum of each panel (past it,
    the remaining panels use the heuristics and the dual feasible bound rows only)."""

    def __post_init__(self) -> None:
        if self.kerf_mm < 0 or self.trim_mm < 0 or self.sheet_trim_mm < 0:
            raise ValueError("kerf_mm, trim_mm and sheet_trim_mm must be >= 0")
        if (
            self.sheet_length_mm - 2 * self.sheet_trim_mm <= 0
            or self.sheet_width_mm - 2 * self.sheet_trim_mm <= 0
        ):
            raise ValueError("the standard sheet must be larger than twice its trim")
        if not (math.isfinite(self.seconds) and self.seconds > 0):
            raise ValueError(f"seconds must be a positive number, got {self.seconds}")


class OffcutProblem(DomainModel):
    """Parts to cut and panels to cut them from; panel ids are unique."""

    cut_list: CutList
    panels: tuple[SurplusPanel, ...]

    @model_validator(mode="after")
    def _unique_panels(self) -> OffcutProblem:
        seen: set[str] = set()
        for panel in self.panels:
            if panel.panel_id in seen:
                raise ValueError(f"duplicate panel_id {panel.panel_id!r}")
            seen.add(panel.panel_id)
        return self


GroupKey = tuple[str, str, str, float]
"""(site or ``*``, material, finish, thickness_mm)."""


@dataclass(frozen=True, slots=True)
class PiecePlacement:
    """One piece of a cut-list part on a panel: x along the panel's length, y across, mm from its corner."""

    part_id: str
    piece: int
    """1 … the part's quantity."""
    run_code: str
    sku: str
    part_name: str
    x_mm: int
    y_mm: int
    length_mm: int
    """Extent along the panel's length."""
    width_mm: int
    """Extent across the panel."""
    rotated: bool
    """True when the part's length runs across the panel."""

    @property
    def area_mm2(self) -> int:
        """Area in mm²."""
        return self.length_mm * self.width_mm


@dataclass(frozen=True, slots=True)
class CuttingPattern:
    """What to cut from one panel."""

    panel: SurplusPanel
    placements: tuple[PiecePlacement, ...]

    @property
    def used_area_mm2(self) -> int:
        """Part area cut from the panel, mm²."""
        return sum(p.area_mm2 for p in self.placements)

    @property
    def fill_pct(self) -> float:
        """Part area as a share of the panel's area, per cent."""
        return 100.0 * self.used_area_mm2 / self.panel.area_mm2


@dataclass(frozen=True, slots=True)
class GroupOutcome:
    """Figures for one site × material × finish × thickness group (areas in mm²)."""

    site: str
    material: str
    finish: str
    thickness_mm: float
    panels: int
    panel_area_mm2: int
    pieces: int
    pieces_area_mm2: int
    pieces_covered: int
    reclaimed_area_mm2: int
    bound_area_mm2: int
    simple_bound_area_mm2: int
    sheets_all: int
    sheets_rest: int
    oversize_pieces: int
    """Pieces larger than a standard sheet (counted in no sheet figure)."""

    @property
    def label(self) -> str:
        """``SITE melamine/white/18``."""
        return f"{self.site} {self.material}/{self.finish}/{self.thickness_mm:g}"

    @property
    def sheets_saved(self) -> int:
        """Standard sheets not needed thanks to the offcuts."""
        return self.sheets_all - self.sheets_rest


@dataclass(frozen=True)
class OffcutResult:
    """Cutting patterns per panel, figures per group, and the totals."""

    patterns: tuple[CuttingPattern, ...]
    groups: tuple[GroupOutcome, ...]
    panel_area_mm2: int
    """Area of every panel offered (matched or not)."""
    settings: OffcutSettings
    seconds: float
    timed_out: bool
    covered: frozenset[tuple[str, int]] = field(default_factory=frozenset)
    """(part_id, piece) of every piece cut from an offcut."""

    @property
    def reclaimed_area_mm2(self) -> int:
        """Part area cut from offcuts, mm²."""
        return sum(g.reclaimed_area_mm2 for g in self.groups)

    @property
    def bound_area_mm2(self) -> int:
        """Upper bound on the part area any packing could cut from these offcuts, mm²."""
        return sum(g.bound_area_mm2 for g in self.groups)

    @property
    def boards_saved(self) -> int:
        """Standard sheets saved over all groups."""
        return sum(g.sheets_saved for g in self.groups)

    @property
    def reclaimed_pct(self) -> float:
        """Reclaimed area as a share of the offcut area offered, per cent."""
        return 100.0 * self.reclaimed_area_mm2 / self.panel_area_mm2 if self.panel_area_mm2 else 0.0

    @property
    def bound_pct(self) -> float:
        """The upper bound as a share of the offcut area offered, per cent."""
        return 100.0 * self.bound_area_mm2 / self.panel_area_mm2 if self.panel_area_mm2 else 0.0

    @property
    def gap_pct(self) -> float:
        """How far the reclaimed area is below the bound, per cent of the bound."""
        bound = self.bound_area_mm2
        return 100.0 * (bound - self.reclaimed_area_mm2) / bound if bound else 0.0

    def kpis(self) -> dict[str, float | int]:
        """Headline figures (areas in m²)."""
        return {
            "panels": sum(g.panels for g in self.groups),
            "panels_used": len(self.patterns),
            "pieces": sum(g.pieces for g in self.groups),
            "pieces_from_offcuts": sum(g.pieces_covered for g in self.groups),
            "offcut_area_m2": round(self.panel_area_mm2 / 1e6, 3),
            "reclaimed_area_m2": round(self.reclaimed_area_mm2 / 1e6, 3),
            "reclaimed_pct": round(self.reclaimed_pct, 2),
            "bound_pct": round(self.bound_pct, 2),
            "gap_to_bound_pct": round(self.gap_pct, 2),
            "boards_needed": sum(g.sheets_all for g in self.groups),
            "boards_saved": self.boards_saved,
        }


def group_key(site: str, material: str, finish: str, thickness_mm: float, *, same_site: bool) -> GroupKey:
    """The matching key of a part or panel."""
    return (site if same_site else "*", material, finish, float(thickness_mm))


@dataclass
class _Group:
    """Parts (as types with their pieces) and panels of one matching group."""

    key: GroupKey
    panels: list[SurplusPanel] = field(default_factory=list)
    types: dict[tuple[int, int, bool], int] = field(default_factory=dict)
    items: list[ItemType] = field(default_factory=list)
    pieces: list[list[tuple[CutPart, int]]] = field(default_factory=list)

    def add_part(self, part: CutPart) -> None:
        sig = (part.length_mm, part.width_mm, part.rotation_allowed)
        t = self.types.get(sig)
        if t is None:
            t = self.types[sig] = len(self.items)
            self.items.append(ItemType(part.length_mm, part.width_mm, part.rotation_allowed))
            self.pieces.append([])
        self.pieces[t].extend((part, n) for n in range(1, part.quantity + 1))


def match_offcuts(
    problem: OffcutProblem, settings: OffcutSettings | None = None, *, seed: int = 1
) -> OffcutResult:
    """Match surplus panels to the parts of upcoming runs and count the raw board saved.

    Args:
        problem: the cut list and the panels on offer.
        settings: kerf, trims, standard sheet, site matching, time limit.
        seed: seeds the randomised fill rule; the same seed gives the same patterns.

    Returns:
        Patterns (only panels that take at least one part), per-group figures and totals.
    """
    cfg = settings or OffcutSettings()
    started = time.perf_counter()
    deadline = started + cfg.seconds
    groups: dict[GroupKey, _Group] = {}
    for part in problem.cut_list.parts:
        key = group_key(part.site, part.material, part.finish, part.thickness_mm, same_site=cfg.same_site)
        groups.setdefault(key, _Group(key)).add_part(part)
    for panel in problem.panels:
        key = group_key(panel.site, panel.material, panel.finish, panel.thickness_mm, same_site=cfg.same_site)
        groups.setdefault(key, _Group(key)).panels.append(panel)

    patterns: list[CuttingPattern] = []
    outcomes: list[GroupOutcome] = []
    covered: set[tuple[str, int]] = set()
    timed_out = False
    for key in sorted(groups):
        group = groups[key]
        group_patterns, outcome, hit_limit = _solve_group(group, cfg, seed, deadline)
        timed_out = timed_out or hit_limit
        patterns.extend(group_patterns)
        outcomes.append(outcome)
        covered.update((p.part_id, p.piece) for pat in group_patterns for p in pat.placements)
    return OffcutResult(
        patterns=tuple(patterns),
        groups=tuple(outcomes),
        panel_area_mm2=sum(p.area_mm2 for p in problem.panels),
        settings=cfg,
        seconds=time.perf_counter() - started,
        timed_out=timed_out,
        covered=frozenset(covered),
    )


def _usable(panel: SurplusPanel, trim_mm: int) -> tuple[int, int]:
    return panel.length_mm - 2 * trim_mm, panel.width_mm - 2 * trim_mm


def _pass(
    packer: Packer,
    order: Sequence[int],
    usable: Sequence[tuple[int, int]],
    counts: Sequence[int],
    deadline: float,
    plan: Sequence[tuple[int, int, float]] = (),
    exact: Mapping[int, Fill] | None = None,
    prefer_exact: bool = False,
) -> tuple[dict[int, list[Placed]], int, bool]:
    """Fill panels in ``order``, then refill their waste rectangles from the parts still left.

    With an LP ``plan`` (type, panel, parts), parts the LP gives to panels later in the order are held
    back from earlier ones (narrow parts stay for narrow strips that can take nothing else). A panel's
    ``exact`` pattern (optimal for unlimited parts) is used when the parts it needs are available and, unless
    ``prefer_exact``, when it holds more than the heuristics' pattern. Returns the placements per panel, the
    real area placed and whether time ran out.
    """
    left = list(counts)
    out: dict[int, list[Placed]] = {}
    waste: dict[int, list[FreeRect]] = {}
    area = 0
    late = False
    first_rule = packer.rules[:1]
    reserve = [0.0] * len(counts)
    by_panel: dict[int, list[tuple[int, float]]] = {}
    for t, o, x in plan:
        reserve[t] += x
        by_panel.setdefault(o, []).append((t, x))
    k = packer.kerf_mm
    for o in order:
        for t, x in by_panel.get(o, ()):
            reserve[t] -= x
        if not any(left):
            break
        length, width = usable[o]
        if length <= 0 or width <= 0:
            continue
        if not late and time.perf_counter() > deadline:
            late = True
        avail = [max(0, n - int(r + 1e-6)) for n, r in zip(left, reserve, strict=True)] if plan else left
        known = exact.get(o) if exact else None
        if prefer_exact and known and known.placed and _available(known.placed, left):
            fill = known
        else:
            fill = packer.fill_free([(0, 0, length + k, width + k)], avail, first_rule if late else None)
            if known and _available(known.placed, avail) and _area(known.placed) > _area(fill.placed):
                fill = known
            elif prefer_exact and known:
                repaired = _repair(known, left, k)
                if _area(repaired.placed) > _area(fill.placed):
                    fill = repaired
        waste[o] = list(fill.waste)
        if fill.placed:
            out[o] = list(fill.placed)
            for p in fill.placed:
                left[p.item] -= 1
                area += p.area_mm2
    for o in order:
        if not any(left):
            break
        if not waste.get(o):
            continue
        fill = packer.fill_free(waste[o], left, first_rule if late else None)
        if fill.placed:
            out.setdefault(o, []).extend(fill.placed)
            for p in fill.placed:
                left[p.item] -= 1
                area += p.area_mm2
    return out, area, late


def _repair(fill: Fill, left: Sequence[int], kerf_mm: int) -> Fill:
    """The pattern less the parts that have run out; their (inflated) places join the free rectangles.

    Dropping parts from a guillotine pattern keeps it guillotine, and each freed place is a leaf of its
    cutting tree, so the refill may use it.
    """
    need = list(left)
    kept: list[Placed] = []
    waste = list(fill.waste)
    for p in fill.placed:
        if need[p.item] > 0:
            need[p.item] -= 1
            kept.append(p)
        else:
            waste.append((p.x_mm, p.y_mm, p.length_mm + kerf_mm, p.width_mm + kerf_mm))
    return Fill(kept, waste)


def _area(placed: Sequence[Placed]) -> int:
    return sum(p.area_mm2 for p in placed)


def _available(placed: Sequence[Placed], avail: Sequence[int]) -> bool:
    need: dict[int, int] = {}
    for p in placed:
        need[p.item] = need.get(p.item, 0) + 1
    return all(avail[i] >= n for i, n in need.items())


def _exact_patterns(
    group: _Group,
    positive: Sequence[int],
    usable: Sequence[tuple[int, int]],
    cfg: OffcutSettings,
    profits: Sequence[int] | None = None,
) -> tuple[dict[int, int], dict[int, Fill]]:
    """Per usable panel, the exact unconstrained guillotine optimum (value, pattern) within the budget.

    Panels past the budget are missing from both maps. ``profits`` values parts by Lagrangian prices.
    """
    k = cfg.kerf_mm
    solver = GuillotineOptimum(group.items, k, budget=cfg.exact_budget, profits=profits)
    values: dict[int, int] = {}
    patterns: dict[int, Fill] = {}
    # Small panels first: their values are the building blocks of the larger ones.
    for o in sorted(positive, key=lambda o: (usable[o][0] * usable[o][1], o)):
        length, width = usable[o]
        try:
            values[o] = solver.value(length + k, width + k)
        except BudgetExceeded:
            break
        patterns[o] = solver.pattern(length + k, width + k)
    return values, patterns


def _lagrangian_bound(
    group: _Group,
    counts: Sequence[int],
    positive: Sequence[int],
    usable: Sequence[tuple[int, int]],
    cfg: OffcutSettings,
    prices: Sequence[int],
    priced: Mapping[int, int],
) -> int:
    """``sum_t price_t n_t + sum_o V_o(price)``: an upper bound on reclaimed area for any prices >= 0.

    Relaxing the supply rows ``sum_o x_to <= n_t`` with prices leaves one problem per panel: the most
    profit (area less price) of a guillotine pattern, at most ``V_o`` (unconstrained, exact). Panels past
    the work budget are bounded by their inflated area times the best profit per inflated mm².
    """
    k = cfg.kerf_mm
    total = sum(p * n for p, n in zip(prices, counts, strict=True))
    density = max(
        (
            (it.area_mm2 - prices[t]) / ((it.length_mm + k) * (it.width_mm + k))
            for t, it in enumerate(group.items)
        ),
        default=0.0,
    )
    for o in positive:
        if o in priced:
            total += priced[o]
        else:
            length, width = usable[o]
            total += math.ceil(max(density, 0.0) * (length + k) * (width + k))
    return total


def _solve_group(
    group: _Group, cfg: OffcutSettings, seed: int, deadline: float
) -> tuple[list[CuttingPattern], GroupOutcome, bool]:
    """Patterns and figures for one group."""
    site, material, finish, thickness = group.key
    counts = [len(p) for p in group.pieces]
    packer = Packer(group.items, kerf_mm=cfg.kerf_mm, rules=DEFAULT_RULES, seed=seed)
    usable = [_usable(p, cfg.trim_mm) for p in group.panels]
    positive = [o for o, u in enumerate(usable) if min(u) > 0]
    bound = AreaBound(0, 0, True)
    bound_mm2 = 0
    optimal: dict[int, Fill] = {}
    priced_patterns: dict[int, Fill] = {}
    timed_out = False
    best: dict[int, list[Placed]] = {}
    by_area = sorted(positive, key=lambda o: (-usable[o][0] * usable[o][1], group.panels[o].panel_id))
    best_area = -1
    done = not (group.items and positive)
    if not done:
        # When the plain heuristic already cuts every part from offcuts, nothing is left to gain.
        best, best_area, timed_out = _pass(packer, by_area, usable, counts, deadline)
        if best_area == sum(it.area_mm2 * n for it, n in zip(group.items, counts, strict=True)):
            bound, bound_mm2, done = AreaBound(best_area, best_area, True), best_area, True
    if not done:
        values, optimal = _exact_patterns(group, positive, usable, cfg)
        bound = area_upper_bound(
            group.items,
            counts,
            [usable[o] for o in positive],
            cfg.kerf_mm,
            seconds=max(deadline - time.perf_counter(), 1.0),
            guillotine_caps=[values.get(o) for o in positive],
        )
        bound_mm2 = bound.lp_mm2
        if bound.prices and any(p > 0.5 for p in bound.prices):
            prices = [round(p) for p in bound.prices]
            profits = [it.area_mm2 - p for it, p in zip(group.items, prices, strict=True)]
            priced, priced_patterns = _exact_patterns(group, positive, usable, cfg, profits)
            lagrange = _lagrangian_bound(group, counts, positive, usable, cfg, prices, priced)
            bound_mm2 = min(bound_mm2, lagrange)
        plan = tuple((t, positive[o], x) for t, o, x in bound.plan)
        attempts: list[tuple[list[int], Sequence[tuple[int, int, float]], Mapping[int, Fill], bool]] = [
            (by_area, plan, optimal, False),
            (by_area[::-1], (), optimal, False),
            (by_area[::-1], plan, optimal, False),
        ]
        if priced_patterns:
            attempts += [
                (by_area[::-1], plan, priced_patterns, True),
                (by_area[::-1], (), priced_patterns, True),
            ]
        for order, guide, exact, prefer in attempts:
            if time.perf_counter() > deadline and best_area >= 0:
                timed_out = True
                break
            found, area, late = _pass(packer, order, usable, counts, deadline, guide, exact, prefer)
            timed_out = timed_out or late
            if area > best_area:
                best, best_area = found, area

    # Assign concrete pieces to the chosen placements, in cut-list order within each part type.
    next_piece = [0] * len(group.items)
    left = list(counts)
    patterns: list[CuttingPattern] = []
    for o in sorted(best, key=lambda o: group.panels[o].panel_id):
        placements = []
        for p in best[o]:
            part, piece = group.pieces[p.item][next_piece[p.item]]
            next_piece[p.item] += 1
            left[p.item] -= 1
            placements.append(
                PiecePlacement(
                    part_id=part.part_id,
                    piece=piece,
                    run_code=part.run_code,
                    sku=part.sku,
                    part_name=part.part_name,
                    x_mm=p.x_mm + cfg.trim_mm,
                    y_mm=p.y_mm + cfg.trim_mm,
                    length_mm=p.length_mm,
                    width_mm=p.width_mm,
                    rotated=p.rotated,
                )
            )
        patterns.append(CuttingPattern(panel=group.panels[o], placements=tuple(placements)))

    sheet_l = cfg.sheet_length_mm - 2 * cfg.sheet_trim_mm
    sheet_w = cfg.sheet_width_mm - 2 * cfg.sheet_trim_mm
    all_sheets = count_sheets(packer, sheet_l, sheet_w, counts)
    rest_sheets = count_sheets(packer, sheet_l, sheet_w, left) if best else all_sheets
    # The sheets cutting every part also cut any subset, so fewer parts never need more sheets (the
    # heuristic is not monotone on its own).
    rest_count = min(rest_sheets.sheets, all_sheets.sheets)
    reclaimed = sum(pat.used_area_mm2 for pat in patterns)
    outcome = GroupOutcome(
        site=site,
        material=material,
        finish=finish,
        thickness_mm=thickness,
        panels=len(group.panels),
        panel_area_mm2=sum(p.area_mm2 for p in group.panels),
        pieces=sum(counts),
        pieces_area_mm2=sum(it.area_mm2 * n for it, n in zip(group.items, counts, strict=True)),
        pieces_covered=sum(counts) - sum(left),
        reclaimed_area_mm2=reclaimed,
        bound_area_mm2=bound_mm2,
        simple_bound_area_mm2=bound.simple_mm2,
        sheets_all=all_sheets.sheets,
        sheets_rest=rest_count,
        oversize_pieces=sum(all_sheets.oversize),
    )
    return patterns, outcome, timed_out
