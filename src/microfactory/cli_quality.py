"""Quality commands: ``trace``, ``recall`` and the ``quality`` group (lots, results, deviations, releases,
audit exports).

Registered on the main app by :func:`register_quality_commands`. Each command opens the configured
database, does its work in one transaction and prints Rich tables, or JSON with ``--json``. Refusals
(an unknown lot or check, a value in the wrong unit, a release without its checks, an allocation of a
held lot) raise the product's errors, which the main entry point prints as one line with exit code 2.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console

from microfactory import cli_common as common
from microfactory.cli_output import kpi_table, print_json, table
from microfactory.domain.quality import AuditAction, CheckEntry, Deviation, LotStatus, Unit
from microfactory.quality.trace import RECALL_COLUMNS, Trace, recall_rows

LONDON = ZoneInfo("Europe/London")
quality_app = typer.Typer(
    help="Lots, QA results, deviations, releases and audit records.", no_args_is_help=True
)
out = Console()


def _london(when: datetime | None) -> str:
    return when.astimezone(LONDON).strftime("%Y-%m-%d %H:%M") if when else ""


def _print_trace(trace: Trace, *, as_json: bool) -> None:
    if as_json:
        print_json(
            out,
            {
                "lot": trace.lot,
                "direction": trace.direction.value,
                "lots": [vars_of(t) for t in trace.lots],
                "deliveries": recall_rows(trace),
            },
        )
        return
    rows = [
        [t.depth, t.code, t.kind, t.sku, t.site, t.status, t.quantity, _london(t.produced_at)]
        for t in trace.lots
    ]
    out.print(
        table(
            f"{trace.direction.value.title()} trace of {trace.lot} ({len(trace.lots)} lots)",
            ["depth", "lot", "kind", "SKU", "site", "status", "quantity", "made (London)"],
            rows,
        )
    )
    if trace.deliveries:
        out.print(kpi_table("Reached", trace.kpis()))


def vars_of(item: object) -> dict[str, object]:
    """A slotted dataclass as a dict (for JSON)."""
    return {name: getattr(item, name) for name in getattr(item, "__slots__", ())}


def trace_command(
    lot: Annotated[str, typer.Argument(help="Lot code, e.g. FOOD-LON/R20261101/COND-KIMCHI/1.")],
    forward: Annotated[
        bool,
        typer.Option(
            "--forward/--backward", help="Downstream to products and orders, or upstream to inputs."
        ),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Trace a lot forward (what it went into, and to whom) or backward (what went into it)."""
    from microfactory.store import trace_backward, trace_forward

    with common.session() as session:
        trace = trace_forward(session, lot) if forward else trace_backward(session, lot)
    _print_trace(trace, as_json=as_json)


def recall_command(
    lot: Annotated[
        str, typer.Argument(help="Lot code to recall (a product, material or starter-culture lot).")
    ],
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Write the recall list to this CSV file.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the customers and orders affected by recalling a lot (and everything made from it)."""
    from microfactory.store import recall

    with common.session() as session:
        trace = recall(session, lot)
    rows = recall_rows(trace)
    if csv_file is not None:
        csv_file.parent.mkdir(parents=True, exist_ok=True)
        with csv_file.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=RECALL_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    if as_json:
        print_json(out, {"lot": lot, "lots": [t.code for t in trace.lots], "rows": rows})
        return
    shown = [
        [r["order"] or r["to_site"], r["customer"], r["outcode"], r["sku"], int(r["quantity"]), r["lot"]]
        for r in rows
    ]
    out.print(
        table(
            f"Recall of {lot}: {len(trace.orders)} orders, {len(trace.recipients)} recipients, "
            f"{len(trace.lots)} lots",
            ["order / transfer", "customer", "outcode", "SKU", "units", "lot"],
            shown[:200],
        )
    )
    if len(shown) > 200:
        out.print(f"… {len(shown) - 200:,} more rows (use --csv)")
    if csv_file is not None:
        out.print(f"recall list: {csv_file} ({len(rows):,} rows)")


@quality_app.command("lots")
def lots_command(
    status: Annotated[LotStatus | None, typer.Option(help="Only lots with this status.")] = None,
    site: Annotated[str | None, typer.Option(help="Only this site.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="At most this many (newest first).")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List lots, newest first."""
    from microfactory.store import list_lots

    with common.session() as session:
        lots = list_lots(session, status=status, site=site, limit=limit)
    if as_json:
        print_json(out, [{"code": x.code, **x.model_dump(mode="json")} for x in lots])
        return
    rows = [
        [
            x.code,
            x.kind.value,
            x.status.value,
            x.quantity,
            f"{x.template} v{x.template_version}" if x.template else "–",
        ]
        for x in lots
    ]
    out.print(table(f"Lots ({len(lots)})", ["lot", "kind", "status", "quantity", "checklist"], rows))


@quality_app.command("show")
def show_command(lot: Annotated[str, typer.Argument(help="Lot code.")]) -> None:
    """A lot's status, its audit trail and whether it could be released now."""
    from microfactory.store import audit_entries, get_lot, release_decisions

    with common.session() as session:
        found = get_lot(session, lot)
        entries = audit_entries(session, lot=lot)
        decision = release_decisions(session, [lot])[lot]
    out.print(f"{found.code}: {found.status.value}, {found.quantity:,} × {found.sku} · {decision.explain()}")
    rows = [[e.id, _london(e.at), e.actor, e.action.value, e.summary, e.corrects or ""] for e in entries]
    out.print(table("Audit trail", ["#", "when (London)", "who", "action", "what", "corrects"], rows))


def _floats(text: str | None) -> tuple[float, ...]:
    return tuple(float(x) for x in text.split(",")) if text else ()


@quality_app.command("record")
def record_command(
    lot: Annotated[str, typer.Argument(help="Lot code.")],
    check: Annotated[str, typer.Argument(help="Check code of the lot's checklist.")],
    by: Annotated[str, typer.Option("--by", help="Who recorded it.")],
    passed: Annotated[bool | None, typer.Option("--passed/--failed", help="Pass/fail checks.")] = None,
    value: Annotated[float | None, typer.Option(help="Measurement value.")] = None,
    unit: Annotated[Unit | None, typer.Option(help="Unit of the value or readings.")] = None,
    readings: Annotated[str | None, typer.Option(help="Comma-separated readings (formula checks).")] = None,
    scores: Annotated[str | None, typer.Option(help="Comma-separated panel scores (sensory checks).")] = None,
    text: Annotated[str | None, typer.Option(help="Recorded text (record checks).")] = None,
    attachment: Annotated[str | None, typer.Option(help="Attachment reference.")] = None,
) -> None:
    """Record one QA result; a failed critical check puts the lot on hold."""
    from microfactory.store import record_checks

    entry = CheckEntry(
        lot=lot,
        check=check,
        recorded_by=by,
        recorded_at=datetime.now(UTC),
        passed=passed,
        value=value,
        unit=unit,
        readings=_floats(readings),
        scores=tuple(int(s) for s in _floats(scores)),
        text=text,
        attachment=attachment,
    )
    with common.session(write=True) as session:
        done = record_checks(session, [entry])
    outcome = done.outcomes[lot][0]
    out.print(f"{lot} {check}: {'pass' if outcome.passed else 'FAIL'} — {outcome.detail}")
    if done.held:
        out.print(f"[bold red]lot {lot} is now on hold[/] (critical check failed)")


@quality_app.command("deviation")
def deviation_command(
    lot: Annotated[str, typer.Argument(help="Lot code.")],
    checks: Annotated[str, typer.Option(help="Comma-separated check codes the deviation covers.")],
    description: Annotated[str, typer.Option(help="What went wrong.")],
    corrective_action: Annotated[str, typer.Option(help="What was done about it.")],
    raised_by: Annotated[str, typer.Option(help="Who raises it.")],
    approved_by: Annotated[str, typer.Option(help="Who approves it (someone else).")],
) -> None:
    """Record a deviation with its corrective action and approver."""
    from microfactory.store import record_deviation

    deviation = Deviation(
        lot=lot,
        checks=tuple(c.strip() for c in checks.split(",") if c.strip()),
        description=description,
        corrective_action=corrective_action,
        raised_by=raised_by,
        approved_by=approved_by,
        at=datetime.now(UTC),
    )
    with common.session(write=True) as session:
        entry_id = record_deviation(session, deviation)
    out.print(f"deviation recorded on {lot} (audit entry {entry_id})")


@quality_app.command("release")
def release_command(
    lot: Annotated[str, typer.Argument(help="Lot code.")],
    by: Annotated[str, typer.Option("--by", help="Who releases it.")],
) -> None:
    """Release a lot: every mandatory check passed, or covered by a deviation."""
    from microfactory.store import release_lot

    with common.session(write=True) as session:
        decision = release_lot(session, lot, released_by=by, at=datetime.now(UTC))
    out.print(f"{lot} released ({decision.explain()})")


def _day(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time(0), tzinfo=LONDON)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option) from exc


@quality_app.command("audit")
def audit_command(
    lot: Annotated[str | None, typer.Option(help="Only this lot.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="From this day (Europe/London).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Up to this day, exclusive.")] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="Write the entries as CSV.")] = None,
    html_file: Annotated[Path | None, typer.Option("--html", help="Write a printable HTML record.")] = None,
) -> None:
    """Export the audit log for a lot or a period (CSV, printable HTML) or print a summary."""
    from microfactory.quality.records import audit_csv, audit_html
    from microfactory.store import audit_entries

    since, until = _day(start, "--from"), _day(end, "--to")
    with common.session() as session:
        entries = audit_entries(session, lot=lot, start=since, end=until)
    if csv_file is not None:
        csv_file.write_text(audit_csv(entries), encoding="utf-8")
    if html_file is not None:
        facts = {k: v for k, v in {"lot": lot, "from": start, "to": end}.items() if v}
        html_file.write_text(
            audit_html(entries, title="QA audit record", generated_at=datetime.now(UTC), facts=facts),
            encoding="utf-8",
        )
    counts = {a.value: sum(1 for e in entries if e.action == a) for a in AuditAction}
    out.print(kpi_table(f"Audit entries ({len(entries):,})", counts))
    for path in (csv_file, html_file):
        if path is not None:
            out.print(f"written: {path}")


@quality_app.command("templates")
def templates_command() -> None:
    """List the shipped checklist templates and their checks."""
    from microfactory.quality.catalogue import shipped_templates

    rows = [
        [
            t.code,
            t.version,
            ", ".join(t.families),
            c.code,
            c.kind.value,
            "yes" if c.critical else "",
            c.describe(),
        ]
        for t in shipped_templates()
        for c in t.checks
    ]
    out.print(
        table(
            "Checklist templates", ["template", "v", "families", "check", "kind", "critical", "passes"], rows
        )
    )


def register_quality_commands(app: typer.Typer) -> None:
    """Add ``trace``, ``recall`` and the ``quality`` group to the main app."""
    app.command("trace")(trace_command)
    app.command("recall")(recall_command)
    app.add_typer(quality_app, name="quality")
