"""Brands, sites, resource types, resources and labour pools."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from microfactory.domain import Brand, LabourPool, Resource, ResourceKind, ResourceType, Sector, SiteStatus
from tests.domain.builders import site


def test_site_defaults_to_active() -> None:
    """A site is active unless its status says otherwise."""
    assert site().status is SiteStatus.ACTIVE


def test_site_kind_and_status_parse_from_text() -> None:
    """Kinds and statuses are read from their text values, as they come from files."""
    candidate = site(kind="hub", status="candidate")
    assert candidate.kind == "hub"
    assert candidate.status is SiteStatus.CANDIDATE


def test_unknown_site_kind_is_refused() -> None:
    """A site kind outside microfactory, hub and central plant is refused."""
    with pytest.raises(ValidationError, match="kind"):
        site(kind="warehouse")


def test_negative_fixed_cost_is_refused() -> None:
    """A site cannot be paid to exist: weekly fixed cost is zero or more pence."""
    with pytest.raises(ValidationError, match="fixed_cost_pence_per_week"):
        site(fixed_cost_pence_per_week=-1)


def test_site_location_must_be_on_earth() -> None:
    """A latitude beyond 90 degrees is refused, naming the location field."""
    with pytest.raises(ValidationError, match="location"):
        site(location={"lat": 95.0, "lon": 0.0})


def test_site_outcode_is_checked_as_an_outcode() -> None:
    """A site's outcode is a GB outcode like a zone's: ``NOWHERE-1`` is refused."""
    with pytest.raises(ValidationError, match="outcode"):
        site(outcode="NOWHERE-1")


def test_brand_sector_must_be_known() -> None:
    """A brand is a kitchen or a food business; anything else is refused."""
    assert Brand(code="K", name="Kitchens", sector="kitchen").sector is Sector.KITCHEN
    with pytest.raises(ValidationError, match="sector"):
        Brand(code="K", name="Kitchens", sector="furniture")


def test_brand_name_is_stripped_and_must_not_be_blank() -> None:
    """Names are stripped of surrounding spaces; a blank name is refused."""
    assert Brand(code="K", name="  Kitchens  ", sector="kitchen").name == "Kitchens"
    with pytest.raises(ValidationError, match="name"):
        Brand(code="K", name="   ", sector="kitchen")


def test_resource_type_is_a_machine_by_default() -> None:
    """Resource types are machines unless declared workstations."""
    assert ResourceType(code="cnc", name="CNC").kind is ResourceKind.MACHINE


def test_resource_count_must_be_at_least_one() -> None:
    """A resource line with no machines is refused."""
    with pytest.raises(ValidationError, match="count"):
        Resource(site="S", code="CNC", resource_type="cnc", count=0, calendar="DAY")


def test_labour_pool_needs_operators_and_skills() -> None:
    """A labour pool has at least one operator per shift and at least one skill."""
    with pytest.raises(ValidationError, match="operators_per_shift"):
        LabourPool(site="S", code="OPS", calendar="DAY", operators_per_shift=0, skills=("cnc",))
    with pytest.raises(ValidationError, match="skills"):
        LabourPool(site="S", code="OPS", calendar="DAY", operators_per_shift=2, skills=())
