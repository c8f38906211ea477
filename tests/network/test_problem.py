"""Validation of the network problem: errors name the field."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.network.helpers import problem, site, zone


def test_max_sites_below_min_sites_is_refused() -> None:
    """The message names both fields."""
    with pytest.raises(ValidationError, match=r"max_sites \(1\) is below min_sites \(2\)"):
        problem([site("S1", 0)], [zone("AB1", 0)], min_sites=2, max_sites=1)


def test_unknown_family_in_a_zone_is_refused() -> None:
    """A zone buying a family the problem does not list is named with its field."""
    bad = zone("AB1", 0).model_copy(update={"units_per_week": {"B": 1.0}})
    with pytest.raises(
        ValidationError, match=r"zones\[0\] \(AB1\)\.units_per_week: unknown families \['B'\]"
    ):
        problem([site("S1", 0)], [bad])


def test_duplicate_site_codes_are_refused() -> None:
    """Site codes are natural keys."""
    with pytest.raises(ValidationError, match="duplicate site codes"):
        problem([site("S1", 0), site("S1", 5)], [zone("AB1", 0)])


def test_negative_capacity_names_the_family() -> None:
    """Capacities must be finite and non-negative."""
    with pytest.raises(ValidationError, match=r"capacity_units_per_week\['A'\]"):
        site("S1", 0, capacity=-1.0)


def test_replace_revalidates() -> None:
    """``replace`` returns a validated copy and refuses a bad change."""
    p = problem([site("S1", 0)], [zone("AB1", 0)])
    assert p.replace(max_sites=1).max_sites == 1
    with pytest.raises(ValidationError, match="max_sites"):
        p.replace(min_sites=3, max_sites=2)
