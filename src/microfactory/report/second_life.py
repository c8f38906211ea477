"""The report's "Second life" section: reclamation rates with their definitions, CO2e avoided with its source.

Cohort KPIs (:mod:`microfactory.circular.kpis`) for all items, per site and per site and month of
intake, laid out as cards, tables and an inline SVG chart of the reclamation rate by count per month
(one bar per site). Self-contained HTML: no scripts, no external references.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from microfactory.circular import KpiRow, MaterialFactors, SecondLifeKpis, kpi_trends, second_life_kpis
from microfactory.domain.circular import ItemState
from microfactory.report.html import _table

SITE_COLOURS = ("#1f6f8b", "#c0392b", "#7d5ba6", "#2e8b57", "#d4880f", "#555555")

DEFINITIONS = (
    (
        "Reclamation rate by count",
        "items disposed to resell, reuse or donate ÷ items taken in (the cohort: items taken in during the "
        "period, whatever has happened to them since; a refurbished item counts once, by where it went)",
    ),
    ("Reclamation rate by mass", "kg of those reclaimed items ÷ kg taken in"),
    (
        "Reclamation rate by value",
        "value recovered from reclaimed items (sale price, internal transfer value) ÷ new value of the "
        "items taken in",
    ),
    ("Recycling rate", "items (kg) recycled ÷ items (kg) taken in; not counted as reclaimed"),
    ("Landfill rate", "items (kg) landfilled ÷ items (kg) taken in"),
    ("Open", "taken in, not yet disposed; reclaimed + recycled + landfilled + open = taken in"),
    ("Cycle time", "days from intake to disposition, over disposed items"),
    (
        "Cost per item",
        "(refurbishment minutes × labour rate + parts + disposal costs) ÷ items taken in",
    ),
    (
        "CO2e avoided",
        "Σ over reclaimed items of mass × the material's embodied factor (kg CO2e per kg made new): a "
        "reused item displaces one made new; recycling and landfill get no credit (cut-off approach)",
    ),
)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _days(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _pounds(pence: int | None) -> str:
    return "–" if pence is None else f"£{pence / 100:,.2f}"


def _cards(k: SecondLifeKpis) -> str:
    cards = [
        (_pct(k.reclamation_rate_count), "reclamation rate, count"),
        (_pct(k.reclamation_rate_mass), "reclamation rate, mass"),
        (_pct(k.reclamation_rate_value), "reclamation rate, value"),
        (_pct(k.recycling_rate_count), f"recycling rate ({_pct(k.recycling_rate_mass)} by mass)"),
        (_pct(k.landfill_rate_count), f"landfill rate ({_pct(k.landfill_rate_mass)} by mass)"),
        (f"{k.kg_co2e_avoided:,.0f}", "kg CO2e avoided"),
        (f"{k.intake_count:,}", f"items taken in ({k.intake_mass_kg:,.0f} kg)"),
        (f"{k.open_count:,}", "still open"),
        (_days(k.cycle_days_median), "median days intake → disposition"),
        (_pounds(k.cost_per_item_pence), "cost per item"),
    ]
    inner = "".join(f'<div class="card"><b>{escape(v)}</b><span>{escape(t)}</span></div>' for v, t in cards)
    return f'<div class="cards">{inner}</div>'


def _definitions() -> str:
    items = "".join(f"<dt><b>{escape(t)}</b></dt><dd>{escape(d)}</dd>" for t, d in DEFINITIONS)
    return f'<h3>Definitions</h3><dl class="muted">{items}</dl>'


def _rate_row(label: Sequence[str], k: SecondLifeKpis) -> list[str]:
    return [
        *(escape(x) for x in label),
        f"{k.intake_count:,}",
        f"{k.intake_mass_kg:,.0f}",
        _pct(k.reclamation_rate_count),
        _pct(k.reclamation_rate_mass),
        _pct(k.reclamation_rate_value),
        _pct(k.recycling_rate_count),
        _pct(k.landfill_rate_count),
        f"{k.open_count:,}",
        _days(k.cycle_days_median),
        _pounds(k.cost_per_item_pence),
        f"{k.kg_co2e_avoided:,.0f}",
    ]


RATE_HEADERS = (
    "items",
    "kg",
    "reclaimed (count)",
    "reclaimed (mass)",
    "reclaimed (value)",
    "recycled",
    "landfill",
    "open",
    "median days",
    "cost / item",
    "kg CO2e avoided",
)


def _factor_table(k: SecondLifeKpis, factors: MaterialFactors) -> str:
    rows = []
    for material, kg_co2e in k.kg_co2e_avoided_by_material.items():
        factor = factors.get(material)
        assert factor is not None  # only factored materials are in the avoided map
        rows.append(
            [
                escape(material),
                f"{factor.kg_co2e_per_tonne:,.2f}",
                escape(factor.citation),
                escape(factor.check_status),
                f"{kg_co2e:,.0f}",
            ]
        )
    table = _table(
        ["material", "kg CO2e / tonne new", "source row", "status", "kg CO2e avoided"], rows, {1, 4}
    )
    warning = (
        " <b>The factors are marked unverified: check them against the published DESNZ 2025 workbook "
        "before quoting these figures.</b>"
        if factors.unverified
        else ""
    )
    unfactored = (
        f" {k.unfactored_mass_kg:,.0f} kg reclaimed in materials without a factor are not counted."
        if k.unfactored_mass_kg
        else ""
    )
    return (
        f"<h3>CO2e avoided by material</h3>{table}"
        f'<p class="muted">Source: {escape(factors.source)}.{warning}{unfactored}</p>'
    )


def trend_chart_svg(rows: Sequence[KpiRow], *, width: float = 720.0, height: float = 200.0) -> str:
    """Grouped bars: reclamation rate by count per month of intake, one bar per site (0–100 %)."""
    months = sorted({r.month for r in rows})
    sites = sorted({r.site for r in rows})
    if not months or not sites:
        return '<p class="muted">No data.</p>'
    rate = {(r.site, r.month): r.kpis.reclamation_rate_count for r in rows}
    pad_left, pad_bottom, pad_top = 40.0, 34.0, 10.0
    inner_w, inner_h = width - pad_left - 10.0, height - pad_top - pad_bottom
    group = inner_w / len(months)
    bar = group * 0.8 / len(sites)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" width="100%" '
        'role="img" aria-label="Reclamation rate by count per month and site">'
    ]
    for frac in (0.0, 0.5, 1.0):
        y = pad_top + inner_h * (1 - frac)
        out.append(
            f'<line x1="{pad_left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{pad_left - 4}" y="{y + 3:.1f}" font-size="9" text-anchor="end">'
            f"{frac * 100:.0f}%</text>"
        )
    for m, month in enumerate(months):
        x0 = pad_left + m * group + group * 0.1
        for s, site in enumerate(sites):
            value = rate.get((site, month))
            if value is None:
                continue
            h = inner_h * value
            colour = SITE_COLOURS[s % len(SITE_COLOURS)]
            out.append(
                f'<rect x="{x0 + s * bar:.1f}" y="{pad_top + inner_h - h:.1f}" width="{bar * 0.9:.1f}" '
                f'height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(site)} {month}: {value * 100:.1f}%</title></rect>"
            )
        out.append(
            f'<text x="{x0 + group * 0.4:.1f}" y="{height - 20:.1f}" font-size="10" '
            f'text-anchor="middle">{escape(month)}</text>'
        )
    for s, site in enumerate(sites):
        colour = SITE_COLOURS[s % len(SITE_COLOURS)]
        out.append(
            f'<text x="{pad_left + 110 * s}" y="{height - 4:.1f}" font-size="10" fill="{colour}">'
            f"■ {escape(site)}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def second_life_section(states: Sequence[ItemState], factors: MaterialFactors) -> str:
    """The "Second life" ``<section>``: cards, definitions, per-site and per-month tables, CO2e avoided."""
    total = second_life_kpis(states, factors)
    per_site = kpi_trends(states, factors, by_month=False)
    per_month = kpi_trends(states, factors)
    numeric = set(range(1, 1 + len(RATE_HEADERS)))
    site_table = _table(["site", *RATE_HEADERS], [_rate_row([r.site], r.kpis) for r in per_site], numeric)
    month_table = _table(
        ["site", "month", *RATE_HEADERS],
        [_rate_row([r.site, r.month], r.kpis) for r in per_month],
        {n + 1 for n in numeric},
    )
    channels = ", ".join(f"{name} {count:,}" for name, count in total.channels.items())
    grades = ", ".join(f"{name} {count:,}" for name, count in total.grades.items())
    return (
        '<section id="second-life"><h2>Second life: demo appliances, returns and surplus panels</h2>'
        f"{_cards(total)}"
        f'<p class="muted">Dispositions: {escape(channels)}. Latest grades: {escape(grades)}. '
        f"Refurbished: {total.refurbished_count:,}. Labour at £{total.labour_pence_per_hour / 100:.2f}/h.</p>"
        f"{_definitions()}"
        f"<h3>Per site</h3>{site_table}"
        f"<h3>Reclamation rate by count, per month of intake</h3>{trend_chart_svg(per_month)}"
        f"<h3>Per site and month of intake</h3>{month_table}"
        f"{_factor_table(total, factors)}"
        "</section>"
    )
