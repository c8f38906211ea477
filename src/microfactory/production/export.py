"""Exports of a schedule as text: CSV and JSON of the Gantt rows, iCalendar (RFC 5545) per machine.

Functions return strings; writing files is the caller's job (the CLI). The iCalendar text is written
here rather than with a library: VCALENDAR with one VEVENT per operation (UID, DTSTAMP, DTSTART and
DTEND in UTC ``Z`` form, SUMMARY, DESCRIPTION), CRLF line endings, TEXT values escaped (§3.3.11) and
lines longer than 75 octets folded (§3.1) without splitting a UTF-8 character.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from microfactory.production.result import GanttRow, ScheduleResult

CSV_COLUMNS = (
    "machine",
    "resource",
    "resource_type",
    "run_code",
    "sku",
    "sequence",
    "operation",
    "start",
    "end",
    "start_minute",
    "end_minute",
    "changeover_minutes",
    "labour_pool",
    "setup",
)
PRODID = "-//microfactory//production schedule//EN"


def to_csv(result: ScheduleResult) -> str:
    """The Gantt rows as CSV with a header (times ISO 8601 UTC), ``\\n`` line endings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in result.gantt_rows():
        values = asdict(row)
        writer.writerow(["" if values[c] is None else _plain(values[c]) for c in CSV_COLUMNS])
    return buffer.getvalue()


def to_json(result: ScheduleResult) -> str:
    """Runs, operations, KPIs and problems as one JSON document (times ISO 8601 UTC)."""
    p = result.problem
    kpis = asdict(result.kpis())
    doc: dict[str, Any] = {
        "site": p.site,
        "horizon_start": p.start.isoformat(),
        "horizon_minutes": p.horizon_minutes,
        "status": result.status.value,
        "feasible": result.is_feasible(),
        "kpis": kpis,
        "runs": [r.model_dump(mode="json") for r in result.runs()],
        "operations": [{k: _plain(v) for k, v in asdict(row).items()} for row in result.gantt_rows()],
        "problems": [x.model_dump(mode="json") for x in result.problems],
    }
    return json.dumps(doc, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def escape_text(value: str) -> str:
    """Escape an iCalendar TEXT value: backslash, semicolon, comma and newlines (RFC 5545 §3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line into CRLF-joined pieces of at most 75 octets (continuations start with a space)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    pieces: list[str] = []
    limit = 75
    while data:
        cut = min(limit, len(data))
        while cut < len(data) and (data[cut] & 0xC0) == 0x80:
            cut -= 1  # never split inside a UTF-8 sequence
        pieces.append(data[:cut].decode("utf-8"))
        data = data[cut:]
        limit = 74  # the leading space of a continuation line counts
    return "\r\n ".join(pieces)


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(site: str, row: GanttRow, stamp: datetime) -> list[str]:
    summary = f"{row.run_code} {row.sku} – {row.sequence}. {row.operation}"
    details = [f"Run {row.run_code}, step {row.sequence} on {row.machine}"]
    if row.changeover_minutes:
        details.append(f"Changeover before: {row.changeover_minutes} min")
    if row.labour_pool:
        details.append(f"Operators: {row.labour_pool}")
    if row.setup:
        details.append(f"Setup: {row.setup}")
    return [
        "BEGIN:VEVENT",
        f"UID:{site}-{row.run_code}-{row.sequence}@microfactory",
        f"DTSTAMP:{_stamp(stamp)}",
        f"DTSTART:{_stamp(row.start)}",
        f"DTEND:{_stamp(row.end)}",
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(chr(10).join(details))}",
        "END:VEVENT",
    ]


def to_ics(result: ScheduleResult, machine: str, *, stamp: datetime | None = None) -> str:
    """An iCalendar (RFC 5545) text with one event per operation on ``machine``.

    ``stamp`` (DTSTAMP, when the schedule was made) defaults to the horizon start so the text is
    reproducible. Raises ``KeyError`` naming the machine when the problem has no such machine.
    """
    p = result.problem
    if machine not in p.machine_index():
        raise KeyError(f"machine {machine!r} is not in the schedule of site {p.site}")
    when = stamp or p.start
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(f'{p.site} {machine}')}",
    ]
    for row in result.gantt_rows():
        if row.machine == machine:
            lines += _event(p.site, row, when)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def ics_per_machine(result: ScheduleResult, *, stamp: datetime | None = None) -> dict[str, str]:
    """One iCalendar text per machine of the site (machines without work get an empty calendar)."""
    return {m.code: to_ics(result, m.code, stamp=stamp) for m in result.problem.machines}
