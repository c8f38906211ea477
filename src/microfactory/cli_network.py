"""``microfactory network``: design a brand's site network as a named scenario, and compare scenarios.

``network design`` builds the brand's problem from stored master data and weekly demand (the
``demand_history`` stage's output, latest :data:`~microfactory.plan.stages.network.DEMAND_WEEKS` weeks),
solves one built-in scenario (``centralised``, ``local``, ``n-1`` or ``site_down=CODE``) with the given
options, stores it (replacing the same name for the same brand and demand window) and prints the open
sites, the demand at risk per site, the KPIs and what cannot be covered. ``network compare`` prints
stored scenarios side by side; ``centralised`` is designed on the fly when it is not stored. Errors
are one line with exit code 2 (see :func:`microfactory.cli.main`).
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from microfactory import cli_common as common
from microfactory.cli_output import kpi_table, print_json, table
from microfactory.errors import MicrofactoryError, NotFoundError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from microfactory.domain import MasterData
    from microfactory.network import Scenario
    from microfactory.plan.stages.network import NetworkOptions
    from microfactory.store import NetworkScenarioRecord

network_app = typer.Typer(
    help="Network design: sites, coverage, N-1 redundancy, scenarios.", no_args_is_help=True
)

out = Console()

KPI_KEYS = (
    "status",
    "sites_open",
    "weekly_cost_pence",
    "fixed_cost_pence",
    "variable_cost_pence",
    "transport_cost_pence",
    "carbon_cost_pence",
    "demand_units_per_week",
    "served_units_per_week",
    "mean_km",
    "p95_km",
    "mean_hours",
    "p95_hours",
    "transport_kg_co2e_per_week",
    "share_within_24h",
    "share_within_48h",
    "largest_site",
    "lost_if_largest_fails_units",
    "gap_pct",
    "bound_pence",
    "seconds",
    "problems",
)
PROBLEMS_SHOWN = 20


class RedundancyChoice(StrEnum):
    """``--redundancy`` values."""

    NONE = "none"
    N_1 = "n-1"


class DemandSource(StrEnum):
    """``--demand`` values: the stored forecast (when made as at the week after the window) or history."""

    FORECAST = "forecast"
    HISTORY = "history"


class ScenarioNotStoredError(MicrofactoryError):
    """A scenario named in ``network compare`` has not been designed for the brand."""

    def __init__(self, brand: str, name: str) -> None:
        super().__init__(
            f"scenario {name!r} of brand {brand!r} is not stored: run "
            f"`microfactory network design --brand {brand} --scenario {name}` first"
        )


class NoDesignBrandError(MicrofactoryError):
    """``--brand`` is needed because not exactly one brand has candidate sites."""

    def __init__(self, brands: list[str]) -> None:
        listed = ", ".join(brands) or "none"
        super().__init__(f"give --brand: brands with a central plant and candidate sites: {listed}")


def _scenario(name: str, redundancy: RedundancyChoice | None) -> Scenario:
    from microfactory.network import Redundancy, parse_scenario

    scenario = parse_scenario(name)
    if redundancy is not None:
        scenario = scenario.model_copy(update={"redundancy": Redundancy(redundancy.value)})
    return scenario


def _check_brand(master: MasterData, brand: str) -> None:
    if not any(b.code == brand for b in master.brands):
        raise NotFoundError("brand", brand)


def _design(
    session: Session, brand: str, scenario: Scenario, options: NetworkOptions
) -> tuple[NetworkScenarioRecord, Any]:
    """Build the brand's problem from the store and solve ``scenario``: (record, demand window)."""
    from microfactory.network import run_scenario
    from microfactory.plan.stages.network import brand_problem, load_forecast_demand, scenario_record
    from microfactory.store import load_master_data, load_weekly_demand

    master = load_master_data(session)
    _check_brand(master, brand)
    forecast = load_forecast_demand(session, brand, options.forecast_weeks) if options.use_forecast else None
    bp = brand_problem(master, load_weekly_demand(session, brand=brand), brand, options, None, forecast)
    try:
        item = run_scenario(bp.problem, scenario, options.limits(), options.seed)
    except KeyError as exc:  # site_down=CODE with an unknown site
        raise ValueError(str(exc.args[0])) from None
    return scenario_record(brand, item, bp.parameters), bp.horizon


def _options(
    seconds: float | None,
    max_hours: float | None,
    carbon_price: float | None,
    demand: DemandSource = DemandSource.FORECAST,
) -> NetworkOptions:
    from microfactory.plan.stages.network import MAX_DELIVERY_HOURS, NETWORK_SECONDS, NetworkOptions

    settings = common.settings()
    return NetworkOptions(
        seconds=seconds if seconds is not None else min(NETWORK_SECONDS, settings.solver_seconds),
        workers=settings.workers,
        seed=settings.seed,
        circuity=settings.circuity,
        max_delivery_hours=max_hours if max_hours is not None else MAX_DELIVERY_HOURS,
        carbon_price_gbp_per_tonne=carbon_price or 0.0,
        use_forecast=demand is DemandSource.FORECAST,
    )


def _site_rows(record: NetworkScenarioRecord) -> list[list[Any]]:
    return [
        [
            s.site,
            s.kind,
            s.zones_served,
            round(s.at_risk_units_per_week, 1),
            round(s.lost_if_down_units_per_week, 1) if s.lost_if_down_units_per_week is not None else "–",
            f"{100 * s.utilisation:.0f} %",
            f"£{s.fixed_cost_pence / 100:,.0f}",
        ]
        for s in record.sites
    ]


def _record_json(record: NetworkScenarioRecord) -> dict[str, Any]:
    return {
        "brand": record.brand,
        "scenario": record.name,
        "plan_run_id": record.plan_run_id,
        "status": record.status,
        "gap": record.gap,
        "objective_pence": record.objective_pence,
        "bound_pence": record.bound_pence,
        "parameters": dict(record.parameters),
        "kpis": dict(record.kpis),
        "sites": [
            {
                "site": s.site,
                "kind": s.kind,
                "zones_served": s.zones_served,
                "at_risk_units_per_week": s.at_risk_units_per_week,
                "lost_if_down_units_per_week": s.lost_if_down_units_per_week,
                "utilisation": s.utilisation,
                "fixed_cost_pence": s.fixed_cost_pence,
            }
            for s in record.sites
        ],
        "problems": [p.model_dump(mode="json") for p in record.problems],
    }


@network_app.command("design")
def network_design(
    brand: Annotated[str, typer.Option("--brand", help="Brand code, e.g. KITCHEN.")],
    scenario: Annotated[
        str, typer.Option("--scenario", help="centralised, local, n-1 or site_down=CODE.")
    ] = "local",
    redundancy: Annotated[
        RedundancyChoice | None, typer.Option(help="Override the scenario's redundancy rule.")
    ] = None,
    max_hours: Annotated[
        float | None,
        typer.Option("--max-hours", min=0.1, max=168, help="Delivery-time limit, hours (default 8)."),
    ] = None,
    carbon_price: Annotated[
        float | None, typer.Option("--carbon-price", min=0, help="Carbon price, £ per tonne CO2e.")
    ] = None,
    seconds: Annotated[
        float | None, typer.Option(min=0.1, max=3600, help="Solver time limit (default 20 s).")
    ] = None,
    demand: Annotated[
        DemandSource,
        typer.Option(help="Zone demand: the stored forecast when current (else history), or history."),
    ] = DemandSource.FORECAST,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Design the brand's network for one scenario, store it, print open sites, demand at risk and KPIs."""
    from microfactory.store import save_network_scenario, upgrade

    chosen = _scenario(scenario, redundancy)
    options = _options(seconds, max_hours, carbon_price, demand)
    upgrade(common.settings().database_url)
    with common.session(write=True) as session:
        record, horizon = _design(session, brand, chosen, options)
        run_id = save_network_scenario(session, record, horizon=horizon)
    record = replace(record, plan_run_id=run_id)
    if as_json:
        print_json(out, _record_json(record))
        return
    out.print(
        table(
            f"Open sites — {brand} / {record.name} (demand at risk = units/week each site serves)",
            ["site", "kind", "zones", "at risk u/wk", "lost if down u/wk", "utilisation", "fixed £/wk"],
            _site_rows(record),
        )
    )
    out.print(
        kpi_table(f"KPIs {brand} / {record.name}", {k: record.kpis[k] for k in KPI_KEYS if k in record.kpis})
    )
    if record.problems:
        shown = record.problems[:PROBLEMS_SHOWN]
        out.print(
            table(
                f"Cannot be met ({len(record.problems)})",
                ["subject", "kind", "why"],
                [[p.subject, p.kind.value, p.reason] for p in shown],
            )
        )
        if len(record.problems) > PROBLEMS_SHOWN:
            out.print(f"… and {len(record.problems) - PROBLEMS_SHOWN} more (use --json)")
    source = record.parameters.get("demand_source", "history")
    out.print(f"demand: {source} · stored as plan run {run_id} (stage network, scope {brand}/{record.name})")


def _default_brand(session: Session) -> str:
    from microfactory.plan.stages.network import design_brands
    from microfactory.store import load_master_data

    brands = design_brands(load_master_data(session))
    if len(brands) != 1:
        raise NoDesignBrandError(brands)
    return brands[0]


@network_app.command("compare")
def network_compare(
    names: Annotated[list[str], typer.Argument(help="Scenario names, e.g. centralised local n-1.")],
    brand: Annotated[
        str | None, typer.Option("--brand", help="Brand code (default: the one with candidates).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print stored scenarios side by side (centralised is designed on the fly when not stored)."""
    from microfactory.network import COMPARE_COLUMNS, parse_scenario
    from microfactory.store import load_master_data, load_network_scenario

    with common.session() as session:
        code = brand if brand is not None else _default_brand(session)
        _check_brand(load_master_data(session), code)
        records = []
        for name in names:
            record = load_network_scenario(session, brand=code, name=name)
            if record is None and name == "centralised":
                record, _ = _design(session, code, parse_scenario(name), _options(None, None, None))
            if record is None:
                parse_scenario(name)  # an unknown name says so; a known one is just not stored
                raise ScenarioNotStoredError(code, name)
            records.append(record)
    columns = COMPARE_COLUMNS[1:]
    if as_json:
        print_json(
            out,
            {
                "brand": code,
                "columns": list(COMPARE_COLUMNS),
                "scenarios": [
                    {"scenario": r.name, "stored": r.plan_run_id is not None}
                    | {c: r.kpis.get(c, "") for c in columns}
                    for r in records
                ],
            },
        )
        return
    rows = [[c, *(r.kpis.get(c, "–") for r in records)] for c in columns]
    out.print(table(f"Network scenarios — {code}", ["", *(r.name for r in records)], rows))
    on_the_fly = [r.name for r in records if r.plan_run_id is None]
    if on_the_fly:
        out.print(f"designed on the fly (not stored): {', '.join(on_the_fly)}")
