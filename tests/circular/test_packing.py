"""Guillotine packing with kerf: hand-checked fills, sheet counts, the guillotine check and the bound."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microfactory.circular.packing import (
    DEFAULT_RULES,
    BudgetExceeded,
    FillRule,
    FitScore,
    GuillotineOptimum,
    ItemType,
    Packer,
    Placed,
    Rect,
    SplitRule,
    area_upper_bound,
    count_sheets,
    is_guillotine,
    normal_extents,
)


def _rects(placed: list[Placed]) -> list[Rect]:
    return [Rect(p.x_mm, p.y_mm, p.length_mm, p.width_mm) for p in placed]


def test_two_parts_fit_side_by_side_without_kerf() -> None:
    """A 1000 × 600 offcut takes exactly two 600 × 500 parts when the saw takes nothing."""
    packer = Packer([ItemType(600, 500)], kerf_mm=0)
    placed = packer.fill(1000, 600, [5])
    assert len(placed) == 2
    assert all(p.rotated for p in placed)  # 500 along the 1000, 600 across
    assert is_guillotine(_rects(placed))


def test_kerf_leaves_room_for_one_part_only() -> None:
    """With a 4 mm kerf, 500 + 4 + 500 > 1000: the same offcut takes one part."""
    assert len(Packer([ItemType(600, 500)], kerf_mm=4).fill(1000, 600, [5])) == 1


def test_grain_forbids_rotation() -> None:
    """A 1000 × 200 grained part cannot run across a 600-long panel; a grainless one can, three times."""
    grained = Packer([ItemType(1000, 200, rotatable=False)], kerf_mm=0)
    assert grained.fill(600, 1000, [5]) == []
    free = Packer([ItemType(1000, 200, rotatable=True)], kerf_mm=0)
    placed = free.fill(600, 1000, [5])
    assert len(placed) == 3
    assert all(p.rotated and p.length_mm == 200 and p.width_mm == 1000 for p in placed)


def test_fill_respects_counts() -> None:
    """Never more parts of a type than are left."""
    placed = Packer([ItemType(100, 100)], kerf_mm=0).fill(1000, 1000, [7])
    assert len(placed) == 7


def test_fill_prefers_more_area() -> None:
    """A 700 × 500 panel: one 700 × 500 part beats anything built from 300 × 200 parts."""
    packer = Packer([ItemType(300, 200), ItemType(700, 500)], kerf_mm=0)
    placed = packer.fill(700, 500, [10, 1])
    assert sum(p.area_mm2 for p in placed) == 350_000


def test_count_sheets_by_hand() -> None:
    """Eight 1220 × 610 parts fill two 2440 × 1220 sheets exactly; a ninth needs a third sheet."""
    packer = Packer([ItemType(1220, 610)], kerf_mm=0)
    assert count_sheets(packer, 2440, 1220, [8]).sheets == 2
    assert count_sheets(packer, 2440, 1220, [9]).sheets == 3


def test_count_sheets_sets_aside_oversize_parts() -> None:
    """A part larger than the sheet is reported, not counted."""
    packer = Packer([ItemType(3000, 600), ItemType(500, 500)], kerf_mm=4)
    count = count_sheets(packer, 2440, 1220, [2, 1])
    assert count.sheets == 1
    assert count.oversize == (2, 0)


def test_is_guillotine_refuses_a_pinwheel() -> None:
    """Four rectangles around a centre square cannot be cut edge to edge; a grid can."""
    pinwheel = [Rect(0, 0, 2, 1), Rect(2, 0, 1, 2), Rect(1, 2, 2, 1), Rect(0, 1, 1, 2), Rect(1, 1, 1, 1)]
    assert not is_guillotine(pinwheel)
    grid = [Rect(x, y, 1, 1) for x, y in itertools.product(range(3), range(2))]
    assert is_guillotine(grid)
    assert not is_guillotine([Rect(0, 0, 2, 2), Rect(1, 1, 2, 2)])  # overlap


def test_is_guillotine_counts_the_kerf() -> None:
    """Two parts 2 mm apart cannot be separated by a 4 mm saw cut."""
    pair = [Rect(0, 0, 100, 100), Rect(102, 0, 100, 100)]
    assert is_guillotine(pair, kerf_mm=0)
    assert not is_guillotine(pair, kerf_mm=4)


def test_normal_extents_by_hand() -> None:
    """Sums of 3 and 5 up to 12: 0, 3, 5, 6, 8, 9, 10, 11, 12."""
    out = normal_extents([3, 5], 12)
    assert out == [0, 0, 0, 3, 3, 5, 6, 6, 8, 9, 10, 11, 12]


def test_bound_matches_hand_cases() -> None:
    """1000 × 600 and 600 × 500 parts: the bound is two parts without kerf and one with a 4 mm kerf."""
    items = [ItemType(600, 500)]
    assert area_upper_bound(items, [5], [(1000, 600)], 0).lp_mm2 == 600_000
    assert area_upper_bound(items, [5], [(1000, 600)], 4).lp_mm2 == 300_000
    assert area_upper_bound(items, [1], [(1000, 600)], 0).lp_mm2 == 300_000
    assert area_upper_bound(items, [5], [(400, 400)], 0).lp_mm2 == 0


def test_bound_allows_mixed_orientations() -> None:
    """Five 40 × 41 parts fit 81 × 120 (a column of two beside a column of three), more than either grid."""
    items = [ItemType(40, 41)]
    assert GuillotineOptimum(items, kerf_mm=0).value(81, 120) == 5 * 1640
    assert area_upper_bound(items, [10], [(81, 120)], 0).lp_mm2 >= 5 * 1640
    grained = [ItemType(40, 41, rotatable=False)]
    assert area_upper_bound(grained, [10], [(81, 120)], 0).lp_mm2 == 4 * 1640


def test_bound_dual_feasible_rows_cut_mixed_fills() -> None:
    """1000 × 1000 panel, 600 × 600 and 600 × 300 parts: the best pattern holds 0.72 m² (one square and
    two strips, or four strips); plain area says 1.0 m², the dual feasible rows bring the bound down."""
    items = [ItemType(600, 600), ItemType(600, 300)]
    bound = area_upper_bound(items, [4, 4], [(1000, 1000)], 0)
    packed = Packer(items, kerf_mm=0).fill(1000, 1000, [4, 4])
    assert sum(p.area_mm2 for p in packed) == 720_000
    assert 720_000 <= bound.lp_mm2 < 1_000_000
    assert bound.simple_mm2 == 1_000_000


rule_strategy = st.builds(FillRule, st.sampled_from(list(FitScore)), st.sampled_from(list(SplitRule)))
item_strategy = st.builds(ItemType, st.integers(40, 900), st.integers(40, 900), st.booleans())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    items=st.lists(item_strategy, min_size=1, max_size=5),
    counts=st.lists(st.integers(0, 6), min_size=5, max_size=5),
    length=st.integers(50, 1500),
    width=st.integers(50, 1500),
    kerf=st.integers(0, 6),
    rule=rule_strategy,
    seed=st.integers(0, 5),
)
def test_fill_invariants(
    items: list[ItemType],
    counts: list[int],
    length: int,
    width: int,
    kerf: int,
    rule: FillRule,
    seed: int,
) -> None:
    """Parts inside the panel, counts kept, grain kept, kerf between parts, guillotine, area within bound."""
    counts = counts[: len(items)]
    packer = Packer(items, kerf_mm=kerf, seed=seed)
    placed = packer.fill_with(length, width, counts, rule)
    best = packer.fill(length, width, counts)
    for pattern in (placed, best):
        used = [0] * len(items)
        for p in pattern:
            used[p.item] += 1
            item = items[p.item]
            assert p.x_mm >= 0 and p.x_mm + p.length_mm <= length
            assert p.y_mm >= 0 and p.y_mm + p.width_mm <= width
            expected = (item.width_mm, item.length_mm) if p.rotated else (item.length_mm, item.width_mm)
            assert (p.length_mm, p.width_mm) == expected
            assert item.rotatable or not p.rotated
        assert all(u <= c for u, c in zip(used, counts, strict=True))
        for a, b in itertools.combinations(pattern, 2):
            apart_x = a.x_mm + a.length_mm + kerf <= b.x_mm or b.x_mm + b.length_mm + kerf <= a.x_mm
            apart_y = a.y_mm + a.width_mm + kerf <= b.y_mm or b.y_mm + b.width_mm + kerf <= a.y_mm
            assert apart_x or apart_y
        assert is_guillotine(_rects(pattern), kerf)
    assert sum(p.area_mm2 for p in best) >= sum(p.area_mm2 for p in placed) or rule not in DEFAULT_RULES
    bound = area_upper_bound(items, counts, [(length, width)], kerf)
    assert sum(p.area_mm2 for p in best) <= bound.lp_mm2 <= bound.simple_mm2


def test_packer_refuses_bad_settings() -> None:
    """Negative kerf, no rules, non-positive items."""
    with pytest.raises(ValueError, match="kerf"):
        Packer([ItemType(1, 1)], kerf_mm=-1)
    with pytest.raises(ValueError, match="rule"):
        Packer([ItemType(1, 1)], rules=())
    with pytest.raises(ValueError, match="positive"):
        ItemType(0, 10)


def test_guillotine_optimum_by_hand() -> None:
    """Exact values: 0.72 m² on 1000 × 1000 from 600² and 600 × 300; two or one 600 × 500 on 1000 × 600."""
    squares = GuillotineOptimum([ItemType(600, 600), ItemType(600, 300)], kerf_mm=0)
    assert squares.value(1000, 1000) == 720_000
    fill = squares.pattern(1000, 1000)
    assert sum(p.area_mm2 for p in fill.placed) == 720_000
    assert is_guillotine(_rects(fill.placed))
    assert GuillotineOptimum([ItemType(600, 500)], kerf_mm=0).value(1000, 600) == 600_000
    assert GuillotineOptimum([ItemType(600, 500)], kerf_mm=4).value(1004, 604) == 300_000


def test_guillotine_optimum_profits_and_budget() -> None:
    """Parts without profit are left out; a tiny budget raises BudgetExceeded."""
    priced = GuillotineOptimum([ItemType(600, 600), ItemType(100, 100)], kerf_mm=0, profits=[0, 10_000])
    assert priced.value(600, 600) == 36 * 10_000
    assert all(p.item == 1 for p in priced.pattern(600, 600).placed)
    with pytest.raises(BudgetExceeded):
        GuillotineOptimum([ItemType(37, 53), ItemType(41, 29)], kerf_mm=0, budget=5).value(1000, 1000)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    items=st.lists(item_strategy, min_size=1, max_size=4),
    length=st.integers(50, 1200),
    width=st.integers(50, 1200),
    kerf=st.integers(0, 5),
)
def test_guillotine_optimum_beats_heuristics(
    items: list[ItemType], length: int, width: int, kerf: int
) -> None:
    """The exact pattern is feasible, worth its value, never below the heuristics, and within the bound."""
    exact = GuillotineOptimum(items, kerf_mm=kerf)
    value = exact.value(length + kerf, width + kerf)
    fill = exact.pattern(length + kerf, width + kerf)
    assert sum(p.area_mm2 for p in fill.placed) == value
    for p in fill.placed:
        assert p.x_mm >= 0 and p.x_mm + p.length_mm <= length
        assert p.y_mm >= 0 and p.y_mm + p.width_mm <= width
        assert items[p.item].rotatable or not p.rotated
    assert is_guillotine(_rects(fill.placed), kerf)
    boxes = [Rect(p.x_mm, p.y_mm, p.length_mm + kerf, p.width_mm + kerf) for p in fill.placed]
    boxes += [Rect(*w) for w in fill.waste]
    assert is_guillotine(boxes)  # parts and free rectangles tile without overlap
    unlimited = [10_000] * len(items)
    heuristic = Packer(items, kerf_mm=kerf).fill(length, width, unlimited)
    assert sum(p.area_mm2 for p in heuristic) <= value
    assert value <= area_upper_bound(items, unlimited, [(length, width)], kerf).lp_mm2
