"""Errors raised on purpose: each says where (file:row:field) and why."""

from __future__ import annotations

import pytest

from microfactory.errors import (
    ConfigurationError,
    ErrorLocation,
    InputIssue,
    InvalidInputError,
    MicrofactoryError,
    NotFoundError,
)


def test_single_issue_reads_file_row_field_reason() -> None:
    """One issue formats as ``file:row:field: reason``."""
    error = InvalidInputError.single("orders.csv", "must be at least 1", field="quantity", row=12)
    assert str(error) == "orders.csv:12:quantity: must be at least 1"
    assert len(error.issues) == 1


def test_location_leaves_out_what_is_unknown() -> None:
    """Without a row or a field the location is just what is known."""
    assert str(ErrorLocation("orders.csv")) == "orders.csv"
    assert str(ErrorLocation("orders.csv", row=3)) == "orders.csv:3"
    assert str(ErrorLocation("settings", field="workers")) == "settings:workers"


def test_row_zero_is_shown() -> None:
    """Row 0 (a header row) is a real row number, not a missing one."""
    assert str(ErrorLocation("orders.csv", field="sku", row=0)) == "orders.csv:0:sku"


def test_several_issues_show_the_first_and_count_the_rest() -> None:
    """Three issues read as the first one plus ``(and 2 more)``; all are kept on the error."""
    issues = [
        InputIssue(ErrorLocation("orders.csv", field="quantity", row=2), "must be at least 1"),
        InputIssue(ErrorLocation("orders.csv", field="sku", row=5), "unknown SKU 'X'"),
        InputIssue(ErrorLocation("orders.csv", field="outcode", row=9), "not an outcode"),
    ]
    error = InvalidInputError(issues)
    assert str(error) == "orders.csv:2:quantity: must be at least 1 (and 2 more)"
    assert [str(issue) for issue in error.issues][1] == "orders.csv:5:sku: unknown SKU 'X'"


def test_invalid_input_needs_an_issue() -> None:
    """An InvalidInputError with nothing wrong is a programming error."""
    with pytest.raises(ValueError, match="at least one issue"):
        InvalidInputError([])


def test_configuration_error_names_setting_value_and_reason() -> None:
    """ConfigurationError reads ``setting NAME='value': reason`` and keeps each part."""
    error = ConfigurationError("MICROFACTORY_WORKERS", "0", "must be at least 1")
    assert str(error) == "setting MICROFACTORY_WORKERS='0': must be at least 1"
    assert (error.setting, error.value, error.reason) == ("MICROFACTORY_WORKERS", "0", "must be at least 1")


def test_not_found_error_names_kind_and_key() -> None:
    """NotFoundError reads ``kind 'key' not found``."""
    error = NotFoundError("site", "LON-MF")
    assert str(error) == "site 'LON-MF' not found"
    assert (error.kind, error.key) == ("site", "LON-MF")


def test_every_deliberate_error_is_a_microfactory_error() -> None:
    """Adapters can catch MicrofactoryError to print any deliberate error as one line."""
    for error in (
        InvalidInputError.single("f", "r"),
        ConfigurationError("S", 1, "r"),
        NotFoundError("k", "v"),
    ):
        assert isinstance(error, MicrofactoryError)
