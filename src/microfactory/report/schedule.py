"""The report's "Production schedule" section: per site a Gantt chart (inline SVG) and the KPIs.

Built from stored ``schedule`` plan runs (:class:`~microfactory.store.PlanOutput`): one row per machine,
one bar per operation over the horizon, the changeover before an operation shaded just ahead of its
bar, and bars of runs that make an order late drawn in red. Day lines and labels are in Europe/London.
No scripts, no network: plain SVG with ``<title>`` tooltips.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from microfactory.domain import OperationAssignment
from microfactory.report.html import _num, _table
from microfactory.store import PlanOutput

LONDON = ZoneInfo("Europe/London")
RUN_OF_REASON = re.compile(r"^run (\S+) ")
"""The run a late-order problem's reason names (``run R-001 (SKU) ends ...``)."""
LABEL_WIDTH_PX = 110
ROW_HEIGHT_PX = 16
AXIS_HEIGHT_PX = 18
CHART_WIDTH_PX = 760
KPI_ROWS = (
    ("orders", "orders"),
    ("runs", "runs"),
    ("operations", "operations"),
    ("late orders", "late_orders"),
    ("tardiness (h)", "tardiness_hours"),
    ("changeover (h)", "changeover_hours"),
    ("utilisation %", "utilisation_pct"),
    ("waste units", "waste_units"),
    ("makespan (h)", "makespan_hours"),
    ("unscheduled runs", "unscheduled_runs"),
    ("solver", "solver_status"),
    ("gap %", "solver_gap_pct"),
    ("solver s", "solver_seconds"),
)


def late_runs(output: PlanOutput) -> set[str]:
    """Codes of the runs named by the run's late-order problems."""
    found = set()
    for p in output.problems:
        match = RUN_OF_REASON.match(p.reason)
        if p.kind.value == "late" and match:
            found.add(match.group(1))
    return found


def gantt_svg(output: PlanOutput, *, width_px: int = CHART_WIDTH_PX) -> str:
    """A Gantt chart of one stored schedule: machines as rows, the plan horizon (plus spill) as x."""
    ops = output.operations
    machines = sorted({o.resource for o in ops})
    start = output.run.horizon.start
    end = max([start + timedelta(days=1), *(o.end for o in ops)])
    span_s = max((end - start).total_seconds(), 1.0)
    plot_px = width_px - LABEL_WIDTH_PX
    height_px = AXIS_HEIGHT_PX + ROW_HEIGHT_PX * max(len(machines), 1) + 4
    late = late_runs(output)
    sku = {r.run_code: r.sku for r in output.production_runs}

    def x(when: datetime) -> float:
        return LABEL_WIDTH_PX + plot_px * (when - start).total_seconds() / span_s

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width_px} {height_px}" '
        f'width="{width_px}" height="{height_px}" role="img" '
        f'aria-label="Gantt chart of {escape(output.run.scope)}" font-size="10" font-family="sans-serif">'
    ]
    day = start.astimezone(LONDON).replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        if day >= start:
            px = x(day)
            parts.append(
                f'<line x1="{px:.1f}" y1="{AXIS_HEIGHT_PX - 4}" x2="{px:.1f}" y2="{height_px}" '
                'stroke="#ddd"/>'
                f'<text x="{px + 2:.1f}" y="{AXIS_HEIGHT_PX - 6}" fill="#555">{day:%a %d}</text>'
            )
        day += timedelta(days=1)  # wall-clock arithmetic in Europe/London: the next local midnight
    days = output.run.kpis.get("days")
    week_end = x(start + timedelta(days=days) if isinstance(days, int) else output.run.horizon.end)
    parts.append(
        f'<line x1="{week_end:.1f}" y1="{AXIS_HEIGHT_PX - 4}" x2="{week_end:.1f}" y2="{height_px}" '
        'stroke="#888" stroke-dasharray="3,2"/>'
    )
    row_of = {m: i for i, m in enumerate(machines)}
    for m, i in row_of.items():
        y = AXIS_HEIGHT_PX + i * ROW_HEIGHT_PX
        parts.append(f'<text x="2" y="{y + ROW_HEIGHT_PX - 4}" fill="#222">{escape(m)}</text>')
    for o in ops:
        parts.append(_bar(o, x, AXIS_HEIGHT_PX + row_of[o.resource] * ROW_HEIGHT_PX, o.run_code in late, sku))
    parts.append("</svg>")
    return "".join(parts)


def _bar(
    o: OperationAssignment, x: Callable[[datetime], float], y: int, late: bool, sku: dict[str, str]
) -> str:
    left, right = x(o.start), x(o.end)
    fill = "#d9534f" if late else "#4a7fb5"
    tip = (
        f"{o.run_code} {sku.get(o.run_code, '')} step {o.sequence} on {o.resource}: "
        f"{o.start.astimezone(LONDON):%a %H:%M}–{o.end.astimezone(LONDON):%a %H:%M}"
        + (f", changeover {o.changeover_minutes:.0f} min before" if o.changeover_minutes else "")
        + (" (late)" if late else "")
    )
    out = ""
    if o.changeover_minutes:
        before = x(o.start - timedelta(minutes=o.changeover_minutes))
        out += (
            f'<rect x="{before:.1f}" y="{y + 2}" width="{max(left - before, 0.5):.1f}" '
            f'height="{ROW_HEIGHT_PX - 4}" fill="#f0ad4e" opacity="0.6"/>'
        )
    out += (
        f'<rect x="{left:.1f}" y="{y + 2}" width="{max(right - left, 0.8):.1f}" height="{ROW_HEIGHT_PX - 4}" '
        f'fill="{fill}"><title>{escape(tip)}</title></rect>'
    )
    return out


def _kpis(outputs: Sequence[PlanOutput]) -> str:
    rows = [[escape(o.run.scope)] + [_num(o.run.kpis.get(key, "–")) for _, key in KPI_ROWS] for o in outputs]
    return _table(["site", *(label for label, _ in KPI_ROWS)], rows, set(range(1, len(KPI_ROWS) + 1)))


def schedule_section(outputs: Sequence[PlanOutput]) -> str:
    """The "Production schedule" section for stored schedule runs (empty string when there are none)."""
    if not outputs:
        return ""
    first = outputs[0].run.kpis
    intro = (
        f"One week of production per active microfactory from {escape(str(first.get('week_start', '–')))}, "
        f"scheduled with CP-SAT. Work: {escape(str(first.get('work_rule', '–')))}. "
        f"Stock top-ups: {escape(str(first.get('top_ups', '–')))}. "
        "Bars are operations (red: the run makes an order late), amber is the changeover before; the "
        "dashed line ends the week, later bars are overflow. Times Europe/London."
    )
    parts = [
        '<section id="schedule"><h2>Production schedule</h2>',
        f'<p class="muted">{intro}</p>',
        _kpis(outputs),
    ]
    for o in outputs:
        parts.append(f"<h3>{escape(o.run.scope)}</h3>{gantt_svg(o)}")
    parts.append("</section>")
    return "".join(parts)
