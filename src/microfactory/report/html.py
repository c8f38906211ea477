"""The planning report as one self-contained HTML file.

The report is formatted at the edge: it takes figures the engines already computed (their ``kpis()``
and problem records) and lays them out. Times are shown in Europe/London, money in pounds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from microfactory.domain import MasterData, PlanHorizon, Problem, SiteKind
from microfactory.report.svg import MapPoint, Series, gb_map_svg, line_chart_svg

LONDON = ZoneInfo("Europe/London")
BRAND_COLOURS = ("#1f6f8b", "#c0392b", "#7d5ba6", "#2e8b57", "#d4880f")
SITE_COLOURS = {
    SiteKind.CENTRAL_PLANT: "#444444",
    SiteKind.MICROFACTORY: "#f1c40f",
    SiteKind.HUB: "#27ae60",
}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1f23;
background:#fafafa}
header{background:#16324f;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;opacity:.85;font-size:13px}main{padding:18px 28px;max-width:1200px}
section{background:#fff;border:1px solid #e3e6ea;border-radius:6px;padding:14px 18px;margin:0 0 18px}
h2{font-size:17px;margin:0 0 10px}h3{font-size:14px;margin:12px 0 6px}
table{border-collapse:collapse;font-size:12.5px;width:100%}
th,td{border-bottom:1px solid #eceff1;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f7;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #e3e6ea;border-radius:6px;
padding:8px 14px;min-width:120px;background:#fcfcfd}.card b{display:block;font-size:20px}
.card span{font-size:12px;color:#5b6670}.cols{display:flex;gap:18px;flex-wrap:wrap}
.muted{color:#6a737d;font-size:12px}.sev-error{color:#b00020}.sev-warning{color:#9a6700}
footer{font-size:11px;color:#6a737d;padding:0 28px 24px}
"""


@dataclass(frozen=True)
class StageSection:
    """One plan stage's outcome as the report shows it."""

    stage: str
    scope: str
    horizon: PlanHorizon
    kpis: Mapping[str, float | int | str]
    problems: Sequence[Problem] = ()
    seconds: float | None = None


@dataclass(frozen=True)
class QualitySection:
    """The Quality section: network KPIs and tables of rows already formatted (column → text)."""

    kpis: Mapping[str, float | int | str] = field(default_factory=dict)
    holds: Sequence[Mapping[str, str]] = ()
    deviations: Sequence[Mapping[str, str]] = ()
    recall_lot: str | None = None
    recall: Sequence[Mapping[str, str]] = ()
    recall_total: int = 0
    drift: Sequence[Mapping[str, str]] = ()


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, already computed."""

    title: str
    generated_at: datetime
    database: str
    master: MasterData
    order_counts: Mapping[str, Mapping[str, int]]
    """Per brand: ``orders``, ``lines``, ``units``, ``cancelled`` and per-channel counts."""
    weekly_orders: Mapping[str, Sequence[tuple[date, float]]]
    """Per brand: weekly order counts for the chart."""
    zone_units: Mapping[str, Mapping[str, int]]
    """Per brand: units per outcode, for the map."""
    stages: Sequence[StageSection] = ()
    facts: Mapping[str, str] = field(default_factory=dict)
    """Run facts shown in the header (seed, scale, runner)."""
    quality: QualitySection | None = None
    """Holds, deviations, a recall example and drift flags, when the quality stage ran."""
    extra_sections: Sequence[str] = ()
    """Ready-made ``<section>`` HTML from other renderers (e.g. deliveries), shown before the stages."""


def _london(when: datetime) -> str:
    return when.astimezone(LONDON).strftime("%a %d %b %Y %H:%M %Z")


def _pounds(pence: int) -> str:
    return f"£{pence / 100:,.0f}"


def _num(value: float | int | str) -> str:
    if isinstance(value, (bool, str)):
        return escape(str(value))
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.2f}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> str:
    head = "".join(
        f'<th class="num">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _summary_cards(data: ReportData) -> str:
    m = data.master
    orders = sum(c.get("orders", 0) for c in data.order_counts.values())
    lines = sum(c.get("lines", 0) for c in data.order_counts.values())
    cards = [
        ("brands", len(m.brands)),
        ("sites", len(m.sites)),
        ("resources", sum(r.count for r in m.resources)),
        ("SKU families", len(m.sku_families)),
        ("SKUs", len(m.skus)),
        ("zones", len(m.zones)),
        ("customers", len(m.customers)),
        ("orders", orders),
        ("order lines", lines),
    ]
    inner = "".join(f'<div class="card"><b>{v:,}</b><span>{escape(k)}</span></div>' for k, v in cards)
    return f'<section id="summary"><h2>Network summary</h2><div class="cards">{inner}</div></section>'


def _map_section(data: ReportData) -> str:
    zones = {z.outcode: z for z in data.master.zones}
    points: list[MapPoint] = []
    legend: list[str] = []
    brand_codes = [b.code for b in data.master.brands]
    for i, brand in enumerate(brand_codes):
        colour = BRAND_COLOURS[i % len(BRAND_COLOURS)]
        units = data.zone_units.get(brand, {})
        top = max(units.values(), default=0)
        legend.append(f'<span style="color:{colour}">● {escape(brand)} demand</span>')
        for outcode, n in units.items():
            zone = zones.get(outcode)
            if zone is None or n <= 0:
                continue
            radius = 0.6 + 6.0 * math.sqrt(n / top)
            points.append(
                MapPoint(
                    lon=zone.centroid.lon,
                    lat=zone.centroid.lat,
                    radius=radius,
                    colour=colour,
                    title=f"{outcode}: {n:,} units ({brand})",
                )
            )
    for site in data.master.sites:
        points.append(
            MapPoint(
                lon=site.location.lon,
                lat=site.location.lat,
                radius=4.0,
                colour=SITE_COLOURS[site.kind],
                title=f"{site.code} {site.name} ({site.kind.value}, {site.status.value})",
                label=site.code,
                shape="square",
            )
        )
    legend.append("■ sites (grey central plant, yellow microfactory, green hub)")
    # Big circles first, so small zones stay visible on top of them; sites last of all.
    points.sort(key=lambda p: (p.shape == "square", -p.radius))
    svg = gb_map_svg(points, caption="Demand heat-zones and sites")
    return (
        '<section id="map"><h2>Demand heat-zones and sites</h2>'
        f'<div class="cols"><div>{svg}</div><div><p class="muted">{" · ".join(legend)}</p>'
        f"{_top_zones(data)}</div></div></section>"
    )


def _top_zones(data: ReportData) -> str:
    totals: dict[str, int] = {}
    for units in data.zone_units.values():
        for outcode, n in units.items():
            totals[outcode] = totals.get(outcode, 0) + n
    top = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
    rows = [[escape(code), f"{n:,}"] for code, n in top]
    return "<h3>Top zones by units</h3>" + _table(["outcode", "units"], rows, {1})


def _demand_section(data: ReportData) -> str:
    # One chart per brand: a food brand's daily orders would flatten a kitchen maker's line.
    charts = "".join(
        f"<h3>{escape(brand)} — orders per week</h3>"
        + line_chart_svg(
            [Series(brand, BRAND_COLOURS[i % len(BRAND_COLOURS)], data.weekly_orders.get(brand, ()))],
            height=160,
            y_label=f"{brand} orders per week",
        )
        for i, brand in enumerate(b.code for b in data.master.brands)
    )
    rows = []
    for brand, counts in sorted(data.order_counts.items()):
        channels = ", ".join(
            f"{k.removeprefix('channel.')}: {v:,}"
            for k, v in sorted(counts.items())
            if k.startswith("channel.")
        )
        rows.append(
            [
                escape(brand),
                f"{counts.get('orders', 0):,}",
                f"{counts.get('lines', 0):,}",
                f"{counts.get('units', 0):,}",
                f"{counts.get('cancelled', 0):,}",
                escape(channels),
            ]
        )
    table = _table(["brand", "orders", "lines", "units", "cancelled", "by channel"], rows, {1, 2, 3, 4})
    return f'<section id="demand"><h2>Order history</h2>{charts}{table}</section>'


def _sites_section(data: ReportData) -> str:
    m = data.master
    by_site: dict[str, list[str]] = {}
    for res in m.resources:
        by_site.setdefault(res.site, []).append(f"{res.count}× {res.resource_type}")
    calendars = {c.code: c for c in m.calendars}
    rows = []
    for site in sorted(m.sites, key=lambda s: (s.brand, s.kind.value, s.code)):
        slots = calendars[site.calendar].release_slots if site.calendar in calendars else ()
        slot_text = ", ".join(f"{s.weekday.name.title()} {s.at.strftime('%H:%M')}" for s in slots)
        rows.append(
            [
                escape(site.code),
                escape(site.name),
                escape(site.brand),
                escape(site.kind.value.replace("_", " ")),
                escape(site.status.value),
                escape(site.outcode),
                _pounds(site.fixed_cost_pence_per_week),
                escape(", ".join(by_site.get(site.code, [])) or "–"),
                escape(slot_text or "–"),
            ]
        )
    table = _table(
        ["code", "name", "brand", "kind", "status", "outcode", "fixed £/week", "resources", "release slots"],
        rows,
        {6},
    )
    fam_rows = []
    skus_per_family: dict[str, int] = {}
    for sku in m.skus:
        skus_per_family[sku.family] = skus_per_family.get(sku.family, 0) + 1
    shelf: dict[str, float | None] = {}
    for sku in m.skus:
        shelf.setdefault(sku.family, sku.shelf_life_hours)
    for fam in sorted(m.sku_families, key=lambda f: (f.brand, f.code)):
        life = shelf.get(fam.code)
        fam_rows.append(
            [
                escape(fam.code),
                escape(fam.name),
                escape(fam.brand),
                escape(fam.make_policy.value.replace("_", " ")),
                f"{skus_per_family.get(fam.code, 0):,}",
                "durable" if life is None else f"{life:g} h",
            ]
        )
    families = _table(["family", "name", "brand", "policy", "SKUs", "shelf life"], fam_rows, {4})
    return f'<section id="sites"><h2>Sites</h2>{table}<h3>SKU families</h3>{families}</section>'


def _stages_section(data: ReportData) -> str:
    if not data.stages:
        return '<section id="stages"><h2>Plan stages</h2><p class="muted">No stage ran.</p></section>'
    parts = ['<section id="stages"><h2>Plan stages</h2>']
    for st in data.stages:
        took = f", {st.seconds:.1f} s" if st.seconds is not None else ""
        parts.append(
            f"<h3>{escape(st.stage)} — {escape(st.scope)}</h3>"
            f'<p class="muted">horizon {_london(st.horizon.start)} → {_london(st.horizon.end)}'
            f"{took}</p>"
        )
        rows = [[escape(k), _num(v)] for k, v in st.kpis.items()]
        parts.append(_table(["KPI", "value"], rows, {1}))
        if st.problems:
            prob_rows = [
                [
                    f'<span class="sev-{p.severity.value}">{escape(p.severity.value)}</span>',
                    escape(p.kind.value),
                    escape(f"{p.subject_kind} {p.subject}"),
                    escape(p.reason),
                    escape(p.binding_constraint or "–"),
                ]
                for p in st.problems[:50]
            ]
            parts.append(
                f"<h3>Problems ({len(st.problems):,})</h3>"
                + _table(["severity", "kind", "subject", "why", "binding constraint"], prob_rows, set())
            )
    parts.append("</section>")
    return "".join(parts)


def _rows_table(title: str, rows: Sequence[Mapping[str, str]], empty: str) -> str:
    if not rows:
        return f'<h3>{escape(title)}</h3><p class="muted">{escape(empty)}</p>'
    headers = list(rows[0])
    return f"<h3>{escape(title)}</h3>" + _table(
        headers, [[escape(r.get(h, "")) for h in headers] for r in rows], set()
    )


def _quality_section(data: ReportData) -> str:
    q = data.quality
    if q is None:
        return ""
    cards = "".join(
        f'<div class="card"><b>{_num(v)}</b><span>{escape(k)}</span></div>' for k, v in q.kpis.items()
    )
    recall_title = (
        f"Recall example: {q.recall_lot} ({q.recall_total:,} order lines)" if q.recall_lot else "Recall"
    )
    return (
        f'<section id="quality"><h2>Quality</h2><div class="cards">{cards}</div>'
        + _rows_table("Lots on hold or held and released", q.holds, "No lot was held.")
        + _rows_table("Deviations", q.deviations, "No deviation recorded.")
        + _rows_table(recall_title, q.recall, "No recall example.")
        + _rows_table("Drift from the network (control charts)", q.drift, "No site drifts from the network.")
        + "</section>"
    )


def render_report(data: ReportData) -> str:
    """The whole report as an HTML document: inline CSS and SVG, no external references."""
    facts = " · ".join(f"{escape(k)}: {escape(v)}" for k, v in data.facts.items())
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{escape(data.title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_CSS}</style></head><body>"
        f"<header><h1>{escape(data.title)}</h1>"
        f"<p>Generated {_london(data.generated_at)} · database {escape(data.database)}"
        f"{' · ' + facts if facts else ''}</p></header><main>"
        + _summary_cards(data)
        + _map_section(data)
        + _demand_section(data)
        + _sites_section(data)
        + "".join(data.extra_sections)
        + _stages_section(data)
        + _quality_section(data)
        + "</main><footer>Zones: Contains OS data © Crown copyright and database right; Contains "
        "Royal Mail data © Royal Mail copyright and database right; Contains National Statistics "
        "data © Crown copyright and database right (OGL v3). Map outline: Natural Earth (public "
        "domain) via world-atlas (ISC).</footer></body></html>"
    )
