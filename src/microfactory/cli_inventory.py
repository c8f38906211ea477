"""``microfactory inventory``: hub stock.

``simulate`` replays demand against stocking policies per hub and prints them side by side (fill rate,
stock-outs, average stock value, waste, transfers and their kg CO2e); ``stock`` lists units on hand by
lot and expiry; ``policies`` lists the stored levels of the newest ``inventory`` plan. Errors are
:class:`~microfactory.errors.MicrofactoryError`, printed by the entry point as one line, exit code 2.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console

from microfactory import cli_common as common
from microfactory.cli_common import LONDON
from microfactory.cli_output import print_json, table
from microfactory.errors import InvalidInputError, NotFoundError

inventory_app = typer.Typer(help="Hub stock, policies and simulation.", no_args_is_help=True)
out = Console()


class PolicyChoice(StrEnum):
    """Policies ``simulate`` can compare (``auto`` picks by demand class)."""

    AUTO = "auto"
    ORDER_UP_TO = "order_up_to"
    MIN_MAX = "min_max"
    CYCLE_SERVICE = "cycle_service"
    NORMAL = "normal"


class DemandSource(StrEnum):
    """Where ``simulate`` takes demand from."""

    HISTORY = "history"
    SAMPLED = "sampled"


class DistributionSource(StrEnum):
    """Where ``simulate``'s policies take lead-time demand distributions from."""

    FORECAST = "forecast"
    """As the ``inventory`` stage: the forecasting engine's quantiles for durable SKUs it can fit,
    the bootstrap for the rest (perishables, short histories)."""
    BOOTSTRAP = "bootstrap"
    """The moving-block bootstrap of the daily history for every SKU."""


def _as_of(value: str | None) -> datetime:
    """``--as-of`` as local midnight, or the day after the newest stored order."""
    if value is not None:
        day = common.parse_day(value, "--as-of")
        return datetime.combine(day, datetime.min.time(), tzinfo=LONDON).astimezone(UTC)
    from sqlalchemy import func, select

    from microfactory.store.models import OrderRow

    with common.session() as session:
        newest = session.execute(select(func.max(OrderRow.created_at))).scalar_one_or_none()
    if newest is None:
        raise InvalidInputError.single("orders", "no orders stored: import or build the demo first")
    day = newest.astimezone(LONDON).date() + timedelta(days=1)
    return datetime.combine(day, datetime.min.time(), tzinfo=LONDON).astimezone(UTC)


@inventory_app.command("simulate")
def simulate_command(
    weeks: Annotated[int, typer.Option(min=1, max=52, help="Weeks to replay.")] = 26,
    policy: Annotated[
        list[PolicyChoice] | None,
        typer.Option("--policy", help="Policy to compare (repeat); default auto and normal."),
    ] = None,
    hub: Annotated[str | None, typer.Option(help="Only this hub (e.g. KIT-LON-HUB).")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Seed (default from settings).")] = None,
    demand: Annotated[
        DemandSource,
        typer.Option(help="history: replay the last weeks, planned from before them; sampled: draw ahead."),
    ] = DemandSource.HISTORY,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Plan date YYYY-MM-DD (default: after the last order).")
    ] = None,
    distribution: Annotated[
        DistributionSource,
        typer.Option(
            help="forecast: durable SKUs plan from the forecasting engine's quantiles, as the inventory "
            "stage does; bootstrap: every SKU from the bootstrap of its daily history."
        ),
    ] = DistributionSource.FORECAST,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Replay demand against stocking policies at every hub and compare them side by side.

    Policies plan from the same lead-time demand distributions as the ``inventory`` stage unless
    ``--distribution bootstrap``: with history demand the forecasts are made at the replay's first day
    (from the history before it), with sampled demand at ``--as-of``. Forecasts are made over every
    hub's series at once, as the stage does, so one hub's figures do not depend on ``--hub``.
    """
    from microfactory.fulfilment.inventory import (
        ForecastDemand,
        PolicyKind,
        choose_policies,
        replay_history,
        sample_demand,
        simulate_hub,
    )
    from microfactory.plan.stages.inventory import HISTORY_DAYS, discover_hubs, hub_forecasts, hub_setup
    from microfactory.store import load_master_data, load_orders, upgrade

    settings = common.settings()
    upgrade(settings.database_url)
    when = _as_of(as_of)
    chosen = list(dict.fromkeys(policy or [PolicyChoice.AUTO, PolicyChoice.NORMAL]))
    rng_seed = settings.seed if seed is None else seed
    with common.session() as session:
        master = load_master_data(session)
        every_hub = discover_hubs(master)
        hubs = every_hub if hub is None else [h for h in every_hub if h.hub == hub]
        if hub is not None and not hubs:
            raise NotFoundError("hub", hub)
        planned = every_hub if distribution is DistributionSource.FORECAST else hubs
        orders = {
            b: load_orders(
                session, brand=b, created_from=when - timedelta(days=HISTORY_DAYS + 14), created_to=when
            )
            for b in {h.brand for h in planned}
        }
    setups = {
        h.hub: hub_setup(master, h, orders[h.brand], as_of=when, circuity=settings.circuity) for h in planned
    }
    forecasts: dict[str, dict[str, ForecastDemand]] = {}
    if distribution is DistributionSource.FORECAST:
        back_days = 7 * weeks if demand is DemandSource.HISTORY else 0
        problems = [s.problem for s in setups.values()]
        forecasts = hub_forecasts(problems, back_days=back_days, seed=rng_seed)
    rows: list[dict[str, float | int | str]] = []
    for spec in hubs:
        setup = setups[spec.hub]
        if not setup.problem.items:
            continue
        hub_forecast = forecasts.get(spec.hub)
        for choice in chosen:
            kind = None if choice is PolicyChoice.AUTO else PolicyKind(choice.value)
            if demand is DemandSource.HISTORY:
                outcome = replay_history(
                    setup.problem,
                    kind,
                    days=7 * weeks,
                    seed=rng_seed,
                    kg_co2e_per_trip=setup.kg_co2e_per_trip,
                    forecasts=hub_forecast,
                )
            else:
                policies = choose_policies(setup.problem, kind, seed=rng_seed, forecasts=hub_forecast)
                future, firm = sample_demand(setup.problem, 7 * weeks, seed=rng_seed)
                outcome = simulate_hub(
                    setup.problem,
                    policies,
                    first_day=setup.problem.history_days,
                    demand=future,
                    firm=firm,
                    label=choice.value,
                    kg_co2e_per_trip=setup.kg_co2e_per_trip,
                )
            rows.append(
                {
                    "hub": spec.hub,
                    **outcome.kpis(),
                    "policy": choice.value,
                    "forecast_skus": len(hub_forecast or {}),
                }
            )
    if as_json:
        print_json(
            out,
            {
                "as_of": when.isoformat(),
                "weeks": weeks,
                "demand": demand.value,
                "distribution": distribution.value,
                "results": rows,
            },
        )
        return
    headers = [
        "hub",
        "policy",
        "forecast SKUs",
        "fill %",
        "stock-out SKU-days",
        "avg stock £",
        "waste units",
        "waste %",
        "transfers",
        "trips",
        "kg CO2e",
    ]
    out.print(
        table(
            f"Hub stock: {weeks} weeks of {demand.value} demand from {when.astimezone(LONDON):%d %b %Y}"
            f" ({distribution.value} distributions)",
            headers,
            [
                [
                    r["hub"],
                    r["policy"],
                    r["forecast_skus"],
                    round(100 * float(r["fill_rate"]), 1),
                    r["stockout_sku_days"],
                    round(float(r["avg_stock_value_pence"]) / 100, 2),
                    r["waste_units"],
                    r["waste_pct"],
                    r["transfers"],
                    r["trips"],
                    r["kg_co2e"],
                ]
                for r in rows
            ],
        )
    )


@inventory_app.command("stock")
def stock_command(
    hub: Annotated[str | None, typer.Option(help="Only this hub.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Units on hand by hub, SKU, lot and expiry (first to expire first)."""
    from microfactory.store import upgrade
    from microfactory.store.inventory_repository import stock_on_hand

    settings = common.settings()
    upgrade(settings.database_url)
    with common.session() as session:
        lots = stock_on_hand(session, hub=hub)
    if as_json:
        print_json(
            out,
            [
                {
                    "hub": lot.hub,
                    "sku": lot.sku,
                    "lot": lot.lot_code,
                    "quantity": lot.quantity,
                    "received_at": lot.received_at.isoformat(),
                    "expires_at": lot.expires_at.isoformat() if lot.expires_at else None,
                    "unit_cost_pence": lot.unit_cost_pence,
                }
                for lot in lots
            ],
        )
        return
    out.print(
        table(
            f"Stock on hand ({len(lots)} lots, {sum(lot.quantity for lot in lots):,} units)",
            ["hub", "SKU", "lot", "units", "expires (Europe/London)"],
            [
                [
                    lot.hub,
                    lot.sku,
                    lot.lot_code,
                    lot.quantity,
                    lot.expires_at.astimezone(LONDON).strftime("%a %d %b %H:%M") if lot.expires_at else "–",
                ]
                for lot in lots
            ],
        )
    )


@inventory_app.command("policies")
def policies_command(
    hub: Annotated[str | None, typer.Option(help="Only this hub.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The stored stocking policies: levels per hub, SKU and review weekday."""
    from microfactory.store import upgrade
    from microfactory.store.inventory_repository import load_policies

    settings = common.settings()
    upgrade(settings.database_url)
    with common.session() as session:
        policies = load_policies(session, hub=hub)
    if as_json:
        print_json(out, [{name: getattr(p, name) for name in p.__slots__} for p in policies])
        return
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    out.print(
        table(
            f"Stocking policies ({len(policies)} hub × SKU × review day)",
            ["hub", "SKU", "review", "policy", "class", "s", "S", "pack", "lead d", "cover d", "exp. fill"],
            [
                [
                    p.hub,
                    p.sku,
                    days[p.weekday],
                    p.kind,
                    p.demand_class,
                    p.reorder_point,
                    p.order_up_to,
                    p.pack_size,
                    p.lead_days,
                    p.protection_days,
                    "–" if p.expected_fill_rate is None else f"{p.expected_fill_rate:.3f}",
                ]
                for p in policies
            ],
        )
    )
