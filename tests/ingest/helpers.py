"""Shared helpers of the import tests: fixture files, mappings, and issue lists as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from microfactory.errors import InvalidInputError
from microfactory.ingest import ImportMapping, ParsedOrders, parse_mapping, parse_orders
from tests.ingest.master import import_references

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_RETAIL = Path(__file__).resolve().parents[3] / "shared" / "data" / "online_retail_ii_sample.csv"


def fixture_mapping(name: str) -> ImportMapping:
    """A mapping file from ``fixtures/``."""
    path = FIXTURES / name
    return parse_mapping(path.read_text(encoding="utf-8"), source=name)


def parse_fixture(name: str, fmt: str, mapping: str | ImportMapping | None) -> ParsedOrders:
    """Parse a fixture file against the test master data."""
    rules = fixture_mapping(mapping) if isinstance(mapping, str) else mapping
    return parse_orders(
        (FIXTURES / name).read_bytes(), fmt, source=name, mapping=rules, references=import_references()
    )


def issues_of(data: bytes, fmt: str, mapping: ImportMapping | None, source: str = "in.csv") -> list[str]:
    """Every issue (as ``file:row:field: reason``) parsing ``data`` raises; fails if none."""
    with pytest.raises(InvalidInputError) as caught:
        parse_orders(data, fmt, source=source, mapping=mapping, references=import_references())
    return [str(issue) for issue in caught.value.issues]
