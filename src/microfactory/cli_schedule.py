"""``microfactory schedule plan``, ``export`` and ``confirm``: a site's production week.

``plan`` schedules one site's week (the ``schedule`` stage for one site), stores it and prints the runs,
late orders and KPIs; ``export`` writes the stored week as CSV, JSON or iCalendar (one ``.ics`` file
per machine into a folder); ``confirm`` turns the runs of the stored schedule that have ended into lots
(one per run, see :func:`microfactory.store.lot_repository.confirm_runs`). Registered on the main
app in :mod:`microfactory.cli`; errors are :class:`~microfactory.errors.MicrofactoryError`, printed by
the entry point as one line, exit code 2. Times are shown in Europe/London and exported in UTC (CSV
also in local time).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from microfactory import cli_common as common
from microfactory.cli_common import LONDON
from microfactory.cli_output import kpi_table, print_json, table
from microfactory.errors import MicrofactoryError

if TYPE_CHECKING:
    from microfactory.store import PlanOutput

schedule_app = typer.Typer(help="Production schedules per site and week.", no_args_is_help=True)
out = Console()
RUN_OF_REASON = re.compile(r"^run (\S+) ")
"""The run a late-order problem's reason names (``run R-001 (SKU) ends ...``)."""


class ExportFormat(StrEnum):
    """File formats of ``schedule export``."""

    CSV = "csv"
    JSON = "json"
    ICS = "ics"


class NoScheduleStoredError(MicrofactoryError):
    """No schedule is stored for a site and week."""

    def __init__(self, site: str, day: date, days: int) -> None:
        super().__init__(
            f"no schedule stored for {site} for the {days} days from {day.isoformat()}: run "
            f"`microfactory schedule plan --site {site} --from {day.isoformat()}` first"
        )


def _local(when: datetime) -> str:
    return when.astimezone(LONDON).strftime("%a %d %b %H:%M")


def late_run_codes(output: PlanOutput) -> set[str]:
    """Codes of the runs that make some order late (from the stored late-order problems)."""
    codes = set()
    for p in output.problems:
        match = RUN_OF_REASON.match(p.reason)
        if p.kind.value == "late" and match:
            codes.add(match.group(1))
    return codes


@schedule_app.command("plan")
def schedule_plan(
    site: Annotated[str, typer.Option("--site", help="Site code, e.g. KIT-LON.")],
    start_day: Annotated[
        str, typer.Option("--from", help="First day of the week (YYYY-MM-DD, Europe/London).")
    ],
    days: Annotated[int, typer.Option(min=1, max=28, help="Days in the horizon.")] = 7,
    seconds: Annotated[
        float | None,
        typer.Option(min=0.1, max=3600, help="Solver time limit (default 10 s, capped by settings)."),
    ] = None,
    replay: Annotated[
        bool,
        typer.Option(
            "--replay", help="Replay the previous week's orders (demo data) instead of firm orders."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Schedule one site's production week, store it and print its runs, late orders and KPIs."""
    from microfactory.plan import SerialRunner
    from microfactory.plan.stages.schedule import (
        SCHEDULE_SECONDS,
        ScheduleOptions,
        WorkRule,
        local_midnight,
        plan_schedules,
    )
    from microfactory.store import upgrade

    day = common.parse_day(start_day, "--from")
    settings = common.settings()
    upgrade(settings.database_url)
    options = ScheduleOptions(
        seconds=seconds if seconds is not None else min(SCHEDULE_SECONDS, settings.solver_seconds),
        workers=settings.workers,
        seed=settings.seed,
        days=days,
        rule=WorkRule.REPLAY if replay else WorkRule.FIRM,
    )
    with common.session_factory(settings) as sessions, SerialRunner() as runner:
        run = plan_schedules(
            sessions, runner, options, start=local_midnight(day), sites=[site], require_work=True
        )
    plan, report = run.plans[0], run.reports[0]
    runs = plan.result.runs()
    late = plan.result.late_problems()
    if as_json:
        print_json(
            out,
            {
                "site": site,
                "plan_run_id": report.plan_run_id,
                "horizon_start": report.horizon.start.isoformat(),
                "horizon_end": report.horizon.end.isoformat(),
                "kpis": dict(report.kpis),
                "runs": [r.model_dump(mode="json") for r in runs],
                "problems": [p.model_dump(mode="json") for p in report.problems],
            },
        )
        return
    out.print(
        table(
            f"Production runs at {site}, week from {day:%a %d %b %Y} (times Europe/London)",
            ["run", "SKU", "qty", "starts", "ends"],
            [[r.run_code, r.sku, r.quantity, _local(r.start), _local(r.end)] for r in runs],
        )
    )
    if late:
        out.print(
            table(
                f"Late orders ({len(late)})",
                ["order", "minutes late", "binding constraint"],
                [[p.subject, int(p.quantity or 0), p.binding_constraint or "–"] for p in late],
            )
        )
    unserved = [p for p in report.problems if p.kind.value != "late"]
    if unserved:
        out.print(
            table(
                f"Not scheduled ({len(unserved)})",
                ["subject", "constraint", "why"],
                [[p.subject, p.binding_constraint or "–", p.reason] for p in unserved],
            )
        )
    out.print(kpi_table(f"Schedule {site} from {day.isoformat()}", report.kpis))
    out.print(f"stored as plan run {report.plan_run_id} (stage schedule, scope {site})")


CSV_COLUMNS = [
    "machine",
    "run_code",
    "sku",
    "sequence",
    "start_utc",
    "end_utc",
    "start_local",
    "end_local",
    "changeover_minutes",
    "late",
]


def export_csv(output: PlanOutput) -> str:
    """The stored operations as CSV, one row per operation, sorted by start then machine."""
    sku = {r.run_code: r.sku for r in output.production_runs}
    late = late_run_codes(output)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for o in sorted(output.operations, key=lambda o: (o.start, o.resource)):
        writer.writerow(
            [
                o.resource,
                o.run_code,
                sku.get(o.run_code, ""),
                o.sequence,
                o.start.isoformat(),
                o.end.isoformat(),
                o.start.astimezone(LONDON).isoformat(),
                o.end.astimezone(LONDON).isoformat(),
                int(o.changeover_minutes),
                int(o.run_code in late),
            ]
        )
    return buffer.getvalue()


def export_json(output: PlanOutput) -> str:
    """The stored run: horizon, KPIs, runs, operations and problems (times ISO 8601 UTC)."""
    doc: dict[str, Any] = {
        "site": output.run.scope,
        "horizon_start": output.run.horizon.start.isoformat(),
        "horizon_end": output.run.horizon.end.isoformat(),
        "kpis": output.run.kpis,
        "runs": [r.model_dump(mode="json") for r in output.production_runs],
        "operations": [o.model_dump(mode="json") for o in output.operations],
        "problems": [p.model_dump(mode="json") for p in output.problems],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def export_ics(output: PlanOutput) -> dict[str, str]:
    """One iCalendar (RFC 5545) text per machine with work: one VEVENT per operation on it."""
    from microfactory.production.export import PRODID, escape_text, fold

    site = output.run.scope
    sku = {r.run_code: r.sku for r in output.production_runs}
    stamp = output.run.created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    calendars: dict[str, list[str]] = {}
    for o in sorted(output.operations, key=lambda o: (o.start, o.resource)):
        lines = calendars.setdefault(
            o.resource,
            [
                "BEGIN:VCALENDAR",
                "VERSION:2.0",
                f"PRODID:{PRODID}",
                "CALSCALE:GREGORIAN",
                "METHOD:PUBLISH",
                f"X-WR-CALNAME:{escape_text(f'{site} {o.resource}')}",
            ],
        )
        summary = f"{o.run_code} {sku.get(o.run_code, '')} – step {o.sequence}"
        details = f"Run {o.run_code}, step {o.sequence} on {o.resource}"
        if o.changeover_minutes:
            details += f"\nChangeover before: {int(o.changeover_minutes)} min"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{site}-{o.run_code}-{o.sequence}@microfactory",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{o.start.astimezone(UTC):%Y%m%dT%H%M%SZ}",
            f"DTEND:{o.end.astimezone(UTC):%Y%m%dT%H%M%SZ}",
            f"SUMMARY:{escape_text(summary)}",
            f"DESCRIPTION:{escape_text(details)}",
            "END:VEVENT",
        ]
    return {
        machine: "".join(fold(line) + "\r\n" for line in [*lines, "END:VCALENDAR"])
        for machine, lines in calendars.items()
    }


@schedule_app.command("export")
def schedule_export(
    site: Annotated[str, typer.Option("--site", help="Site code.")],
    start_day: Annotated[str, typer.Option("--from", help="First day of the stored week (YYYY-MM-DD).")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="csv, json, or ics (one file per machine).")],
    out_path: Annotated[Path, typer.Option("--out", help="File to write (a folder for ics).")],
    days: Annotated[int, typer.Option(min=1, max=28, help="Days in the stored horizon.")] = 7,
) -> None:
    """Export a stored production week: CSV or JSON of its operations, or an .ics file per machine."""
    from microfactory.errors import NotFoundError
    from microfactory.plan.stages.schedule import STAGE, local_midnight, week_horizon
    from microfactory.store import find_plan_run_id, list_sites, load_plan_output

    day = common.parse_day(start_day, "--from")
    settings = common.settings()
    with common.session_factory(settings) as sessions, sessions() as session:
        if all(s.code != site for s in list_sites(session)):
            raise NotFoundError("site", site)
        horizon = week_horizon(local_midnight(day), days)
        run_id = find_plan_run_id(session, stage=STAGE, scope=site, horizon=horizon)
        if run_id is None:
            raise NoScheduleStoredError(site, day, days)
        output = load_plan_output(session, run_id)
    if fmt is ExportFormat.ICS:
        out_path.mkdir(parents=True, exist_ok=True)
        files = export_ics(output)
        for machine, text in files.items():
            (out_path / f"{site}-{machine}.ics").write_bytes(text.encode("utf-8"))
        out.print(f"wrote {len(files)} calendars ({len(output.operations)} operations) to {out_path}")
        return
    out_path.parent.mkdir(parents=True, exist_ok=True)
    text = export_csv(output) if fmt is ExportFormat.CSV else export_json(output)
    out_path.write_text(text, encoding="utf-8")
    out.print(f"wrote {len(output.production_runs)} runs, {len(output.operations)} operations to {out_path}")


def _through(value: str | None) -> datetime:
    """``--through``: ISO date-time (Europe/London unless it has an offset), a day (its end), or now."""
    if value is None:
        return datetime.now(UTC)
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day, datetime.max.time(), tzinfo=LONDON).astimezone(UTC)
        when = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r} is not a date-time (YYYY-MM-DDTHH:MM, or YYYY-MM-DD for the end of that day)",
            param_hint="--through",
        ) from exc
    return (when if when.tzinfo else when.replace(tzinfo=LONDON)).astimezone(UTC)


@schedule_app.command("confirm")
def schedule_confirm(
    site: Annotated[str, typer.Option("--site", help="Site code, e.g. FOOD-LON.")],
    through: Annotated[
        str | None,
        typer.Option(
            "--through",
            help="Confirm runs ending by this time (YYYY-MM-DDTHH:MM Europe/London, or a day; default now).",
        ),
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Who confirms (default: shift lead of the site).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Confirm the site's executed runs (latest stored schedule) into lots: one pending lot per run.

    A run is confirmed once; re-planning later never changes its lot, and a re-planned run reusing a
    confirmed run's code for another SKU or quantity is reported as a conflict and left alone.
    """
    from microfactory.store.lot_repository import confirm_scheduled_runs

    cut_off = _through(through)
    with common.session(write=True) as session:
        done = confirm_scheduled_runs(
            session, site, through=cut_off, confirmed_by=by or f"Shift lead ({site})"
        )
    plan = done.plan
    if as_json:
        print_json(
            out,
            {
                "site": site,
                "through": cut_off.isoformat(),
                "plan_run_id": done.plan_run_id,
                "lots": done.lots,
                "already_confirmed": [r.run_code for r in plan.already],
                "conflicts": [r.run_code for r in plan.conflicts],
                "not_ended": [r.run_code for r in plan.not_ended],
            },
        )
        return
    runs = {r.run_code: r for r in plan.confirm}
    out.print(
        table(
            f"Runs confirmed at {site} through {_local(cut_off)} ({len(done.lots)})",
            ["run", "SKU", "qty", "ended", "lot"],
            [
                [code, runs[code].sku, runs[code].quantity, _local(runs[code].end), lot]
                for code, lot in zip(runs, done.lots, strict=True)
            ],
        )
    )
    if plan.conflicts:
        out.print(
            table(
                f"Not confirmed: code already confirmed as another SKU or quantity ({len(plan.conflicts)})",
                ["run", "SKU", "qty"],
                [[r.run_code, r.sku, r.quantity] for r in plan.conflicts],
            )
        )
    out.print(
        f"{len(done.lots)} lot(s) made from schedule plan run {done.plan_run_id}; "
        f"{len(plan.already)} run(s) confirmed before, {len(plan.not_ended)} not ended yet"
    )
