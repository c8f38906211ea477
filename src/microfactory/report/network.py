"""The report's "Network design" section, from the stored network scenarios.

The central-versus-local(-versus-N-1) comparison side by side, the open sites of each scenario with
the demand at risk (units/week each serves) and the demand lost if it fails, and the zones that cannot
be covered, with why. Figures are the ones the ``network`` stage stored; this module only lays them out
(inline HTML, no network access).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from microfactory.report.html import _num, _table
from microfactory.store.network_repository import NetworkScenarioRecord

ZONES_SHOWN = 40
"""At most this many uncovered zones are listed (the count is always given)."""

_ROWS = (
    ("sites open", "sites_open"),
    ("weekly cost", "weekly_cost_pence"),
    ("mean delivery km", "mean_km"),
    ("95th percentile km", "p95_km"),
    ("mean delivery hours", "mean_hours"),
    ("95th percentile hours", "p95_hours"),
    ("transport kg CO2e / week", "transport_kg_co2e_per_week"),
    ("share within 24 h", "share_within_24h"),
    ("share within 48 h", "share_within_48h"),
    ("largest site", "largest_site"),
    ("units/week lost if the largest site fails", "lost_if_largest_fails_units"),
    ("unserved units/week", "unserved_units"),
    ("MIP gap", "gap_pct"),
    ("solver seconds", "seconds"),
    ("all requirements met", "feasible"),
)


def _cell(key: str, value: float | int | str | None) -> str:
    if value is None or value == "":
        return "–"
    if key.endswith("_pence") and isinstance(value, int | float):
        return f"£{value / 100:,.0f}"
    if key.startswith("share_") and isinstance(value, int | float):
        return f"{100 * value:.1f} %"
    if key == "gap_pct" and isinstance(value, int | float):
        return f"{value:.3f} %"
    return _num(value)


def _comparison(scenarios: Sequence[NetworkScenarioRecord]) -> str:
    rows = [[escape(label), *(_cell(key, s.kpis.get(key)) for s in scenarios)] for label, key in _ROWS]
    return _table(["", *(s.name for s in scenarios)], rows, set(range(1, len(scenarios) + 1)))


def _sites(scenario: NetworkScenarioRecord) -> str:
    rows = [
        [
            escape(s.site),
            escape(s.kind),
            _num(s.zones_served),
            _num(s.at_risk_units_per_week),
            _num(s.lost_if_down_units_per_week) if s.lost_if_down_units_per_week is not None else "–",
            f"{100 * s.utilisation:.0f} %",
            f"£{s.fixed_cost_pence / 100:,.0f}",
        ]
        for s in scenario.sites
    ]
    headers = ["site", "kind", "zones", "at risk (units/wk)", "lost if it fails", "utilisation", "fixed £/wk"]
    return f"<h3>Open sites — {escape(scenario.name)}</h3>" + _table(headers, rows, {2, 3, 4, 5, 6})


def _uncovered(scenarios: Sequence[NetworkScenarioRecord]) -> str:
    rows = [
        [escape(s.name), escape(p.subject), escape(p.kind.value), escape(p.reason)]
        for s in scenarios
        for p in s.problems
        if p.subject_kind == "zone"
    ]
    if not rows:
        return '<h3>Zones that cannot be covered</h3><p class="muted">None: every zone is covered.</p>'
    more = len(rows) - ZONES_SHOWN
    note = f'<p class="muted">… and {more} more.</p>' if more > 0 else ""
    return (
        f"<h3>Zones that cannot be covered or backed up ({len(rows)})</h3>"
        + _table(["scenario", "zone", "problem", "why"], rows[:ZONES_SHOWN], set())
        + note
    )


def network_section(scenarios: Sequence[NetworkScenarioRecord]) -> str:
    """The "Network design" section for stored scenarios (one brand at a time), or ``""`` without any."""
    if not scenarios:
        return ""
    parts = ['<section id="network"><h2>Network design</h2>']
    for brand in sorted({s.brand for s in scenarios}):
        ours = [s for s in scenarios if s.brand == brand]
        params = ours[0].parameters

        def text(key: str, params: Mapping[str, object] = params) -> str:
            return escape(str(params.get(key, "?")))

        intro = (
            f"{escape(brand)}: which sites to open and which zones each serves, mean weekly demand of "
            f"the {text('weeks')} weeks to {text('window_end')}, delivery by {text('vehicle_type')} "
            f"within {text('max_delivery_hours')} h (the centralised baseline serves every zone however "
            f"far), transport CO2e {text('emission_boundary').upper()}. <b>n-1</b>: every zone keeps a "
            "backup site within reach and the remaining capacity carries it if any one site fails. "
            "Demand at risk = units/week a site serves; lost if it fails = what no other open site can "
            "take over."
        )
        parts += [
            f'<p class="muted">{intro}</p>',
            _comparison(ours),
            *(_sites(s) for s in ours),
            _uncovered(ours),
        ]
    parts.append("</section>")
    return "".join(parts)
