"""The report's "Hub stock" section: fill rate, waste and stock value per hub, policies against the baseline.

Built from the newest stored ``inventory`` plan run of every hub (its KPIs hold the replay of the last
weeks under the chosen policies and under the textbook normal baseline), the stored policies and the
week's transfers. Charts are inline SVG bars; no scripts, no external references.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from sqlalchemy.orm import Session

from microfactory.report.html import _num, _table
from microfactory.store import latest_plan_runs
from microfactory.store.inventory_repository import (
    PolicyRecord,
    TransferRecord,
    load_policies,
    load_transfers,
)

POLICIES = (("auto", "chosen policies", "#2b6cb0"), ("normal", "normal (s, S) baseline", "#c05621"))
BAR_WIDTH_PX = 18


def _value(kpis: Mapping[str, object], key: str) -> float:
    value = kpis.get(key, 0)
    return float(value) if isinstance(value, int | float) else 0.0


def bars_svg(
    groups: Sequence[tuple[str, Sequence[float]]],
    *,
    labels: Sequence[tuple[str, str]],
    unit: str,
    scale_max: float,
) -> str:
    """Grouped vertical bars (one group per hub, one bar per policy), values on top; plain SVG."""
    height, top, bottom, left = 150.0, 14.0, 30.0, 8.0
    group_w = BAR_WIDTH_PX * len(labels) + 26
    width = left + group_w * max(1, len(groups)) + 8
    inner = height - top - bottom
    peak = scale_max or 1.0
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(unit)}">'
    ]
    for g, (name, values) in enumerate(groups):
        x0 = left + g * group_w
        for i, value in enumerate(values):
            h = max(0.0, value) / peak * inner
            x = x0 + i * BAR_WIDTH_PX
            colour = labels[i][1]
            out.append(
                f'<rect x="{x:.1f}" y="{top + inner - h:.1f}" width="{BAR_WIDTH_PX - 3}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(name)}: {value:,.1f} {escape(unit)}</title></rect>'
                f'<text x="{x + (BAR_WIDTH_PX - 3) / 2:.1f}" y="{top + inner - h - 2:.1f}" font-size="8" '
                f'text-anchor="middle">{value:,.0f}</text>'
            )
        out.append(
            f'<text x="{x0 + BAR_WIDTH_PX * len(labels) / 2:.1f}" y="{height - 16:.1f}" font-size="9" '
            f'text-anchor="middle">{escape(name)}</text>'
        )
    out.append(f'<text x="{left}" y="{height - 3:.1f}" font-size="9">{escape(unit)}</text>')
    out.append("</svg>")
    return "".join(out)


def _legend() -> str:
    return " ".join(
        f'<span style="color:{colour}">&#9632;</span> {escape(text)}' for _, text, colour in POLICIES
    )


def _comparison(runs: Sequence[Mapping[str, object]]) -> str:
    headers = [
        "hub",
        "source",
        "SKUs",
        "policy",
        "fill rate %",
        "stock-out SKU-days",
        "avg stock £",
        "waste units",
        "waste %",
        "transfers",
        "kg CO2e",
    ]
    rows = []
    for kpis in runs:
        for key, name, _ in POLICIES:
            p = f"replay_{key}_"
            if f"{p}fill_rate" not in kpis:
                continue
            rows.append(
                [
                    escape(str(kpis.get("hub", ""))),
                    escape(str(kpis.get("source_site", ""))),
                    _num(int(_value(kpis, "skus"))),
                    escape(name),
                    f"{100 * _value(kpis, p + 'fill_rate'):.1f}",
                    _num(int(_value(kpis, p + "stockout_sku_days"))),
                    f"{_value(kpis, p + 'avg_stock_value_pence') / 100:,.0f}",
                    _num(int(_value(kpis, p + "waste_units"))),
                    f"{_value(kpis, p + 'waste_pct'):.1f}",
                    _num(int(_value(kpis, p + "transfers"))),
                    f"{_value(kpis, p + 'kg_co2e'):,.1f}",
                ]
            )
    return _table(headers, rows, set(range(2, len(headers))) - {3})


def _choices(runs: Sequence[Mapping[str, object]]) -> str:
    """Per hub, the durable SKUs' lead-time demand source chosen on the replay and both sources' figures."""
    rows = []
    for kpis in runs:
        if "distribution_choice" not in kpis:
            continue
        figures = [
            f"{source} {100 * _value(kpis, f'choice_{source}_fill_rate'):.1f} % / "
            f"£{_value(kpis, f'choice_{source}_avg_stock_value_pence') / 100:,.0f}"
            for source in ("forecast", "bootstrap")
            if f"choice_{source}_fill_rate" in kpis
        ]
        rows.append(
            [
                escape(str(kpis.get("hub", ""))),
                escape(str(kpis["distribution_choice"])),
                escape("; ".join(figures)),
                escape(str(kpis.get("distribution_choice_reason", ""))),
            ]
        )
    if not rows:
        return ""
    return "<h3>Lead-time demand source (durable SKUs)</h3>" + _table(
        ["hub", "source", "replayed fill rate / avg stock", "why"], rows, set()
    )


def _policies_table(policies: Sequence[PolicyRecord]) -> str:
    by_item: dict[tuple[str, str], list[PolicyRecord]] = {}
    for p in policies:
        by_item.setdefault((p.hub, p.sku), []).append(p)
    day = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    rows = []
    for (hub, sku), items in sorted(by_item.items()):
        first = items[0]
        levels = ", ".join(
            f"{day[p.weekday]} {p.reorder_point}/{p.order_up_to} ({p.lead_days}d/{p.protection_days}d)"
            for p in items
        )
        rows.append(
            [
                escape(hub),
                escape(sku),
                escape(first.kind),
                escape(first.demand_class),
                f"{first.mean_daily_units:.2f}",
                f"{first.target:.2f}",
                escape(f"{first.pack_size}"),
                escape(levels),
            ]
        )
    return _table(
        [
            "hub",
            "SKU",
            "policy",
            "demand class",
            "units/day",
            "target",
            "pack",
            "s/S per review (lead/cover)",
        ],
        rows,
        {4, 5, 6},
    )


def _transfers_table(transfers: Sequence[TransferRecord]) -> str:
    trips: dict[str, list[TransferRecord]] = {}
    for t in transfers:
        trips.setdefault(t.trip_code, []).append(t)
    rows = [
        [
            escape(code),
            escape(items[0].from_site),
            escape(items[0].to_hub),
            escape(items[0].dispatch_at.strftime("%a %d %b %H:%M UTC")),
            _num(len(items)),
            _num(sum(t.quantity for t in items)),
            f"{sum(t.mass_kg for t in items):,.1f}",
            f"{items[0].distance_km:,.1f}",
            f"{sum(t.kg_co2e for t in items):,.2f}",
        ]
        for code, items in sorted(trips.items())
    ]
    return _table(
        ["trip", "from", "to hub", "dispatch", "SKUs", "units", "kg", "km", "kg CO2e"], rows, {4, 5, 6, 7, 8}
    )


def inventory_section(session: Session) -> str:
    """The "Hub stock" ``<section>`` from the stored inventory plans, or ``""`` when there are none."""
    runs = sorted(latest_plan_runs(session, stage="inventory"), key=lambda r: r.scope)
    if not runs:
        return ""
    kpis = [r.kpis for r in runs]
    hubs = [str(k.get("hub", r.scope)) for k, r in zip(kpis, runs, strict=True)]
    fill = [
        (h, [100 * _value(k, f"replay_{p}_fill_rate") for p, _, _ in POLICIES])
        for h, k in zip(hubs, kpis, strict=True)
    ]
    value = [
        (h, [_value(k, f"replay_{p}_avg_stock_value_pence") / 100 for p, _, _ in POLICIES])
        for h, k in zip(hubs, kpis, strict=True)
    ]
    waste = [
        (h, [_value(k, f"replay_{p}_waste_units") for p, _, _ in POLICIES])
        for h, k in zip(hubs, kpis, strict=True)
    ]
    labels = [(name, colour) for _, name, colour in POLICIES]
    days = int(max(_value(k, "replay_days") for k in kpis))
    intro = (
        f"Each hub's SKUs are stocked by demand class: order-up-to or (s, S) for a "
        f"{100 * _value(kpis[0], 'fill_rate_target'):.0f} % fill rate from a distribution of lead-time "
        "demand (lead time from the producing microfactory's release slots): per hub, the forecasting "
        "engine's or the history bootstrap's, whichever meets the target on the replay below (the cheaper "
        "if both do; the bootstrap also where the engine cannot fit); newsvendor for "
        "perishables (24 h; 48 h carried one day over, oldest first), subscriptions as firm demand. The "
        f"figures replay the last {days} days, planned from the history before them, against the textbook "
        "normal-approximation baseline; the chosen policies' figures are those of the source chosen on "
        "this same replay, so they are in-sample for that choice."
    )
    policies = load_policies(session)
    transfers = load_transfers(session)
    choices = _choices(kpis)
    parts = [
        '<section id="inventory"><h2>Hub stock</h2>',
        f'<p class="muted">{escape(intro)}</p>',
        f"<p>{_legend()}</p>",
        '<div style="display:flex;gap:24px;flex-wrap:wrap">',
        bars_svg(fill, labels=labels, unit="fill rate %", scale_max=100.0),
        bars_svg(
            value, labels=labels, unit="average stock £", scale_max=max([max(v) for _, v in value] + [1.0])
        ),
        bars_svg(waste, labels=labels, unit="waste units", scale_max=max([max(v) for _, v in waste] + [1.0])),
        "</div>",
        _comparison(kpis),
        choices,
        f"<h3>Transfers planned this week ({len(transfers)})</h3>",
        _transfers_table(transfers) if transfers else '<p class="muted">No transfers needed this week.</p>',
        f"<h3>Policies ({len({(p.hub, p.sku) for p in policies})} hub × SKU)</h3>",
        _policies_table(policies),
        "</section>",
    ]
    return "".join(parts)
