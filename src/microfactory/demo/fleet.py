"""Delivery vehicles of the demo network, each tied to a DESNZ 2025 road-freight factor row.

``emission_factor_key`` is the row ``id`` in ``desnz_2025_road_freight_factors.csv`` (UK Government GHG
Conversion Factors for Company Reporting 2025, DESNZ), in kg CO2e per km:

- ``8_303_3087_4_1``  Scope 2, UK electricity for EVs, Vans, Class I (up to 1.305 t), BEV, km: 0.03438.
  DESNZ has no cargo-bike row; the smallest electric van is a deliberate over-estimate for an e-cargo bike.
- ``8_303_3101_4_1``  Scope 2, UK electricity for EVs, Vans, Class III (1.74 to 3.5 t), BEV, km: 0.06887.
- ``5_303_3095_4_1``  Scope 1, Delivery vehicles, Vans, Class III (1.74 to 3.5 t), Diesel, km: 0.27878.
- ``5_304_3112_4_1``  Scope 1, Delivery vehicles, HGV (all diesel), Rigid (>3.5 - 7.5 tonnes),
  Average laden, km: 0.49548.
- Refrigerated van: DESNZ has refrigerated rows only for HGVs, so it uses the Class III diesel van row
  ``5_303_3095_4_1``; the fridge unit's own fuel is not counted.

Costs are in pence: per km (energy, tyres, maintenance) and per day (lease, insurance, driver or rider).
"""

from __future__ import annotations

from microfactory.domain import VehicleType


def vehicle_types() -> tuple[VehicleType, ...]:
    """E-cargo bike, electric and diesel vans, a 7.5 t install lorry and a refrigerated van."""
    return (
        VehicleType(
            code="ECARGO-BIKE",
            name="E-cargo bike",
            capacity_kg=150.0,
            capacity_m3=0.8,
            speed_kmh=14.0,
            cost_pence_per_km=6,
            fixed_cost_pence_per_day=13_500,
            emission_factor_key="8_303_3087_4_1",
            range_km=60.0,
            shift_minutes=480,
        ),
        VehicleType(
            code="EVAN-35",
            name="Battery-electric van (3.5 t)",
            capacity_kg=1_100.0,
            capacity_m3=10.0,
            speed_kmh=28.0,
            cost_pence_per_km=12,
            fixed_cost_pence_per_day=19_500,
            emission_factor_key="8_303_3101_4_1",
            range_km=220.0,
            shift_minutes=540,
        ),
        VehicleType(
            code="DVAN-35",
            name="Diesel van (3.5 t)",
            capacity_kg=1_200.0,
            capacity_m3=11.5,
            speed_kmh=32.0,
            cost_pence_per_km=24,
            fixed_cost_pence_per_day=17_500,
            emission_factor_key="5_303_3095_4_1",
            range_km=650.0,
            shift_minutes=540,
        ),
        VehicleType(
            code="RIGID-75",
            name="7.5 t rigid with tail-lift (install crew)",
            capacity_kg=2_600.0,
            capacity_m3=36.0,
            speed_kmh=42.0,
            cost_pence_per_km=58,
            fixed_cost_pence_per_day=46_000,
            emission_factor_key="5_304_3112_4_1",
            range_km=750.0,
            shift_minutes=600,
            crew=2,
        ),
        VehicleType(
            code="REEFER-VAN",
            name="Refrigerated van (3.5 t)",
            capacity_kg=900.0,
            capacity_m3=8.0,
            speed_kmh=28.0,
            cost_pence_per_km=30,
            fixed_cost_pence_per_day=21_000,
            emission_factor_key="5_303_3095_4_1",
            range_km=550.0,
            shift_minutes=540,
            refrigerated=True,
        ),
    )
