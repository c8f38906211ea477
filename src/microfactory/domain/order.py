"""Demand: orders with their lines and promised delivery windows."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from microfactory.domain.base import Code, DomainModel, UtcDatetime
from microfactory.domain.zone import Outcode


class OrderStatus(StrEnum):
    """Where an order is in its life; cancelled orders are kept, never deleted."""

    OPEN = "open"
    CONFIRMED = "confirmed"
    IN_PRODUCTION = "in_production"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class FulfilmentKind(StrEnum):
    """How the order reaches the customer."""

    DELIVERY = "delivery"
    PICKUP = "pickup"
    INSTALL = "install"


class DeliveryWindow(DomainModel):
    """The promised period for delivery, pickup or installation (UTC)."""

    start: UtcDatetime
    end: UtcDatetime

    @model_validator(mode="after")
    def _ordered(self) -> DeliveryWindow:
        if self.end <= self.start:
            raise ValueError(
                f"window end ({self.end.isoformat()}) is not after its start ({self.start.isoformat()})"
            )
        return self

    @property
    def minutes(self) -> float:
        """Length of the window in minutes."""
        return (self.end - self.start).total_seconds() / 60.0


class OrderLine(DomainModel):
    """One SKU and quantity on an order."""

    line_no: int = Field(ge=1)
    sku: Code
    quantity: int = Field(ge=1)
    unit_price_pence: int = Field(default=0, ge=0)


ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]


class Order(DomainModel):
    """A customer order; its natural key is ``(channel, external_id)``."""

    channel: Code
    external_id: ExternalId
    brand: Code
    customer: Code | None = None
    outcode: Outcode
    created_at: UtcDatetime
    window: DeliveryWindow
    status: OrderStatus = OrderStatus.OPEN
    fulfilment: FulfilmentKind = FulfilmentKind.DELIVERY
    site: Code | None = None
    """The site the order was placed at or is allocated to, when known."""
    lines: tuple[OrderLine, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Order:
        numbers = [line.line_no for line in self.lines]
        if len(numbers) != len(set(numbers)):
            raise ValueError(f"line numbers must be unique, got {numbers}")
        if self.window.end <= self.created_at:
            raise ValueError(
                f"window ends ({self.window.end.isoformat()}) before the order was created "
                f"({self.created_at.isoformat()})"
            )
        return self

    @property
    def key(self) -> tuple[str, str]:
        """The natural key ``(channel, external_id)``."""
        return (self.channel, self.external_id)

    @property
    def units(self) -> int:
        """Total units over all lines."""
        return sum(line.quantity for line in self.lines)

    @property
    def value_pence(self) -> int:
        """Order value in pence."""
        return sum(line.quantity * line.unit_price_pence for line in self.lines)
