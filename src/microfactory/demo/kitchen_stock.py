"""Oakline accessories and spare parts: made or kitted to stock, ordered intermittently.

Each item carries its demo demand: ``weekly_orders`` (mean orders a week at scale 1 at the history
start, mostly below one, so many weeks have none) and ``mean_quantity`` per order.
"""

from __future__ import annotations

from dataclasses import dataclass

from microfactory.demo.kitchen_codes import (
    ACCESSORY_TIMBER,
    ASSEMBLY,
    CARCASS_BOARD,
    CNC,
    EDGE,
    FAMILY_ACCESSORIES,
    FAMILY_SPARES,
    QA,
)
from microfactory.demo.routing import step
from microfactory.domain import RoutingStep


@dataclass(frozen=True)
class StockItem:
    """An accessory or spare part made or kitted to stock, with its demo demand rate."""

    code: str
    family: str
    name: str
    mass_kg: float
    volume_m3: float
    price_pence: int
    routing: tuple[RoutingStep, ...]
    weekly_orders: float
    mean_quantity: float
    min_batch: int
    max_batch: int


def _kit(minutes: float, qa: float = 0.2) -> tuple[RoutingStep, ...]:
    """Bought-in hardware: picked, kitted and packed, then counted."""
    return (
        step(1, "Pick, kit and pack", ASSEMBLY, minutes, 5),
        step(2, "Count and label check", QA, qa),
    )


def _oak(cnc: float, finish: float) -> tuple[RoutingStep, ...]:
    """Solid-oak inserts: cut on the router, sanded and oiled."""
    return (
        step(1, "Cut on nesting router", CNC, cnc, 12, setup={"material": ACCESSORY_TIMBER}),
        step(2, "Sand and oil", ASSEMBLY, finish, 10),
        step(3, "Final inspection", QA, 2),
    )


def _board(cnc: float, edge: float, assembly: float = 0.0) -> tuple[RoutingStep, ...]:
    """Carcass-board parts: cut, edge-banded, maybe assembled."""
    steps = [
        step(1, "Cut on nesting router", CNC, cnc, 12, setup={"material": CARCASS_BOARD}),
        step(2, "Edge band", EDGE, edge, 10),
    ]
    if assembly:
        steps.append(step(3, "Assemble", ASSEMBLY, assembly))
    steps.append(step(len(steps) + 1, "Final inspection", QA, 0.5))
    return tuple(steps)


_A, _S = FAMILY_ACCESSORIES, FAMILY_SPARES

# fmt: off
ACCESSORIES: tuple[StockItem, ...] = (
    # code, family, name
    #     kg, m³, pence, routing, weekly orders, mean quantity, min batch, max batch
    StockItem("K-ACC-HANDLE-BAR-BLACK", _A, "Bar handle 160 mm, matt black",
              0.12, 0.0004, 650, _kit(0.3), 1.6, 8.0, 100, 1000),
    StockItem("K-ACC-HANDLE-BAR-BRASS", _A, "Bar handle 160 mm, brushed brass",
              0.14, 0.0004, 950, _kit(0.3), 1.1, 8.0, 100, 1000),
    StockItem("K-ACC-HANDLE-KNOB-OAK", _A, "Oak knob 35 mm",
              0.05, 0.0002, 450, _kit(0.3), 0.5, 6.0, 100, 1000),
    StockItem("K-ACC-CUTLERY-OAK-600", _A, "Oak cutlery insert for 600 mm drawer",
              1.6, 0.02, 6_500, _oak(8, 10), 0.9, 1.2, 20, 200),
    StockItem("K-ACC-SPICE-RACK-150", _A, "Pull-out spice rack 150 mm",
              2.2, 0.03, 7_800, _oak(6, 12), 0.5, 1.0, 20, 200),
    StockItem("K-ACC-PLATE-RACK-OAK", _A, "Oak plate rack insert",
              1.8, 0.02, 5_500, _oak(7, 10), 0.35, 1.0, 20, 200),
    StockItem("K-ACC-BIN-2x35", _A, "Pull-out recycling bin 2 × 35 l",
              6.5, 0.09, 12_900, _kit(3, 1), 0.7, 1.0, 10, 100),
    StockItem("K-ACC-LED-PLINTH", _A, "LED plinth light kit (6 lights)",
              0.8, 0.006, 5_900, _kit(4, 2), 0.6, 1.1, 20, 200),
    StockItem("K-ACC-MAGIC-CORNER", _A, "Corner pull-out storage",
              12.0, 0.12, 24_000, _kit(15, 3), 0.25, 1.0, 5, 50),
)
"""Accessories: sold on their own (lumpy) and as add-ons to kitchens (handles with every kitchen)."""

SPARES: tuple[StockItem, ...] = (
    StockItem("K-SP-HINGE-110", _S, "Soft-close hinge 110°",
              0.10, 0.0002, 450, _kit(0.2), 0.9, 2.5, 200, 2000),
    StockItem("K-SP-HINGE-170", _S, "Soft-close hinge 170° (corner)",
              0.12, 0.0002, 650, _kit(0.2), 0.3, 1.5, 100, 1000),
    StockItem("K-SP-RUNNER-500", _S, "Drawer runner pair 500 mm",
              1.1, 0.003, 2_400, _kit(0.5), 0.5, 1.3, 50, 500),
    StockItem("K-SP-SHELF-PINS-20", _S, "Shelf pins, pack of 20",
              0.05, 0.0001, 250, _kit(0.2), 0.4, 1.2, 200, 2000),
    StockItem("K-SP-SHELF-500", _S, "Replacement shelf 500 mm, white",
              2.9, 0.007, 1_600, _board(2, 2), 0.25, 1.3, 20, 200),
    StockItem("K-SP-SHELF-600", _S, "Replacement shelf 600 mm, white",
              3.5, 0.008, 1_800, _board(2, 2), 0.3, 1.3, 20, 200),
    StockItem("K-SP-PLINTH-CLIPS-8", _S, "Plinth clips, pack of 8",
              0.08, 0.0001, 300, _kit(0.2), 0.35, 1.2, 200, 2000),
    StockItem("K-SP-DOOR-DAMPER", _S, "Door damper",
              0.03, 0.0001, 350, _kit(0.2), 0.2, 2.0, 200, 2000),
    StockItem("K-SP-LEGS-150-4", _S, "Adjustable cabinet legs 150 mm, set of 4",
              0.4, 0.001, 600, _kit(0.3), 0.3, 1.2, 100, 1000),
    StockItem("K-SP-WALL-HANGERS", _S, "Wall unit hanger pair",
              0.2, 0.0003, 500, _kit(0.2), 0.2, 1.1, 100, 1000),
    StockItem("K-SP-DRAWER-BOX-500", _S, "Replacement drawer box 500 mm",
              2.8, 0.02, 4_200, _board(3, 2, 8), 0.15, 1.0, 10, 100),
    StockItem("K-SP-EDGE-TAPE-WHITE", _S, "Iron-on edging tape 5 m, white",
              0.1, 0.0003, 450, _kit(0.2), 0.15, 1.0, 100, 1000),
)
"""Spare parts: small, cheap and intermittent (many weeks with no order at all)."""
# fmt: on
