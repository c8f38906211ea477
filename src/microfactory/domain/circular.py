"""Second-life records: items taken back, their grades, refurbishments, dispositions and history.

An *item* is one thing that came back to a site and must be given a second life or disposed of
properly: an appliance or fitting named by its serial number or asset tag (a showroom demo oven
rotating out, a returned tap), or a panel or offcut named by its label (surplus door blanks, a
damaged carcass side). Its natural key is ``item`` (the serial, asset tag or panel label).

The life of an item is a short state machine (the engine in :mod:`microfactory.circular` enforces
it): ``intake → graded → [refurbished] → disposed``. Each step is recorded as an append-only
:class:`ItemEvent`; the item's state is the replay of its events. Masses are in kg (required and
positive: reclamation by mass and CO2e avoided depend on them), dimensions in mm, money in integer
pence, times aware UTC.

Panel items carry ``material``, ``finish``, ``thickness_mm``, ``length_mm`` and ``width_mm`` so they
can be handed to the offcut matcher as they are.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from microfactory.domain.base import Code, DomainModel, Name, UtcDatetime
from microfactory.domain.quality import CheckOutcome

Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
"""A free-text reason or note."""

EARLIEST_MANUFACTURE_YEAR = 1950


class ItemKind(StrEnum):
    """What an item is: decides which fields it needs and which grading checklist applies."""

    APPLIANCE = "appliance"
    """Oven, hob, extractor, dishwasher, fridge: serial number, make, model, year; electrical."""
    FITTING = "fitting"
    """Tap, sink, handle set, hinge kit: asset tag, make, model."""
    PANEL = "panel"
    """A board or offcut: material, finish, thickness and size."""


class IntakeSource(StrEnum):
    """Why an item came back."""

    SHOWROOM_DEMO = "showroom_demo"
    """A showroom display appliance or fitting rotating out."""
    CUSTOMER_RETURN = "customer_return"
    PRODUCTION_SURPLUS = "production_surplus"
    """Surplus panels and offcuts from production."""
    TRANSIT_DAMAGE = "transit_damage"
    """Damaged in transit to the customer and brought back."""


class Origin(StrEnum):
    """Where an appliance or fitting was used before it came back."""

    SHOWROOM = "showroom"
    CUSTOMER = "customer"


class Grade(StrEnum):
    """Resale grade: A as new, B cosmetic marks, C needs work, scrap not fit for use."""

    A = "A"
    B = "B"
    C = "C"
    SCRAP = "scrap"


class Channel(StrEnum):
    """Where an item goes at the end of its second-life journey."""

    RESELL = "resell"
    """Sold as graded (outlet, marketplace, trade)."""
    REUSE = "reuse"
    """Reused in our own production (a panel recut into parts, a fitting on a display)."""
    DONATE = "donate"
    """Given to a charity or community project, still in use."""
    RECYCLE = "recycle"
    """Sent for recycling in a material stream."""
    LANDFILL = "landfill"


RECLAIMED_CHANNELS = frozenset({Channel.RESELL, Channel.REUSE, Channel.DONATE})
"""Channels in which the item keeps being used: they count towards the reclamation rate."""


class ItemStatus(StrEnum):
    """Where an item is in its second life."""

    INTAKE = "intake"
    GRADED = "graded"
    REFURBISHED = "refurbished"
    DISPOSED = "disposed"


class SecondLifeItem(DomainModel):
    """One item taken in at a site; identity and everything known at intake (immutable).

    Appliances and fittings need ``make`` and ``model`` (and appliances ``manufacture_year`` and
    ``origin``); panels need ``finish``, ``thickness_mm``, ``length_mm`` and ``width_mm``.
    ``material`` is the material stream whose factors apply (``appliance_large``, ``mdf``...).
    ``new_value_pence`` is the price of the same item new: the denominator of reclamation by value.
    """

    item: Code
    """Serial number, asset tag or panel label."""
    kind: ItemKind
    source: IntakeSource
    site: Code
    received_at: UtcDatetime
    mass_kg: float = Field(gt=0, le=5000)
    material: Code
    new_value_pence: int = Field(ge=0)
    make: Name | None = None
    model: Name | None = None
    manufacture_year: int | None = Field(default=None, ge=EARLIEST_MANUFACTURE_YEAR, le=2100)
    origin: Origin | None = None
    finish: Code | None = None
    thickness_mm: float | None = Field(default=None, gt=0, le=100)
    length_mm: float | None = Field(default=None, gt=0, le=6000)
    width_mm: float | None = Field(default=None, gt=0, le=6000)
    note: str = ""

    @model_validator(mode="after")
    def _fields_for_kind(self) -> SecondLifeItem:
        needs: dict[ItemKind, tuple[str, ...]] = {
            ItemKind.APPLIANCE: ("make", "model", "manufacture_year", "origin"),
            ItemKind.FITTING: ("make", "model"),
            ItemKind.PANEL: ("finish", "thickness_mm", "length_mm", "width_mm"),
        }
        missing = [name for name in needs[self.kind] if getattr(self, name) is None]
        if missing:
            article = "an" if self.kind.value[0] in "aeiou" else "a"
            raise ValueError(f"{article} {self.kind.value} needs {', '.join(missing)}")
        if self.manufacture_year is not None and self.manufacture_year > self.received_at.year:
            raise ValueError(
                f"manufacture_year {self.manufacture_year} is after the intake date "
                f"{self.received_at.date().isoformat()}"
            )
        return self

    @property
    def area_m2(self) -> float | None:
        """A panel's face area in m² (``None`` for appliances and fittings)."""
        if self.length_mm is None or self.width_mm is None:
            return None
        return self.length_mm * self.width_mm / 1_000_000


class Grading(DomainModel):
    """A grade with the reason for it and, when it came from a checklist, the outcomes judged."""

    grade: Grade
    reason: Text
    graded_at: UtcDatetime
    graded_by: Name
    template: Code | None = None
    template_version: int | None = Field(default=None, ge=1)
    outcomes: tuple[CheckOutcome, ...] = ()

    @model_validator(mode="after")
    def _template_pair(self) -> Grading:
        if (self.template is None) != (self.template_version is None):
            raise ValueError("a grading names both a template and its version, or neither")
        return self


class Part(DomainModel):
    """A part fitted during refurbishment, with its cost in pence."""

    name: Name
    cost_pence: int = Field(ge=0)
    quantity: int = Field(default=1, ge=1)

    @property
    def total_pence(self) -> int:
        """Cost of all units of the part."""
        return self.cost_pence * self.quantity


class Refurbishment(DomainModel):
    """One refurbishment task: what was done, how long it took and the parts fitted."""

    task: Name
    minutes: int = Field(gt=0, le=10_000)
    parts: tuple[Part, ...] = ()
    done_at: UtcDatetime
    done_by: Name

    @property
    def parts_pence(self) -> int:
        """Cost of the parts fitted."""
        return sum(p.total_pence for p in self.parts)


class Disposition(DomainModel):
    """The end of an item's journey: the channel, the value recovered and (recycling) the stream."""

    channel: Channel
    value_recovered_pence: int = Field(ge=0)
    """Sale price, internal transfer value of reused material, scrap rebate; 0 for donations."""
    disposed_at: UtcDatetime
    disposed_by: Name
    material_stream: Code | None = None
    """Recycling: the stream the item went into (``steel``, ``weee_large``, ``wood``)."""
    cost_pence: int = Field(default=0, ge=0)
    """What the disposal cost (carriage, gate fee)."""
    recipient: str = ""

    @model_validator(mode="after")
    def _stream(self) -> Disposition:
        if self.channel == Channel.RECYCLE and self.material_stream is None:
            raise ValueError("a recycling disposition needs material_stream")
        if self.channel != Channel.RECYCLE and self.material_stream is not None:
            raise ValueError(f"material_stream applies to recycling only, not {self.channel.value}")
        return self


class EventKind(StrEnum):
    """What an item event records."""

    INTAKE = "intake"
    GRADE = "grade"
    REFURBISH = "refurbish"
    DISPOSE = "dispose"


class ItemEvent(DomainModel):
    """One append-only history entry of an item: its payload is the step's record as JSON."""

    item: Code
    sequence: int = Field(ge=1)
    kind: EventKind
    at: UtcDatetime
    actor: Name
    summary: str
    detail: dict[str, Any] = Field(default_factory=dict)


class ItemState(DomainModel):
    """An item as its events leave it: the current status and every step taken."""

    item: SecondLifeItem
    status: ItemStatus
    gradings: tuple[Grading, ...] = ()
    refurbishments: tuple[Refurbishment, ...] = ()
    disposition: Disposition | None = None
    events: int = Field(default=1, ge=1)
    """How many events the state is built from (the next event's sequence is ``events + 1``)."""

    @property
    def grading(self) -> Grading | None:
        """The latest grading (an item is re-graded after refurbishment), or ``None``."""
        return self.gradings[-1] if self.gradings else None

    @property
    def refurbished_minutes(self) -> int:
        """Minutes of refurbishment work on the item."""
        return sum(r.minutes for r in self.refurbishments)

    @property
    def parts_pence(self) -> int:
        """Cost of the parts fitted to the item."""
        return sum(r.parts_pence for r in self.refurbishments)
