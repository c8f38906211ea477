"""Emission calculation: a hand-computed table of cases (DESNZ 2025 rows), allocation and figures.

Every expected value below was worked out by hand from the shipped CSV
(``src/microfactory/data/desnz_2025_road_freight_factors.csv``); the comment on each case shows the
rows and the arithmetic. The engine must agree to 0.1 %.
"""

from __future__ import annotations

from datetime import date

import pytest

from microfactory.emissions import (
    Boundary,
    Method,
    Shipment,
    Trip,
    load_desnz_2025,
    trip_emissions,
)

DAY = date(2026, 11, 20)
TTW, WTW = Boundary.TTW, Boundary.WTW
PER_KM, PER_TKM = Method.PER_KM, Method.PER_TONNE_KM
DVAN = "5_303_3095_4_1"  # Scope 1, Vans, Class III (1.74-3.5 t), Diesel, km: 0.27878
EVAN = "8_303_3101_4_1"  # Scope 2, UK electricity for EVs, Vans, Class III, BEV, km: 0.06887
BIKE = "8_303_3087_4_1"  # Scope 2, UK electricity for EVs, Vans, Class I, BEV, km: 0.03438
RIGID = "5_304_3112_4_1"  # Scope 1, HGV (all diesel), Rigid (>3.5-7.5 t), Average laden, km: 0.49548
PHEV = "5_303_3107_4_1"  # Scope 1, Vans, Average (up to 3.5 t), PHEV, km: 0.13055
REEFER = "5_305_3112_4_1"  # Scope 1, HGVs refrigerated, Rigid (>3.5-7.5 t), Average laden, km: 0.59005

# (case, key, boundary, method, trip km, [(kg, km on vehicle)], capacity kg, laden, total kg, per order kg)
# One hand-checked case per row reads better than the formatter's one value per line.
# fmt: off
CASES = [
    # 1. Diesel van TTW per km: 100 km × 0.27878 (5_303_3095_4_1) = 27.878; one order takes it all.
    ("diesel-ttw-km", DVAN, TTW, PER_KM, 100.0, [(500.0, 50.0)], None, False, 27.878, [27.878]),
    # 2. Diesel van WTW per km: 100 × (0.27878 + WTT 0.06706 [28_906_3095_4_1]) = 100 × 0.34584 = 34.584.
    ("diesel-wtw-km", DVAN, WTW, PER_KM, 100.0, [(500.0, 50.0)], None, False, 34.584, [34.584]),
    # 3. Battery-electric van TTW: Scope 1 row 5_303_3101_4_1 is 0.00000, so 80 km × 0 = 0.
    ("bev-ttw-km", EVAN, TTW, PER_KM, 80.0, [(300.0, 20.0)], None, False, 0.0, [0.0]),
    # 4. BEV van WTW: 80 × (0 + electricity 0.06887 + T&D 0.00721 [14_303_3101_4_1]
    #    + WTT 0.01979 [28_906_3101_4_1]) = 80 × 0.09587 = 7.6696.
    ("bev-wtw-km", EVAN, WTW, PER_KM, 80.0, [(300.0, 20.0)], None, False, 7.6696, [7.6696]),
    # 5. E-cargo bike (Class I BEV van row) WTW: 40 × (0.03438 + 0.00360 [14_303_3087_4_1]
    #    + 0.00943 [28_906_3087_4_1]) = 40 × 0.04741 = 1.8964.
    ("bike-wtw-km", BIKE, WTW, PER_KM, 40.0, [(20.0, 5.0)], None, False, 1.8964, [1.8964]),
    # 6. 7.5 t rigid TTW: 120 × 0.49548 = 59.4576.
    ("rigid-ttw-km", RIGID, TTW, PER_KM, 120.0, [(900.0, 60.0)], None, False, 59.4576, [59.4576]),
    # 7. 7.5 t rigid WTW: 120 × (0.49548 + WTT 0.11851 [28_907_3112_4_1]) = 120 × 0.61399 = 73.6788.
    ("rigid-wtw-km", RIGID, WTW, PER_KM, 120.0, [(900.0, 60.0)], None, False, 73.6788, [73.6788]),
    # 8. Allocation by tonne-km: 60 km × 0.27878 = 16.7268; A 0.2 t × 10 km = 2 tkm, B 0.1 t × 30 km
    #    = 3 tkm; A = 16.7268 × 2/5 = 6.69072, B = 16.7268 × 3/5 = 10.03608.
    ("diesel-alloc", DVAN, TTW, PER_KM, 60.0, [(200.0, 10.0), (100.0, 30.0)], None, False, 16.7268,
     [6.69072, 10.03608]),
    # 9. Diesel van per tonne-km TTW: 0.4 t × 25 km = 10 tkm × 0.62849 [27_303_3095_14_1] = 6.2849.
    ("diesel-ttw-tkm", DVAN, TTW, PER_TKM, 60.0, [(400.0, 25.0)], None, False, 6.2849, [6.2849]),
    # 10. Diesel van per tonne-km WTW: 10 × (0.62849 + 0.15037 [28_906_3095_14_1]) = 10 × 0.77886 = 7.7886.
    ("diesel-wtw-tkm", DVAN, WTW, PER_TKM, 60.0, [(400.0, 25.0)], None, False, 7.7886, [7.7886]),
    # 11. BEV van per tonne-km WTW: 0.2 t × 10 km = 2 tkm × (0.18574 [8_303_3101_14_1]
    #     + 0.01945 [14_303_3101_14_1] + 0.05241 [28_906_3101_14_1]) = 2 × 0.2576 = 0.5152.
    ("bev-wtw-tkm", EVAN, WTW, PER_TKM, 30.0, [(200.0, 10.0)], None, False, 0.5152, [0.5152]),
    # 12. Rigid at its actual load, TTW: 1.3 t × 50 km = 65 tkm over 2.6 t × 100 km → 25 % laden;
    #     0.46138 [5_304_3109_4_1, 0 %] × 0.75 + 0.54068 [5_304_3111_4_1, 100 %] × 0.25 = 0.481205;
    #     × 100 km = 48.1205.
    ("rigid-laden", RIGID, TTW, PER_KM, 100.0, [(1300.0, 50.0)], 2600.0, True, 48.1205, [48.1205]),
    # 13. Three orders on a BEV van, WTW: 50 × 0.09587 = 4.7935; tkm 0.1 × 5 = 0.5, 0.05 × 20 = 1.0,
    #     0 × 30 = 0 → 4.7935 / 3 = 1.59783, 4.7935 × 2/3 = 3.19567, 0.
    ("bev-alloc-3", EVAN, WTW, PER_KM, 50.0, [(100.0, 5.0), (50.0, 20.0), (0.0, 30.0)], None, False, 4.7935,
     [1.5978333, 3.1956667, 0.0]),
    # 14. Plug-in hybrid average van WTW: 10 × (0.13055 + 0.01392 [8_303_3107_4_1] + 0.00146
    #     [14_303_3107_4_1] + 0.03758 [28_906_3107_4_1]) = 10 × 0.18351 = 1.8351.
    ("phev-wtw-km", PHEV, WTW, PER_KM, 10.0, [(100.0, 5.0)], None, False, 1.8351, [1.8351]),
    # 15. Refrigerated 7.5 t rigid WTW: 10 × (0.59005 + 0.14138 [28_908_3112_4_1]) = 7.3143.
    ("reefer-wtw-km", REEFER, WTW, PER_KM, 10.0, [(500.0, 5.0)], None, False, 7.3143, [7.3143]),
    # 16. 7.5 t rigid per tonne-km WTW: 1 t × 10 km = 10 tkm × (0.52761 [27_304_3112_14_1]
    #     + 0.12296 [28_907_3112_14_1]) = 6.5057.
    ("rigid-wtw-tkm", RIGID, WTW, PER_TKM, 40.0, [(1000.0, 10.0)], None, False, 6.5057, [6.5057]),
    # 17. No tonne-km on the trip (empty parcels): 10 km × 0.27878 = 2.7878 split equally, 1.3939 each.
    ("zero-mass", DVAN, TTW, PER_KM, 10.0, [(0.0, 4.0), (0.0, 6.0)], None, False, 2.7878, [1.3939, 1.3939]),
]
# fmt: on


@pytest.mark.parametrize(
    ("case", "key", "boundary", "method", "km", "loads", "capacity", "laden", "total", "orders"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_hand_computed_cases_agree_to_a_tenth_of_a_percent(
    case: str,
    key: str,
    boundary: Boundary,
    method: Method,
    km: float,
    loads: list[tuple[float, float]],
    capacity: float | None,
    laden: bool,
    total: float,
    orders: list[float],
) -> None:
    """Trip totals and per-order allocations match the hand-computed values within 0.1 %."""
    trip = Trip(
        trip_code=case,
        site="S",
        day=DAY,
        emission_factor_key=key,
        distance_km=km,
        shipments=tuple(Shipment(f"o{i}", kg, d) for i, (kg, d) in enumerate(loads)),
        capacity_kg=capacity,
    )
    result = trip_emissions(trip, load_desnz_2025(), boundary, method, laden=laden)
    assert result.figure.kg_co2e == pytest.approx(total, rel=1e-3, abs=1e-9)
    assert [o.figure.kg_co2e for o in result.orders] == pytest.approx(orders, rel=1e-3, abs=1e-9)
    assert sum(o.figure.kg_co2e for o in result.orders) == pytest.approx(result.figure.kg_co2e)
    assert result.figure.boundary is boundary and result.figure.year == 2025
    assert result.figure.factor_set_id == "desnz-2025"


def test_figures_name_every_source_row() -> None:
    """A battery-electric WTW figure cites its Scope 1, electricity, T&D and WTT rows."""
    trip = Trip("t", "S", DAY, EVAN, 10.0, (Shipment("o", 10.0, 5.0),))
    figure = trip_emissions(trip, load_desnz_2025(), WTW).figure
    assert figure.row_ids == ("5_303_3101_4_1", "8_303_3101_4_1", "14_303_3101_4_1", "28_906_3101_4_1")
    assert figure.method is PER_KM


def test_intensity_is_grams_per_tonne_km() -> None:
    """Case 8's trip: 16.7268 kg over 5 tkm is 3,345.36 g CO2e per tonne-km."""
    trip = Trip("t", "S", DAY, DVAN, 60.0, (Shipment("a", 200.0, 10.0), Shipment("b", 100.0, 30.0)))
    figure = trip_emissions(trip, load_desnz_2025(), TTW).figure
    assert figure.tonne_km == pytest.approx(5.0)
    assert figure.g_co2e_per_tonne_km == pytest.approx(3345.36, rel=1e-6)


def test_adding_figures_of_different_boundaries_is_refused() -> None:
    """TTW and WTW figures do not add up."""
    trip = Trip("t", "S", DAY, DVAN, 10.0, (Shipment("a", 1.0, 1.0),))
    ttw = trip_emissions(trip, load_desnz_2025(), TTW).figure
    wtw = trip_emissions(trip, load_desnz_2025(), WTW).figure
    with pytest.raises(ValueError, match="different boundaries"):
        _ = ttw + wtw


def test_unknown_factor_key_is_an_error_naming_the_set() -> None:
    """A vehicle whose key is not a DESNZ row cannot be costed silently."""
    trip = Trip("t", "S", DAY, "no-such-row", 10.0, ())
    with pytest.raises(KeyError, match="desnz-2025"):
        trip_emissions(trip, load_desnz_2025())
