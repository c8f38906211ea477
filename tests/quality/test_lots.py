"""Lots from production runs: which runs to confirm, input lots, allocation plans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from microfactory.demo.food_catalogue import food_skus
from microfactory.demo.kitchen_catalogue import kitchen_skus
from microfactory.domain import ProductionRun
from microfactory.domain.quality import LotKind, LotStatus
from microfactory.quality import (
    ConfirmedRun,
    lots_for_runs,
    plan_allocations,
    plan_confirmations,
    plan_input_lots,
    shipped_templates,
    template_for_family,
)
from microfactory.quality.lots import STARTER_CULTURE_SKU, DeliveredLine, LotState

SKUS = {s.code: s for s in (*food_skus(), *kitchen_skus())}
TEMPLATES = template_for_family(shipped_templates())
# Tuesday 17 Nov 2026, 12:00 UTC (= London, GMT).
NOON = datetime(2026, 11, 17, 12, tzinfo=UTC)
BAR = "BAR-CHEDDAR-LEEK"  # shelf life 24 h


def run(
    code: str, sku: str = BAR, quantity: int = 5, *, site: str = "FOOD-LON", hours: float = 0
) -> ProductionRun:
    """A run ending ``hours`` after ``NOON`` (it starts two hours earlier)."""
    end = NOON + timedelta(hours=hours)
    return ProductionRun(
        site=site, run_code=code, sku=sku, quantity=quantity, start=end - timedelta(hours=2), end=end
    )


def line(
    order_id: int,
    sku: str,
    quantity: int,
    *,
    site: str = "FOOD-LON",
    allocated: int = 0,
    hours: float = 6,
) -> DeliveredLine:
    """A delivered line of order ``O<order_id>`` with its window starting ``hours`` after ``NOON``."""
    when = NOON + timedelta(hours=hours)
    return DeliveredLine(order_id, "web", f"O{order_id}", 1, sku, quantity, site, when, allocated)


def state(
    code: str,
    quantity: int,
    *,
    status: LotStatus = LotStatus.RELEASED,
    allocated: int = 0,
    hours: float = 0,
    serves: tuple[tuple[str, int], ...] = (),
    sku: str = BAR,
) -> LotState:
    """A stored run lot ``FOOD-LON/<code>/<sku>/1`` made ``hours`` after ``NOON``."""
    return LotState(
        f"FOOD-LON/{code}/{sku}/1",
        "FOOD-LON",
        code,
        sku,
        1,
        quantity,
        allocated,
        status,
        NOON + timedelta(hours=hours),
        serves,
    )


def test_lots_for_runs() -> None:
    """A run becomes one lot, sequence 1, with its site and quantity, made at the run's end."""
    made, kimchi = lots_for_runs(
        [run("RUN-7", "SNK-THREE-CHEESE", 40, site="FOOD-MAN"), run("RUN-8", "COND-KIMCHI")], SKUS, TEMPLATES
    )
    assert made.code == "FOOD-MAN/RUN-7/SNK-THREE-CHEESE/1" and made.template == "chilled-snack"
    assert (made.site, made.quantity, made.produced_at) == ("FOOD-MAN", 40, NOON)
    assert kimchi.template == "fermented-condiment"


def test_confirmations_sort_runs_by_cut_off_and_history() -> None:
    """Ended and new: confirm; same code, same run: already; same code, other SKU/qty: conflict."""
    runs = [run("A", hours=-1), run("B", hours=-1), run("C", hours=-1), run("D", hours=3)]
    confirmed = {
        ("FOOD-LON", "B"): ConfirmedRun(BAR, 5),
        ("FOOD-LON", "C"): ConfirmedRun("COND-KIMCHI", 5),
    }
    plan = plan_confirmations(runs, confirmed, NOON)
    assert [
        [r.run_code for r in part] for part in (plan.confirm, plan.already, plan.conflicts, plan.not_ended)
    ] == [
        ["A"],
        ["B"],
        ["C"],
        ["D"],
    ]
    # A run ending exactly at the cut-off counts as ended; the same code at another site is another run.
    assert [
        r.run_code
        for r in plan_confirmations([run("A")], {("FOOD-MAN", "A"): ConfirmedRun(BAR, 5)}, NOON).confirm
    ] == ["A"]


def test_input_lots_per_site_input_and_week() -> None:
    """Condiments take the week's starter culture; fronts take board and powder; one lot per week."""
    product = lots_for_runs(
        [
            run("R1", "COND-KIMCHI"),
            run("R2", "COND-HOT-SAUCE", hours=24),
            run("R3", "K-DOOR-715x297-SAGE", 2, site="KIT-LON"),
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


def test_allocation_serves_the_runs_orders_first() -> None:
    """A lot gives its run's orders their units first, even when another line is due earlier."""
    lots = [state("R1", 3, serves=(("web:O2", 3),))]
    plan = plan_allocations([line(1, BAR, 3, hours=2), line(2, BAR, 3, hours=8)], lots, SKUS)
    assert [(p.order_id, p.quantity) for p in plan] == [(2, 3)]


def test_allocation_leftovers_go_first_expiring_first_out() -> None:
    """Units left after the run's orders go to the earliest line, oldest lot first; held lots give none."""
    lots = [
        state("R2", 4, hours=-3),
        state("R1", 3, hours=-6, allocated=1),
        state("R3", 9, status=LotStatus.HELD, hours=-4),
    ]
    plan = plan_allocations([line(1, BAR, 4, hours=2), line(2, BAR, 9, hours=1)], lots, SKUS)
    assert [(p.lot.split("/")[1], p.order_id, p.quantity) for p in plan] == [("R1", 2, 2), ("R2", 2, 4)]


def test_allocation_respects_making_time_and_shelf_life() -> None:
    """No unit goes to a line due before its lot was made, nor after the lot expired (bars: 24 h)."""
    lots = [state("R1", 5, hours=10), state("R2", 5, hours=-30)]
    plan = plan_allocations([line(1, BAR, 2, hours=6)], lots, SKUS)
    assert plan == []
    # An ambient condiment keeps for weeks: its lot serves a line two days later.
    jar = [state("R3", 5, hours=-48, sku="COND-KIMCHI")]
    assert [p.quantity for p in plan_allocations([line(3, "COND-KIMCHI", 2)], jar, SKUS)] == [2]


@given(
    lots=st.lists(
        st.tuples(
            st.integers(1, 20), st.integers(0, 20), st.sampled_from(list(LotStatus)), st.integers(0, 3)
        ),
        min_size=1,
        max_size=5,
    ),
    lines=st.lists(st.tuples(st.integers(1, 15), st.integers(-30, 30)), min_size=1, max_size=12),
)
def test_planned_allocations_never_exceed_a_lot_or_a_line(
    lots: list[tuple[int, int, LotStatus, int]], lines: list[tuple[int, int]]
) -> None:
    """Property: planned plus allocated ≤ a lot's quantity, only released lots give, no line overfilled."""
    states = [
        state(f"R{i}", qty, status=status, allocated=min(used, qty), serves=(("web:O" + str(o), qty),))
        for i, (qty, used, status, o) in enumerate(lots)
    ]
    delivered = [line(n, BAR, q, hours=h) for n, (q, h) in enumerate(lines)]
    plan = plan_allocations(delivered, states, SKUS)
    for s in states:
        given_units = sum(p.quantity for p in plan if p.lot == s.code)
        assert s.allocated + given_units <= s.quantity
        if s.status != LotStatus.RELEASED:
            assert given_units == 0
    for d in delivered:
        assert sum(p.quantity for p in plan if p.order_id == d.order_id) <= d.quantity
    assert all(p.quantity > 0 for p in plan)
