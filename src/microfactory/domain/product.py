"""What is made and how: SKU families, SKUs with routings, and changeover rules."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from microfactory.domain.base import Code, DomainModel, Name


class MakePolicy(StrEnum):
    """Whether a SKU is made against firm orders or to keep a stock level."""

    MAKE_TO_ORDER = "make_to_order"
    MAKE_TO_STOCK = "make_to_stock"


class SkuFamily(DomainModel):
    """A group of SKUs planned together (base units, savoury bars); forecasts are per family."""

    code: Code
    brand: Code
    name: Name
    make_policy: MakePolicy = MakePolicy.MAKE_TO_ORDER


class RoutingStep(DomainModel):
    """One operation of a routing: which resource types may do it and how long it takes.

    ``setup`` holds the attributes that drive sequence-dependent changeovers on the resource, such as
    ``{"finish_colour": "graphite"}`` on powder coating or ``{"allergen_group": "sesame"}`` in a kitchen.
    """

    sequence: int = Field(ge=1)
    name: Name
    resource_types: tuple[Code, ...] = Field(min_length=1)
    minutes_per_unit: float = Field(ge=0)
    minutes_per_batch: float = Field(default=0.0, ge=0)
    operators: int = Field(default=1, ge=0)
    splittable: bool = False
    """Whether the operation may pause over a closed period (e.g. curing, fermenting)."""
    setup: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _takes_time(self) -> RoutingStep:
        if self.minutes_per_unit == 0 and self.minutes_per_batch == 0:
            raise ValueError("an operation must take time: minutes_per_unit or minutes_per_batch > 0")
        return self

    def duration_minutes(self, units: int) -> float:
        """Minutes to process a batch of ``units`` on one resource."""
        return self.minutes_per_batch + self.minutes_per_unit * units


class Sku(DomainModel):
    """A sellable item with its routing, physical size and (for food) shelf life."""

    code: Code
    family: Code
    name: Name
    routing: tuple[RoutingStep, ...] = Field(min_length=1)
    unit_mass_kg: float = Field(gt=0)
    unit_volume_m3: float = Field(gt=0)
    shelf_life_hours: float | None = Field(default=None, gt=0)
    """None for durable goods."""
    make_policy: MakePolicy = MakePolicy.MAKE_TO_ORDER
    unit_price_pence: int = Field(default=0, ge=0)
    min_batch_units: int = Field(default=1, ge=1)
    max_batch_units: int = Field(default=1000, ge=1)
    region: Code | None = None
    """For regional variants: the region (postcode area or city code) the variant is made for."""

    @model_validator(mode="after")
    def _consistent(self) -> Sku:
        sequences = [step.sequence for step in self.routing]
        if sequences != sorted(set(sequences)):
            raise ValueError(f"routing sequences must be strictly increasing, got {sequences}")
        if self.max_batch_units < self.min_batch_units:
            raise ValueError(
                f"max_batch_units ({self.max_batch_units}) is below min_batch_units ({self.min_batch_units})"
            )
        return self

    @property
    def perishable(self) -> bool:
        """True when the SKU has a shelf life."""
        return self.shelf_life_hours is not None


class ChangeoverRule(DomainModel):
    """Minutes to switch a resource type from one setup value to another.

    Powder coating light→dark is cheaper than dark→light; food lines need a clean-down when the
    allergen group changes. Pairs without a rule take no changeover time.
    """

    resource_type: Code
    attribute: Code
    from_value: str = Field(min_length=1)
    to_value: str = Field(min_length=1)
    minutes: float = Field(ge=0)
