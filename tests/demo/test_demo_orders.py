"""The demo order history: deterministic, consistent with the master data, and shaped like demand."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from microfactory.demo import DemoNetwork, build_demo
from microfactory.domain import FulfilmentKind, Order, OrderStatus, SiteKind, great_circle_km

LONDON = ZoneInfo("Europe/London")
SCALE = 0.05


@pytest.fixture(scope="module")
def demo() -> DemoNetwork:
    return build_demo(seed=1, scale=SCALE)


def _week(demo: DemoNetwork, order: Order) -> int:
    return (order.created_at - demo.history_start) // timedelta(weeks=1)


def _family(demo: DemoNetwork) -> dict[str, str]:
    return {s.code: s.family for s in demo.master.skus}


def test_same_seed_gives_identical_orders(demo: DemoNetwork) -> None:
    """Building again with the same seed and scale reproduces every order and customer exactly."""
    again = build_demo(seed=1, scale=SCALE)
    assert again.orders == demo.orders
    assert again.master.customers == demo.master.customers


def test_different_seed_gives_different_orders(demo: DemoNetwork) -> None:
    """Another seed draws another history."""
    other = build_demo(seed=2, scale=SCALE)
    assert other.orders != demo.orders


def test_small_scale_still_covers_every_brand_site_and_family(demo: DemoNetwork) -> None:
    """At scale 0.05 there are thousands of orders, for both brands and every SKU family."""
    assert len(demo.orders) > 300
    assert {o.brand for o in demo.orders} == {"KITCHEN", "FOOD"}
    family = _family(demo)
    sold = {family[line.sku] for o in demo.orders for line in o.lines}
    assert sold == {f.code for f in demo.master.sku_families}
    served = {o.site for o in demo.orders}
    assert {"KIT-CENTRAL", "KIT-LON", "KIT-MAN", "FOOD-LON", "FOOD-MAN"} <= served


def test_orders_reference_known_zones_skus_customers_and_sites(demo: DemoNetwork) -> None:
    """Every outcode is a zone; every SKU, customer and site exists and belongs to the order's brand."""
    zones = {z.outcode for z in demo.master.zones}
    skus = {s.code: s.family for s in demo.master.skus}
    family_brand = {f.code: f.brand for f in demo.master.sku_families}
    customers = {c.code: c.brand for c in demo.master.customers}
    sites = {s.code: s.brand for s in demo.master.sites}
    for order in demo.orders:
        assert order.outcode in zones
        assert order.site is not None and sites[order.site] == order.brand
        if order.customer is not None:
            assert customers[order.customer] == order.brand
        for line in order.lines:
            assert family_brand[skus[line.sku]] == order.brand
            assert line.unit_price_pence > 0


def test_natural_keys_are_unique(demo: DemoNetwork) -> None:
    """``(channel, external_id)`` identifies each order."""
    keys = [o.key for o in demo.orders]
    assert len(set(keys)) == len(keys)


def test_orders_are_created_inside_the_history_in_order(demo: DemoNetwork) -> None:
    """Creation times are aware UTC within [history_start, history_end) and sorted."""
    created = [o.created_at for o in demo.orders]
    assert created == sorted(created)
    assert demo.history_start <= created[0] and created[-1] < demo.history_end
    assert all(t.tzinfo is UTC for t in created)


def test_history_spans_104_weeks(demo: DemoNetwork) -> None:
    """Food orders arrive in every one of the 104 weeks."""
    weeks = {_week(demo, o) for o in demo.orders if o.brand == "FOOD"}
    assert weeks == set(range(104))


def test_status_follows_the_window(demo: DemoNetwork) -> None:
    """Orders are delivered when their window ended by as_of, confirmed when not; a few are cancelled."""
    counts = Counter(o.status for o in demo.orders)
    assert set(counts) == {OrderStatus.DELIVERED, OrderStatus.CONFIRMED, OrderStatus.CANCELLED}
    assert 0.005 < counts[OrderStatus.CANCELLED] / len(demo.orders) < 0.06
    for order in demo.orders:
        if order.status is OrderStatus.DELIVERED:
            assert order.window.end <= demo.history_end
        elif order.status is OrderStatus.CONFIRMED:
            assert order.window.end > demo.history_end


def test_food_windows_are_two_to_four_hours_same_or_next_day(demo: DemoNetwork) -> None:
    """Food deliveries and pickups promise 2–4 hour windows starting within two days of the order."""
    food = [o for o in demo.orders if o.brand == "FOOD"]
    for order in food:
        assert 120 <= order.window.minutes <= 240
        if order.channel != "subscription":
            local_created = order.created_at.astimezone(LONDON).date()
            days = (order.window.start.astimezone(LONDON).date() - local_created).days
            assert 0 <= days <= 3  # next day, or the day after a closed day
    assert any(o.fulfilment is FulfilmentKind.PICKUP for o in food)


def test_kitchen_installs_fill_one_working_day(demo: DemoNetwork) -> None:
    """Installs run 08:00–17:00 London time on a weekday two to seven weeks after the order."""
    installs = [o for o in demo.orders if o.fulfilment is FulfilmentKind.INSTALL]
    assert installs
    for order in installs:
        start = order.window.start.astimezone(LONDON)
        end = order.window.end.astimezone(LONDON)
        assert start.date() == end.date()
        assert (start.hour, start.minute, end.hour, end.minute) == (8, 0, 17, 0)
        assert start.weekday() < 5
        assert timedelta(days=13) < order.window.start - order.created_at < timedelta(days=60)


def test_a_kitchen_is_many_lines_with_doors_in_one_finish(demo: DemoNetwork) -> None:
    """Each kitchen order has base and wall units, a worktop, and every door in a single finish."""
    family = _family(demo)
    for order in (o for o in demo.orders if o.fulfilment is FulfilmentKind.INSTALL):
        families = {family[line.sku] for line in order.lines}
        assert {"KIT-BASE", "KIT-WALL", "KIT-WORKTOP", "KIT-DOORS"} <= families
        finishes = {line.sku.rsplit("-", 1)[1] for line in order.lines if family[line.sku] == "KIT-DOORS"}
        assert len(finishes) == 1
        assert len(order.lines) >= 8


def test_kitchen_demand_is_concentrated_in_metro_areas(demo: DemoNetwork) -> None:
    """Most kitchens go to homes within 40 km of the six microfactory cities."""
    zones = {z.outcode: z.centroid for z in demo.master.zones}
    kitchen_sites = [s for s in demo.master.sites if s.brand == "KITCHEN"]
    micros = [s.location for s in kitchen_sites if s.kind is SiteKind.MICROFACTORY]
    installs = [o for o in demo.orders if o.fulfilment is FulfilmentKind.INSTALL]
    near = sum(1 for o in installs if min(great_circle_km(zones[o.outcode], m) for m in micros) < 40)
    assert near / len(installs) > 0.6


def test_food_is_busiest_on_friday_and_saturday(demo: DemoNetwork) -> None:
    """On-demand food orders per weekday peak on Friday and Saturday."""
    per_day = Counter(
        o.created_at.astimezone(LONDON).weekday()
        for o in demo.orders
        if o.brand == "FOOD" and o.channel != "subscription"
    )
    midweek = np.mean([per_day[d] for d in range(4)])
    assert per_day[4] > 1.2 * midweek and per_day[5] > 1.2 * midweek


def test_regional_variants_sell_mostly_at_home(demo: DemoNetwork) -> None:
    """Over 85 % of regional-variant units are sold by the kitchen of their region."""
    region = {s.code: s.region for s in demo.master.skus if s.region}
    site_region = {"FOOD-LON": "LON", "FOOD-MAN": "MAN"}
    home = away = 0
    for order in demo.orders:
        for line in order.lines:
            if line.sku in region:
                if region[line.sku] == site_region[order.site or ""]:
                    home += line.quantity
                else:
                    away += line.quantity
    assert home / (home + away) > 0.85


def test_spare_part_weeks_are_mostly_empty(demo: DemoNetwork) -> None:
    """Every spare part that sells has zero demand in more than 30 % of weeks (intermittent)."""
    family = _family(demo)
    weekly: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(104))
    for order in demo.orders:
        for line in order.lines:
            if family[line.sku] == "KIT-SPARES":
                weekly[line.sku][_week(demo, order)] += line.quantity
    assert weekly
    assert all(np.mean(series == 0) > 0.3 for series in weekly.values())


def test_subscriptions_recur_weekly_and_grow(demo: DemoNetwork) -> None:
    """Subscribers receive a delivery on the same weekday every week (bar pauses), and their number grows."""
    subs: dict[str, list[Order]] = defaultdict(list)
    for order in demo.orders:
        if order.channel == "subscription":
            subs[order.customer or ""].append(order)
    assert len(subs) >= 3
    gaps: list[int] = []
    for orders in subs.values():
        days = sorted(o.window.start.astimezone(LONDON).date() for o in orders)
        assert len({d.weekday() for d in days}) == 1
        assert all(o.lines == orders[0].lines for o in orders)
        gaps += [(b - a).days for a, b in pairwise(days)]
    assert all(g % 7 == 0 for g in gaps)
    assert Counter(gaps)[7] / len(gaps) > 0.8
    first = {o.customer for os in subs.values() for o in os if _week(demo, o) < 13}
    last = {o.customer for os in subs.values() for o in os if _week(demo, o) >= 91}
    assert len(last) > len(first)


def test_confirmed_orders_form_the_forward_book(demo: DemoNetwork) -> None:
    """Confirmed orders at as_of include kitchens to install and next days' subscriptions."""
    confirmed = Counter(o.channel for o in demo.orders if o.status is OrderStatus.CONFIRMED)
    assert confirmed["subscription"] > 0
    assert confirmed["showroom"] + confirmed["web"] + confirmed["trade"] > 0
