"""Lots from runs and from delivery history; input lots; allocation plans."""

from __future__ import annotations

from datetime import UTC, date, datetime

from microfactory.demo.food_catalogue import food_skus
from microfactory.demo.kitchen_catalogue import kitchen_skus
from microfactory.domain import ProductionRun
from microfactory.domain.quality import LotKind, LotStatus
from microfactory.quality import (
    lots_for_runs,
    plan_allocations,
    plan_input_lots,
    plan_product_lots,
    production_day,
    shipped_templates,
    template_for_family,
)
from microfactory.quality.lots import STARTER_CULTURE_SKU, DeliveredLine, LotState

SKUS = {s.code: s for s in (*food_skus(), *kitchen_skus())}
TEMPLATES = template_for_family(shipped_templates())
# Tuesday 17 Nov 2026, 12:00 UTC (= London, GMT).
NOON = datetime(2026, 11, 17, 12, tzinfo=UTC)


def line(
    order_id: int, sku: str, quantity: int, *, site: str = "FOOD-LON", allocated: int = 0
) -> DeliveredLine:
    """A delivered line with its window starting at ``NOON``."""
    return DeliveredLine(order_id, "web", f"O{order_id}", 1, sku, quantity, site, NOON, allocated)


def test_production_day_same_day_for_short_shelf_life() -> None:
    """Bars (24 h) are made on the delivery day; condiments (504 h) and cabinets (durable) the day before."""
    assert production_day(NOON, 24.0) == date(2026, 11, 17)
    assert production_day(NOON, 504.0) == date(2026, 11, 16)
    assert production_day(NOON, None) == date(2026, 11, 16)
    late = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 BST on 2 July
    assert production_day(late, 48.0) == date(2026, 7, 2)


def test_one_lot_per_site_sku_and_day_with_its_template() -> None:
    """Lines of one SKU, site and day share a lot; its quantity is their units."""
    lots = plan_product_lots(
        [line(1, "BAR-CHEDDAR-LEEK", 3), line(2, "BAR-CHEDDAR-LEEK", 2), line(3, "COND-KIMCHI", 1)],
        SKUS,
        TEMPLATES,
    )
    assert [(x.code, x.quantity, x.template) for x in lots] == [
        ("FOOD-LON/R20261116/COND-KIMCHI/1", 1, "fermented-condiment"),
        ("FOOD-LON/R20261117/BAR-CHEDDAR-LEEK/1", 5, "cooked-savoury-bar"),
    ]


def test_more_demand_than_the_lots_hold_makes_the_next_sequence() -> None:
    """Existing lots are never changed: the excess goes into sequence 2; no excess, no new lot."""
    existing = [
        LotState(
            "FOOD-LON/R20261117/BAR-CHEDDAR-LEEK/1",
            "FOOD-LON",
            "R20261117",
            "BAR-CHEDDAR-LEEK",
            1,
            4,
            4,
            LotStatus.RELEASED,
            NOON,
        )
    ]
    lots = plan_product_lots(
        [line(1, "BAR-CHEDDAR-LEEK", 3), line(2, "BAR-CHEDDAR-LEEK", 3)], SKUS, TEMPLATES, existing
    )
    assert [(x.sequence, x.quantity) for x in lots] == [(2, 2)]
    assert plan_product_lots([line(1, "BAR-CHEDDAR-LEEK", 4)], SKUS, TEMPLATES, existing) == []


def test_input_lots_per_site_input_and_week() -> None:
    """Condiments take the week's starter culture; fronts take board and powder; one lot per week."""
    product = plan_product_lots(
        [
            line(1, "COND-KIMCHI", 1),
            line(2, "COND-HOT-SAUCE", 1),
            line(3, "K-DOOR-715x297-SAGE", 2, site="KIT-LON"),
        ],
        SKUS,
        TEMPLATES,
    )
    inputs, links = plan_input_lots(product, SKUS)
    assert {(x.site, x.sku, x.kind) for x in inputs} == {
        ("FOOD-LON", STARTER_CULTURE_SKU, LotKind.STARTER_CULTURE),
        ("KIT-LON", "MAT-mdf_18", LotKind.MATERIAL),
        ("KIT-LON", "POWDER-pale_sage", LotKind.MATERIAL),
    }
    assert all(x.run_code == "GRN2026W47" for x in inputs)
    assert len(links) == 4


def test_lots_for_runs() -> None:
    """A scheduled run becomes one lot, sequence 1, made at the run's end."""
    run = ProductionRun(
        site="FOOD-MAN", run_code="RUN-7", sku="SNK-THREE-CHEESE", quantity=40, start=NOON, end=NOON
    )
    (made,) = lots_for_runs([run], SKUS, TEMPLATES)
    assert made.code == "FOOD-MAN/RUN-7/SNK-THREE-CHEESE/1" and made.template == "chilled-snack"


def test_allocation_plan_fills_released_lots_and_skips_held_ones() -> None:
    """Lowest sequence first, lines may split across lots, held lots give nothing."""
    states = [
        LotState(
            "S/R20261117/BAR-CHEDDAR-LEEK/1",
            "FOOD-LON",
            "R20261117",
            "BAR-CHEDDAR-LEEK",
            1,
            3,
            1,
            LotStatus.RELEASED,
            NOON,
        ),
        LotState(
            "S/R20261117/BAR-CHEDDAR-LEEK/2",
            "FOOD-LON",
            "R20261117",
            "BAR-CHEDDAR-LEEK",
            2,
            5,
            0,
            LotStatus.HELD,
            NOON,
        ),
        LotState(
            "S/R20261117/BAR-CHEDDAR-LEEK/3",
            "FOOD-LON",
            "R20261117",
            "BAR-CHEDDAR-LEEK",
            3,
            5,
            0,
            LotStatus.RELEASED,
            NOON,
        ),
    ]
    plan = plan_allocations(
        [line(1, "BAR-CHEDDAR-LEEK", 4, allocated=1), line(2, "BAR-CHEDDAR-LEEK", 9)], states, SKUS
    )
    assert [(p.lot[-1], p.order_id, p.quantity) for p in plan] == [("1", 1, 2), ("3", 1, 1), ("3", 2, 4)]
