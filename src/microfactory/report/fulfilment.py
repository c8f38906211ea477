"""The report's "Deliveries and emissions" section, from the ``routes`` stage's KPIs.

Per site: the plan day, routes, km, vehicles and kg CO2e; the week's central-versus-local comparison
side by side per kitchen microfactory and for the brand; and where the emission figures come from
(factor set, year, boundary, DESNZ row ids). Figures are the ones the stage computed and stored;
this module only lays them out (inline HTML, no network).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape

from microfactory.emissions.factors import DESNZ_2025_ID, DESNZ_2025_LICENCE, DESNZ_2025_SOURCE
from microfactory.report.html import StageSection, _num, _table

Kpis = Mapping[str, float | int | str]

_WEEK_FIGURES = (
    ("km", "km", "{:,.1f}"),
    ("kg CO2e", "kg_co2e", "{:,.2f}"),
    ("on time", "on_time_share", None),
    ("mean lead (min)", "mean_lead_minutes", "{:,.0f}"),
)
"""Column group label, KPI key (after ``central_``/``local_``) and format; ``None``: a share."""


def _day(value: float | int | str | None) -> str:
    if not isinstance(value, str):
        return "–"
    try:
        return date.fromisoformat(value).strftime("%a %d %b %Y")
    except ValueError:
        return escape(value)


def _number(kpis: Kpis, key: str) -> float:
    value = kpis.get(key, 0)
    return float(value) if isinstance(value, int | float) else 0.0


def _share(value: float | int | str | None) -> str:
    return f"{100 * value:.0f} %" if isinstance(value, int | float) else "–"


def _site_rows(sites: Sequence[StageSection]) -> str:
    rows = []
    for st in sites:
        k = st.kpis
        intensity = k.get("g_co2e_per_tonne_km_wtw")
        rows.append(
            [
                escape(st.scope),
                _day(k.get("day")),
                _num(k.get("deliveries", 0)),
                _num(k.get("stops", 0)),
                _num(k.get("unserved", 0)),
                _num(k.get("vehicles_used", 0)),
                f"{_number(k, 'distance_km'):,.1f}",
                f"{_number(k, 'tonne_km'):,.3f}",
                f"{_number(k, 'kg_co2e_wtw'):,.2f}",
                f"{_number(k, 'kg_co2e_ttw'):,.2f}",
                f"{intensity:,.0f}" if isinstance(intensity, int | float) else "–",
                _share(k.get("on_time_share")),
            ]
        )
    total_km = sum(_number(st.kpis, "distance_km") for st in sites)
    total_wtw = sum(_number(st.kpis, "kg_co2e_wtw") for st in sites)
    total_ttw = sum(_number(st.kpis, "kg_co2e_ttw") for st in sites)
    rows.append(
        [
            "<b>all sites</b>",
            "",
            f"{sum(int(_number(st.kpis, 'deliveries')) for st in sites):,}",
            f"{sum(int(_number(st.kpis, 'stops')) for st in sites):,}",
            f"{sum(int(_number(st.kpis, 'unserved')) for st in sites):,}",
            f"{sum(int(_number(st.kpis, 'vehicles_used')) for st in sites):,}",
            f"<b>{total_km:,.1f}</b>",
            f"{sum(_number(st.kpis, 'tonne_km') for st in sites):,.3f}",
            f"<b>{total_wtw:,.2f}</b>",
            f"{total_ttw:,.2f}",
            "",
            "",
        ]
    )
    headers = [
        "site", "day", "deliveries", "stops", "unserved", "vehicles", "km", "tonne-km",
        "kg CO2e WTW", "kg CO2e TTW", "g CO2e/tkm WTW", "on time",
    ]  # fmt: skip
    return _table(headers, rows, set(range(2, 12)))


def _week_cells(k: Kpis) -> list[str]:
    cells: list[str] = []
    for _, key, fmt in _WEEK_FIGURES:
        for scenario in ("central", "local"):
            value = k.get(f"{scenario}_{key}")
            if fmt is None:
                cells.append(_share(value))
            else:
                cells.append(fmt.format(value) if isinstance(value, int | float) else "–")
    return cells


def _comparison(comparisons: Sequence[StageSection]) -> str:
    """The week's comparison: one row per microfactory, then the brand total, both scenarios side by side."""
    ordered = sorted(comparisons, key=lambda st: (st.kpis.get("level") == "brand", st.scope))
    rows = []
    for st in ordered:
        k = st.kpis
        subject = escape(str(k.get("subject", k.get("site", st.scope))))
        if k.get("level") == "brand":
            subject = f"<b>{subject} (all sites)</b>"
        rows.append(
            [
                subject,
                _num(k.get("site_days", 1)),
                _num(k.get("deliveries", k.get("local_deliveries", 0))),
                *_week_cells(k),
            ]
        )
    first = ordered[0].kpis

    def text(key: str, default: str = "–") -> str:
        return escape(str(first.get(key, default)))

    week = (
        f"{_day(first.get('week_start'))} to {_day(first.get('week_end'))}"
        if "week_start" in first
        else _day(first.get("day"))
    )
    caption = (
        f"Deliveries of {week} at each kitchen microfactory, every day with deliveries: "
        f"<b>central</b> = made at {text('plant')}, trunk HGV to a cross-dock at the microfactory's "
        "address, then the same last mile; <b>local</b> = made and delivered by the microfactory. "
        f"Ready times: {text('ready_times')}. Emissions {text('boundary', 'wtw').upper()}, trunk empty "
        "return included (ISO 14083:2023 §5.6). km and kg CO2e add up over the days; the on-time share "
        "is over all deliveries, the mean lead time (ready at the producing site to delivery) over "
        "served deliveries."
    )
    headers = ["site", "site-days", "deliveries"]
    for label, _, _ in _WEEK_FIGURES:
        headers += [f"{label} central", f"{label} local"]
    return f'<h3>Central plant versus microfactories — one week</h3><p class="muted">{caption}</p>' + _table(
        headers, rows, set(range(1, len(headers)))
    )


def _source(sites: Sequence[StageSection], comparisons: Sequence[StageSection]) -> str:
    sets = sorted(
        {
            str(st.kpis["emission_factor_set"])
            for st in (*sites, *comparisons)
            if "emission_factor_set" in st.kpis
        }
    )
    rows: dict[str, None] = {}
    for st in sites:
        rows.update(dict.fromkeys(str(st.kpis.get("emission_factor_rows_wtw", "")).split(";")))
    for st in comparisons:
        rows.update(dict.fromkeys(str(st.kpis.get("emission_factor_rows", "")).split(";")))
    described = []
    for entry in sets:
        set_id, _, year = entry.partition(":")
        text = f"{set_id} ({year})"
        if set_id == DESNZ_2025_ID:
            text += f": {DESNZ_2025_SOURCE}, {DESNZ_2025_LICENCE}"
        described.append(escape(text))
    ids = ", ".join(escape(r) for r in sorted(r for r in rows if r))
    return (
        '<h3>Emission factor source</h3><p class="muted">'
        f"Factor set: {'; '.join(described) or '–'}. Boundary: well-to-wheel (WTW = tank-to-wheel + "
        "energy provision), TTW shown alongside (ISO 14083:2023 §5.2). Method: route km (including the "
        "return to the site) × the vehicle class's per-km factor, allocated to orders by tonne-km "
        f"(ISO 14083:2023 §5.6). DESNZ row ids used: {ids or '–'}. Method notes: docs/emissions.md.</p>"
    )


def deliveries_section(
    sections: Sequence[StageSection], *, stage: str = "routes", compare_prefix: str = "central_vs_local/"
) -> str:
    """The "Deliveries and emissions" section, or ``""`` when the ``stage`` did not run.

    ``sections`` are every stage's report sections; those of ``stage`` whose scope starts with
    ``compare_prefix`` are central-versus-local comparisons, the others one site each.
    """
    ours = [st for st in sections if st.stage == stage]
    if not ours:
        return ""
    comparisons = [st for st in ours if st.scope.startswith(compare_prefix)]
    sites = [st for st in ours if not st.scope.startswith(compare_prefix)]
    rule = next((str(st.kpis["day_rule"]) for st in sites if "day_rule" in st.kpis), "")
    intro = (
        "One day of local deliveries per active site, routed with PyVRP (time windows, mixed fleet); "
        f"plan day: {escape(rule) or '–'}. Ready times: {escape(str(sites[0].kpis.get('ready_times', '–')))}."
        if sites
        else "No site had deliveries to route."
    )
    parts = [
        '<section id="deliveries"><h2>Deliveries and emissions</h2>',
        f'<p class="muted">{intro}</p>',
        _site_rows(sites) if sites else "",
        _comparison(comparisons) if comparisons else "",
        _source(sites, comparisons),
        "</section>",
    ]
    return "".join(parts)
