"""Demand geography: delivery zones (GB outcodes) and customers."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, Field, StringConstraints

from microfactory.domain.base import Code, DomainModel, Name
from microfactory.domain.geo import GeoPoint


def _normalise_outcode(value: object) -> object:
    # Normalise before the pattern check, so "sw1a " is accepted as "SW1A".
    return value.strip().upper() if isinstance(value, str) else value


Outcode = Annotated[
    str,
    BeforeValidator(_normalise_outcode),
    StringConstraints(pattern=r"^[A-Z]{1,2}[0-9][A-Z0-9]?$"),
]
"""The outward part of a UK postcode (``SW1A``, ``M1``, ``B33``)."""


def postcode_area(outcode: str) -> str:
    """The postcode area of an outcode: its leading letters (``SW1A`` → ``SW``, ``M1`` → ``M``)."""
    letters = ""
    for char in outcode:
        if not char.isalpha():
            break
        letters += char
    return letters


class Zone(DomainModel):
    """A delivery zone: one GB postcode district (outcode) with its centroid and size."""

    outcode: Outcode
    centroid: GeoPoint
    delivery_points: int = Field(ge=0)
    """Live postcodes in the district, a proxy for delivery points; weights demand."""
    easting: int | None = None
    northing: int | None = None

    @property
    def area(self) -> str:
        """Postcode area (the letters), the region level of the zone hierarchy."""
        return postcode_area(self.outcode)


class CustomerKind(StrEnum):
    """Who the customer is; subscriptions and trade accounts behave differently."""

    HOUSEHOLD = "household"
    BUSINESS = "business"
    TRADE = "trade"


class Customer(DomainModel):
    """A buyer, located by outcode (full addresses stay in the brand's own systems)."""

    code: Code
    brand: Code
    outcode: Outcode
    kind: CustomerKind = CustomerKind.HOUSEHOLD
    name: Name | None = None
