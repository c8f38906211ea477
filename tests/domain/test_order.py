"""Orders, lines and delivery windows: ordering of times, UTC, line numbers and totals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from microfactory.domain import DeliveryWindow, FulfilmentKind, Order, OrderLine, OrderStatus

CREATED = datetime(2026, 3, 2, 9, tzinfo=UTC)
WINDOW = DeliveryWindow(start=datetime(2026, 3, 5, 8, tzinfo=UTC), end=datetime(2026, 3, 5, 12, tzinfo=UTC))


def _order(**overrides: Any) -> Order:
    fields: dict[str, Any] = {
        "channel": "web",
        "external_id": "1001",
        "brand": "KIT",
        "outcode": "M1",
        "created_at": CREATED,
        "window": WINDOW,
        "lines": (
            OrderLine(line_no=1, sku="WORKTOP-OAK", quantity=2, unit_price_pence=25_000),
            OrderLine(line_no=2, sku="HANDLE", quantity=10, unit_price_pence=450),
        ),
    }
    fields.update(overrides)
    return Order(**fields)


# --- delivery windows -----------------------------------------------------------------------------


def test_window_that_ends_before_it_starts_is_refused() -> None:
    """A window ending before it starts is refused; the message names the window and both times."""
    expected = r"window end \(2026-03-05T08:00:00\+00:00\) is not after its start"
    with pytest.raises(ValidationError, match=expected):
        DeliveryWindow(start=datetime(2026, 3, 5, 12, tzinfo=UTC), end=datetime(2026, 3, 5, 8, tzinfo=UTC))


def test_empty_window_is_refused() -> None:
    """A window with no length cannot be met."""
    at = datetime(2026, 3, 5, 8, tzinfo=UTC)
    with pytest.raises(ValidationError, match=r"window end .* is not after its start"):
        DeliveryWindow(start=at, end=at)


def test_order_with_reversed_window_names_the_window_field() -> None:
    """Inside an order, a reversed window's error is located at ``window``."""
    with pytest.raises(ValidationError) as excinfo:
        _order(window={"start": "2026-03-05T12:00:00Z", "end": "2026-03-05T08:00:00Z"})
    assert excinfo.value.errors()[0]["loc"] == ("window",)


def test_naive_window_is_refused() -> None:
    """A window in naive local time is ambiguous and refused."""
    with pytest.raises(ValidationError, match="timezone-aware"):
        DeliveryWindow(start=datetime(2026, 3, 5, 8), end=datetime(2026, 3, 5, 12, tzinfo=UTC))


def test_naive_text_timestamp_is_refused() -> None:
    """An ISO timestamp without an offset, as read from a file, is refused too."""
    with pytest.raises(ValidationError, match="timezone-aware"):
        DeliveryWindow.model_validate({"start": "2026-03-05T08:00:00", "end": "2026-03-05T12:00:00Z"})


def test_window_is_stored_in_utc() -> None:
    """08:00–12:00 BST on 1 July is stored as 07:00–11:00 UTC and lasts 240 minutes."""
    bst = timezone(timedelta(hours=1))
    window = DeliveryWindow(
        start=datetime(2026, 7, 1, 8, tzinfo=bst), end=datetime(2026, 7, 1, 12, tzinfo=bst)
    )
    assert window.start == datetime(2026, 7, 1, 7, tzinfo=UTC)
    assert window.start.tzinfo is UTC
    assert window.minutes == 240.0


# --- orders ---------------------------------------------------------------------------------------


def test_order_totals_units_and_value() -> None:
    """2 worktops at £250 and 10 handles at £4.50 make 12 units worth 54,500 pence."""
    order = _order()
    assert order.units == 12
    assert order.value_pence == 2 * 25_000 + 10 * 450 == 54_500


def test_order_defaults_and_key() -> None:
    """A new order is open, for delivery, and keyed by (channel, external_id)."""
    order = _order()
    assert order.status is OrderStatus.OPEN
    assert order.fulfilment is FulfilmentKind.DELIVERY
    assert order.key == ("web", "1001")


def test_order_needs_a_line() -> None:
    """An order with no lines is refused."""
    with pytest.raises(ValidationError, match="lines"):
        _order(lines=())


def test_duplicate_line_numbers_are_refused() -> None:
    """Two lines numbered 1 are refused, naming the numbers found."""
    lines = (OrderLine(line_no=1, sku="A", quantity=1), OrderLine(line_no=1, sku="B", quantity=1))
    with pytest.raises(ValidationError, match=r"line numbers must be unique, got \[1, 1\]"):
        _order(lines=lines)


def test_line_quantity_must_be_positive() -> None:
    """A line for zero units is refused."""
    with pytest.raises(ValidationError, match="quantity"):
        OrderLine(line_no=1, sku="A", quantity=0)


def test_window_ending_before_the_order_was_created_is_refused() -> None:
    """An order cannot be promised for a time that had passed when it was placed."""
    with pytest.raises(ValidationError, match="before the order was created"):
        _order(created_at=datetime(2026, 3, 6, tzinfo=UTC))


def test_naive_created_at_is_refused() -> None:
    """The order's creation time must be aware."""
    with pytest.raises(ValidationError, match="timezone-aware"):
        _order(created_at=datetime(2026, 3, 2, 9))


def test_external_id_is_stripped_and_must_not_be_blank() -> None:
    """Surrounding spaces are removed from the external id; a blank id is refused."""
    assert _order(external_id="  1001 ").external_id == "1001"
    with pytest.raises(ValidationError, match="external_id"):
        _order(external_id="   ")


# --- properties -----------------------------------------------------------------------------------

offsets = st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
aware = st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30), timezones=offsets)


@settings(max_examples=200, deadline=None)
@given(start=aware, end=aware)
def test_window_is_accepted_exactly_when_it_ends_after_it_starts(start: datetime, end: datetime) -> None:
    """DeliveryWindow accepts a pair of aware times iff end > start (in any offsets)."""
    if end > start:
        window = DeliveryWindow(start=start, end=end)
        assert (window.start, window.end) == (start, end)
        assert window.minutes > 0
    else:
        with pytest.raises(ValidationError, match=r"window end .* is not after its start"):
            DeliveryWindow(start=start, end=end)


codes = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.\-/+&]{0,15}\Z")
outcodes = st.from_regex(r"\A[A-Z]{1,2}[0-9][A-Z0-9]?\Z")
external_ids = st.text(min_size=1, max_size=120).filter(lambda s: s.strip() != "")


@st.composite
def order_lines(draw: st.DrawFn) -> tuple[OrderLine, ...]:
    """One to eight lines with distinct line numbers."""
    numbers = draw(st.lists(st.integers(1, 999), min_size=1, max_size=8, unique=True))
    return tuple(
        OrderLine(
            line_no=n,
            sku=draw(codes),
            quantity=draw(st.integers(1, 10_000)),
            unit_price_pence=draw(st.integers(0, 10_000_000)),
        )
        for n in numbers
    )


@st.composite
def orders(draw: st.DrawFn) -> Order:
    """A valid order: window after creation, any statuses, optional customer and site."""
    created = draw(aware)
    start = created + timedelta(minutes=draw(st.integers(-24 * 60, 60 * 24 * 30)))
    end = start + timedelta(minutes=draw(st.integers(1, 60 * 24 * 7)))
    if end <= created:
        end = created + timedelta(minutes=1)
    return Order(
        channel=draw(codes),
        external_id=draw(external_ids),
        brand=draw(codes),
        customer=draw(st.none() | codes),
        outcode=draw(outcodes),
        created_at=created,
        window=DeliveryWindow(start=start, end=end),
        status=draw(st.sampled_from(OrderStatus)),
        fulfilment=draw(st.sampled_from(FulfilmentKind)),
        site=draw(st.none() | codes),
        lines=draw(order_lines()),
    )


@settings(max_examples=200, deadline=None)
@given(order=orders())
def test_order_units_equal_the_sum_of_line_quantities(order: Order) -> None:
    """Order.units is the sum of its lines' quantities."""
    assert order.units == sum(line.quantity for line in order.lines)


@settings(max_examples=200, deadline=None)
@given(order=orders())
def test_valid_order_round_trips_through_json(order: Order) -> None:
    """model_dump_json then model_validate_json gives back an equal order."""
    again = Order.model_validate_json(order.model_dump_json())
    assert again == order
    assert again.model_dump() == order.model_dump()
