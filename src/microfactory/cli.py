"""The ``microfactory`` command line: demo, database and list commands.

Every command loads settings once, does its work in one transaction and prints either Rich tables or,
with ``--json``, plain JSON. Errors are one line on stderr naming the setting, file or field, with exit
code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from microfactory import cli_common as common
from microfactory.cli_common import LONDON, STATE, parse_day
from microfactory.cli_forecast import forecast_app
from microfactory.cli_inventory import inventory_app
from microfactory.cli_network import network_app
from microfactory.cli_orders_io import register_order_io_commands
from microfactory.cli_output import kpi_table, print_json, rich_progress, table
from microfactory.cli_quality import register_quality_commands
from microfactory.cli_routes import emissions_app, routes_app
from microfactory.cli_schedule import schedule_app
from microfactory.cli_second_life import second_life_app
from microfactory.cli_serve import register_serve_command
from microfactory.cli_zones import zones_app
from microfactory.domain import OrderStatus, SiteKind
from microfactory.errors import MicrofactoryError

EXIT_USER_ERROR = 2

app = typer.Typer(
    name="microfactory",
    help="Plan and run networks of small-batch microfactories.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
sites_app = typer.Typer(help="Sites of the network.", no_args_is_help=True)
orders_app = typer.Typer(help="Customer orders.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(sites_app, name="sites")
app.add_typer(orders_app, name="orders")
register_quality_commands(app)
app.add_typer(routes_app, name="routes")
app.add_typer(emissions_app, name="emissions")
app.add_typer(network_app, name="network")
app.add_typer(schedule_app, name="schedule")
register_order_io_commands(orders_app)
app.add_typer(zones_app, name="zones")
app.add_typer(forecast_app, name="forecast")
app.add_typer(inventory_app, name="inventory")
app.add_typer(second_life_app, name="second-life")
register_serve_command(app)

out = Console()
err = Console(stderr=True)


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="Database URL (overrides MICROFACTORY_DATABASE_URL).",
            show_default=False,
        ),
    ] = None,
) -> None:
    STATE.debug = debug
    STATE.database_url = database_url
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def _parse_as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.combine(parse_day(value, "--as-of"), time(0), tzinfo=LONDON)


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Seed for every random step.")] = 1,
    scale: Annotated[float, typer.Option(help="Multiplies order volumes (0 < scale ≤ 20).")] = 1.0,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for report.html.")] = Path("out"),
    as_of: Annotated[
        str | None,
        typer.Option(help="Plan as at this date (Europe/London midnight); default 2026-11-23."),
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Local worker processes.")] = None,
    dask: Annotated[str | None, typer.Option("--dask", help="Dask scheduler address for fan-out.")] = None,
) -> None:
    """Build the UK demo network, run every plan stage and write a report."""
    from microfactory.plan.demo_job import run_demo_job

    settings = common.settings(workers=workers, dask_scheduler=dask)
    when = _parse_as_of(as_of)
    with rich_progress(err) as progress:
        result = run_demo_job(
            settings, seed=seed, scale=scale, out_dir=out_dir, as_of=when, progress=progress
        )
    _print_demo_summary(result)


@app.command("plan")
def plan_command(
    stages: Annotated[
        str | None,
        typer.Option(help="Comma-separated stages to run, in pipeline order (default: all)."),
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for report.html.")] = Path("out"),
    as_of: Annotated[
        str | None,
        typer.Option(help="Plan as at this date (Europe/London midnight); default: tomorrow."),
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Local worker processes.")] = None,
    dask: Annotated[str | None, typer.Option("--dask", help="Dask scheduler address for fan-out.")] = None,
) -> None:
    """Run the plan stages on the stored network (imported orders, master data) and write a report."""
    from microfactory.plan.pipeline import STAGES
    from microfactory.plan.plan_job import run_plan_job
    from microfactory.store import current_revision, head_revision

    settings = common.settings(workers=workers, dask_scheduler=dask)
    names = None if stages is None else [s.strip() for s in stages.split(",") if s.strip()]
    unknown = [n for n in names or [] if n not in STAGES]
    if unknown:
        raise typer.BadParameter(
            f"unknown stage(s) {', '.join(unknown)}; known: {', '.join(STAGES)}", param_hint="--stages"
        )
    if current_revision(settings.database_url) != head_revision():
        raise MicrofactoryError(
            "the database schema is not current: run `microfactory db upgrade` (or `microfactory demo`) first"
        )
    when = _parse_as_of(as_of) or datetime.combine(
        datetime.now(LONDON).date() + timedelta(days=1), time(0), tzinfo=LONDON
    )
    with common.session_factory(settings) as sessions, rich_progress(err) as progress:
        result = run_plan_job(
            settings,
            sessions=sessions,
            database=make_url(settings.database_url).render_as_string(hide_password=True),
            as_of=when.astimezone(UTC),
            out_dir=out_dir,
            stages=names,
            progress=progress,
        )
    for stage in result.stages:
        out.print(kpi_table(f"Stage {stage.stage} — {stage.scope}", stage.kpis))
    out.print(f"report: {result.report_path} ({result.seconds:.1f} s, fan-out: {result.runner})")


def _print_demo_summary(result: Any) -> None:
    network = result.network
    master = network.master
    rows = []
    for brand in master.brands:
        sites = [s for s in master.sites if s.brand == brand.code]
        kinds = ", ".join(
            f"{sum(1 for s in sites if s.kind == k)} {k.value.replace('_', ' ')}"
            for k in SiteKind
            if any(s.kind == k for s in sites)
        )
        orders = [o for o in network.orders if o.brand == brand.code]
        rows.append(
            [
                brand.code,
                brand.name,
                brand.sector.value,
                kinds,
                sum(1 for f in master.sku_families if f.brand == brand.code),
                len(orders),
                sum(len(o.lines) for o in orders),
            ]
        )
    out.print(
        table(
            "Network",
            ["brand", "name", "sector", "sites", "SKU families", "orders", "lines"],
            rows,
        )
    )
    out.print(
        f"zones: {len(master.zones):,} GB outcodes · customers: {len(master.customers):,} · "
        f"history {_london(network.history_start)} → {_london(network.history_end)}"
    )
    out.print(
        f"orders stored: {result.orders_inserted:,} new, {result.orders_updated:,} updated · "
        f"fan-out: {result.runner}"
    )
    for stage in result.stages:
        out.print(kpi_table(f"Stage {stage.stage} — {stage.scope}", stage.kpis))
    out.print(f"report: {result.report_path} ({result.seconds:.1f} s)")


def _london(when: datetime) -> str:
    return when.astimezone(LONDON).strftime("%d %b %Y")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest revision (safe to repeat)."""
    from microfactory.store import current_revision, upgrade

    settings = common.settings()
    upgrade(settings.database_url)
    out.print(f"database at revision {current_revision(settings.database_url)}")


@sites_app.command("list")
def sites_list(
    brand: Annotated[str | None, typer.Option(help="Only this brand.")] = None,
    kind: Annotated[SiteKind | None, typer.Option(help="Only this kind of site.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List sites with their kind, status, location and weekly fixed cost."""
    from microfactory.store import list_sites

    with common.session() as session:
        sites = list_sites(session, brand=brand, kind=kind)
    if as_json:
        print_json(out, [s.model_dump(mode="json") for s in sites])
        return
    rows = [
        [
            s.code,
            s.name,
            s.brand,
            s.kind.value,
            s.status.value,
            s.outcode,
            f"{s.location.lat:.4f}, {s.location.lon:.4f}",
            round(s.fixed_cost_pence_per_week / 100),
        ]
        for s in sites
    ]
    out.print(
        table(
            f"Sites ({len(sites)})",
            ["code", "name", "brand", "kind", "status", "outcode", "lat, lon", "fixed £/week"],
            rows,
        )
    )


@orders_app.command("list")
def orders_list(
    brand: Annotated[str | None, typer.Option(help="Only this brand.")] = None,
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
    status: Annotated[OrderStatus | None, typer.Option(help="Only this status.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="At most this many.")] = 50,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many first.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List orders (oldest first) with their window, status and units."""
    from microfactory.store import count_orders, load_orders

    with common.session() as session:
        total = count_orders(session, brand=brand, channel=channel, status=status)
        orders = load_orders(session, brand=brand, channel=channel, status=status, limit=limit, offset=offset)
    if as_json:
        print_json(out, [o.model_dump(mode="json") for o in orders])
        return
    rows = [
        [
            o.channel,
            o.external_id,
            o.brand,
            o.outcode,
            o.created_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M"),
            o.window.start.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")
            + "–"
            + o.window.end.astimezone(LONDON).strftime("%H:%M"),
            o.status.value,
            o.units,
        ]
        for o in orders
    ]
    out.print(
        table(
            f"Orders {offset + 1:,}–{offset + len(orders):,} of {total:,} (times Europe/London)",
            ["channel", "external id", "brand", "outcode", "created", "window", "status", "units"],
            rows,
        )
    )


def _fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise SystemExit(EXIT_USER_ERROR)


def _describe_validation_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or exc.title
    value = first.get("input")
    shown = repr(value) if not isinstance(value, dict) else "{...}"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{exc.title}.{where} = {shown}: {first['msg']}{more}"


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``microfactory`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        app(args=args, prog_name="microfactory", standalone_mode=False)
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        _fail("aborted")
    except typer.TyperException as exc:  # usage errors: bad option values, unknown commands
        show = getattr(exc, "show", None)
        if callable(show):
            show(file=sys.stderr)
        else:
            err.print(str(exc), highlight=False)
        raise SystemExit(EXIT_USER_ERROR) from None
    except (MicrofactoryError, ValidationError, SQLAlchemyError, ValueError, OSError) as exc:
        if STATE.debug or "--debug" in args:
            raise
        if isinstance(exc, ValidationError):
            _fail(_describe_validation_error(exc))
        if isinstance(exc, SQLAlchemyError):
            _fail(f"database: {str(exc).splitlines()[0]}")
        _fail(str(exc))


if __name__ == "__main__":
    main()
