"""Emission reports per order, route, site and week: kg CO2e, tonne-km and g CO2e per tonne-km.

Weeks are planners' weeks starting on Monday (the ISO week of the delivery day). Every line carries
the factor set id, year, boundary and source row ids of the figures it adds up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from microfactory.emissions.calculate import EmissionFigure, TripEmissions


def week_start(day: date) -> date:
    """The Monday of the week containing ``day``."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class EmissionLine:
    """One report line: what it is about and its figure."""

    level: str
    """``order``, ``route``, ``site``, ``week`` or ``site_week``."""
    key: str
    site: str | None
    week_start: date | None
    figure: EmissionFigure

    @property
    def kg_co2e(self) -> float:
        """kg CO2e."""
        return self.figure.kg_co2e

    @property
    def tonne_km(self) -> float:
        """Tonne-km."""
        return self.figure.tonne_km

    @property
    def g_co2e_per_tonne_km(self) -> float | None:
        """g CO2e per tonne-km (``None`` without tonne-km)."""
        return self.figure.g_co2e_per_tonne_km


@dataclass(frozen=True)
class EmissionsReport:
    """Emission lines at every level; order lines add up to route lines, and so on upwards."""

    by_order: tuple[EmissionLine, ...]
    by_route: tuple[EmissionLine, ...]
    by_site: tuple[EmissionLine, ...]
    by_week: tuple[EmissionLine, ...]
    by_site_week: tuple[EmissionLine, ...]

    def total(self) -> EmissionFigure | None:
        """The grand total (``None`` for an empty report)."""
        figures = [line.figure for line in self.by_route]
        if not figures:
            return None
        total = figures[0]
        for f in figures[1:]:
            total = total + f
        return total

    def to_frame(self, level: str = "route") -> pd.DataFrame:
        """One level as a long table: key, site, week_start, kg_co2e, tonne_km, g_co2e_per_tonne_km,
        boundary, method, factor_set_id, year, row_ids (``;``-joined).

        Raises:
            ValueError: ``level`` is not one of order, route, site, week, site_week.
        """
        lines = {
            "order": self.by_order,
            "route": self.by_route,
            "site": self.by_site,
            "week": self.by_week,
            "site_week": self.by_site_week,
        }.get(level)
        if lines is None:
            raise ValueError(f"unknown level {level!r}; use order, route, site, week or site_week")
        return pd.DataFrame(
            [
                {
                    "key": line.key,
                    "site": line.site,
                    "week_start": line.week_start,
                    "kg_co2e": line.kg_co2e,
                    "tonne_km": line.tonne_km,
                    "g_co2e_per_tonne_km": line.g_co2e_per_tonne_km,
                    "boundary": line.figure.boundary.value,
                    "method": line.figure.method.value,
                    "factor_set_id": line.figure.factor_set_id,
                    "year": line.figure.year,
                    "row_ids": ";".join(line.figure.row_ids),
                }
                for line in lines
            ],
            columns=[
                "key",
                "site",
                "week_start",
                "kg_co2e",
                "tonne_km",
                "g_co2e_per_tonne_km",
                "boundary",
                "method",
                "factor_set_id",
                "year",
                "row_ids",
            ],
        )


def _group(
    trips: Iterable[TripEmissions],
    level: str,
    key: Callable[[TripEmissions], tuple[str, str | None, date | None]],
) -> tuple[EmissionLine, ...]:
    sums: dict[tuple[str, str | None, date | None], EmissionFigure] = {}
    for t in trips:
        k = key(t)
        sums[k] = sums[k] + t.figure if k in sums else t.figure
    return tuple(
        EmissionLine(level, k[0], k[1], k[2], fig)
        for k, fig in sorted(sums.items(), key=lambda kv: (kv[0][0], str(kv[0][2])))
    )


def emissions_report(trips: Iterable[TripEmissions]) -> EmissionsReport:
    """Aggregate trip emissions (from :func:`~microfactory.emissions.trip_emissions`) into a report.

    An order split over several trips (or days) is one order line summing its parts.

    Raises:
        ValueError: The trips mix boundaries or factor sets.
    """
    trips = tuple(trips)
    order_sums: dict[str, tuple[str, date, EmissionFigure]] = {}
    for t in trips:
        for o in t.orders:
            if o.order in order_sums:
                site, day, fig = order_sums[o.order]
                order_sums[o.order] = (site, day, fig + o.figure)
            else:
                order_sums[o.order] = (o.site, o.day, o.figure)
    by_order = tuple(
        EmissionLine("order", order, site, week_start(day), fig)
        for order, (site, day, fig) in sorted(order_sums.items())
    )
    by_route = tuple(
        EmissionLine("route", t.trip.trip_code, t.trip.site, week_start(t.trip.day), t.figure) for t in trips
    )
    return EmissionsReport(
        by_order=by_order,
        by_route=by_route,
        by_site=_group(trips, "site", lambda t: (t.trip.site, t.trip.site, None)),
        by_week=_group(
            trips, "week", lambda t: (week_start(t.trip.day).isoformat(), None, week_start(t.trip.day))
        ),
        by_site_week=_group(
            trips,
            "site_week",
            lambda t: (
                f"{t.trip.site}/{week_start(t.trip.day).isoformat()}",
                t.trip.site,
                week_start(t.trip.day),
            ),
        ),
    )
