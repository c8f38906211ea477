"""GB outcode zones: the shipped file loads whole and right, and damaged rows are named."""

from __future__ import annotations

import pytest

from microfactory.data.outcodes import OUTCODE_FILE, load_gb_zones, parse_outcode_centroids
from microfactory.errors import InvalidInputError

HEADER = "outcode,n_postcodes,easting,northing,lat,lon\n"
GOOD_ROW = "AB10,673,392815,804933,57.13525,-2.12034\n"


def test_every_gb_outcode_is_a_zone_sorted_and_unique() -> None:
    """All 2,865 GB outcodes load, sorted by outcode, each once."""
    zones = load_gb_zones()
    codes = [z.outcode for z in zones]
    assert len(zones) == 2865
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    assert all(z.delivery_points >= 1 for z in zones)


def test_known_outcode_has_its_centroid_and_size() -> None:
    """M1 (Manchester city centre) matches its row in the shipped CSV."""
    zone = next(z for z in load_gb_zones() if z.outcode == "M1")
    assert zone.delivery_points == 541
    assert zone.centroid.lat == pytest.approx(53.47744)
    assert zone.centroid.lon == pytest.approx(-2.2363)
    assert (zone.easting, zone.northing) == (384414, 397883)
    assert zone.area == "M"


def test_zones_are_read_once_per_process() -> None:
    """The loader is cached: a second call returns the very same tuple."""
    assert load_gb_zones() is load_gb_zones()


def test_bad_number_names_file_row_and_column() -> None:
    """A latitude that is not a number is reported at its line (header is row 1) and column."""
    text = HEADER + GOOD_ROW + "AB11,637,394474,805369,north,-2.09294\n"
    with pytest.raises(InvalidInputError) as caught:
        parse_outcode_centroids(text, source=OUTCODE_FILE)
    (issue,) = caught.value.issues
    assert (issue.location.source, issue.location.row, issue.location.field) == (OUTCODE_FILE, 3, "lat")
    assert "'north' is not a number" in str(caught.value)


def test_every_bad_row_is_reported_in_one_pass() -> None:
    """A bad outcode, an out-of-range longitude and a repeated outcode are all listed together."""
    text = (
        HEADER
        + GOOD_ROW
        + "not-a-code,10,1,1,51.5,-0.1\n"
        + "ZZ1,10,1,1,51.5,-200\n"
        + "AB10,5,1,1,51.5,-0.1\n"
    )
    with pytest.raises(InvalidInputError) as caught:
        parse_outcode_centroids(text, source="test.csv")
    where = [(i.location.row, i.location.field) for i in caught.value.issues]
    assert where == [(3, "outcode"), (4, "lon"), (5, "outcode")]
    assert "duplicate outcode 'AB10'" in str(caught.value.issues[2])


def test_missing_column_is_refused() -> None:
    """A file without the ``lat`` column is refused before any row is read."""
    text = "outcode,n_postcodes,easting,northing,lon\nAB10,673,392815,804933,-2.12034\n"
    with pytest.raises(InvalidInputError, match="missing columns: lat"):
        parse_outcode_centroids(text, source="test.csv")


def test_fractional_count_is_refused() -> None:
    """Postcode counts and grid references must be whole numbers."""
    text = HEADER + "AB10,67.5,392815,804933,57.13525,-2.12034\n"
    with pytest.raises(InvalidInputError, match=r"n_postcodes: 67\.5 is not a whole number"):
        parse_outcode_centroids(text, source="test.csv")


def test_file_without_rows_is_refused() -> None:
    """A header alone is not a zone file."""
    with pytest.raises(InvalidInputError, match="no data rows"):
        parse_outcode_centroids(HEADER, source="test.csv")
