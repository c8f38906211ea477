"""Top-level task functions for runner tests (worker processes import them by name)."""

from __future__ import annotations

import numpy as np


def seeded_sum(seed: int) -> float:
    """A deterministic pseudo-random figure per seed, as a fan-out task would compute."""
    return float(np.random.default_rng(seed).normal(size=2_000).sum())


def fail_on_three(x: int) -> int:
    """Raise for one particular input, to check errors come back from workers."""
    if x == 3:
        raise ValueError("three is not allowed")
    return x * 2
