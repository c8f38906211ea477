"""Offcut benchmark: seeded surplus panels against a week of demo cut lists.

A demo week at the central plant (:func:`microfactory.demo.cutlists.demo_week_runs`, about ``--parts``
pieces from the kitchen layout model) and ``--offcuts`` seeded remnants of 2440 × 1220 sheets
(:func:`~microfactory.demo.cutlists.demo_offcuts`) are matched by
:func:`microfactory.circular.offcuts.match_offcuts` (kerf ``--kerf-mm``, 5 mm trims). No shared instance
files: the instance is generated from the seed.

One row per material group: ``reference`` = the LP upper bound on reclaimed area (m²), ``result`` = the
reclaimed area (m²), ``gap_pct`` = how far below the bound, per cent of the bound. Then the summary
``reclaimed_area_pct=… bound_pct=… gap_pct=… boards_saved=… seconds=…`` (percentages of the offcut area
offered). Target (issue 9): reclaimed area within 5 % of the bound, under 30 s.

Run from the repository root::

    .venv/bin/python -m benchmarks.offcuts [--seed 1] [--seeds 1] [--offcuts 2000] [--parts 5000]
"""

from __future__ import annotations

import argparse
import os
import time

from benchmarks.common import TABLE_COLUMNS, TableWriter, log, summary_line
from microfactory.circular.offcuts import OffcutProblem, OffcutSettings, match_offcuts
from microfactory.demo.cutlists import cut_list_for_runs, demo_offcuts, demo_week_runs

COLUMNS = (
    *TABLE_COLUMNS,
    "seed",
    "panels",
    "offcut_m2",
    "pieces",
    "pieces_from_offcuts",
    "simple_bound_m2",
    "boards_needed",
    "boards_saved",
)


def main() -> None:
    """Run the benchmark and print the table and summary."""
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--seed", type=int, default=1, help="first seed")
    p.add_argument("--seeds", type=int, default=1, help="number of seeds (instances) from --seed")
    p.add_argument("--offcuts", type=int, default=2000, help="offcuts in the rack")
    p.add_argument("--parts", type=int, default=5000, help="pieces in the week's cut list (at least)")
    p.add_argument("--kerf-mm", type=int, default=4)
    p.add_argument("--seconds", type=float, default=30.0, help="time limit per instance")
    args = p.parse_args()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    log(f"load average: {load}; cpus: {os.cpu_count()}")

    writer = TableWriter(COLUMNS)
    offered = reclaimed = bound = saved = 0
    total_seconds = 0.0
    for seed in range(args.seed, args.seed + args.seeds):
        started = time.perf_counter()
        cut_list = cut_list_for_runs(demo_week_runs(seed, target_pieces=args.parts))
        panels = demo_offcuts(seed, args.offcuts)
        settings = OffcutSettings(kerf_mm=args.kerf_mm, seconds=args.seconds)
        result = match_offcuts(OffcutProblem(cut_list=cut_list, panels=panels), settings, seed=seed)
        seconds = time.perf_counter() - started
        total_seconds += seconds
        for g in result.groups:
            writer.row(
                {
                    "instance": f"{g.material}/{g.finish}/{g.thickness_mm:g}",
                    "reference": g.bound_area_mm2 / 1e6,
                    "result": g.reclaimed_area_mm2 / 1e6,
                    "gap_pct": 100.0 * (g.bound_area_mm2 - g.reclaimed_area_mm2) / g.bound_area_mm2
                    if g.bound_area_mm2
                    else None,
                    "seconds": None,
                    "seed": seed,
                    "panels": g.panels,
                    "offcut_m2": g.panel_area_mm2 / 1e6,
                    "pieces": g.pieces,
                    "pieces_from_offcuts": g.pieces_covered,
                    "simple_bound_m2": g.simple_bound_area_mm2 / 1e6,
                    "boards_needed": g.sheets_all,
                    "boards_saved": g.sheets_saved,
                }
            )
        writer.row(
            {
                "instance": "all",
                "reference": result.bound_area_mm2 / 1e6,
                "result": result.reclaimed_area_mm2 / 1e6,
                "gap_pct": result.gap_pct,
                "seconds": round(seconds, 3),
                "seed": seed,
                "panels": len(panels),
                "offcut_m2": result.panel_area_mm2 / 1e6,
                "pieces": cut_list.pieces,
                "pieces_from_offcuts": len(result.covered),
                "simple_bound_m2": sum(g.simple_bound_area_mm2 for g in result.groups) / 1e6,
                "boards_needed": sum(g.sheets_all for g in result.groups),
                "boards_saved": result.boards_saved,
            }
        )
        log(
            f"seed {seed}: reclaimed {result.reclaimed_pct:.2f} % of offcut area, "
            f"bound {result.bound_pct:.2f} %, "
            f"gap {result.gap_pct:.2f} %, boards saved {result.boards_saved}, {seconds:.1f} s"
            + (" (time limit hit)" if result.timed_out else "")
        )
        offered += result.panel_area_mm2
        reclaimed += result.reclaimed_area_mm2
        bound += result.bound_area_mm2
        saved += result.boards_saved
    summary_line(
        [
            ("reclaimed_area_pct", 100.0 * reclaimed / offered if offered else 0.0),
            ("bound_pct", 100.0 * bound / offered if offered else 0.0),
            ("gap_pct", 100.0 * (bound - reclaimed) / bound if bound else 0.0),
            ("boards_saved", saved),
            ("instances", args.seeds),
            ("seconds", round(total_seconds, 1)),
        ]
    )


if __name__ == "__main__":
    main()
