"""``microfactory routes`` and ``microfactory emissions``: plan a site's delivery day, export its routes,
and report delivery emissions per site and order with their factor source.

Registered on the main app in :mod:`microfactory.cli`. Commands get settings and sessions from
:mod:`microfactory.cli_common`, which holds the global ``--database-url``.
Errors are :class:`~microfactory.errors.MicrofactoryError`; the main entry point prints them as one
line with exit code 2. Times are shown in Europe/London and exported in both UTC and local time.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from microfactory import cli_common as common
from microfactory.cli_output import kpi_table, print_json, table
from microfactory.domain import DeliveryRoute, GeoPoint, RouteStop, Site
from microfactory.errors import MicrofactoryError, NotFoundError

if TYPE_CHECKING:
    from microfactory.store import EmissionRecords

LONDON = ZoneInfo("Europe/London")

routes_app = typer.Typer(help="Delivery routes per site and day.", no_args_is_help=True)
emissions_app = typer.Typer(help="Delivery emissions (ISO 14083, DESNZ 2025 factors).", no_args_is_help=True)

out = Console()


class ExportFormat(StrEnum):
    """File formats of ``routes export``."""

    GEOJSON = "geojson"
    CSV = "csv"


class BoundaryChoice(StrEnum):
    """Emission boundaries: tank-to-wheel or well-to-wheel (ISO 14083:2023 §5.2)."""

    WTW = "wtw"
    TTW = "ttw"


class NoRoutesStoredError(MicrofactoryError):
    """No routes plan is stored for a site and day."""

    def __init__(self, site: str, day: date) -> None:
        super().__init__(
            f"no routes stored for {site} on {day.isoformat()}: run "
            f"`microfactory routes plan --site {site} --date {day.isoformat()}` first"
        )


class NoEmissionsStoredError(MicrofactoryError):
    """No delivery emissions are stored for a week."""

    def __init__(self, monday: date, boundary: str) -> None:
        super().__init__(
            f"no delivery emissions ({boundary.upper()}) stored for the week of "
            f"{monday:%a %d %b %Y}: plan routes first (`microfactory routes plan` or `microfactory demo`)"
        )


def _hhmm(when: datetime) -> str:
    return when.astimezone(LONDON).strftime("%H:%M")


def _pounds(pence: int) -> str:
    return f"£{pence / 100:,.2f}"


@routes_app.command("plan")
def routes_plan(
    site: Annotated[str, typer.Option("--site", help="Site code, e.g. FOOD-LON.")],
    day: Annotated[str, typer.Option("--date", help="Local delivery day (YYYY-MM-DD, Europe/London).")],
    seconds: Annotated[
        float | None,
        typer.Option(min=0.1, max=3600, help="Solver time limit (default 10 s with an iteration budget)."),
    ] = None,
    iterations: Annotated[
        int | None, typer.Option(min=1, help="Solver iteration limit (repeatable plans).")
    ] = None,
) -> None:
    """Route one site's deliveries on one day, store the plan and its emissions, print the routes."""
    from microfactory.emissions import Boundary
    from microfactory.plan import SerialRunner
    from microfactory.plan.stages.routes import ROUTES_SECONDS, RoutesOptions, plan_routes
    from microfactory.store import upgrade

    when = common.parse_day(day, "--date")
    settings = common.settings()
    upgrade(settings.database_url)
    options = RoutesOptions(
        seconds=seconds if seconds is not None else min(ROUTES_SECONDS, settings.solver_seconds),
        iterations=iterations,
        auto_iterations=seconds is None,
        seed=settings.seed,
        circuity=settings.circuity,
    )
    with common.session_factory(settings) as sessions, SerialRunner() as runner:
        run = plan_routes(
            sessions, runner, options, sites=[site], day=when, compare=False, require_deliveries=True
        )
    plan, report = run.plans[0], run.reports[0]
    wtw = {t.trip.trip_code: t.figure.kg_co2e for t in plan.emissions[Boundary.WTW]}
    rows = [
        [
            r.route_code,
            r.vehicle_type,
            len(r.stops),
            round(r.distance_km, 1),
            _hhmm(r.start),
            _hhmm(r.end),
            round(r.load_kg, 1),
            round(wtw.get(r.route_code, 0.0), 3),
            _pounds(r.cost_pence),
        ]
        for r in plan.result.routes
    ]
    out.print(
        table(
            f"Routes from {site} on {when:%a %d %b %Y} (times Europe/London)",
            ["route", "vehicle", "stops", "km", "leaves", "back", "load kg", "kg CO2e WTW", "cost"],
            rows,
        )
    )
    out.print(kpi_table(f"Plan {site} {when.isoformat()}", report.kpis))
    if report.problems:
        out.print(
            table(
                f"Not routed ({len(report.problems)})",
                ["order", "constraint", "why"],
                [[p.subject, p.binding_constraint or "–", p.reason] for p in report.problems],
            )
        )
    out.print(f"stored as plan run {report.plan_run_id} (stage routes, scope {site})")


def _route_site(sessions: sessionmaker[Session], code: str) -> tuple[Site, dict[str, GeoPoint]]:
    from microfactory.store import list_sites, list_zones

    with sessions() as session:
        site = next((s for s in list_sites(session) if s.code == code), None)
        if site is None:
            raise NotFoundError("site", code)
        zones = {z.outcode: z.centroid for z in list_zones(session)}
    return site, zones


@routes_app.command("export")
def routes_export(
    site: Annotated[str, typer.Option("--site", help="Site code.")],
    day: Annotated[str, typer.Option("--date", help="Local delivery day (YYYY-MM-DD).")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="geojson (routes) or csv (stops).")],
    out_file: Annotated[Path, typer.Option("--out", help="File to write.")],
) -> None:
    """Export a stored day of routes: GeoJSON LineStrings (one per route) or a CSV of stops."""
    from microfactory.plan.stages.routes import STAGE, day_horizon
    from microfactory.store import find_plan_run_id, load_emissions, load_plan_output, order_outcodes

    when = common.parse_day(day, "--date")
    settings = common.settings()
    with common.session_factory(settings) as sessions:
        depot, zones = _route_site(sessions, site)
        with sessions() as session:
            run_id = find_plan_run_id(session, stage=STAGE, scope=site, horizon=day_horizon(when))
            if run_id is None:
                raise NoRoutesStoredError(site, when)
            output = load_plan_output(session, run_id)
            emissions = load_emissions(session, run_id)
            outcodes = order_outcodes(session, [(s.order_channel, s.order_external_id) for s in output.stops])
    export = RouteExport(depot, zones, outcodes, output.routes, output.stops, emissions)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    if fmt is ExportFormat.GEOJSON:
        out_file.write_text(json.dumps(export.geojson(), indent=2) + "\n", encoding="utf-8")
    else:
        with out_file.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=STOP_COLUMNS)
            writer.writeheader()
            writer.writerows(export.stop_rows())
    out.print(f"wrote {len(output.routes)} routes, {len(output.stops)} stops to {out_file}")


STOP_COLUMNS = [
    "route_code",
    "vehicle_type",
    "sequence",
    "order_channel",
    "order_external_id",
    "outcode",
    "lat",
    "lon",
    "arrival_utc",
    "departure_utc",
    "arrival_local",
    "departure_local",
    "tonne_km",
    "kg_co2e_wtw",
    "kg_co2e_ttw",
]


class RouteExport:
    """A stored day of routes with stop locations (outcode centroids) and emissions, for export."""

    def __init__(
        self,
        depot: Site,
        zones: Mapping[str, GeoPoint],
        outcodes: Mapping[tuple[str, str], str],
        routes: Sequence[DeliveryRoute],
        stops: Sequence[RouteStop],
        emissions: EmissionRecords,
    ) -> None:
        self.depot = depot
        self.zones = zones
        self.outcodes = outcodes
        self.routes = routes
        self.stops = stops
        self.route_kg = {(e.route_code, e.boundary): e for e in emissions.routes}
        self.order_kg = {
            (e.route_code, e.order_channel, e.order_external_id, e.boundary): e for e in emissions.orders
        }

    def _point(self, stop: RouteStop) -> GeoPoint | None:
        outcode = self.outcodes.get((stop.order_channel, stop.order_external_id))
        return self.zones.get(outcode) if outcode is not None else None

    def geojson(self) -> dict[str, Any]:
        """A GeoJSON FeatureCollection (RFC 7946): one LineString per route, depot → stops → depot."""
        home = [self.depot.location.lon, self.depot.location.lat]
        features = []
        for r in self.routes:
            stops = [s for s in self.stops if s.route_code == r.route_code]
            points = [p for p in (self._point(s) for s in stops) if p is not None]
            wtw = self.route_kg.get((r.route_code, "wtw"))
            ttw = self.route_kg.get((r.route_code, "ttw"))
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [home, *([p.lon, p.lat] for p in points), home],
                    },
                    "properties": {
                        "route_code": r.route_code,
                        "site": r.site,
                        "day": r.day.isoformat(),
                        "vehicle_type": r.vehicle_type,
                        "stops": len(stops),
                        "orders": [f"{s.order_channel}/{s.order_external_id}" for s in stops],
                        "distance_km": round(r.distance_km, 3),
                        "starts_at": r.start.isoformat(),
                        "ends_at": r.end.isoformat(),
                        "starts_local": r.start.astimezone(LONDON).isoformat(),
                        "ends_local": r.end.astimezone(LONDON).isoformat(),
                        "cost_pence": r.cost_pence,
                        "tonne_km": round(wtw.tonne_km, 6) if wtw else None,
                        "kg_co2e_wtw": round(wtw.kg_co2e, 6) if wtw else None,
                        "kg_co2e_ttw": round(ttw.kg_co2e, 6) if ttw else None,
                        "emission_factor_set": f"{wtw.factor_set_id}:{wtw.factor_year}" if wtw else None,
                        "emission_factor_rows_wtw": list(wtw.factor_row_ids) if wtw else [],
                    },
                }
            )
        return {"type": "FeatureCollection", "features": features}

    def stop_rows(self) -> list[dict[str, Any]]:
        """One CSV row per stop, in route and visiting order."""
        vehicle = {r.route_code: r.vehicle_type for r in self.routes}
        rows = []
        for s in self.stops:
            point = self._point(s)
            key = (s.route_code, s.order_channel, s.order_external_id)
            wtw = self.order_kg.get((*key, "wtw"))
            ttw = self.order_kg.get((*key, "ttw"))
            rows.append(
                {
                    "route_code": s.route_code,
                    "vehicle_type": vehicle.get(s.route_code, ""),
                    "sequence": s.sequence,
                    "order_channel": s.order_channel,
                    "order_external_id": s.order_external_id,
                    "outcode": self.outcodes.get((s.order_channel, s.order_external_id), ""),
                    "lat": point.lat if point else "",
                    "lon": point.lon if point else "",
                    "arrival_utc": s.arrival.isoformat(),
                    "departure_utc": s.departure.isoformat(),
                    "arrival_local": s.arrival.astimezone(LONDON).isoformat(),
                    "departure_local": s.departure.astimezone(LONDON).isoformat(),
                    "tonne_km": f"{wtw.tonne_km:.6f}" if wtw else "",
                    "kg_co2e_wtw": f"{wtw.kg_co2e:.6f}" if wtw else "",
                    "kg_co2e_ttw": f"{ttw.kg_co2e:.6f}" if ttw else "",
                }
            )
        return rows


def _source_line(factor_sets: Sequence[str], boundary: str, row_ids: Sequence[str]) -> str:
    from microfactory.emissions import load_desnz_2025

    known = load_desnz_2025()
    described = []
    for entry in factor_sets:
        set_id, _, year = entry.partition(":")
        if set_id == known.id:
            described.append(f"{set_id} ({year}): {known.source}, {known.licence}")
        else:
            described.append(f"{set_id} ({year})")
    return (
        f"Emission factors: {'; '.join(described)} · boundary {boundary.upper()} · method per km, "
        f"allocated to orders by tonne-km (ISO 14083:2023 §5.6) · DESNZ rows: {', '.join(row_ids)}"
    )


@emissions_app.command("report")
def emissions_report(
    week: Annotated[
        str, typer.Option("--week", help="Any day of the week (YYYY-MM-DD); weeks start on Monday.")
    ],
    boundary: Annotated[
        BoundaryChoice, typer.Option(help="wtw (well-to-wheel, default) or ttw (tank-to-wheel).")
    ] = BoundaryChoice.WTW,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Delivery emissions of one week per site and per order, with the factor set, rows and boundary."""
    from microfactory.store import emissions_by_site, order_emissions

    day = common.parse_day(week, "--week")
    settings = common.settings()
    with common.session_factory(settings) as sessions, sessions() as session:
        sites = emissions_by_site(session, boundary=boundary.value, week_start=day)
        orders = order_emissions(session, week_start=day, boundary=boundary.value)
    monday = day - timedelta(days=day.weekday())
    if not sites:
        raise NoEmissionsStoredError(monday, boundary.value)
    factor_sets = sorted({f for s in sites for f in s.factor_sets})
    row_ids = sorted({r for s in sites for r in s.factor_row_ids})
    kg = sum(s.kg_co2e for s in sites)
    tkm = sum(s.tonne_km for s in sites)
    if as_json:
        print_json(
            out,
            {
                "week_start": monday.isoformat(),
                "boundary": boundary.value,
                "factor_sets": factor_sets,
                "factor_row_ids": row_ids,
                "source": _source_line(factor_sets, boundary.value, row_ids),
                "total": {"kg_co2e": kg, "tonne_km": tkm, "routes": sum(s.routes for s in sites)},
                "sites": [
                    {
                        "site": s.site,
                        "routes": s.routes,
                        "distance_km": s.distance_km,
                        "tonne_km": s.tonne_km,
                        "kg_co2e": s.kg_co2e,
                        "g_co2e_per_tonne_km": s.g_co2e_per_tonne_km,
                    }
                    for s in sites
                ],
                "orders": [
                    {
                        "site": o.site,
                        "day": o.day.isoformat(),
                        "order_channel": o.order_channel,
                        "order_external_id": o.order_external_id,
                        "route_code": o.route_code,
                        "tonne_km": o.tonne_km,
                        "kg_co2e": o.kg_co2e,
                        "factor_row_ids": list(o.factor_row_ids),
                    }
                    for o in orders
                ],
            },
        )
        return
    label = boundary.value.upper()
    out.print(
        table(
            f"Delivery emissions per site, week of {monday:%a %d %b %Y} ({label})",
            ["site", "routes", "km", "tonne-km", "kg CO2e", "g CO2e/tkm"],
            [
                [
                    s.site or "",
                    s.routes,
                    round(s.distance_km, 1),
                    round(s.tonne_km, 3),
                    round(s.kg_co2e, 3),
                    round(s.g_co2e_per_tonne_km, 1) if s.g_co2e_per_tonne_km is not None else "–",
                ]
                for s in sites
            ],
        )
    )
    out.print(
        table(
            f"Per order ({len(orders)})",
            ["site", "day", "order", "route", "tonne-km", "kg CO2e"],
            [
                [
                    o.site,
                    o.day.isoformat(),
                    f"{o.order_channel}/{o.order_external_id}",
                    o.route_code,
                    round(o.tonne_km, 4),
                    round(o.kg_co2e, 4),
                ]
                for o in orders
            ],
        )
    )
    out.print(f"total: {kg:,.3f} kg CO2e {label} over {tkm:,.3f} tonne-km")
    out.print(_source_line(factor_sets, boundary.value, row_ids), highlight=False, soft_wrap=True)
