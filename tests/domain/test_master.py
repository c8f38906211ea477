"""MasterData: unique codes and references checked across the whole network, errors naming the record."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from microfactory.domain import Brand, Calendar, MasterData, Resource, Zone
from tests.domain.builders import MANCHESTER, calendar, master, master_fields, routing_step, site, sku


def _error(**overrides: object) -> str:
    """The validation message of a MasterData built with ``overrides``."""
    with pytest.raises(ValidationError) as excinfo:
        master(**overrides)
    return str(excinfo.value)


def test_consistent_master_data_is_accepted() -> None:
    """The builder's network (one of everything, all references resolved) validates."""
    data = master()
    assert data.site("LON-MF").calendar == "DAY"
    assert data.sku("WORKTOP-OAK").family == "worktops"
    assert isinstance(data.calendar("DAY"), Calendar)


def test_empty_master_data_is_accepted() -> None:
    """An empty network has nothing inconsistent in it."""
    assert MasterData().skus == ()


def test_lookup_of_a_missing_code_names_it() -> None:
    """Looking up an unknown site, SKU or calendar raises KeyError naming the code."""
    data = master()
    with pytest.raises(KeyError, match="site 'NOPE'"):
        data.site("NOPE")
    with pytest.raises(KeyError, match="SKU 'NOPE'"):
        data.sku("NOPE")
    with pytest.raises(KeyError, match="calendar 'NOPE'"):
        data.calendar("NOPE")


def test_routing_naming_an_unknown_resource_type_is_refused() -> None:
    """The error names the SKU, the routing step, the field and the unknown value."""
    bad = sku(routing=(routing_step(), routing_step(sequence=2, name="engrave", resource_types=("laser",))))
    message = _error(skus=(bad,))
    assert "skus[0] (WORKTOP-OAK).routing[1].resource_types: unknown resource type 'laser'" in message


def test_resource_on_an_unknown_calendar_is_refused() -> None:
    """A resource whose calendar is not defined is refused, naming the resource and calendar."""
    bad = Resource(site="LON-MF", code="CNC1", resource_type="cnc_nesting", calendar="NIGHTS")
    message = _error(resources=(bad,))
    assert "resources[0] (LON-MF/CNC1).calendar: unknown calendar 'NIGHTS'" in message


def test_resource_at_an_unknown_site_is_refused() -> None:
    """A resource at a site that does not exist is refused."""
    bad = Resource(site="MAN-MF", code="CNC1", resource_type="cnc_nesting", calendar="DAY")
    assert "resources[0] (MAN-MF/CNC1).site: unknown site 'MAN-MF'" in _error(resources=(bad,))


def test_duplicate_codes_are_refused() -> None:
    """Two brands with one code are refused, naming the collection and the code."""
    brand = Brand(code="KIT", name="Kitchen Co", sector="kitchen")
    assert "brands: duplicate code 'KIT'" in _error(brands=(brand, brand))


def test_duplicate_calendars_are_refused() -> None:
    """Two calendars with one code are refused."""
    assert "calendars: duplicate code 'DAY'" in _error(calendars=(calendar(), calendar()))


def test_same_resource_code_at_two_sites_is_allowed() -> None:
    """Resource codes are unique per site, so CNC1 may exist at two sites."""
    fields = master_fields()
    other_site = site(code="MAN-MF", name="Manchester microfactory", outcode="M1", location=MANCHESTER)
    resources = (
        *fields["resources"],
        Resource(site="MAN-MF", code="CNC1", resource_type="cnc_nesting", calendar="DAY"),
    )
    data = master(sites=(*fields["sites"], other_site), resources=resources)
    assert len(data.resources) == 3


def test_same_resource_code_twice_at_one_site_is_refused() -> None:
    """Two CNC1 lines at one site are refused, naming site/code."""
    fields = master_fields()
    resources = (*fields["resources"], fields["resources"][0])
    assert "resources: duplicate code 'LON-MF/CNC1'" in _error(resources=resources)


def test_site_outcode_not_among_zones_is_refused() -> None:
    """When zones are loaded, a site must be in one of them."""
    message = _error(sites=(site(outcode="B33"),))
    assert "sites[0] (LON-MF).outcode: unknown outcode 'B33'" in message


def test_site_outcode_is_not_checked_without_zones() -> None:
    """Without zones there is nothing to check a site's outcode against."""
    assert master(zones=(), sites=(site(outcode="B33"),)).sites[0].outcode == "B33"


def test_customer_outcode_not_among_zones_is_refused() -> None:
    """When zones are loaded, a customer must be in one of them."""
    fields = master_fields()
    message = _error(zones=(fields["zones"][0],))
    assert "customers[0] (C1).outcode: unknown outcode 'M1'" in message


def test_duplicate_zones_are_refused() -> None:
    """Two zones with one outcode are refused."""
    zone = Zone(outcode="M1", centroid=MANCHESTER, delivery_points=5)
    fields = master_fields()
    assert "zones: duplicate code 'M1'" in _error(zones=(*fields["zones"], zone))


def test_every_problem_is_reported_at_once() -> None:
    """An unknown brand, calendar and resource type are all listed in one error, to fix in one pass."""
    message = _error(
        sites=(site(brand="NOBRAND", calendar="NOCAL"),),
        skus=(sku(routing=(routing_step(resource_types=("laser",)),)),),
    )
    assert "unknown brand 'NOBRAND'" in message
    assert "unknown calendar 'NOCAL'" in message
    assert "unknown resource type 'laser'" in message


def test_long_problem_lists_are_cut_at_ten() -> None:
    """With 12 problems, ten are shown and the rest are counted."""
    skus = tuple(sku(code=f"SKU{i}", family="nofamily") for i in range(12))
    message = _error(skus=skus)
    assert len(re.findall(r"unknown SKU family 'nofamily'", message)) == 10
    assert "(and 2 more)" in message
