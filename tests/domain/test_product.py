"""SKUs, routings and changeover rules: durations, sequences and batch limits."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from microfactory.domain import ChangeoverRule, MakePolicy, SkuFamily
from tests.domain.builders import routing_step, sku


def test_negative_minutes_per_unit_is_refused() -> None:
    """An operation cannot take negative time per unit."""
    with pytest.raises(ValidationError, match="minutes_per_unit"):
        routing_step(minutes_per_unit=-1.0)


def test_negative_minutes_per_batch_is_refused() -> None:
    """An operation cannot take negative time per batch."""
    with pytest.raises(ValidationError, match="minutes_per_batch"):
        routing_step(minutes_per_batch=-0.5)


def test_operation_that_takes_no_time_is_refused() -> None:
    """With zero minutes per unit and per batch the operation would be free, which is a data error."""
    with pytest.raises(ValidationError, match="an operation must take time"):
        routing_step(minutes_per_unit=0.0, minutes_per_batch=0.0)


def test_operation_with_only_batch_time_is_accepted() -> None:
    """A curing step that takes 90 minutes whatever the batch size is valid."""
    step = routing_step(minutes_per_unit=0.0, minutes_per_batch=90.0)
    assert step.duration_minutes(1) == 90.0
    assert step.duration_minutes(40) == 90.0


def test_infinite_duration_is_refused() -> None:
    """An operation that never ends is a data error, like a negative one."""
    with pytest.raises(ValidationError, match="minutes_per_unit"):
        routing_step(minutes_per_unit=float("inf"))


def test_duration_is_batch_time_plus_unit_time() -> None:
    """10 minutes a batch plus 2 a unit makes 10 + 2 × 25 = 60 minutes for 25 units."""
    assert routing_step().duration_minutes(25) == 60.0


def test_routing_step_needs_a_resource_type() -> None:
    """A step that no resource type can do is refused."""
    with pytest.raises(ValidationError, match="resource_types"):
        routing_step(resource_types=())


def test_routing_sequence_starts_at_one() -> None:
    """Sequence numbers are 1-based."""
    with pytest.raises(ValidationError, match="sequence"):
        routing_step(sequence=0)


def test_routing_sequences_must_increase() -> None:
    """Steps listed out of order are refused, naming the sequences found."""
    with pytest.raises(ValidationError, match=r"strictly increasing, got \[2, 1\]"):
        sku(routing=(routing_step(sequence=2), routing_step(sequence=1)))


def test_repeated_routing_sequence_is_refused() -> None:
    """Two steps with the same sequence number are refused."""
    with pytest.raises(ValidationError, match=r"strictly increasing, got \[1, 1\]"):
        sku(routing=(routing_step(sequence=1), routing_step(sequence=1, name="edge")))


def test_routing_sequences_may_have_gaps() -> None:
    """Sequences 10, 20, 30 (gaps left for later steps) are accepted."""
    steps = tuple(routing_step(sequence=n) for n in (10, 20, 30))
    assert [s.sequence for s in sku(routing=steps).routing] == [10, 20, 30]


def test_sku_needs_a_routing() -> None:
    """A SKU with no operations cannot be made and is refused."""
    with pytest.raises(ValidationError, match="routing"):
        sku(routing=())


def test_max_batch_below_min_batch_is_refused() -> None:
    """A SKU whose largest batch is smaller than its smallest is refused, naming both."""
    with pytest.raises(ValidationError, match=r"max_batch_units \(4\) is below min_batch_units \(5\)"):
        sku(min_batch_units=5, max_batch_units=4)


def test_equal_min_and_max_batch_is_accepted() -> None:
    """A fixed batch size (min = max) is valid."""
    assert sku(min_batch_units=12, max_batch_units=12).max_batch_units == 12


@pytest.mark.parametrize("field", ["unit_mass_kg", "unit_volume_m3", "shelf_life_hours"])
def test_physical_sizes_must_be_positive(field: str) -> None:
    """Mass, volume and shelf life must be greater than zero."""
    with pytest.raises(ValidationError, match=field):
        sku(**{field: 0})


def test_perishable_when_it_has_a_shelf_life() -> None:
    """A SKU with a shelf life is perishable; a durable one is not."""
    assert sku(shelf_life_hours=72).perishable
    assert not sku().perishable


def test_make_policy_parses_from_text() -> None:
    """Policies are read from their text values, as they come from files."""
    family = SkuFamily.model_validate(
        {"code": "bars", "brand": "FOOD", "name": "Bars", "make_policy": "make_to_stock"}
    )
    assert family.make_policy is MakePolicy.MAKE_TO_STOCK


def test_code_with_a_space_is_refused() -> None:
    """Codes are natural keys used in files and URLs, so they may not contain spaces."""
    with pytest.raises(ValidationError, match="code"):
        sku(code="WORKTOP OAK")


def test_unknown_field_is_refused() -> None:
    """A misspelt field is an error, not silently ignored."""
    with pytest.raises(ValidationError, match="unit_mass"):
        sku(unit_mass=3.0)


def test_records_are_immutable() -> None:
    """Domain records cannot be changed after they are built."""
    item = sku()
    with pytest.raises(ValidationError, match="frozen"):
        item.unit_mass_kg = 1.0  # type: ignore[misc]


def test_changeover_minutes_cannot_be_negative() -> None:
    """A changeover cannot save time."""
    with pytest.raises(ValidationError, match="minutes"):
        ChangeoverRule(
            resource_type="powder_coat",
            attribute="finish_colour",
            from_value="dark",
            to_value="light",
            minutes=-5,
        )
