"""The shipped GB postcode districts (outcodes) as delivery zones.

``gb_outcode_centroids.csv`` holds every Great Britain outcode with its number of live postcodes (our
proxy for delivery points), its British National Grid centroid and the same centroid in WGS84. Zones are
the bottom of the demand geography, so every engine that maps demand reads them from here.
"""

from __future__ import annotations

import csv
import io
from functools import cache

from pydantic import ValidationError

from microfactory.data import data_file
from microfactory.domain import GeoPoint, Zone
from microfactory.errors import ErrorLocation, InputIssue, InvalidInputError

OUTCODE_FILE = "gb_outcode_centroids.csv"
OUTCODE_COLUMNS = ("outcode", "n_postcodes", "easting", "northing", "lat", "lon")
"""Columns the outcode file must have (extra columns are ignored)."""


@cache
def load_gb_zones() -> tuple[Zone, ...]:
    """Every GB outcode shipped with the package as a :class:`Zone`, sorted by outcode.

    ``delivery_points`` is the district's number of live postcodes. The file is read once per process
    (the tuple is immutable, so sharing it is safe). Raises :class:`InvalidInputError` naming the row
    and column when the shipped file has been damaged.
    """
    text = data_file(OUTCODE_FILE).read_text(encoding="utf-8")
    return parse_outcode_centroids(text, source=OUTCODE_FILE)


def parse_outcode_centroids(text: str, *, source: str) -> tuple[Zone, ...]:
    """Parse outcode-centroid CSV text into zones sorted by outcode.

    Rows are numbered as lines of the file (the header is row 1), so a reported row can be found in an
    editor. Every bad row is collected before raising, so one pass fixes them all.

    Raises:
        InvalidInputError: a column is missing, a value is not a number or out of range, an outcode is
            malformed or repeated, or the file has no data rows.
    """
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in OUTCODE_COLUMNS if c not in header]
    if missing:
        raise InvalidInputError.single(source, f"missing columns: {', '.join(missing)}", row=1)
    issues: list[InputIssue] = []
    zones: dict[str, Zone] = {}
    for record in reader:
        row = reader.line_num
        zone = _parse_row(record, source=source, row=row, issues=issues)
        if zone is None:
            continue
        if zone.outcode in zones:
            issues.append(_issue(source, row, "outcode", f"duplicate outcode {zone.outcode!r}"))
            continue
        zones[zone.outcode] = zone
    if issues:
        raise InvalidInputError(issues)
    if not zones:
        raise InvalidInputError.single(source, "no data rows")
    return tuple(zones[code] for code in sorted(zones))


def _parse_row(
    record: dict[str, str | None], *, source: str, row: int, issues: list[InputIssue]
) -> Zone | None:
    numbers: dict[str, float] = {}
    bad = False
    for column in OUTCODE_COLUMNS[1:]:
        raw = (record.get(column) or "").strip()
        try:
            numbers[column] = float(raw)
        except ValueError:
            reason = "is empty" if not raw else f"{raw!r} is not a number"
            issues.append(_issue(source, row, column, reason))
            bad = True
    if bad:
        return None
    for column in ("n_postcodes", "easting", "northing"):
        if not numbers[column].is_integer():
            issues.append(_issue(source, row, column, f"{numbers[column]!r} is not a whole number"))
            bad = True
    if bad:
        return None
    try:
        return Zone(
            outcode=(record.get("outcode") or "").strip(),
            centroid=GeoPoint(lat=numbers["lat"], lon=numbers["lon"]),
            delivery_points=int(numbers["n_postcodes"]),
            easting=int(numbers["easting"]),
            northing=int(numbers["northing"]),
        )
    except ValidationError as exc:
        for error in exc.errors():
            field = _csv_column(error["loc"])
            issues.append(_issue(source, row, field, error["msg"]))
        return None


def _csv_column(loc: tuple[int | str, ...]) -> str:
    """Map a pydantic error location on :class:`Zone` back to the CSV column it came from."""
    names = {"delivery_points": "n_postcodes", "lat": "lat", "lon": "lon", "outcode": "outcode"}
    for part in reversed(loc):
        if isinstance(part, str) and part in names:
            return names[part]
    return ".".join(str(p) for p in loc)


def _issue(source: str, row: int, field: str, reason: str) -> InputIssue:
    return InputIssue(ErrorLocation(source, field=field, row=row), reason)
