"""The seeded UK demo network: a kitchen maker and a food brand with two years of orders.

``build_demo(seed=1, scale=1.0)`` returns master data (every GB outcode as a zone, sites, calendars,
resources, SKUs with routings, changeovers, customers and vehicles) and an order history ending at
``as_of``. It is deterministic by seed, so tests, demos and benchmarks can rely on it.
"""

from microfactory.demo.network import DEFAULT_AS_OF, MAX_SCALE, DemoNetwork, build_demo

__all__ = ["DEFAULT_AS_OF", "MAX_SCALE", "DemoNetwork", "build_demo"]
