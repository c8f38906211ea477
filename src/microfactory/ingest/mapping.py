"""The import mapping file (TOML): how an export's columns and conventions become canonical orders.

One file describes one source: which column holds which order field, the date formats and time zone
of its timestamps, constants for what the export does not say (brand, channel, outcode, delivery
window), the cancellation rule, how rows group into orders, rows to skip and what to do with SKUs
the master data does not hold. The vendor JSON adapters (Square, Toast, Deliverect) read the same
file for their defaults and code tables. The reference with an example is ``docs/orders-import.md``.
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from importlib.resources import files
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from microfactory.domain import FulfilmentKind, OrderStatus
from microfactory.domain.base import Code
from microfactory.errors import ErrorLocation, InputIssue, InvalidInputError
from microfactory.ingest.values import zone_info

ColumnName = Annotated[str, StringConstraints(min_length=1)]

BUILTIN_MAPPINGS = ("canonical", "online_retail_ii")
"""Mapping files shipped in ``microfactory/ingest/mappings/`` (name without ``.toml``)."""


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceOptions(_Section):
    """How to read the file: encoding, delimiter, timestamp formats and the zone of naive times."""

    encoding: str = "auto"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    date_formats: tuple[str, ...] = ("iso",)
    timezone: str | None = None

    @model_validator(mode="after")
    def _known_zone(self) -> SourceOptions:
        if self.timezone is not None:
            zone_info(self.timezone)
        if not self.date_formats:
            raise ValueError("date_formats must list at least one format")
        return self


class ColumnMap(_Section):
    """Which column of the export holds each order field (field = "Column name")."""

    external_id: ColumnName | None = None
    sku: ColumnName | None = None
    quantity: ColumnName | None = None
    created_at: ColumnName | None = None
    unit_price: ColumnName | None = None
    unit_price_pence: ColumnName | None = None
    customer: ColumnName | None = None
    brand: ColumnName | None = None
    channel: ColumnName | None = None
    outcode: ColumnName | None = None
    postcode: ColumnName | None = None
    status: ColumnName | None = None
    fulfilment: ColumnName | None = None
    site: ColumnName | None = None
    window_start: ColumnName | None = None
    window_end: ColumnName | None = None
    line_no: ColumnName | None = None
    description: ColumnName | None = None

    @model_validator(mode="after")
    def _one_price(self) -> ColumnMap:
        if self.unit_price is not None and self.unit_price_pence is not None:
            raise ValueError("map either unit_price (pounds) or unit_price_pence, not both")
        if self.outcode is not None and self.postcode is not None:
            raise ValueError("map either outcode or postcode, not both")
        if (self.window_start is None) != (self.window_end is None):
            raise ValueError("map both window_start and window_end, or neither")
        return self


class ValueRule(_Section):
    """A clean-up applied to a column's text before use (customer ids exported as ``13085.0``)."""

    integer: bool = False
    """Read the value as a whole number and write it without decimals (``13085.0`` → ``13085``)."""
    prefix: str = ""
    """Prepended to the value (``OR-`` + ``13085``) so codes from different sources do not clash."""
    upper: bool = False


class Defaults(_Section):
    """Constants for fields the export does not carry (or leaves empty on a row)."""

    brand: Code | None = None
    channel: Code | None = None
    outcode: str | None = None
    status: OrderStatus = OrderStatus.OPEN
    fulfilment: FulfilmentKind = FulfilmentKind.DELIVERY
    site: Code | None = None


class WindowRule(_Section):
    """The delivery window when the export has none: an offset from ``created_at`` and a length."""

    start_after_minutes: int = Field(default=24 * 60, ge=0)
    length_minutes: int = Field(default=120, ge=1)


class CancellationRule(_Section):
    """Which rows are cancellations (or returns): a value prefix or exact values in one column.

    Rows that match make their order ``cancelled``; their quantities may be negative (a credit
    note) and are stored as positive units, so the order keeps what was cancelled.
    """

    column: ColumnName
    prefix: str | None = None
    values: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _has_rule(self) -> CancellationRule:
        if self.prefix is None and not self.values:
            raise ValueError("give a prefix or values for the cancellation rule")
        return self

    def matches(self, text: str) -> bool:
        """Whether a cell's text marks a cancellation."""
        value = text.strip()
        return (self.prefix is not None and value.startswith(self.prefix)) or value in self.values


class SkipRule(_Section):
    """Rows to leave out (not errors): postage lines, stock adjustments, other countries.

    A row is skipped when ``column`` equals one of ``equals``, or (with ``not_in``) equals none of
    them, or (with ``empty``) is blank. Skipped rows are counted in the import summary by reason.
    """

    column: ColumnName
    equals: tuple[str, ...] = ()
    not_in: tuple[str, ...] = ()
    empty: bool = False
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _has_test(self) -> SkipRule:
        if sum((bool(self.equals), bool(self.not_in), self.empty)) != 1:
            raise ValueError("a skip rule needs exactly one of equals, not_in or empty")
        return self

    def matches(self, text: str) -> bool:
        """Whether a cell's text means the row is skipped."""
        value = text.strip()
        if self.empty:
            return not value
        if self.equals:
            return value in self.equals
        return value not in self.not_in


class UnknownSkuPolicy(StrEnum):
    """What to do with a SKU code the master data does not hold."""

    REFUSE = "refuse"
    """Default: the row is an error; orders name only SKUs the plan knows how to make."""
    CREATE = "create"
    """Add the SKU to the master data under ``family``, copying routing and size from ``template``."""


class SkuRules(_Section):
    """SKU translation (``map``: export code → master-data code) and the unknown-SKU policy."""

    unknown: UnknownSkuPolicy = UnknownSkuPolicy.REFUSE
    family: Code | None = None
    template: Code | None = None
    map: dict[str, Code] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _create_needs_family(self) -> SkuRules:
        if self.unknown is UnknownSkuPolicy.CREATE and (self.family is None or self.template is None):
            raise ValueError("unknown = 'create' needs a family and a template SKU")
        return self


class PriceOptions(_Section):
    """Unit of the ``unit_price`` column."""

    unit: Literal["pounds", "pence"] = "pounds"


class OrderOptions(_Section):
    """How rows become orders."""

    group_rows: bool = True
    """Rows with the same ``external_id`` are the lines of one order; with ``false`` every row is
    an order and a repeated ``external_id`` is a duplicate-key error."""


class CodeTables(_Section):
    """Vendor codes → our codes, for the JSON adapters (and the CSV ``status``/``fulfilment`` columns)."""

    brands: dict[str, Code] = Field(default_factory=dict)
    """Vendor brand id (Deliverect ``brandId``) → brand code."""
    channels: dict[str, Code] = Field(default_factory=dict)
    """Vendor channel id (Deliverect ``channel`` number, Toast ``source``) → channel code."""
    sites: dict[str, Code] = Field(default_factory=dict)
    """Vendor location id (Square ``location_id``, Deliverect ``location``) → site code."""
    status: dict[str, OrderStatus] = Field(default_factory=dict)
    """Export status text → order status (the CSV ``status`` column; canonical values always work)."""
    fulfilment: dict[str, FulfilmentKind] = Field(default_factory=dict)
    """Export text or Toast dining-option guid → fulfilment kind."""


class ImportMapping(_Section):
    """A whole mapping file; every section is optional and has safe defaults."""

    source: SourceOptions = SourceOptions()
    columns: ColumnMap = ColumnMap()
    values: dict[str, ValueRule] = Field(default_factory=dict)
    defaults: Defaults = Defaults()
    window: WindowRule = WindowRule()
    cancellation: CancellationRule | None = None
    skip: tuple[SkipRule, ...] = ()
    skus: SkuRules = SkuRules()
    prices: PriceOptions = PriceOptions()
    orders: OrderOptions = OrderOptions()
    codes: CodeTables = CodeTables()

    @model_validator(mode="after")
    def _value_rules_name_fields(self) -> ImportMapping:
        unknown = sorted(set(self.values) - set(ColumnMap.model_fields))
        if unknown:
            raise ValueError(f"[values] names unknown fields: {', '.join(unknown)}")
        return self


def parse_mapping(text: str, *, source: str) -> ImportMapping:
    """Read a mapping from TOML ``text``; ``source`` names the file in errors.

    Raises :class:`InvalidInputError` with one issue per bad key (``file:section.key: reason``):
    TOML syntax errors, unknown sections or keys (typos are not silently ignored), bad values.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError.single(source, f"not valid TOML: {exc}") from exc
    try:
        return ImportMapping.model_validate(raw)
    except ValidationError as exc:
        issues = [
            InputIssue(
                ErrorLocation(source, field=".".join(str(p) for p in err["loc"]) or None),
                err["msg"].removeprefix("Value error, "),
            )
            for err in exc.errors()
        ]
        raise InvalidInputError(issues) from exc


def builtin_mapping(name: str) -> ImportMapping:
    """A mapping shipped with the package (see :data:`BUILTIN_MAPPINGS`), e.g. ``"online_retail_ii"``."""
    if name not in BUILTIN_MAPPINGS:
        raise InvalidInputError.single(
            "--mapping", f"no built-in mapping {name!r} (built in: {', '.join(BUILTIN_MAPPINGS)})"
        )
    text = files("microfactory.ingest").joinpath("mappings", f"{name}.toml").read_text(encoding="utf-8")
    return parse_mapping(text, source=f"{name}.toml")
