"""Order import and export: POS and marketplace files in, canonical orders out (and back).

Pure adapters: bytes (and a mapping, and a snapshot of the master data) in, validated domain
:class:`~microfactory.domain.Order` records or an :class:`~microfactory.errors.InvalidInputError`
listing every bad row out. Writing to the database is the store layer's job
(:func:`microfactory.store.order_repository.import_orders`). Formats and the mapping file are
documented in ``docs/orders-import.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from microfactory.errors import InvalidInputError
from microfactory.ingest.assemble import NewSku, ParsedOrders, ReferenceData
from microfactory.ingest.canonical import (
    CANONICAL_COLUMNS,
    ExportFormat,
    export_orders,
    parse_canonical_orders,
)
from microfactory.ingest.csv_orders import parse_csv_orders
from microfactory.ingest.deliverect import parse_deliverect_orders
from microfactory.ingest.mapping import (
    BUILTIN_MAPPINGS,
    ImportMapping,
    UnknownSkuPolicy,
    builtin_mapping,
    parse_mapping,
)
from microfactory.ingest.square import parse_square_orders
from microfactory.ingest.toast import parse_toast_orders


class ImportFormat(StrEnum):
    """File formats ``orders import`` reads."""

    CSV = "csv"
    SQUARE = "square"
    TOAST = "toast"
    DELIVERECT = "deliverect"
    CANONICAL = "canonical"


_Parser = Callable[..., ParsedOrders]

_PARSERS: dict[ImportFormat, _Parser] = {
    ImportFormat.CSV: parse_csv_orders,
    ImportFormat.SQUARE: parse_square_orders,
    ImportFormat.TOAST: parse_toast_orders,
    ImportFormat.DELIVERECT: parse_deliverect_orders,
}


def parse_orders(
    data: bytes,
    fmt: ImportFormat | str,
    *,
    source: str,
    mapping: ImportMapping | None,
    references: ReferenceData,
) -> ParsedOrders:
    """Parse a file of any supported format into checked canonical orders.

    ``mapping`` is required for ``csv`` (it says which column is which); optional elsewhere
    (defaults, code tables and SKU rules). Raises :class:`InvalidInputError` naming every bad
    row (``file:row:field: reason``), so nothing of a bad file is imported.
    """
    kind = ImportFormat(fmt)
    if kind is ImportFormat.CANONICAL:
        return parse_canonical_orders(data, source=source, mapping=mapping, references=references)
    if mapping is None:
        if kind is ImportFormat.CSV:
            raise InvalidInputError.single(source, "a CSV import needs --mapping (a TOML mapping file)")
        mapping = ImportMapping()
    return _PARSERS[kind](data, source=source, mapping=mapping, references=references)


__all__ = [
    "BUILTIN_MAPPINGS",
    "CANONICAL_COLUMNS",
    "ExportFormat",
    "ImportFormat",
    "ImportMapping",
    "NewSku",
    "ParsedOrders",
    "ReferenceData",
    "UnknownSkuPolicy",
    "builtin_mapping",
    "export_orders",
    "parse_canonical_orders",
    "parse_csv_orders",
    "parse_deliverect_orders",
    "parse_mapping",
    "parse_orders",
    "parse_square_orders",
    "parse_toast_orders",
]
