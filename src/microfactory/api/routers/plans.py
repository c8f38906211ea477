"""Plans: plan runs, schedules (with Gantt SVG), delivery routes (with map SVG), emissions and network
scenarios (with map SVG and comparison). Read-only; new scenarios and re-plans are jobs."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from microfactory.api.deps import Caller, DbSession, Reader
from microfactory.api.pagination import Page, PageParams, RowId, page_of, page_params
from microfactory.api.problems import NOT_FOUND
from microfactory.api.schemas import (
    EmissionTotalOut,
    NetworkSiteOut,
    NetworkZoneOut,
    PlanRunOut,
    RouteDayOut,
    RoutePlanOut,
    ScenarioOut,
    ScheduleOut,
)
from microfactory.api.svg import RouteTrace, network_map_svg, routes_map_svg
from microfactory.errors import InvalidInputError, NotFoundError
from microfactory.report.schedule import gantt_svg, late_runs
from microfactory.store import api_reads
from microfactory.store.fulfilment_repository import (
    BOUNDARIES,
    EmissionTotal,
    emissions_by_site,
    emissions_by_week,
    order_outcodes,
)
from microfactory.store.master_repository import list_sites
from microfactory.store.network_repository import (
    NetworkScenarioRecord,
    latest_network_scenarios,
    load_network_scenario,
)
from microfactory.store.plan_repository import PlanOutput, PlanRunRecord, load_plan_output

router = APIRouter(tags=["plans"])
Paging = Annotated[PageParams, Depends(page_params)]
SiteQuery = Annotated[str | None, Query(max_length=80)]
SVG = "image/svg+xml"
SVG_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {SVG: {"schema": {"type": "string"}}}, "description": "An SVG drawing."}
}


def _run_out(run: PlanRunRecord) -> PlanRunOut:
    return PlanRunOut(
        id=run.id,
        stage=run.stage,
        scope=run.scope,
        horizon_start=run.horizon.start,
        horizon_end=run.horizon.end,
        created_at=run.created_at,
        status=run.status,
        kpis=dict(run.kpis),
        problem_count=run.problem_count,
    )


@router.get("/plan-runs", response_model=Page[PlanRunOut], summary="List plan runs")
def get_plan_runs(
    caller: Reader,
    session: DbSession,
    paging: Paging,
    stage: Annotated[str | None, Query(max_length=80, examples=["schedule"])] = None,
    scope: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[PlanRunOut]:
    """Plan runs newest first with KPIs and problem counts; filter by stage and scope."""
    rows, total = api_reads.plan_runs_page(
        session, limit=paging.limit, offset=paging.offset, stage=stage, scope=scope
    )
    return page_of([PlanRunOut(**r) for r in rows], paging, total)


def _output(caller: Caller, session: DbSession, plan_run_id: int, stage: str) -> PlanOutput:
    output = load_plan_output(session, plan_run_id)
    if output.run.stage != stage:
        raise NotFoundError(f"{stage} plan run", str(plan_run_id))
    if stage in ("schedule", "routes"):
        caller.site_filter(output.run.scope)
    return output


@router.get("/schedules", response_model=Page[PlanRunOut], summary="List schedules")
def get_schedules(
    caller: Reader, session: DbSession, paging: Paging, site: SiteQuery = None
) -> Page[PlanRunOut]:
    """Stored schedules (plan runs of stage ``schedule``, one per site and week), newest first."""
    rows, total = api_reads.plan_runs_page(
        session, limit=paging.limit, offset=paging.offset, stage="schedule", scope=caller.site_filter(site)
    )
    return page_of([PlanRunOut(**r) for r in rows], paging, total)


@router.get(
    "/schedules/{plan_run_id}", response_model=ScheduleOut, responses=NOT_FOUND, summary="One schedule"
)
def get_schedule(caller: Reader, session: DbSession, plan_run_id: RowId) -> ScheduleOut:
    """Production runs, operations on resources (with changeovers), problems and late runs."""
    out = _output(caller, session, plan_run_id, "schedule")
    return ScheduleOut(
        run=_run_out(out.run),
        production_runs=out.production_runs,
        operations=out.operations,
        problems=out.problems,
        late_runs=sorted(late_runs(out)),
    )


@router.get(
    "/schedules/{plan_run_id}/gantt.svg",
    response_class=Response,
    responses={**SVG_RESPONSE, **NOT_FOUND},
    summary="Gantt chart (SVG)",
)
def get_gantt(caller: Reader, session: DbSession, plan_run_id: RowId) -> Response:
    """The schedule as a Gantt chart: resources as rows, changeovers in amber, late runs in red."""
    return Response(gantt_svg(_output(caller, session, plan_run_id, "schedule")), media_type=SVG)


@router.get("/routes", response_model=list[RouteDayOut], summary="Routes per site and day")
def get_route_days(caller: Reader, session: DbSession, site: SiteQuery = None) -> list[RouteDayOut]:
    """For each stored routing plan, site and day: routes, km and cost; newest day first."""
    return [RouteDayOut(**r) for r in api_reads.route_days(session, site=caller.site_filter(site))]


@router.get(
    "/routes/{plan_run_id}", response_model=RoutePlanOut, responses=NOT_FOUND, summary="One routing plan"
)
def get_routes(
    caller: Reader, session: DbSession, plan_run_id: RowId, day: date | None = None
) -> RoutePlanOut:
    """Routes and their stops of one routing plan run; only ``day`` when given."""
    out = _output(caller, session, plan_run_id, "routes")
    routes = [r for r in out.routes if day is None or r.day == day]
    codes = {r.route_code for r in routes}
    return RoutePlanOut(
        run=_run_out(out.run),
        routes=routes,
        stops=[s for s in out.stops if s.route_code in codes],
        problems=out.problems,
    )


@router.get(
    "/routes/{plan_run_id}/map.svg",
    response_class=Response,
    responses={**SVG_RESPONSE, **NOT_FOUND},
    summary="Route map (SVG)",
)
def get_routes_map(
    caller: Reader, session: DbSession, plan_run_id: RowId, day: date | None = None
) -> Response:
    """Routes of one plan (one day when given) drawn on the GB map: site → stops → site."""
    out = _output(caller, session, plan_run_id, "routes")
    routes = [r for r in out.routes if day is None or r.day == day]
    outcodes = order_outcodes(session, [(s.order_channel, s.order_external_id) for s in out.stops])
    points = api_reads.zone_points(session, list(outcodes.values()))
    sites = {s.code: (s.location.lon, s.location.lat) for s in list_sites(session)}
    traces = []
    for r in routes:
        stops = []
        for s in sorted((s for s in out.stops if s.route_code == r.route_code), key=lambda s: s.sequence):
            oc = outcodes.get((s.order_channel, s.order_external_id))
            if oc is not None and oc in points:
                lat, lon = points[oc]
                stops.append((lon, lat, f"{s.sequence}. {s.order_channel}/{s.order_external_id} ({oc})"))
        if r.site in sites:
            traces.append(RouteTrace(r.route_code, sites[r.site], stops))
    caption = f"Routes of {out.run.scope}" + (f" on {day.isoformat()}" if day else "")
    return Response(routes_map_svg(traces, caption=caption), media_type=SVG)


def _emission(t: EmissionTotal) -> EmissionTotalOut:
    return EmissionTotalOut(
        site=t.site,
        week_start=t.week_start,
        boundary=t.boundary,
        routes=t.routes,
        distance_km=t.distance_km,
        tonne_km=t.tonne_km,
        kg_co2e=t.kg_co2e,
        g_co2e_per_tonne_km=t.g_co2e_per_tonne_km,
        methods=list(t.methods),
        factor_sets=list(t.factor_sets),
    )


def _boundary(boundary: str) -> str:
    if boundary not in BOUNDARIES:
        raise InvalidInputError.single("query", f"one of {', '.join(BOUNDARIES)}", field="boundary")
    return boundary


@router.get("/emissions/sites", response_model=list[EmissionTotalOut], summary="Emissions per site")
def get_emissions_by_site(
    caller: Reader,
    session: DbSession,
    boundary: Annotated[str, Query(pattern="^(ttw|wtw)$")] = "wtw",
    week_start: date | None = None,
) -> list[EmissionTotalOut]:
    """Delivery emissions (kg CO2e) summed per site; one week when ``week_start`` is given."""
    return [
        _emission(t) for t in emissions_by_site(session, boundary=_boundary(boundary), week_start=week_start)
    ]


@router.get("/emissions/weeks", response_model=list[EmissionTotalOut], summary="Emissions per week")
def get_emissions_by_week(
    caller: Reader,
    session: DbSession,
    boundary: Annotated[str, Query(pattern="^(ttw|wtw)$")] = "wtw",
    site: SiteQuery = None,
) -> list[EmissionTotalOut]:
    """Delivery emissions summed per week (Monday), over every site or only ``site``."""
    return [_emission(t) for t in emissions_by_week(session, boundary=_boundary(boundary), site=site)]


def _scenario_out(record: NetworkScenarioRecord, *, zones: bool) -> ScenarioOut:
    return ScenarioOut(
        brand=record.brand,
        name=record.name,
        plan_run_id=record.plan_run_id,
        created_at=record.created_at,
        status=record.status,
        gap=record.gap,
        objective_pence=record.objective_pence,
        bound_pence=record.bound_pence,
        parameters=dict(record.parameters),
        kpis=dict(record.kpis),
        sites=[
            NetworkSiteOut(**{k: getattr(s, k) for k in NetworkSiteOut.model_fields}) for s in record.sites
        ],
        zones=(
            [NetworkZoneOut(**{k: getattr(z, k) for k in NetworkZoneOut.model_fields}) for z in record.zones]
            if zones
            else []
        ),
        problems=list(record.problems),
    )


@router.get("/network/scenarios", response_model=list[ScenarioOut], summary="List network scenarios")
def get_scenarios(
    caller: Reader, session: DbSession, brand: Annotated[str | None, Query(max_length=80)] = None
) -> list[ScenarioOut]:
    """The latest stored scenario of each brand and name, with KPIs and open sites (no zones)."""
    return [_scenario_out(r, zones=False) for r in latest_network_scenarios(session, brand=brand)]


def _scenario(session: DbSession, brand: str, name: str) -> NetworkScenarioRecord:
    record = load_network_scenario(session, brand=brand, name=name)
    if record is None:
        raise NotFoundError("network scenario", f"{brand}/{name}")
    return record


@router.get(
    "/network/scenarios/{brand}/{name}",
    response_model=ScenarioOut,
    responses=NOT_FOUND,
    summary="One scenario",
)
def get_scenario(caller: Reader, session: DbSession, brand: str, name: str) -> ScenarioOut:
    """A stored scenario with its zone assignments (primary and backup site per zone)."""
    return _scenario_out(_scenario(session, brand, name), zones=True)


@router.get(
    "/network/map.svg",
    response_class=Response,
    responses={**SVG_RESPONSE, **NOT_FOUND},
    summary="Network map (SVG)",
)
def get_network_map(
    caller: Reader,
    session: DbSession,
    brand: Annotated[str | None, Query(max_length=80)] = None,
    scenario: Annotated[str | None, Query(max_length=120)] = None,
) -> Response:
    """Sites, and with ``brand`` and ``scenario`` the zones served with primary and backup links."""
    record = _scenario(session, brand, scenario) if brand and scenario else None
    sites = {s.code: (s.location.lon, s.location.lat, s.kind.value) for s in list_sites(session, brand=brand)}
    zones: dict[str, tuple[float, float]] = {}
    if record is not None:
        found = api_reads.zone_points(session, [z.outcode for z in record.zones])
        zones = {oc: (lon, lat) for oc, (lat, lon) in found.items()}
    return Response(network_map_svg(record, sites, zones), media_type=SVG)


@router.get("/network/compare", response_model=list[dict[str, Any]], summary="Compare scenarios")
def get_compare(
    caller: Reader, session: DbSession, brand: Annotated[str | None, Query(max_length=80)] = None
) -> list[dict[str, Any]]:
    """One row per latest scenario: brand, name, status, objective and every KPI, side by side."""
    return [
        {
            "brand": r.brand,
            "scenario": r.name,
            "plan_run_id": r.plan_run_id,
            "status": r.status,
            "objective_pence": r.objective_pence,
            "open_sites": len(r.sites),
            **dict(r.kpis),
        }
        for r in latest_network_scenarios(session, brand=brand)
    ]
