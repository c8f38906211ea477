"""The canonical export: CSV, JSON and Parquet encode the same orders and read back identically."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microfactory.domain import DeliveryWindow, FulfilmentKind, Order, OrderLine, OrderStatus
from microfactory.errors import InvalidInputError
from microfactory.ingest import CANONICAL_COLUMNS, export_orders, parse_mapping, parse_orders
from tests.ingest.master import FOOD_SKUS, import_references

REFERENCES = import_references()


def _order(number: int, **changes: object) -> Order:
    created = datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC) + timedelta(hours=number)
    fields: dict[str, object] = {
        "channel": "web",
        "external_id": f'A,"{number}"',
        "brand": "FOOD",
        "customer": None if number % 2 else f"C-{number}",
        "outcode": "E1",
        "created_at": created,
        "window": DeliveryWindow(start=created + timedelta(hours=2), end=created + timedelta(hours=3)),
        "status": OrderStatus.CANCELLED if number % 3 == 0 else OrderStatus.OPEN,
        "fulfilment": FulfilmentKind.PICKUP if number % 2 else FulfilmentKind.DELIVERY,
        "site": "FOOD-LON" if number % 2 else None,
        "lines": (
            OrderLine(line_no=3, sku="BOWL-TOFU", quantity=2, unit_price_pence=895),
            OrderLine(line_no=1, sku="SIDE-SLAW", quantity=1),
        ),
    }
    fields.update(changes)
    return Order.model_validate(fields)


def _sorted_lines(order: Order) -> Order:
    return order.model_copy(update={"lines": tuple(sorted(order.lines, key=lambda ln: ln.line_no))})


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_export_then_canonical_import_gives_the_same_orders(fmt: str) -> None:
    """Every field survives: microseconds, commas and quotes in ids, empty customer and site, statuses."""
    orders = [_order(n) for n in range(1, 7)]
    data = export_orders(orders, fmt)  # type: ignore[arg-type]
    back = parse_orders(data, "canonical", source=f"o.{fmt}", mapping=None, references=REFERENCES)
    assert list(back.orders) == [_sorted_lines(o) for o in orders]


def test_canonical_csv_has_one_row_per_line_with_the_documented_columns() -> None:
    """The header is CANONICAL_COLUMNS; lines come out in line-number order; times carry +00:00."""
    text = export_orders([_order(1)], "csv").decode()
    header, first, second = text.splitlines()
    assert header.split(",") == list(CANONICAL_COLUMNS)
    assert ',"A,""1""",' in first and "2026-03-29T01:59:59.123456+00:00" in first
    assert first.endswith(",1,SIDE-SLAW,1,0") and second.endswith(",3,BOWL-TOFU,2,895")


def test_same_id_on_two_channels_stays_two_orders() -> None:
    """The canonical CSV groups lines by (channel, external id), not by id alone."""
    orders = [_order(1), _order(1, channel="app")]
    back = parse_orders(
        export_orders(orders, "csv"), "canonical", source="o.csv", mapping=None, references=REFERENCES
    )
    assert sorted(o.channel for o in back.orders) == ["app", "web"]


def test_canonical_json_with_bad_values_names_order_and_path() -> None:
    """A naive timestamp and a zero quantity in the JSON export are reported at order:path."""
    data = export_orders([_order(1)], "json").decode()
    data = data.replace('Z"', '"', 1).replace('"quantity": 1', '"quantity": 0')
    with pytest.raises(InvalidInputError) as caught:
        parse_orders(data.encode(), "canonical", source="o.json", mapping=None, references=REFERENCES)
    assert [str(i) for i in caught.value.issues] == [
        "o.json:1:created_at: '2026-03-29T01:59:59.123456' has no UTC offset "
        "(a naive timestamp is ambiguous)",
        "o.json:1:lines[1].quantity: quantity 0: a line needs at least one unit",
    ]


_line = st.builds(
    OrderLine,
    line_no=st.integers(min_value=1, max_value=50),
    sku=st.sampled_from(FOOD_SKUS),
    quantity=st.integers(min_value=1, max_value=10_000),
    unit_price_pence=st.integers(min_value=0, max_value=10**7),
)


@st.composite
def _orders(draw: st.DrawFn) -> list[Order]:
    count = draw(st.integers(min_value=1, max_value=6))
    ids = draw(
        st.lists(
            st.text(min_size=1, max_size=12).map(str.strip).filter(bool),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    out = []
    for external_id in ids:
        created = draw(
            st.datetimes(
                min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
            )
        )
        minutes = draw(st.integers(min_value=1, max_value=10_000))
        lines = draw(st.lists(_line, min_size=1, max_size=4, unique_by=lambda ln: ln.line_no))
        out.append(
            Order(
                channel=draw(st.sampled_from(["web", "square", "toast"])),
                external_id=external_id,
                brand="FOOD",
                customer=draw(st.none() | st.sampled_from(["C-1", "C.2"])),
                outcode=draw(st.sampled_from(sorted(REFERENCES.outcodes))),
                created_at=created,
                window=DeliveryWindow(start=created, end=created + timedelta(minutes=minutes)),
                status=draw(st.sampled_from(list(OrderStatus))),
                fulfilment=draw(st.sampled_from(list(FulfilmentKind))),
                site=draw(st.none() | st.just("FOOD-LON")),
                lines=tuple(lines),
            )
        )
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_orders(), st.sampled_from(["csv", "json", "parquet"]))
def test_round_trip_conserves_every_order_and_unit(orders: list[Order], fmt: str) -> None:
    """Any orders exported in any format read back equal (lines in line-number order)."""
    data = export_orders(orders, fmt)  # type: ignore[arg-type]
    back = parse_orders(data, "canonical", source="o", mapping=None, references=REFERENCES)
    assert sorted(back.orders, key=lambda o: o.key) == sorted(
        (_sorted_lines(o) for o in orders), key=lambda o: o.key
    )


def test_a_mapping_given_with_canonical_only_contributes_its_sku_rules() -> None:
    """Columns stay canonical; ``[skus.map]`` translates codes on the way in."""
    mapping = parse_mapping(
        '[columns]\nexternal_id = "Nope"\n[skus.map]\nOLD-SLAW = "SIDE-SLAW"\n', source="m"
    )
    order = _order(1, lines=(OrderLine(line_no=1, sku="OLD-SLAW", quantity=1),))
    back = parse_orders(
        export_orders([order], "csv"), "canonical", source="o", mapping=mapping, references=REFERENCES
    )
    assert [ln.sku for ln in back.orders[0].lines] == ["SIDE-SLAW"]
