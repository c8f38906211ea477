"""Read Beasley's OR-Library capacitated warehouse location files into a facility-location problem.

Format (``capinfo.txt``): ``m n``; then ``m`` lines ``capacity fixed_cost``; then per customer its
``demand`` followed by ``m`` costs of allocating **all** of its demand to each warehouse. Tokens may wrap
lines, so the text is read as a stream of tokens. In the 1,000-customer sets ``capa``, ``capb`` and
``capc`` the capacity is printed as the word ``capacity``: Beasley (1988) solves each with several
capacities (capa 8000/10000/12000/14000, capb 5000/6000/7000/8000, capc 5000/5750/6500/7250), so the
caller passes one as ``capacity``. Multi-source: a customer may be split across warehouses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from microfactory.network.flp import FacilityLocationProblem
from microfactory.network.mip import FloatArray


@dataclass(frozen=True, eq=False)
class OrlibInstance:
    """The numbers of one OR-Library CFLP file."""

    capacity: FloatArray
    """(m,) warehouse capacities."""
    fixed_cost: FloatArray
    """(m,) warehouse opening costs."""
    demand: FloatArray
    """(n,) customer demands."""
    cost: FloatArray
    """(m, n) cost of serving all of customer j's demand from warehouse i."""

    def to_flp(self) -> FacilityLocationProblem:
        """The instance as a :class:`FacilityLocationProblem` with every pair allowed (one dimension)."""
        m, n = self.cost.shape
        site, customer = np.divmod(np.arange(m * n, dtype=np.int64), n)
        return FacilityLocationProblem(
            fixed_cost=self.fixed_cost,
            capacity=self.capacity[:, None].copy(),
            load=self.demand[:, None].copy(),
            pair_site=site,
            pair_customer=customer,
            pair_cost=self.cost.reshape(-1).copy(),
        )


def parse_orlib_cflp(text: str, *, capacity: float | None = None, source: str = "instance") -> OrlibInstance:
    """Parse OR-Library CFLP text.

    Args:
        text: File contents.
        capacity: Capacity for every warehouse; required when the file prints ``capacity`` instead of a
            number (capa/capb/capc), and overrides the file's numbers otherwise.
        source: Name used in error messages.

    Raises:
        ValueError: the text is truncated, has a non-numeric token where a number belongs, or prints
            ``capacity`` and no ``capacity`` was given; the message names the source and position.
    """
    tokens = text.split()
    pos = 0

    def take(what: str) -> str:
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError(f"{source}: file ends early, expected {what} (token {pos + 1})")
        token = tokens[pos]
        pos += 1
        return token

    def number(what: str) -> float:
        token = take(what)
        try:
            return float(token)
        except ValueError:
            raise ValueError(
                f"{source}: expected a number for {what} at token {pos}, got {token!r}"
            ) from None

    m, n = int(number("m")), int(number("n"))
    if m <= 0 or n <= 0:
        raise ValueError(f"{source}: m and n must be positive, got {m} {n}")
    caps = np.empty(m)
    fixed = np.empty(m)
    for i in range(m):
        token = take(f"capacity of warehouse {i + 1}")
        try:
            caps[i] = float(token)
        except ValueError:
            if capacity is None:
                raise ValueError(
                    f"{source}: warehouse {i + 1} capacity is {token!r}; pass capacity= (capa/capb/capc)"
                ) from None
        fixed[i] = number(f"fixed cost of warehouse {i + 1}")
    if capacity is not None:
        caps[:] = capacity
    demand = np.empty(n)
    cost = np.empty((m, n))
    for j in range(n):
        demand[j] = number(f"demand of customer {j + 1}")
        for i in range(m):
            cost[i, j] = number(f"cost of customer {j + 1} at warehouse {i + 1}")
    return OrlibInstance(capacity=caps, fixed_cost=fixed, demand=demand, cost=cost)
