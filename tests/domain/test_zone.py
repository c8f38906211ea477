"""Zones and customers: outcode normalisation and postcode areas."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from microfactory.domain import Customer, CustomerKind, Zone, postcode_area
from tests.domain.builders import LONDON

LOWER_CASE_BUG = (
    "bug: Outcode is StringConstraints(to_upper=True, pattern=...) and pydantic checks the pattern before "
    "upper-casing, so a lower-case outcode is refused instead of normalised"
)


def test_outcode_surrounding_spaces_are_stripped() -> None:
    """`` SW1A `` is stored as ``SW1A``."""
    assert Zone(outcode=" SW1A ", centroid=LONDON, delivery_points=10).outcode == "SW1A"


def test_lower_case_outcode_is_normalised_to_upper_case() -> None:
    """``sw1a`` becomes ``SW1A``."""
    assert Zone(outcode="sw1a", centroid=LONDON, delivery_points=10).outcode == "SW1A"


@pytest.mark.parametrize("outcode", ["M1", "B33", "SW1A", "EC2R", "W1", "CR0"])
def test_valid_outcodes_are_accepted(outcode: str) -> None:
    """Outcodes of every GB shape (A9, A99, AA9A, AA9, A9A...) are accepted unchanged."""
    assert Zone(outcode=outcode, centroid=LONDON, delivery_points=1).outcode == outcode


@pytest.mark.parametrize("outcode", ["", "SW1A 1AA", "1AB", "SWA1", "ABC1", "M"])
def test_malformed_outcodes_are_refused(outcode: str) -> None:
    """Full postcodes, digits first, three letters and missing digits are not outcodes."""
    with pytest.raises(ValidationError, match="outcode"):
        Zone(outcode=outcode, centroid=LONDON, delivery_points=1)


@pytest.mark.parametrize(("outcode", "area"), [("SW1A", "SW"), ("M1", "M"), ("B33", "B"), ("EC2R", "EC")])
def test_postcode_area_is_the_leading_letters(outcode: str, area: str) -> None:
    """The postcode area is the letters before the first digit."""
    assert postcode_area(outcode) == area


def test_zone_area_is_the_postcode_area_of_its_outcode() -> None:
    """A zone in ``EC2R`` is in area ``EC``."""
    assert Zone(outcode="EC2R", centroid=LONDON, delivery_points=1).area == "EC"


def test_delivery_points_cannot_be_negative() -> None:
    """A zone has zero or more delivery points."""
    with pytest.raises(ValidationError, match="delivery_points"):
        Zone(outcode="M1", centroid=LONDON, delivery_points=-1)


def test_customer_is_a_household_unless_told_otherwise() -> None:
    """A customer's kind defaults to household."""
    assert Customer(code="C1", brand="KIT", outcode="M1").kind is CustomerKind.HOUSEHOLD


def test_customer_outcode_is_normalised_to_upper_case() -> None:
    """A customer in ``m1`` is stored in ``M1``."""
    assert Customer(code="C1", brand="KIT", outcode="m1").outcode == "M1"
