"""Emissions engine: versioned factor sets (DESNZ 2025), per-km and per-tonne-km methods, TTW and WTW
boundaries, allocation of each trip to its orders by tonne-km share (ISO 14083:2023), and reports per
order, route, site and week. Method and sources: ``docs/emissions.md``.
"""

from microfactory.emissions.calculate import (
    EmissionFigure,
    Method,
    OrderEmissions,
    Shipment,
    Trip,
    TripEmissions,
    trip_emissions,
    trips_emissions,
    trips_from_routes,
    zero_figure,
)
from microfactory.emissions.factors import (
    ActivityUnit,
    Boundary,
    EmissionFactor,
    FactorComponent,
    FactorRow,
    FactorSet,
    factor_set,
    load_desnz_2025,
    parse_factor_rows,
)
from microfactory.emissions.report import EmissionLine, EmissionsReport, emissions_report, week_start

__all__ = [
    "ActivityUnit",
    "Boundary",
    "EmissionFactor",
    "EmissionFigure",
    "EmissionLine",
    "EmissionsReport",
    "FactorComponent",
    "FactorRow",
    "FactorSet",
    "Method",
    "OrderEmissions",
    "Shipment",
    "Trip",
    "TripEmissions",
    "emissions_report",
    "factor_set",
    "load_desnz_2025",
    "parse_factor_rows",
    "trip_emissions",
    "trips_emissions",
    "trips_from_routes",
    "week_start",
    "zero_figure",
]
