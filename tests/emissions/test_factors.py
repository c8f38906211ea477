"""Factor sets: the shipped DESNZ 2025 rows, their vehicle classes and the TTW/WTW composition."""

from __future__ import annotations

from pathlib import Path

import pytest

from microfactory.data import data_file
from microfactory.emissions import Boundary, load_desnz_2025, parse_factor_rows
from microfactory.emissions.factors import DESNZ_2025_FILE

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / DESNZ_2025_FILE


def test_shipped_factors_are_the_shared_file() -> None:
    """The packaged CSV is byte-for-byte the shared DESNZ 2025 extract (652 rows)."""
    shipped = data_file(DESNZ_2025_FILE).read_text(encoding="utf-8")
    assert len(load_desnz_2025().rows) == 652
    if SHARED.exists():
        assert shipped == SHARED.read_text(encoding="utf-8")


def test_set_carries_its_version_and_source() -> None:
    """The set id, year, source and licence travel with every factor."""
    fs = load_desnz_2025()
    assert (fs.id, fs.year) == ("desnz-2025", 2025)
    assert "Department for Energy Security and Net Zero" in fs.source
    assert "Open Government Licence" in fs.licence


def test_every_scope1_km_row_has_a_matching_wtt_row() -> None:
    """WTW exists for every delivery-vehicle class: the WTT row of the same class is always found."""
    fs = load_desnz_2025()
    scope1 = [r for r in fs.rows.values() if r.level1 == "Delivery vehicles" and r.uom == "km"]
    assert len(scope1) == 81
    for row in scope1:
        wtw = fs.vehicle_factor(row.id, Boundary.WTW)
        roles = [c.role for c in wtw.components]
        assert roles[0] == "vehicle" and roles[-1] == "wtt"
        wtt = fs.row(wtw.components[-1].row_id)
        assert wtt.level1 == "WTT- delivery vehs & freight"
        assert (wtt.level3, wtt.column_text, wtt.uom) == (row.level3, row.column_text, "km")


def test_any_row_of_a_class_resolves_to_the_same_factor() -> None:
    """The demo's BEV keys name the electricity row; the Scope 1 row of the class gives the same factor."""
    fs = load_desnz_2025()
    a = fs.vehicle_factor("8_303_3101_4_1", Boundary.WTW)
    b = fs.vehicle_factor("5_303_3101_4_1", Boundary.WTW)
    assert a == b


def test_battery_electric_has_no_tank_to_wheel_emissions() -> None:
    """ISO 14083: an electric vehicle emits nothing in operation; generation is energy provision (WTT)."""
    fs = load_desnz_2025()
    assert fs.vehicle_factor("8_303_3087_4_1", Boundary.TTW, "km").kg_co2e_per_unit == 0.0
    assert fs.vehicle_factor("8_303_3087_4_1", Boundary.TTW, "tonne.km").kg_co2e_per_unit == 0.0


def test_freighting_goods_equals_ttw_plus_electricity_for_electric_vans() -> None:
    """DESNZ 'Freighting goods' for a BEV van = electricity + T&D: our WTW minus WTT reproduces it."""
    fs = load_desnz_2025()
    wtw = fs.vehicle_factor("8_303_3108_4_1", Boundary.WTW)
    wtt = next(c.kg_co2e_per_unit for c in wtw.components if c.role == "wtt")
    assert wtw.kg_co2e_per_unit - wtt == pytest.approx(fs.row("27_303_3108_4_1").kg_co2e_per_unit, abs=2e-5)


def test_plug_in_hybrid_per_tonne_km_subtracts_the_electricity_for_ttw() -> None:
    """PHEV per tonne-km TTW = Freighting goods 0.36985 − electricity 0.03527 − T&D 0.00369 = 0.33089."""
    fs = load_desnz_2025()
    ttw = fs.vehicle_factor("5_303_3107_4_1", Boundary.TTW, "tonne.km")
    assert ttw.kg_co2e_per_unit == pytest.approx(0.33089)
    wtw = fs.vehicle_factor("5_303_3107_4_1", Boundary.WTW, "tonne.km")
    # WTW = Freighting goods 0.36985 + WTT 0.09458 [28_906_3107_14_1] = 0.46443.
    assert wtw.kg_co2e_per_unit == pytest.approx(0.46443)
    assert [c.role for c in wtw.components] == ["freighting_goods", "wtt"]


def test_laden_factor_at_half_load_is_the_fifty_percent_row() -> None:
    """Interpolating 0 % and 100 % laden at 50 % gives DESNZ's own 50 % row (0.50103) for the 7.5 t rigid."""
    fs = load_desnz_2025()
    half = fs.laden_factor("5_304_3112_4_1", Boundary.TTW, 0.5)
    assert half is not None
    assert half.kg_co2e_per_unit == pytest.approx(fs.row("5_304_3110_4_1").kg_co2e_per_unit, rel=1e-4)
    assert fs.laden_factor("5_303_3095_4_1", Boundary.TTW, 0.5) is None


def test_missing_unit_and_unknown_rows_raise() -> None:
    """A class without a tonne-km row and an unknown id both raise KeyError."""
    fs = load_desnz_2025()
    with pytest.raises(KeyError):
        fs.vehicle_factor("5_304_3109_4_1", Boundary.TTW, "tonne.km")  # no tonne.km row for 0 % laden
    with pytest.raises(KeyError, match="no row"):
        fs.row("0_000")


def test_parser_names_bad_lines() -> None:
    """Missing columns, non-numbers and duplicate ids are refused with the line number."""
    header = "id,scope,level1,level2,level3,column_text,uom,kgco2e_per_unit_2025\n"
    with pytest.raises(ValueError, match="lacks columns"):
        parse_factor_rows("id,scope\n")
    with pytest.raises(ValueError, match="line 2"):
        parse_factor_rows(header + "a,S,L1,L2,L3,C,km,x\n")
    with pytest.raises(ValueError, match="duplicate id"):
        parse_factor_rows(header + "a,S,L1,L2,L3,C,km,1\na,S,L1,L2,L3,C,km,2\n")
