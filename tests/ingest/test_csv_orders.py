"""Generic CSV through a mapping: Excel quirks, grouping, cancellations, and every kind of bad row."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from microfactory.domain import OrderStatus
from microfactory.errors import InvalidInputError
from microfactory.ingest import ImportMapping, parse_mapping, parse_orders
from tests.ingest.helpers import FIXTURES, fixture_mapping, issues_of, parse_fixture
from tests.ingest.master import import_references

BASIC = """
[source]
date_formats = ["%m/%d/%Y %H:%M"]
timezone = "Europe/London"
[columns]
external_id = "Invoice"
sku = "StockCode"
quantity = "Quantity"
created_at = "InvoiceDate"
unit_price = "Price"
customer = "Customer ID"
[values]
customer = { integer = true, prefix = "X-" }
[defaults]
brand = "FOOD"
channel = "shop"
outcode = "E1"
[cancellation]
column = "Invoice"
prefix = "C"
"""

HEADER = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"


def _mapping(extra: str = "") -> ImportMapping:
    return parse_mapping(BASIC + extra, source="basic.toml")


def test_excel_cp1252_export_with_quotes_and_pound_signs_parses() -> None:
    """Windows-1252 bytes, ``£`` prices, quoted commas and doubled quotes, postcodes, status map, BST."""
    parsed = parse_fixture("pos_export_cp1252.csv", "csv", "pos_export.toml")
    by_id = {o.external_id: o for o in parsed.orders}
    assert sorted(by_id) == ["W-1001", "W-1002", "W-1003"]
    first = by_id["W-1001"]
    assert [(ln.line_no, ln.sku, ln.quantity, ln.unit_price_pence) for ln in first.lines] == [
        (1, "BOWL-CHICKEN", 2, 995),
        (2, "SIDE-SLAW", 1, 350),
    ]
    assert (first.outcode, first.customer, first.status) == ("SW1A", "C-77", OrderStatus.CONFIRMED)
    assert first.created_at == datetime(2026, 7, 14, 16, 5, tzinfo=UTC)  # 17:05 BST
    assert first.window.start == datetime(2026, 7, 14, 16, 50, tzinfo=UTC)
    assert by_id["W-1002"].customer is None
    assert by_id["W-1002"].created_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # first 01:30 (BST)
    refund = by_id["W-1003"]
    assert (refund.status, refund.lines[0].quantity, refund.outcode) == (OrderStatus.CANCELLED, 2, "N1")


def test_utf8_bom_is_read_the_same_as_cp1252() -> None:
    """The same export saved as "CSV UTF-8" (with a BOM) gives identical orders."""
    text = (FIXTURES / "pos_export_cp1252.csv").read_bytes().decode("cp1252")

    mapping = fixture_mapping("pos_export.toml")
    bom = parse_orders(
        b"\xef\xbb\xbf" + text.encode(),
        "csv",
        source="x.csv",
        mapping=mapping,
        references=import_references(),
    )
    cp = parse_fixture("pos_export_cp1252.csv", "csv", "pos_export.toml")
    assert bom.orders == cp.orders


def test_rows_group_into_orders_and_cancellation_invoices_keep_positive_units() -> None:
    """Lines of one invoice are one order; a C-invoice is a cancelled order with its units positive."""
    data = (
        HEADER
        + '100,BOWL-TOFU,"Tofu, big",2,12/1/2009 7:45,8.95,13085.0,United Kingdom\n'
        + "100,SIDE-SLAW,Slaw,1,12/1/2009 7:45,3.5,13085.0,United Kingdom\n"
        + "C101,BOWL-TOFU,Tofu,-2,12/1/2009 9:00,8.95,,United Kingdom\n"
    ).encode()

    parsed = parse_orders(data, "csv", source="x.csv", mapping=_mapping(), references=import_references())
    first, cancel = parsed.orders
    assert (first.external_id, first.customer, first.units, first.value_pence) == ("100", "X-13085", 3, 2140)
    assert (cancel.external_id, cancel.status, cancel.units, cancel.customer) == (
        "C101",
        OrderStatus.CANCELLED,
        2,
        None,
    )


def test_every_bad_row_is_reported_with_file_row_and_column() -> None:
    """Unparseable dates and numbers, negative quantities, unknown SKUs/outcodes, conflicts: all listed."""
    data = (
        HEADER
        + "1,BOWL-TOFU,a,2,13/45/2009 7:45,8.95,1,UK\n"  # row 2: bad date
        + "2,BOWL-TOFU,a,two,12/1/2009 7:45,8.95,1,UK\n"  # row 3: bad quantity
        + "3,BOWL-TOFU,a,-4,12/1/2009 7:45,8.95,1,UK\n"  # row 4: negative outside a cancellation
        + "4,NOPE,a,1,12/1/2009 7:45,abc,1,UK\n"  # row 5: bad price (and unknown SKU, unseen)
        + "5,NOPE,a,1,12/1/2009 7:45,1,1,UK\n"  # row 6: unknown SKU
        + "6,BOWL-TOFU,a,1,12/1/2009 7:45,1,1,UK\n"
        + "6,BOWL-TOFU,a,1,12/1/2009 8:45,1,1,UK\n"  # row 8: same invoice, other time
        + "7,BOWL-TOFU,a,1\n"  # row 9: short row
    ).encode()
    issues = issues_of(data, "csv", _mapping())
    assert issues[0] == (
        "in.csv:2:InvoiceDate: '13/45/2009 7:45' does not match the declared date format(s) '%m/%d/%Y %H:%M'"
    )
    assert issues[1] == "in.csv:3:Quantity: 'two' is not a number"
    assert issues[2] == "in.csv:4:Quantity: negative quantity -4 outside a cancellation or return"
    assert issues[3] == "in.csv:5:Price: 'abc' is not a number"
    assert issues[4].startswith("in.csv:6:StockCode: unknown SKU 'NOPE'")
    assert issues[5].startswith(
        "in.csv:8:InvoiceDate: order '6' has created_at 2009-12-01T08:45:00+00:00 here"
    )
    assert issues[6] == "in.csv:9: row has 4 fields but the header has 8"
    assert len(issues) == 7


def test_missing_columns_empty_files_and_unknown_outcodes_are_refused() -> None:
    """A header without a mapped column, a file with no rows, an outcode that is not a zone."""
    assert issues_of(b"Invoice,StockCode\n1,A\n", "csv", _mapping())[0].startswith(
        "in.csv:1: missing columns: 'Quantity', 'InvoiceDate', 'Price', 'Customer ID'"
    )
    assert issues_of(b"", "csv", _mapping()) == ["in.csv:1: empty file: no header row"]
    assert issues_of(HEADER.encode(), "csv", _mapping()) == [
        "in.csv: no orders in the file (empty, or every row skipped)"
    ]
    far = _mapping().model_copy(
        update={"defaults": _mapping().defaults.model_copy(update={"outcode": "ZE1"})}
    )
    row = "1,BOWL-TOFU,a,1,12/1/2009 7:45,1,1,UK\n"
    assert issues_of((HEADER + row).encode(), "csv", far) == [
        "in.csv:2:outcode: unknown outcode 'ZE1': not a zone in the master data"
    ]


def test_naive_times_without_a_declared_zone_are_refused() -> None:
    """No ``timezone`` in the mapping and no offset in the cell: every such row is an error."""
    mapping = parse_mapping(BASIC.replace('timezone = "Europe/London"\n', ""), source="m.toml")
    row = "1,BOWL-TOFU,a,1,12/1/2009 7:45,1,1,UK\n"
    assert issues_of((HEADER + row + row.replace("1,", "2,", 1)).encode(), "csv", mapping) == [
        "in.csv:2:InvoiceDate: '12/1/2009 7:45' has no UTC offset and the mapping declares no time zone",
        "in.csv:3:InvoiceDate: '12/1/2009 7:45' has no UTC offset and the mapping declares no time zone",
    ]


def test_one_row_per_order_refuses_duplicate_keys() -> None:
    """With ``group_rows = false`` a repeated order id is a duplicate key, named with both rows."""
    mapping = _mapping("[orders]\ngroup_rows = false\n")
    row = "1,BOWL-TOFU,a,1,12/1/2009 7:45,1,1,UK\n"
    assert issues_of((HEADER + row + row).encode(), "csv", mapping) == [
        "in.csv:3:Invoice: duplicate order key (channel 'shop', id '1'); first seen at row 2"
    ]


def test_skip_rules_count_rows_instead_of_failing() -> None:
    """Rows matching a skip rule are left out and counted by reason."""
    mapping = _mapping('[[skip]]\ncolumn = "Country"\nnot_in = ["UK"]\nreason = "abroad"\n')
    data = (HEADER + "1,BOWL-TOFU,a,1,12/1/2009 7:45,1,1,UK\n" + "2,NOPE,a,-1,bad,x,1,France\n").encode()

    parsed = parse_orders(data, "csv", source="x.csv", mapping=mapping, references=import_references())
    assert (len(parsed.orders), parsed.rows_read, dict(parsed.skipped)) == (1, 2, {"abroad": 1})


def test_csv_needs_a_mapping_and_mappings_refuse_typos() -> None:
    """No mapping for CSV, an unknown key, an unknown zone name: clear errors naming the key."""
    assert issues_of(b"a\n", "csv", None) == ["in.csv: a CSV import needs --mapping (a TOML mapping file)"]

    with pytest.raises(InvalidInputError) as caught:
        parse_mapping('[columns]\nexternal_idd = "x"\n[source]\ntimezone = "Mars/Olympus"\n', source="m.toml")
    text = [str(i) for i in caught.value.issues]
    assert "m.toml:source: unknown time zone 'Mars/Olympus'" in text
    assert "m.toml:columns.external_idd: Extra inputs are not permitted" in text
    with pytest.raises(InvalidInputError, match="not valid TOML"):
        parse_mapping("[columns\n", source="m.toml")


def test_create_policy_needs_its_family_and_template_in_the_master_data() -> None:
    """``unknown = 'create'`` names a template SKU that does not exist: refused before any row."""
    mapping = _mapping('[skus]\nunknown = "create"\nfamily = "BOWLS"\ntemplate = "NO-SUCH-SKU"\n')
    row = "1,NEW-THING,a,1,12/1/2009 7:45,1,1,UK\n"
    assert issues_of((HEADER + row).encode(), "csv", mapping) == [
        "in.csv:mapping:skus.template: template SKU 'NO-SUCH-SKU' is not in the master data"
    ]
    good = _mapping('[skus]\nunknown = "create"\nfamily = "BOWLS"\ntemplate = "BOWL-TOFU"\n')
    parsed = parse_orders(
        (HEADER + row).encode(), "csv", source="x", mapping=good, references=import_references()
    )
    (new,) = parsed.new_skus
    assert (new.code, new.family, new.template, new.name, new.unit_price_pence) == (
        "NEW-THING",
        "BOWLS",
        "BOWL-TOFU",
        "NEW-THING",  # no description column mapped: named after its code
        100,
    )
