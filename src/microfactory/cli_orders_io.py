"""``microfactory orders import|export``: orders in from POS exports, out in open formats.

``import`` parses a whole file first (CSV through a TOML mapping, Square, Toast, Deliverect or the
canonical export) and writes it in one transaction only when every row is valid; otherwise it lists
every bad row as ``file:row:field: reason`` and writes nothing. ``export`` writes the canonical
CSV, JSON or Parquet that ``import --format canonical`` reads back.
"""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from microfactory import cli_common as common
from microfactory.cli_common import LONDON, parse_day
from microfactory.cli_output import print_json, table
from microfactory.domain import OrderStatus
from microfactory.errors import InvalidInputError, MicrofactoryError
from microfactory.ingest import (
    BUILTIN_MAPPINGS,
    ImportFormat,
    ImportMapping,
    ParsedOrders,
    builtin_mapping,
    export_orders,
    parse_mapping,
    parse_orders,
)

out = Console()
err = Console(stderr=True)


class ImportRefusedError(MicrofactoryError):
    """A file had bad rows (each already printed), so nothing of it was imported."""

    def __init__(self, source: str, problems: int) -> None:
        super().__init__(f"{source}: {problems} problem(s) found; nothing was imported")


class ExportFileFormat(StrEnum):
    """File formats ``orders export`` writes."""

    CSV = "csv"
    JSON = "json"
    PARQUET = "parquet"


def load_mapping_option(value: str | None) -> ImportMapping | None:
    """The mapping named by ``--mapping``: a TOML file path, or a built-in mapping's name."""
    if value is None:
        return None
    path = Path(value)
    if path.is_file():
        return parse_mapping(path.read_text(encoding="utf-8-sig"), source=str(path))
    if value in BUILTIN_MAPPINGS:
        return builtin_mapping(value)
    raise InvalidInputError.single(
        "--mapping", f"{value!r} is neither a file nor a built-in mapping ({', '.join(BUILTIN_MAPPINGS)})"
    )


def import_command(
    file: Annotated[Path, typer.Argument(help="The export file to import.", show_default=False)],
    fmt: Annotated[ImportFormat, typer.Option("--format", help="Format of the file.")] = ImportFormat.CSV,
    mapping: Annotated[
        str | None,
        typer.Option(
            "--mapping",
            help=f"TOML mapping file, or a built-in one ({', '.join(BUILTIN_MAPPINGS)}). Required for csv.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count, but write nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Import orders from a file: all of it, or (when any row is bad) none of it."""
    from microfactory.store.order_repository import import_orders, load_reference_data

    rules = load_mapping_option(mapping)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InvalidInputError.single(str(file), f"cannot read: {exc.strerror or exc}") from exc
    with common.session(write=not dry_run) as session:
        references = load_reference_data(session)
        try:
            parsed = parse_orders(data, fmt, source=str(file), mapping=rules, references=references)
        except InvalidInputError as exc:
            _report_issues(exc, as_json=as_json)
            raise ImportRefusedError(str(file), len(exc.issues)) from None
        counts = import_orders(session, parsed)
        if dry_run:
            session.rollback()
    summary = _summary(parsed, fmt, dry_run=dry_run)
    summary.update(
        inserted=counts.orders.inserted,
        updated=counts.orders.updated,
        unchanged=counts.orders.unchanged,
        skus_created=counts.skus_created,
    )
    if as_json:
        print_json(out, summary)
        return
    title = f"Import of {file.name}" + (" (dry run: nothing written)" if dry_run else "")
    rows = [[k.replace("_", " "), v] for k, v in summary.items() if k not in ("skipped", "file", "dry_run")]
    rows += [[f"skipped: {reason}", n] for reason, n in summary["skipped"].items()]
    out.print(table(title, ["", "value"], rows))


def _summary(parsed: ParsedOrders, fmt: ImportFormat, *, dry_run: bool) -> dict[str, Any]:
    return {
        "file": parsed.source,
        "format": ImportFormat(fmt).value,
        "dry_run": dry_run,
        "rows_read": parsed.rows_read,
        "orders": len(parsed.orders),
        "lines": parsed.lines,
        "skipped": dict(parsed.skipped),
    }


def _report_issues(exc: InvalidInputError, *, as_json: bool) -> None:
    if as_json:
        print_json(
            out,
            {
                "imported": False,
                "issues": [
                    {
                        "file": i.location.source,
                        "row": i.location.row,
                        "field": i.location.field,
                        "reason": i.reason,
                    }
                    for i in exc.issues
                ],
            },
        )
    for issue in exc.issues:
        err.print(str(issue), highlight=False, soft_wrap=True, markup=False)


def _day_start(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    return datetime.combine(parse_day(value, option), time(0), tzinfo=LONDON)


def export_command(
    fmt: Annotated[ExportFileFormat, typer.Option("--format", help="File format.")] = ExportFileFormat.CSV,
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="File to write (default: standard output; required for parquet).",
            show_default=False,
        ),
    ] = None,
    brand: Annotated[str | None, typer.Option(help="Only this brand.")] = None,
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
    status: Annotated[OrderStatus | None, typer.Option(help="Only this status.")] = None,
    created_from: Annotated[
        str | None, typer.Option("--from", help="Created on or after this day (YYYY-MM-DD, Europe/London).")
    ] = None,
    created_to: Annotated[
        str | None, typer.Option("--to", help="Created before this day (YYYY-MM-DD, Europe/London).")
    ] = None,
) -> None:
    """Export orders as canonical CSV, JSON or Parquet (re-importable with --format canonical)."""
    from microfactory.store import load_orders

    if fmt is ExportFileFormat.PARQUET and out_path is None:
        raise typer.BadParameter("parquet is binary: give --out PATH", param_hint="--out")
    with common.session() as session:
        orders = load_orders(
            session,
            brand=brand,
            channel=channel,
            status=status,
            created_from=_day_start(created_from, "--from"),
            created_to=_day_start(created_to, "--to"),
        )
    data = export_orders(orders, fmt.value)
    if out_path is None:
        typer.echo(data.decode("utf-8"), nl=False)
        return
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(data)
    lines = sum(len(o.lines) for o in orders)
    err.print(f"wrote {len(orders):,} orders ({lines:,} lines) to {out_path}", highlight=False)


def register_order_io_commands(app: typer.Typer) -> None:
    """Add ``import`` and ``export`` to the ``orders`` group."""
    app.command("import")(import_command)
    app.command("export")(export_command)
