"""Offcut matching: material groups, hand-checked reclaimed area and boards saved, and invariants."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from microfactory.circular.offcuts import OffcutProblem, OffcutResult, OffcutSettings, match_offcuts
from microfactory.circular.packing import Rect, is_guillotine
from microfactory.domain.cutlist import CutList, CutPart, SurplusPanel

NO_TRIM = OffcutSettings(kerf_mm=0, trim_mm=0, sheet_trim_mm=0)


def part(
    part_id: str,
    length: int,
    width: int,
    quantity: int = 1,
    *,
    material: str = "melamine",
    finish: str = "white",
    thickness: float = 18,
    site: str = "S1",
    rotate: bool = True,
) -> CutPart:
    """A cut-list line with sensible defaults."""
    return CutPart(
        part_id=part_id,
        site=site,
        run_code="R1",
        sku="K-BASE-600",
        part_name="side",
        material=material,
        finish=finish,
        thickness_mm=thickness,
        length_mm=length,
        width_mm=width,
        quantity=quantity,
        rotation_allowed=rotate,
    )


def panel(
    panel_id: str,
    length: int,
    width: int,
    *,
    material: str = "melamine",
    finish: str = "white",
    thickness: float = 18,
    site: str = "S1",
) -> SurplusPanel:
    """A surplus panel with sensible defaults."""
    return SurplusPanel(
        panel_id=panel_id,
        site=site,
        material=material,
        finish=finish,
        thickness_mm=thickness,
        length_mm=length,
        width_mm=width,
    )


def solve(parts: list[CutPart], panels: list[SurplusPanel], cfg: OffcutSettings = NO_TRIM) -> OffcutResult:
    """Match with the given settings."""
    return match_offcuts(OffcutProblem(cut_list=CutList(parts=tuple(parts)), panels=tuple(panels)), cfg)


def test_two_parts_on_a_trimmed_offcut() -> None:
    """A 1010 × 610 offcut less a 5 mm trim takes both 600 × 500 parts without kerf, one with a 4 mm kerf."""
    cfg = OffcutSettings(kerf_mm=0, trim_mm=5)
    result = solve([part("P", 600, 500, 2)], [panel("O", 1010, 610)], cfg)
    assert result.reclaimed_area_mm2 == 600_000 == result.bound_area_mm2
    assert {(p.part_id, p.piece) for p in result.patterns[0].placements} == {("P", 1), ("P", 2)}
    assert all(p.x_mm >= 5 and p.y_mm >= 5 for p in result.patterns[0].placements)
    kerf = solve([part("P", 600, 500, 2)], [panel("O", 1010, 610)], OffcutSettings(kerf_mm=4, trim_mm=5))
    assert kerf.reclaimed_area_mm2 == 300_000 == kerf.bound_area_mm2


@pytest.mark.parametrize(
    "other",
    [
        {"material": "mdf"},
        {"finish": "graphite"},
        {"thickness": 8},
        {"site": "S2"},
    ],
)
def test_mismatched_panels_are_never_used(other: dict[str, object]) -> None:
    """Material, finish, thickness and (by default) site must all match."""
    result = solve([part("P", 300, 300, 4)], [panel("O", 1000, 1000, **other)])  # type: ignore[arg-type]
    assert result.patterns == ()
    assert result.reclaimed_area_mm2 == 0 == result.bound_area_mm2


def test_any_site_matches_across_sites() -> None:
    """With ``same_site`` off, a panel at another site is used."""
    cfg = OffcutSettings(kerf_mm=0, trim_mm=0, same_site=False)
    result = solve([part("P", 300, 300)], [panel("O", 1000, 1000, site="S2")], cfg)
    assert result.reclaimed_area_mm2 == 90_000


def test_grain_is_respected_on_offcuts() -> None:
    """A grained 1000 × 200 part does not fit a 600 × 1000 offcut (grain along the 600); grainless does."""
    grained = solve([part("P", 1000, 200, rotate=False)], [panel("O", 600, 1000)])
    assert grained.patterns == ()
    free = solve([part("P", 1000, 200)], [panel("O", 600, 1000)])
    assert free.patterns[0].placements[0].rotated


def test_boards_saved_by_hand() -> None:
    """Four 1220 × 1220 parts need two sheets; one offcut of that size saves none, two save one sheet."""
    parts = [part("P", 1220, 1220, 4)]
    one = solve(parts, [panel("A", 1220, 1220)])
    assert (one.groups[0].sheets_all, one.groups[0].sheets_rest, one.boards_saved) == (2, 2, 0)
    two = solve(parts, [panel("A", 1220, 1220), panel("B", 1220, 1220)])
    assert (two.groups[0].sheets_rest, two.boards_saved) == (1, 1)
    assert two.reclaimed_pct == pytest.approx(100.0)


def test_unusable_panels_count_in_the_offered_area() -> None:
    """A panel smaller than twice the trim is offered but takes nothing."""
    result = solve([part("P", 100, 100)], [panel("O", 8, 8)], OffcutSettings(trim_mm=5))
    assert result.panel_area_mm2 == 64
    assert result.reclaimed_area_mm2 == 0


def test_duplicate_panel_ids_are_refused() -> None:
    """Panel ids are unique within a problem."""
    with pytest.raises(ValidationError, match="duplicate panel_id"):
        OffcutProblem(cut_list=CutList(parts=()), panels=(panel("O", 100, 100), panel("O", 200, 200)))


def test_settings_are_validated() -> None:
    """Negative kerf, a sheet smaller than its trim and a zero time limit are refused."""
    with pytest.raises(ValueError, match="kerf"):
        OffcutSettings(kerf_mm=-1)
    with pytest.raises(ValueError, match="sheet"):
        OffcutSettings(sheet_length_mm=10, sheet_trim_mm=5)
    with pytest.raises(ValueError, match="seconds"):
        OffcutSettings(seconds=0)


def test_kpis_add_up() -> None:
    """KPIs come from the groups: panels used, pieces, reclaimed area in m²."""
    result = solve([part("P", 500, 500, 3)], [panel("O", 1000, 500), panel("Q", 100, 100)])
    kpis = result.kpis()
    assert kpis["panels"] == 2 and kpis["panels_used"] == 1
    assert kpis["pieces"] == 3 and kpis["pieces_from_offcuts"] == 2
    assert kpis["reclaimed_area_m2"] == 0.5
    assert result.gap_pct == pytest.approx(0.0)


board = st.sampled_from([("melamine", "white", 18.0), ("mdf", "raw", 18.0), ("melamine", "white", 8.0)])


@st.composite
def problems(draw: st.DrawFn) -> tuple[list[CutPart], list[SurplusPanel]]:
    """Small random problems over three boards."""
    parts = []
    for n in range(draw(st.integers(1, 8))):
        material, finish, thickness = draw(board)
        parts.append(
            part(
                f"P{n}",
                draw(st.integers(50, 900)),
                draw(st.integers(50, 600)),
                draw(st.integers(1, 4)),
                material=material,
                finish=finish,
                thickness=thickness,
                rotate=draw(st.booleans()),
            )
        )
    panels = []
    for n in range(draw(st.integers(1, 6))):
        material, finish, thickness = draw(board)
        panels.append(
            panel(
                f"O{n}",
                draw(st.integers(60, 1600)),
                draw(st.integers(60, 1220)),
                material=material,
                finish=finish,
                thickness=thickness,
            )
        )
    return parts, panels


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems(), kerf=st.integers(0, 5), trim=st.integers(0, 10))
def test_patterns_are_feasible(
    problem: tuple[list[CutPart], list[SurplusPanel]], kerf: int, trim: int
) -> None:
    """Inside the trimmed panel, same board, kerf apart, guillotine, each piece once, reclaimed <= bound."""
    parts, panels = problem
    cfg = OffcutSettings(kerf_mm=kerf, trim_mm=trim)
    result = solve(parts, panels, cfg)
    by_id = {p.part_id: p for p in parts}
    seen: set[tuple[str, int]] = set()
    for pattern in result.patterns:
        pan = pattern.panel
        for p in pattern.placements:
            src = by_id[p.part_id]
            assert (src.material, src.finish, src.thickness_mm) == (
                pan.material,
                pan.finish,
                pan.thickness_mm,
            )
            assert 1 <= p.piece <= src.quantity and (p.part_id, p.piece) not in seen
            seen.add((p.part_id, p.piece))
            assert trim <= p.x_mm and p.x_mm + p.length_mm <= pan.length_mm - trim
            assert trim <= p.y_mm and p.y_mm + p.width_mm <= pan.width_mm - trim
            assert src.rotation_allowed or not p.rotated
            assert {p.length_mm, p.width_mm} == {src.length_mm, src.width_mm}
        for a, b in itertools.combinations(pattern.placements, 2):
            apart_x = a.x_mm + a.length_mm + kerf <= b.x_mm or b.x_mm + b.length_mm + kerf <= a.x_mm
            apart_y = a.y_mm + a.width_mm + kerf <= b.y_mm or b.y_mm + b.width_mm + kerf <= a.y_mm
            assert apart_x or apart_y
        rects = [Rect(p.x_mm, p.y_mm, p.length_mm, p.width_mm) for p in pattern.placements]
        assert is_guillotine(rects, kerf)
    assert seen == result.covered
    assert result.reclaimed_area_mm2 <= result.bound_area_mm2
    for g in result.groups:
        assert g.reclaimed_area_mm2 <= g.bound_area_mm2 <= g.simple_bound_area_mm2
        assert g.sheets_rest <= g.sheets_all
    again = solve(parts, panels, cfg)
    assert [(p.panel.panel_id, p.placements) for p in again.patterns] == [
        (p.panel.panel_id, p.placements) for p in result.patterns
    ]
