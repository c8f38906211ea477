"""Demo cut lists: parts per kitchen SKU, runs expanded into a week's cut list, seeded offcuts."""

from __future__ import annotations

from datetime import UTC, datetime

from microfactory.demo.cutlists import (
    BACK,
    CARCASS,
    DOOR,
    OAK,
    cut_list_for_runs,
    demo_offcuts,
    demo_week_runs,
    sku_parts,
)
from microfactory.demo.kitchen_catalogue import kitchen_skus
from microfactory.domain.plan import ProductionRun


def _run(sku: str, quantity: int) -> ProductionRun:
    at = datetime(2026, 11, 23, 7, tzinfo=UTC)
    return ProductionRun(site="KIT-LON", run_code="R1", sku=sku, quantity=quantity, start=at, end=at)


def test_base_unit_parts_by_hand() -> None:
    """A 600 mm base unit: two 720 × 560 sides, a 564 mm bottom, two rails, an 8 mm back and a shelf."""
    parts = {p.name: p for p in sku_parts("K-BASE-600")}
    assert (parts["side"].length_mm, parts["side"].width_mm, parts["side"].count) == (720, 560, 2)
    assert (parts["bottom"].length_mm, parts["bottom"].width_mm) == (564, 560)
    assert parts["top rail"].count == 2 and parts["top rail"].width_mm == 100
    assert parts["back"].board == BACK and parts["shelf"].board == CARCASS
    assert all(p.rotation_allowed for p in parts.values())


def test_doors_are_raw_mdf_of_their_size_and_oak_keeps_its_grain() -> None:
    """Door SKUs in any finish are one raw MDF part; oak accessory parts may not turn."""
    (door,) = sku_parts("K-DOOR-715x597-SAGE")
    assert (door.board, door.length_mm, door.width_mm) == (DOOR, 715, 597)
    oak = sku_parts("K-ACC-CUTLERY-OAK-600")
    assert oak and all(p.board == OAK and not p.rotation_allowed for p in oak)
    assert sku_parts("K-WTOP-OAK-3000") == () and sku_parts("K-SP-HINGE-110") == ()


def test_every_cabinet_has_parts_that_fit_a_sheet() -> None:
    """Every cabinet SKU has a cut list, and each part fits a 2440 × 1220 sheet."""
    for sku in kitchen_skus():
        if sku.code.startswith(("K-BASE", "K-WALL", "K-TALL")):
            parts = sku_parts(sku.code)
            assert parts, sku.code
            for p in parts:
                assert max(p.length_mm, p.width_mm) <= 2440 and min(p.length_mm, p.width_mm) <= 1220


def test_runs_expand_into_a_cut_list() -> None:
    """Quantities multiply; part ids are run/part; SKUs without parts add nothing."""
    cut = cut_list_for_runs([_run("K-WALL-600", 3), _run("K-WTOP-OAK-3000", 2)])
    sides = next(p for p in cut.parts if p.part_id == "R1/side")
    assert sides.quantity == 6 and sides.site == "KIT-LON"
    assert {p.sku for p in cut.parts} == {"K-WALL-600"}
    assert cut.pieces == 6 + 6 + 3 + 3


def test_demo_week_is_seeded_and_big_enough() -> None:
    """Same seed, same runs; at least the target pieces; batches within each SKU's maximum."""
    runs = demo_week_runs(3, target_pieces=600)
    assert runs == demo_week_runs(3, target_pieces=600)
    assert runs != demo_week_runs(4, target_pieces=600)
    cut = cut_list_for_runs(runs)
    assert 600 <= cut.pieces < 600 + 400
    max_batch = {s.code: s.max_batch_units for s in kitchen_skus()}
    assert all(r.quantity <= max_batch[r.sku] for r in runs)
    assert len({r.run_code for r in runs}) == len(runs)


def test_demo_offcuts_are_seeded_remnants_of_sheets() -> None:
    """Same seed, same panels; every panel fits inside a 2440 × 1220 sheet; the boards are varied."""
    panels = demo_offcuts(5, 300)
    assert panels == demo_offcuts(5, 300)
    assert len(panels) == 300 and len({p.panel_id for p in panels}) == 300
    assert all(p.length_mm <= 2440 and p.width_mm <= 1220 for p in panels)
    assert {(p.material, p.finish, p.thickness_mm) for p in panels} >= {
        (b.material, b.finish, b.thickness_mm) for b in (CARCASS, BACK, DOOR)
    }
