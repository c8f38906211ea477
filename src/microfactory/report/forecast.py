"""The report's "Demand forecasts" section, from the stored forecast runs.

Per brand: how the automatic per-series selection scored in the rolling-origin backtest against the
best single model, the demand classes of the series (Syntetos–Boylan), and fan charts of history and
forecast (mean with the q50–q90 band) for the GB total and the largest SKU families. Inline HTML and
SVG only: no script, no external reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

import pandas as pd
from sqlalchemy.orm import Session

from microfactory.report.html import _num, _table
from microfactory.store import load_weekly_demand
from microfactory.store.forecast_repository import (
    LEVEL_BOTTOM,
    LEVEL_FAMILY,
    LEVEL_TOTAL,
    ForecastRunRecord,
    forecast_runs,
    load_forecast_values,
    load_scores,
    load_selection,
)

HISTORY_WEEKS_SHOWN = 52
"""Weeks of history drawn before the forecast."""
TOP_FAMILIES = 3
"""Families charted per brand (largest forecast first)."""
MODELS_SHOWN = 6
"""Single models listed under ``auto`` in the score table (best MASE first)."""
CLASSES = ("smooth", "erratic", "intermittent", "lumpy", "no_demand")
HISTORY_COLOUR = "#4a6fa5"
FORECAST_COLOUR = "#d9822b"
BAND_COLOUR = "#f5c99b"


@dataclass(frozen=True)
class FanPoint:
    """One forecast week: the mean and the band's lower and upper quantiles."""

    day: date
    mean: float
    low: float
    high: float


def fan_chart_svg(
    history: Sequence[tuple[date, float]],
    forecast: Sequence[FanPoint],
    *,
    title: str,
    width: float = 720.0,
    height: float = 200.0,
) -> str:
    """An inline SVG line chart: history, then the forecast mean over a shaded quantile band."""
    pad_left, pad_right, pad_top, pad_bottom = 52.0, 12.0, 22.0, 26.0
    days = [d for d, _ in history] + [p.day for p in forecast]
    if not days:
        return '<p class="muted">No data.</p>'
    values = [v for _, v in history] + [max(p.high, p.mean) for p in forecast]
    y_max = max(values) if values and max(values) > 0 else 1.0
    x0, x1 = min(days).toordinal(), max(days).toordinal()
    span = max(1, x1 - x0)
    inner_w, inner_h = width - pad_left - pad_right, height - pad_top - pad_bottom

    def sx(d: date) -> float:
        return pad_left + (d.toordinal() - x0) / span * inner_w

    def sy(v: float) -> float:
        return pad_top + inner_h - max(0.0, v) / y_max * inner_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" width="100%" '
        f'role="img" aria-label="{escape(title)}">',
        f'<text x="{pad_left}" y="14" font-size="11" font-weight="bold">{escape(title)}</text>',
    ]
    for frac in (0.0, 0.5, 1.0):
        y = sy(frac * y_max)
        out.append(
            f'<line x1="{pad_left}" x2="{width - pad_right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{pad_left - 4}" y="{y + 3:.1f}" font-size="9" text-anchor="end">'
            f"{frac * y_max:,.0f}</text>"
        )
    out.append(
        f'<text x="{pad_left}" y="{height - 8}" font-size="9">{min(days).isoformat()}</text>'
        f'<text x="{width - pad_right}" y="{height - 8}" font-size="9" text-anchor="end">'
        f"{max(days).isoformat()}</text>"
    )
    if forecast:
        ordered = sorted(forecast, key=lambda p: p.day)
        start_x = sx(ordered[0].day)
        out.append(
            f'<line x1="{start_x:.1f}" x2="{start_x:.1f}" y1="{pad_top}" y2="{pad_top + inner_h}" '
            'stroke="#999" stroke-dasharray="3,3"/>'
        )
        upper = [f"{sx(p.day):.1f},{sy(p.high):.1f}" for p in ordered]
        lower = [f"{sx(p.day):.1f},{sy(p.low):.1f}" for p in reversed(ordered)]
        out.append(f'<polygon points="{" ".join(upper + lower)}" fill="{BAND_COLOUR}" fill-opacity="0.7"/>')
        mean = " ".join(f"{sx(p.day):.1f},{sy(p.mean):.1f}" for p in ordered)
        out.append(f'<polyline points="{mean}" fill="none" stroke="{FORECAST_COLOUR}" stroke-width="1.8"/>')
    if history:
        line = " ".join(f"{sx(d):.1f},{sy(v):.1f}" for d, v in sorted(history))
        out.append(f'<polyline points="{line}" fill="none" stroke="{HISTORY_COLOUR}" stroke-width="1.3"/>')
    legend_x = width - pad_right - 330
    out.append(
        f'<text x="{legend_x:.0f}" y="14" font-size="10" fill="{HISTORY_COLOUR}">history (units/week)</text>'
        f'<text x="{legend_x + 125:.0f}" y="14" font-size="10" fill="{FORECAST_COLOUR}">forecast mean</text>'
        f'<text x="{legend_x + 215:.0f}" y="14" font-size="10" fill="#b86a1f">q50–q90 band</text>'
    )
    out.append("</svg>")
    return "".join(out)


def _history_by(weekly: pd.DataFrame, run: ForecastRunRecord, family: str | None) -> list[tuple[date, float]]:
    """Units per week of the brand (or one family) over the weeks shown before the forecast, zero-filled."""
    start = run.history_end - timedelta(weeks=HISTORY_WEEKS_SHOWN)
    part = weekly if family is None else weekly[weekly["sku_family"] == family]
    sums = part.groupby("week_start")["units"].sum()
    weeks = [start + timedelta(weeks=i) for i in range(HISTORY_WEEKS_SHOWN)]
    return [(w, float(sums.get(w, 0.0))) for w in weeks if w >= run.history_start]


def _fan(values: pd.DataFrame) -> list[FanPoint]:
    return [
        FanPoint(d.date(), float(m), float(lo if pd.notna(lo) else m), float(hi if pd.notna(hi) else m))
        for d, m, lo, hi in zip(values["ds"], values["mean"], values["q50"], values["q90"], strict=True)
    ]


def _scores_table(session: Session, run: ForecastRunRecord) -> str:
    scores = load_scores(session, run.brand, plan_run_id=run.plan_run_id)
    if scores.empty:
        return '<p class="muted">No backtest scores stored.</p>'
    auto = scores[scores["model"] == "auto"]
    singles = scores[scores["model"] != "auto"].head(MODELS_SHOWN)
    rows = [
        [
            ("<b>auto</b>" if m == "auto" else escape(str(m))),
            *("–" if pd.isna(v) else f"{v:.3f}" for v in (mase, rmsse, bias, spl)),
            _num(int(n)),
        ]
        for m, mase, rmsse, bias, spl, n in pd.concat([auto, singles]).itertuples(index=False)
    ]
    return _table(["model", "MASE", "RMSSE", "bias", "SPL@0.9", "series"], rows, {1, 2, 3, 4, 5})


def _headline(run: ForecastRunRecord) -> str:
    k = run.kpis
    if "auto_mase" not in k or "best_single_mase" not in k:
        return ""
    return (
        f"<p>Backtest (rolling origin, {run.horizon_weeks} weeks ahead): automatic selection MASE "
        f"<b>{float(k['auto_mase']):.3f}</b> against the best single model "
        f"{escape(str(k['best_single_model']))} {float(k['best_single_mase']):.3f} "
        f"({float(k.get('improvement_pct', 0.0)):+.1f} %).</p>"
    )


def _classes_table(session: Session, run: ForecastRunRecord) -> str:
    selection = load_selection(session, run.brand, plan_run_id=run.plan_run_id)
    if selection.empty:
        return ""
    bottom = selection[selection["level"] == LEVEL_BOTTOM]
    rows = []
    for name in CLASSES:
        n_all = int((selection["demand_class"] == name).sum())
        n_bottom = int((bottom["demand_class"] == name).sum())
        rows.append(
            [
                escape(name),
                _num(n_bottom),
                f"{100 * n_bottom / max(1, len(bottom)):.0f} %",
                _num(n_all),
                f"{100 * n_all / len(selection):.0f} %",
            ]
        )
    return "<h3>Demand classes</h3>" + _table(
        ["class", "family × area series", "share", "all series", "share"], rows, {1, 2, 3, 4}
    )


def _charts(session: Session, run: ForecastRunRecord) -> str:
    values = load_forecast_values(session, run.brand, plan_run_id=run.plan_run_id)
    weekly_rows = load_weekly_demand(session, brand=run.brand)
    weekly = pd.DataFrame(
        {
            "sku_family": [w.sku_family for w in weekly_rows],
            "week_start": [w.week_start for w in weekly_rows],
            "units": [float(w.units) for w in weekly_rows],
        }
    )
    charts = []
    total = values[values["level"] == LEVEL_TOTAL]
    charts.append(fan_chart_svg(_history_by(weekly, run, None), _fan(total), title="GB total"))
    families = values[values["level"] == LEVEL_FAMILY]
    ranked = families.groupby("sku_family")["mean"].sum().sort_values(ascending=False)
    for family in ranked.index[:TOP_FAMILIES]:
        part = families[families["sku_family"] == family]
        charts.append(
            fan_chart_svg(_history_by(weekly, run, str(family)), _fan(part), title=f"Family {family}")
        )
    return "".join(charts)


def _candidates(run: ForecastRunRecord) -> str:
    models = run.parameters.get("models") or []
    if not models:
        return "Candidates: the engine's default pool."
    text = (
        f"Candidates: {escape(', '.join(map(str, models)))} — they forecast the mean, not the median, so "
        "forecasts add up over zones and families without bias (MASE favours medians on intermittent "
        "series, so expect it above 1 there)."
    )
    return text + _trend_note(run)


def _trend_note(run: ForecastRunRecord) -> str:
    """Why the brand was (or was not) offered trend models: MASE of the best trend and flat model on the
    total's backtest (runs stored before the trend check have neither)."""
    k = run.kpis
    if "total_trend_mase" not in k or "total_flat_mase" not in k:
        return ""
    offered = [str(m) for m in run.parameters.get("trend_models") or []]
    scores = (
        f"on the GB total's backtest the best trend model scored MASE {float(k['total_trend_mase']):.3f} "
        f"against {float(k['total_flat_mase']):.3f} for the best flat one"
    )
    if offered:
        return f" Trend models {escape(', '.join(offered))} were offered: {scores}."
    return f" No trend models were offered: {scores}."


def forecast_section(session: Session) -> str:
    """The "Demand forecasts" section for every brand's latest forecast, or ``""`` without any."""
    runs = forecast_runs(session)
    if not runs:
        return ""
    parts = ['<section id="forecast"><h2>Demand forecasts</h2>']
    for run in runs:
        k = run.kpis
        intro = (
            f"{escape(run.brand)}: {_num(k.get('series', 0))} weekly series (SKU family × postcode area, "
            f"{_num(k.get('pooled_areas', 0))} thin areas pooled as OTHER, with family, area and GB totals), "
            f"{run.horizon_weeks} weeks from {run.history_end.isoformat()} on "
            f"{_num(k.get('history_weeks', 0))} weeks of history; reconciled with "
            f"{escape(run.reconciliation)}; engine {escape(run.version)}. {_candidates(run)} "
            "Band: q50 to q90."
        )
        parts += [
            f"<h3>{escape(run.brand)}</h3>",
            f'<p class="muted">{intro}</p>',
            _headline(run),
            _scores_table(session, run),
            _classes_table(session, run),
            _charts(session, run),
        ]
    parts.append("</section>")
    return "".join(parts)
