"""``microfactory second-life``: second-life items (intake, grading, disposition, KPIs) and offcut reuse.

Each writing command (``intake``, ``grade``, ``refurbish``, ``dispose``) is one transaction: the step is
checked by the state machine (:mod:`microfactory.circular.lifecycle`) before anything is written, so a
refused step (unknown item, disposition before grading, a second disposition, missing or negative mass
or dimensions) prints one line naming the item and field, exits with code 2 and changes nothing.
Times are ISO 8601; a time without an offset, or a bare date (noon), is read as Europe/London.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from microfactory import cli_common as common
from microfactory.cli_offcuts import register_offcut_commands
from microfactory.cli_output import kpi_table, print_json, table
from microfactory.errors import InvalidInputError

second_life_app = typer.Typer(
    help="Second-life items: intake, grading, disposition, KPIs.", no_args_is_help=True
)
register_offcut_commands(second_life_app)

out = Console()

TREND_COLUMNS = (
    "intake_count",
    "reclamation_rate_count",
    "reclamation_rate_mass",
    "reclamation_rate_value",
    "recycling_rate_count",
    "landfill_rate_count",
    "cycle_days_median",
    "cost_per_item_pence",
    "kg_co2e_avoided",
)
INTAKE_FIELDS = (
    "item",
    "kind",
    "source",
    "site",
    "received_at",
    "mass_kg",
    "material",
    "new_value_pence",
    "make",
    "model",
    "manufacture_year",
    "origin",
    "finish",
    "thickness_mm",
    "length_mm",
    "width_mm",
    "note",
)
"""Columns of an intake CSV (``intake --csv``); only the ones an item's kind needs must be filled."""


def parse_when(value: str | None, option: str) -> datetime:
    """An option's time as aware UTC: ISO 8601 with offset, local Europe/London without, or a date (noon).

    ``None`` is now. Raises a usage error naming the option for text that is not a time.
    """
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.combine(date.fromisoformat(value), time(12)) if len(value) == 10 else None
        parsed = parsed or datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date or time (ISO 8601)", param_hint=option) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=common.LONDON)
    return parsed.astimezone(UTC)


def _check_material(material: str | None, *, source: str, row: int | None = None) -> None:
    from microfactory.circular import load_material_factors

    factors = load_material_factors()
    if material and factors.get(material) is None:
        known = ", ".join(sorted(factors.factors))
        raise InvalidInputError.single(
            source, f"material {material!r} has no factor (known: {known})", row=row, field="material"
        )


def _read_intake_csv(path: Path, received_default: datetime) -> list[Any]:
    from microfactory.circular import build_item

    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInputError.single(str(path), f"cannot read: {exc.strerror or exc}") from exc
    reader = csv.DictReader(io.StringIO(text))
    unknown = [c for c in reader.fieldnames or [] if c not in INTAKE_FIELDS]
    if unknown:
        raise InvalidInputError.single(str(path), f"unknown columns: {', '.join(unknown)}", row=1)
    items = []
    for row_no, row in enumerate(reader, start=2):
        fields: dict[str, Any] = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if fields.get("received_at"):
            fields["received_at"] = parse_when(fields["received_at"], f"{path}:{row_no}:received_at")
        else:
            fields["received_at"] = received_default
        _check_material(fields.get("material"), source=str(path), row=row_no)
        items.append(build_item(fields, source=str(path), row=row_no))
    if not items:
        raise InvalidInputError.single(str(path), "no items to take in", row=2)
    return items


@second_life_app.command("intake")
def intake(
    item: Annotated[str | None, typer.Option(help="Serial number, asset tag or panel label.")] = None,
    kind: Annotated[str | None, typer.Option(help="appliance, fitting or panel.")] = None,
    source: Annotated[
        str | None,
        typer.Option(help="showroom_demo, customer_return, production_surplus or transit_damage."),
    ] = None,
    site: Annotated[str | None, typer.Option(help="Site code taking the item in.")] = None,
    mass_kg: Annotated[float | None, typer.Option(help="Mass in kg (required, > 0).")] = None,
    material: Annotated[str | None, typer.Option(help="Material stream (factor table code).")] = None,
    new_value_pence: Annotated[int | None, typer.Option(help="Price of the item new, pence.")] = None,
    make: Annotated[str | None, typer.Option()] = None,
    model: Annotated[str | None, typer.Option()] = None,
    year: Annotated[int | None, typer.Option(help="Year of manufacture.")] = None,
    origin: Annotated[str | None, typer.Option(help="showroom or customer.")] = None,
    finish: Annotated[str | None, typer.Option(help="Panel finish code.")] = None,
    thickness_mm: Annotated[float | None, typer.Option()] = None,
    length_mm: Annotated[float | None, typer.Option()] = None,
    width_mm: Annotated[float | None, typer.Option()] = None,
    note: Annotated[str, typer.Option()] = "",
    received_at: Annotated[str | None, typer.Option(help="When it arrived (default now).")] = None,
    by: Annotated[str, typer.Option(help="Who took it in.")] = "Goods-in",
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Take in every row of this CSV instead (all or nothing).")
    ] = None,
) -> None:
    """Take an item in (or every row of a CSV with --csv, all or nothing)."""
    from microfactory.circular import build_item
    from microfactory.store.circular_repository import record_intake

    when = parse_when(received_at, "--received-at")
    if csv_file is not None:
        items = _read_intake_csv(csv_file, when)
    else:
        fields = {
            "item": item,
            "kind": kind,
            "source": source,
            "site": site,
            "received_at": when,
            "mass_kg": mass_kg,
            "material": material,
            "new_value_pence": new_value_pence,
            "make": make,
            "model": model,
            "manufacture_year": year,
            "origin": origin,
            "finish": finish,
            "thickness_mm": thickness_mm,
            "length_mm": length_mm,
            "width_mm": width_mm,
            "note": note,
        }
        _check_material(material, source="intake")
        items = [build_item(fields, source="intake")]
    with common.session(write=True) as session:
        events = [record_intake(session, i, actor=by) for i in items]
    for event in events:
        out.print(f"{event.item}: {event.summary}", highlight=False)


@second_life_app.command("grade")
def grade_item(
    item: Annotated[str, typer.Argument(help="The item to grade.")],
    check: Annotated[
        list[str] | None,
        typer.Option("--check", "-c", help="CODE=VALUE, once per check (pass/fail, a number, a text)."),
    ] = None,
    by: Annotated[str, typer.Option(help="Who graded it.")] = "Grader",
    at: Annotated[str | None, typer.Option(help="When (default now).")] = None,
    note: Annotated[str, typer.Option(help="Added to the reason.")] = "",
) -> None:
    """Grade an item against its kind's grading checklist: A, B, C or scrap, with the reason."""
    from microfactory.circular import grade_from_checklist, grading_template, parse_check_value
    from microfactory.quality import shipped_templates
    from microfactory.store.circular_repository import load_state, record_grading

    when = parse_when(at, "--at")
    with common.session(write=True) as session:
        state = load_state(session, item)
        if state is None:
            raise InvalidInputError.single(f"item {item}", "unknown item: it has not been taken in")
        template = grading_template(state.item.kind, shipped_templates())
        entries = []
        for raw in check or []:
            code, sep, value = raw.partition("=")
            if not sep:
                raise typer.BadParameter(f"{raw!r} is not CODE=VALUE", param_hint="--check")
            entries.append(
                parse_check_value(template, item, code.strip(), value, recorded_by=by, recorded_at=when)
            )
        grading = grade_from_checklist(item, template, entries, graded_by=by, graded_at=when, note=note)
        event = record_grading(session, item, grading)
    out.print(f"{item}: {event.summary}", highlight=False)


def _part(raw: str) -> Any:
    from microfactory.domain.circular import Part

    name, sep, cost = raw.rpartition("=")
    quantity = 1
    if "x" in cost:
        cost, _, qty = cost.partition("x")
        quantity = int(qty) if qty.strip().isdigit() else 0
    if not sep or not cost.strip().isdigit() or quantity < 1:
        raise typer.BadParameter(f"{raw!r} is not NAME=PENCE or NAME=PENCExQUANTITY", param_hint="--part")
    return Part(name=name.strip(), cost_pence=int(cost), quantity=quantity)


@second_life_app.command("refurbish")
def refurbish_item(
    item: Annotated[str, typer.Argument(help="The item refurbished.")],
    task: Annotated[str, typer.Option(help="What was done.")],
    minutes: Annotated[int, typer.Option(help="Labour minutes.")],
    part: Annotated[list[str] | None, typer.Option(help="NAME=PENCE[xQUANTITY], once per part.")] = None,
    by: Annotated[str, typer.Option(help="Who did it.")] = "Technician",
    at: Annotated[str | None, typer.Option(help="When (default now).")] = None,
) -> None:
    """Record a refurbishment task (minutes and parts) on a graded item."""
    from pydantic import ValidationError

    from microfactory.circular import validation_error
    from microfactory.domain.circular import Refurbishment
    from microfactory.store.circular_repository import record_refurbishment

    when = parse_when(at, "--at")
    try:
        refurbishment = Refurbishment(
            task=task, minutes=minutes, parts=tuple(_part(p) for p in part or []), done_at=when, done_by=by
        )
    except ValidationError as exc:
        raise validation_error(exc, source=f"item {item}") from exc
    with common.session(write=True) as session:
        event = record_refurbishment(session, item, refurbishment)
    out.print(f"{item}: {event.summary}", highlight=False)


@second_life_app.command("dispose")
def dispose_item(
    item: Annotated[str, typer.Argument(help="The item disposed of.")],
    channel: Annotated[str, typer.Option(help="resell, reuse, donate, recycle or landfill.")],
    value_pence: Annotated[int, typer.Option(help="Value recovered, pence.")] = 0,
    stream: Annotated[str | None, typer.Option(help="Recycling: the material stream.")] = None,
    cost_pence: Annotated[int, typer.Option(help="What the disposal cost, pence.")] = 0,
    recipient: Annotated[str, typer.Option(help="Buyer, charity or recycler.")] = "",
    by: Annotated[str, typer.Option(help="Who disposed of it.")] = "Second-life desk",
    at: Annotated[str | None, typer.Option(help="When (default now).")] = None,
) -> None:
    """Dispose of a graded item once: resell, reuse, donate, recycle (with stream) or landfill."""
    from pydantic import ValidationError

    from microfactory.circular import validation_error
    from microfactory.domain.circular import Disposition
    from microfactory.store.circular_repository import record_disposition

    when = parse_when(at, "--at")
    try:
        disposition = Disposition.model_validate(
            {
                "channel": channel,
                "value_recovered_pence": value_pence,
                "disposed_at": when,
                "disposed_by": by,
                "material_stream": stream,
                "cost_pence": cost_pence,
                "recipient": recipient,
            }
        )
    except ValidationError as exc:
        raise validation_error(exc, source=f"item {item}") from exc
    with common.session(write=True) as session:
        event = record_disposition(session, item, disposition)
    out.print(f"{item}: {event.summary}", highlight=False)


@second_life_app.command("history")
def history(
    item: Annotated[str, typer.Argument(help="The item.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print an item's full history (every event, oldest first)."""
    from microfactory.store.circular_repository import item_history

    with common.session() as session:
        events = item_history(session, item)
    if as_json:
        print_json(out, [e.model_dump(mode="json") for e in events])
        return
    rows = [
        [e.sequence, f"{e.at.astimezone(common.LONDON):%Y-%m-%d %H:%M}", e.kind.value, e.actor, e.summary]
        for e in events
    ]
    out.print(table(f"History of {item} (Europe/London)", ["#", "when", "event", "who", "what"], rows))


@second_life_app.command("kpis")
def kpis(
    site: Annotated[str | None, typer.Option(help="Only items taken in at this site.")] = None,
    month: Annotated[str | None, typer.Option(help="Only items taken in this month (YYYY-MM).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Reclamation rates (count, mass, value), recycling and landfill, cycle time, cost, CO2e avoided."""
    from microfactory.circular import intake_month, kpi_trends, load_material_factors, second_life_kpis
    from microfactory.store.circular_repository import load_states

    if month is not None and (len(month) != 7 or month[4] != "-" or not month.replace("-", "").isdigit()):
        raise typer.BadParameter(f"{month!r} is not a month (YYYY-MM)", param_hint="--month")
    with common.session() as session:
        states = load_states(session, site=site)
    if month is not None:
        states = [s for s in states if intake_month(s) == month]
    factors = load_material_factors()
    total = second_life_kpis(states, factors)
    trends = kpi_trends(states, factors)
    scope = f"site {site or 'all'}, month {month or 'all'}"
    if as_json:
        print_json(
            out,
            {
                "scope": {"site": site, "month": month},
                "kpis": total.as_dict(),
                "kg_co2e_avoided_by_material": dict(total.kg_co2e_avoided_by_material),
                "factor_source": factors.source,
                "factors_unverified": factors.unverified,
                "trends": [{"site": r.site, "month": r.month, **r.kpis.as_dict()} for r in trends],
            },
        )
        return
    out.print(kpi_table(f"Second-life KPIs ({scope})", total.as_dict()))
    rows = [[r.site, r.month, *(r.kpis.as_dict().get(c, "") for c in TREND_COLUMNS)] for r in trends]
    out.print(table("Per site and month of intake", ["site", "month", *TREND_COLUMNS], rows))
    out.print(f"CO2e factors: {factors.source}", highlight=False)


def _write_atomic(path: Path, text: str) -> None:
    """Write ``path`` so that readers see the old or the new content, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


EXPORT_COLUMNS = (
    "item",
    "kind",
    "source",
    "site",
    "received_at_utc",
    "mass_kg",
    "material",
    "finish",
    "thickness_mm",
    "length_mm",
    "width_mm",
    "make",
    "model",
    "manufacture_year",
    "new_value_pence",
    "status",
    "grade",
    "grade_reason",
    "refurbishment_minutes",
    "parts_pence",
    "channel",
    "material_stream",
    "value_recovered_pence",
    "disposed_at_utc",
    "cycle_days",
)


@second_life_app.command("export")
def export(
    out_path: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    site: Annotated[str | None, typer.Option(help="Only items of this site.")] = None,
) -> None:
    """Write every item's current state as CSV, one row per item (columns: EXPORT_COLUMNS)."""
    from microfactory.store.circular_repository import load_states

    with common.session() as session:
        states = load_states(session, site=site)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for s in states:
        i, g, d = s.item, s.grading, s.disposition
        cycle = "" if d is None else f"{(d.disposed_at - i.received_at).total_seconds() / 86_400:.2f}"
        writer.writerow(
            [
                i.item,
                i.kind.value,
                i.source.value,
                i.site,
                i.received_at.isoformat(),
                f"{i.mass_kg:g}",
                i.material,
                i.finish or "",
                "" if i.thickness_mm is None else f"{i.thickness_mm:g}",
                "" if i.length_mm is None else f"{i.length_mm:g}",
                "" if i.width_mm is None else f"{i.width_mm:g}",
                i.make or "",
                i.model or "",
                i.manufacture_year or "",
                i.new_value_pence,
                s.status.value,
                g.grade.value if g else "",
                g.reason if g else "",
                s.refurbished_minutes,
                s.parts_pence,
                d.channel.value if d else "",
                (d.material_stream or "") if d else "",
                d.value_recovered_pence if d else "",
                d.disposed_at.isoformat() if d else "",
                cycle,
            ]
        )
    _write_atomic(out_path, buffer.getvalue())
    out.print(f"Wrote {len(states)} items to {out_path}", highlight=False)
