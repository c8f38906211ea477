"""Seeded extra candidate sites at outcode centroids in big towns, for what-if and scale studies.

A planner asks "where could a microfactory go?" before any lease exists. This draws ``count`` outcodes
without replacement, with probability proportional to their number of delivery points raised to a
power (dense districts in big towns first), and copies a template site there with its fixed cost varied
by ±20 % (rent differs by town). Same ``seed``, same candidates.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from microfactory.domain import Zone
from microfactory.network.problem import CandidateSite


def generate_candidates(
    zones: Sequence[Zone],
    template: CandidateSite,
    *,
    count: int,
    seed: int,
    exclude_outcodes: Collection[str] = (),
    concentration: float = 2.0,
    prefix: str = "GEN",
) -> tuple[CandidateSite, ...]:
    """``count`` candidate sites like ``template`` at seeded big-town outcode centroids.

    Args:
        zones: Zones to draw from (e.g. ``MasterData.zones``: every GB outcode).
        template: Site to copy (kind, costs, capacity); its ``forced_open`` is cleared.
        count: Number of candidates (≤ the zones left after ``exclude_outcodes``).
        seed: Seed of the draw.
        exclude_outcodes: Outcodes not to use (e.g. where sites already are).
        concentration: Exponent on delivery points; higher favours the densest districts more.
        prefix: Code prefix; codes are ``{prefix}-{outcode}``.

    Raises:
        ValueError: ``count`` is negative or larger than the zones available.
    """
    pool = [z for z in zones if z.outcode not in set(exclude_outcodes) and z.delivery_points > 0]
    if count < 0 or count > len(pool):
        raise ValueError(f"count must be between 0 and {len(pool)}, got {count}")
    rng = np.random.default_rng(seed)
    weights = np.array([float(z.delivery_points) for z in pool]) ** concentration
    chosen = rng.choice(len(pool), size=count, replace=False, p=weights / weights.sum())
    factors = rng.uniform(0.8, 1.2, size=count)
    out = []
    for k, f in zip(sorted(chosen.tolist(), key=lambda c: pool[c].outcode), factors, strict=True):
        zone = pool[k]
        out.append(
            template.model_copy(
                update={
                    "code": f"{prefix}-{zone.outcode}",
                    "location": zone.centroid,
                    "fixed_cost_pence_per_week": int(round(template.fixed_cost_pence_per_week * f, -2)),
                    "forced_open": False,
                    "available": True,
                }
            )
        )
    return tuple(out)
