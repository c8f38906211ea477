"""Exports of the audit log for an inspector: CSV, and a printable self-contained HTML record.

Both take the entries as stored (:class:`~microfactory.domain.quality.AuditEntry`, oldest first) and
change nothing: who, when (UTC in CSV; Europe/London and UTC on paper), what, and which entry a
correction replaces. The HTML has inline CSS only (no scripts, no external references) and a print
layout, so it can be e-mailed, archived or printed as is.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from microfactory.domain.quality import AuditAction, AuditEntry

LONDON = ZoneInfo("Europe/London")
AUDIT_COLUMNS = ("id", "at_utc", "actor", "action", "lot", "check", "passed", "summary", "corrects", "detail")

_CSS = """
body{font-family:Georgia,"Times New Roman",serif;margin:24px;color:#111;font-size:12px}
h1{font-size:18px;margin:0 0 4px}p.meta{margin:0 0 14px;color:#444}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:3px 5px;vertical-align:top;
text-align:left}th{background:#eee}tr.hold td,tr.deviation td{background:#fff4e5}
tr.fail td.passed{color:#b00020;font-weight:bold}tr.correction td{font-style:italic}
.sign{margin-top:28px;display:flex;gap:40px}
.sign div{border-top:1px solid #111;padding-top:4px;width:220px}
@media print{body{margin:10mm}tr{page-break-inside:avoid}}
"""


def audit_csv(entries: Sequence[AuditEntry]) -> str:
    """The entries as CSV (header :data:`AUDIT_COLUMNS`); ``detail`` is compact JSON, times ISO 8601 UTC."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(AUDIT_COLUMNS)
    for e in entries:
        writer.writerow(
            [
                e.id,
                e.at.isoformat(),
                e.actor,
                e.action.value,
                e.lot,
                e.check or "",
                "" if e.passed is None else ("pass" if e.passed else "fail"),
                e.summary,
                "" if e.corrects is None else e.corrects,
                json.dumps(e.detail, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
            ]
        )
    return out.getvalue()


def _when(at: datetime) -> str:
    local = at.astimezone(LONDON)
    return f"{local:%d %b %Y %H:%M} {local.tzname()}<br><small>{at:%Y-%m-%dT%H:%MZ}</small>"


def _row_class(e: AuditEntry) -> str:
    classes = [e.action.value]
    if e.passed is False:
        classes.append("fail")
    return " ".join(classes)


def audit_html(
    entries: Sequence[AuditEntry],
    *,
    title: str,
    generated_at: datetime,
    facts: Mapping[str, str] | None = None,
) -> str:
    """A printable HTML record of ``entries`` for an inspector, with a sign-off block.

    ``facts`` (lot, site, template version, period...) are printed under the title.
    """
    meta = " · ".join(f"{escape(k)}: {escape(v)}" for k, v in (facts or {}).items())
    counts = {a: sum(1 for e in entries if e.action == a) for a in AuditAction}
    summary = ", ".join(f"{n} {a.value}" for a, n in counts.items() if n)
    rows = "".join(
        f'<tr class="{_row_class(e)}"><td>{e.id}</td><td>{_when(e.at)}</td><td>{escape(e.actor)}</td>'
        f"<td>{escape(e.action.value)}</td><td>{escape(e.lot)}</td><td>{escape(e.check or '')}</td>"
        f'<td class="passed">{"" if e.passed is None else ("pass" if e.passed else "FAIL")}</td>'
        f"<td>{escape(e.summary)}</td><td>{'' if e.corrects is None else e.corrects}</td></tr>"
        for e in entries
    )
    generated = generated_at.astimezone(LONDON)
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f'<h1>{escape(title)}</h1><p class="meta">{meta}{" · " if meta else ""}'
        f"{len(entries)} entries ({escape(summary or 'none')}) · generated "
        f"{generated:%d %b %Y %H:%M} {generated.tzname()} · append-only audit log: corrections are "
        "new entries naming the entry they correct</p>"
        "<table><thead><tr><th>#</th><th>when</th><th>who</th><th>action</th><th>lot</th><th>check</th>"
        "<th>result</th><th>what</th><th>corrects</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        '<div class="sign"><div>Inspected by (name, signature)</div><div>Date</div>'
        "<div>Site QA lead</div></div></body></html>"
    )
