"""Quality records: checklist templates with HACCP plans, lots, check entries, deviations, audit entries.

A *checklist template* is versioned: ``(code, version)`` names one immutable definition, and a lot
records the version it was checked against, so publishing version 2 never changes a result recorded
under version 1. A *lot* is the unit of traceability and release; its natural key is
``(site, run_code, sku, sequence)`` (ARCHITECTURE.md: identity). Every measurement carries its unit
and a value in another unit is refused, never converted silently.
"""

from __future__ import annotations

import math
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from microfactory.domain.base import Code, DomainModel, Name, UtcDatetime

Text = Annotated[str, StringConstraints(min_length=1, max_length=4000, strip_whitespace=True)]
"""Free text of a record (a corrective action, a hazard description)."""

LOT_CODE_MAX = 255
EPSILON = 1e-9
"""Absolute slack on inclusive limits, so ``600.5`` passes ``600 ± 0.5`` despite binary rounding."""


class Unit(StrEnum):
    """Units a check may be recorded in; a value is accepted only in the check's own unit."""

    MILLIMETRE = "mm"
    MICROMETRE = "um"
    GLOSS_UNIT = "GU"
    DELTA_E = "dE"
    CELSIUS = "degC"
    FAHRENHEIT = "degF"
    PH = "pH"
    WATER_ACTIVITY = "aw"
    PERCENT = "percent"
    GRAM = "g"
    HOUR = "h"
    MINUTE = "min"
    SCORE = "score"

    @property
    def symbol(self) -> str:
        """How the unit is printed (``°C``, ``µm``, ``%``)."""
        return _SYMBOLS.get(self, self.value)


_SYMBOLS = {
    Unit.MICROMETRE: "µm",
    Unit.CELSIUS: "°C",
    Unit.FAHRENHEIT: "°F",
    Unit.PERCENT: "%",
    Unit.WATER_ACTIVITY: "aw",
}


class CheckKind(StrEnum):
    """What a check records and how it is judged."""

    PASS_FAIL = "pass_fail"
    MEASUREMENT = "measurement"
    """One value in a unit, judged against limits (target ± tolerance, minimum, maximum)."""
    SENSORY = "sensory"
    """One score per panellist on a fixed scale, judged on the mean and the spread (max − min)."""
    FORMULA = "formula"
    """Several readings reduced by an aggregate (mean of 5, max, range, each) and judged on limits."""
    TIME_TO_LIMIT = "time_to_limit"
    """A time series ``(hours, value)``: the limit must be reached within ``within_hours``."""
    RECORD = "record"
    """A text that must be recorded (e.g. the starter-culture lot), optionally matching a pattern."""
    ATTACHMENT = "attachment"
    """A reference to evidence kept elsewhere (photo, certificate): file name, URI or digest."""


class Aggregate(StrEnum):
    """How a formula check reduces its readings to the value judged."""

    MEAN = "mean"
    MIN = "min"
    MAX = "max"
    RANGE = "range"
    EACH = "each"
    """Every reading must be within the limits; the value shown is the worst reading."""


class Limits(DomainModel):
    """Acceptance limits, inclusive: ``target ± tolerance`` and/or ``minimum`` / ``maximum``."""

    target: float | None = None
    tolerance: float | None = Field(default=None, gt=0)
    minimum: float | None = None
    maximum: float | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Limits:
        if self.tolerance is not None and self.target is None:
            raise ValueError("a tolerance needs a target")
        low, high = self.bounds
        if low is None and high is None:
            raise ValueError("limits need a target with a tolerance, a minimum or a maximum")
        if low is not None and high is not None and low > high:
            raise ValueError(f"limits are empty: lower bound {low:g} is above upper bound {high:g}")
        return self

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """The tightest ``(lower, upper)`` bounds; ``None`` means unbounded on that side."""
        lows = [v for v in (self.minimum,) if v is not None]
        highs = [v for v in (self.maximum,) if v is not None]
        if self.target is not None and self.tolerance is not None:
            lows.append(self.target - self.tolerance)
            highs.append(self.target + self.tolerance)
        return (max(lows) if lows else None, min(highs) if highs else None)

    def contains(self, value: float) -> bool:
        """True when ``value`` is within the limits (inclusive, with :data:`EPSILON` slack)."""
        low, high = self.bounds
        return (low is None or value >= low - EPSILON) and (high is None or value <= high + EPSILON)

    def describe(self, unit: Unit | None = None) -> str:
        """The limits as a QA sheet prints them: ``0 ± 0.5 mm``, ``≥ 75 °C``, ``18–24 °C``."""
        sym = f" {unit.symbol}" if unit is not None else ""
        plain = self.minimum is None and self.maximum is None
        if plain and self.target is not None and self.tolerance is not None:
            return f"{self.target:g} ± {self.tolerance:g}{sym}"
        low, high = self.bounds
        if low is not None and high is not None:
            return f"{low:g}–{high:g}{sym}"
        return f"≥ {low:g}{sym}" if low is not None else f"≤ {high:g}{sym}"


class CheckDefinition(DomainModel):
    """One check of a checklist: what to record, in which unit, and what passes.

    A ``critical`` check guards food safety or a hazard (a HACCP critical limit); failing it puts the
    lot on hold automatically. Critical checks are always mandatory.
    """

    code: Code
    name: Name
    kind: CheckKind
    critical: bool = False
    mandatory: bool = True
    unit: Unit | None = None
    limits: Limits | None = None
    readings: int | None = Field(default=None, ge=1, le=100)
    """Formula checks: exactly this many readings."""
    aggregate: Aggregate | None = None
    scale_min: int = 1
    scale_max: int = 9
    min_mean: float | None = None
    max_spread: float | None = Field(default=None, ge=0)
    min_panellists: int = Field(default=3, ge=1)
    within_hours: float | None = Field(default=None, gt=0)
    pattern: str | None = None
    """Record checks: a regular expression the whole text must match."""
    guidance: str = ""
    """How to take the reading (where to probe, which instrument), shown on the sheet."""

    @model_validator(mode="after")
    def _complete(self) -> CheckDefinition:
        if self.critical and not self.mandatory:
            raise ValueError(f"check {self.code}: a critical check is always mandatory")
        needs: dict[CheckKind, tuple[str, ...]] = {
            CheckKind.MEASUREMENT: ("unit", "limits"),
            CheckKind.FORMULA: ("unit", "limits", "readings", "aggregate"),
            CheckKind.TIME_TO_LIMIT: ("unit", "limits", "within_hours"),
            CheckKind.SENSORY: ("min_mean", "max_spread"),
        }
        missing = [name for name in needs.get(self.kind, ()) if getattr(self, name) is None]
        if missing:
            raise ValueError(f"check {self.code}: a {self.kind.value} check needs {', '.join(missing)}")
        if self.kind == CheckKind.SENSORY:
            if self.scale_min >= self.scale_max:
                raise ValueError(
                    f"check {self.code}: sensory scale {self.scale_min}–{self.scale_max} is empty"
                )
            assert self.min_mean is not None
            if not self.scale_min <= self.min_mean <= self.scale_max:
                raise ValueError(f"check {self.code}: min_mean {self.min_mean:g} is outside the scale")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"check {self.code}: pattern is not a regular expression: {exc}") from exc
        return self

    def describe(self) -> str:
        """What passes, in words: ``mean of 5 within 25 ± 5 GU``, ``mean ≥ 6.5, spread ≤ 3 (1–9)``."""
        if self.kind == CheckKind.SENSORY:
            scale = f"scale {self.scale_min}–{self.scale_max}"
            return f"mean ≥ {self.min_mean:g}, spread ≤ {self.max_spread:g} ({scale})"
        if self.limits is None:
            return {CheckKind.PASS_FAIL: "pass", CheckKind.RECORD: "recorded"}.get(self.kind, "attached")
        limits = self.limits.describe(self.unit)
        if self.kind == CheckKind.FORMULA:
            joiner = " " if limits[0] in "≤≥" else " within "
            return f"{self.aggregate} of {self.readings}{joiner}{limits}"
        if self.kind == CheckKind.TIME_TO_LIMIT:
            return f"{limits} within {self.within_hours:g} h"
        return limits


class HazardKind(StrEnum):
    """The classes of hazard a HACCP plan controls (Codex CXC 1-1969, rev. 2020)."""

    BIOLOGICAL = "biological"
    CHEMICAL = "chemical"
    PHYSICAL = "physical"
    ALLERGEN = "allergen"


class HaccpStep(DomainModel):
    """One row of a HACCP plan: hazard → control measure → critical limit → monitoring → action."""

    step: Name
    """The process step (``Bake``, ``Ferment``)."""
    hazard: Text
    hazard_kind: HazardKind
    control_measure: Text
    critical_limit: Text
    check: Code | None = None
    """The checklist check that monitors the critical limit (must be a critical check)."""
    monitoring: Text
    frequency: Name
    responsible_role: Name
    corrective_action: Text
    verification: str = ""


class HaccpPlan(DomainModel):
    """A HACCP plan for a product group (Codex principles 1–7)."""

    code: Code
    title: Name
    steps: tuple[HaccpStep, ...] = Field(min_length=1)


class ChecklistTemplate(DomainModel):
    """A versioned checklist for the SKU families it applies to, with its HACCP plan (food)."""

    code: Code
    version: int = Field(ge=1)
    name: Name
    families: tuple[Code, ...] = ()
    """SKU families whose lots are checked against this template."""
    description: str = ""
    checks: tuple[CheckDefinition, ...] = Field(min_length=1)
    haccp: HaccpPlan | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ChecklistTemplate:
        codes = [c.code for c in self.checks]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(
                f"template {self.code} v{self.version}: check codes repeat: {', '.join(repeated)}"
            )
        by_code = {c.code: c for c in self.checks}
        for step in self.haccp.steps if self.haccp else ():
            if step.check is None:
                continue
            check = by_code.get(step.check)
            if check is None or not check.critical:
                raise ValueError(
                    f"template {self.code} v{self.version}: HACCP step {step.step!r} names check "
                    f"{step.check!r}, which is not a critical check of the template"
                )
        return self

    @property
    def key(self) -> tuple[str, int]:
        """``(code, version)``: the template's identity."""
        return (self.code, self.version)

    def check(self, code: str) -> CheckDefinition | None:
        """The check with ``code``, or ``None``."""
        return next((c for c in self.checks if c.code == code), None)

    @property
    def mandatory(self) -> tuple[str, ...]:
        """Codes of the mandatory checks, in sheet order."""
        return tuple(c.code for c in self.checks if c.mandatory)


class LotKind(StrEnum):
    """What a lot is: a finished product, or an input traced into products."""

    PRODUCT = "product"
    MATERIAL = "material"
    COMPONENT = "component"
    STARTER_CULTURE = "starter_culture"


class LotStatus(StrEnum):
    """Where a lot is in QA: only released lots may be allocated to a delivery or a transfer."""

    PENDING = "pending"
    HELD = "held"
    RELEASED = "released"


class Lot(DomainModel):
    """A quantity of one SKU made (or received) together; natural key ``(site, run_code, sku, sequence)``."""

    site: Code
    run_code: Code
    sku: Code
    sequence: int = Field(default=1, ge=1)
    kind: LotKind = LotKind.PRODUCT
    quantity: int = Field(ge=1)
    """Units (products) or receiving units (sheets, jars of culture) in the lot."""
    produced_at: UtcDatetime
    template: Code | None = None
    template_version: int | None = Field(default=None, ge=1)
    status: LotStatus = LotStatus.PENDING

    @model_validator(mode="after")
    def _consistent(self) -> Lot:
        if (self.template is None) != (self.template_version is None):
            raise ValueError("a lot names both a template and its version, or neither")
        if len(self.code) > LOT_CODE_MAX:
            raise ValueError(f"lot code {self.code[:40]}... is longer than {LOT_CODE_MAX} characters")
        return self

    @property
    def code(self) -> str:
        """The lot code printed on labels and typed into ``microfactory trace``: ``site/run/sku/seq``."""
        return f"{self.site}/{self.run_code}/{self.sku}/{self.sequence}"


class LotInput(DomainModel):
    """``input_lot`` (material, component, starter culture) went into ``lot``."""

    lot: str = Field(min_length=1, max_length=LOT_CODE_MAX)
    input_lot: str = Field(min_length=1, max_length=LOT_CODE_MAX)

    @model_validator(mode="after")
    def _not_itself(self) -> LotInput:
        if self.lot == self.input_lot:
            raise ValueError(f"lot {self.lot} cannot be its own input")
        return self


class SeriesPoint(DomainModel):
    """One reading of a time series: ``value`` at ``hours`` after the start of the step."""

    hours: float = Field(ge=0)
    value: float


class CheckEntry(DomainModel):
    """A result as recorded by a person or instrument; which fields apply depends on the check kind."""

    lot: str = Field(min_length=1, max_length=LOT_CODE_MAX)
    check: Code
    recorded_by: Name
    recorded_at: UtcDatetime
    passed: bool | None = None
    value: float | None = None
    unit: Unit | None = None
    readings: tuple[float, ...] = ()
    scores: tuple[int, ...] = ()
    series: tuple[SeriesPoint, ...] = ()
    text: str | None = None
    attachment: str | None = None
    note: str | None = None

    def payload(self) -> dict[str, Any]:
        """The recorded values only (no lot, check, who or when), for the audit log, JSON-safe.

        Built by hand rather than with ``model_dump``: the pipeline records tens of thousands.
        """
        data: dict[str, Any] = {
            "passed": self.passed,
            "value": self.value,
            "unit": self.unit.value if self.unit is not None else None,
            "readings": list(self.readings),
            "scores": list(self.scores),
            "series": [{"hours": p.hours, "value": p.value} for p in self.series],
            "text": self.text,
            "attachment": self.attachment,
            "note": self.note,
        }
        return {k: v for k, v in data.items() if v not in (None, [])}


class CheckOutcome(DomainModel):
    """How one entry was judged against its check definition."""

    check: Code
    passed: bool
    critical: bool
    mandatory: bool
    measured: float | None = None
    """The value judged (the aggregate, the mean score, hours to the limit), in the check's unit."""
    detail: str

    @model_validator(mode="after")
    def _finite(self) -> CheckOutcome:
        if self.measured is not None and not math.isfinite(self.measured):
            raise ValueError("measured value must be finite")
        return self


class Deviation(DomainModel):
    """A recorded departure from the checklist, with its corrective action and an approver.

    Approver and the person raising it must differ (four-eyes principle), so nobody signs off their
    own concession.
    """

    lot: str = Field(min_length=1, max_length=LOT_CODE_MAX)
    checks: tuple[Code, ...] = Field(min_length=1)
    description: Text
    corrective_action: Text
    raised_by: Name
    approved_by: Name
    at: UtcDatetime

    @model_validator(mode="after")
    def _four_eyes(self) -> Deviation:
        if self.raised_by.casefold() == self.approved_by.casefold():
            raise ValueError(
                f"deviation on lot {self.lot}: approved_by must be someone other than raised_by "
                f"({self.raised_by})"
            )
        return self


class AuditAction(StrEnum):
    """What an audit entry records."""

    CHECK = "check"
    CORRECTION = "correction"
    HOLD = "hold"
    DEVIATION = "deviation"
    RELEASE = "release"


class AuditEntry(DomainModel):
    """One append-only audit record: who did what to which lot, when; corrections reference the old one."""

    id: int
    at: UtcDatetime
    actor: Name
    action: AuditAction
    lot: str
    check: str | None = None
    passed: bool | None = None
    summary: str
    detail: dict[str, Any] = Field(default_factory=dict)
    corrects: int | None = None
