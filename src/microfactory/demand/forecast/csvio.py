"""Reading a long demand CSV (``unique_id, ds, y``) with every problem reported by file, row and field.

Row numbers count the header as row 1, as a spreadsheet shows them. Refused: an empty file or one
without data rows, missing columns, empty ids, unparseable dates or numbers, NaN/infinite or negative
quantities and duplicate ``(unique_id, ds)``. Every bad row is reported (up to a limit) in one
:class:`~microfactory.errors.InvalidInputError`, so a user can fix them all in one pass.
"""

from __future__ import annotations

import csv
import math
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from microfactory.demand.forecast.contract import DS, UNIQUE_ID, Y
from microfactory.errors import ErrorLocation, InputIssue, InvalidInputError

MAX_ISSUES = 50
"""Issues collected before giving up on a file."""


def _parse_ds(text: str) -> datetime | None:
    value = text.strip()
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day)


def read_long_csv(path: Path) -> pd.DataFrame:
    """The file as a ``unique_id`` (str), ``ds`` (tz-naive datetime), ``y`` (float) frame, or an error.

    Time-zone-aware stamps are converted to UTC and made naive; extra columns are ignored.
    """
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise InvalidInputError.single(source, "no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError.single(source, f"cannot read the file ({exc})") from exc
    if not text.strip():
        raise InvalidInputError.single(source, "the file is empty (expected a header unique_id,ds,y)")
    reader = csv.reader(text.splitlines())
    header = [h.strip() for h in next(reader)]
    missing = [c for c in (UNIQUE_ID, DS, Y) if c not in header]
    if missing:
        raise InvalidInputError(
            [InputIssue(ErrorLocation(source, row=1, field=c), "missing column") for c in missing]
        )
    at = {c: header.index(c) for c in (UNIQUE_ID, DS, Y)}
    issues: list[InputIssue] = []
    ids: list[str] = []
    stamps: list[datetime] = []
    values: list[float] = []
    first_seen: dict[tuple[str, datetime], int] = {}

    def bad(row: int, field: str, reason: str) -> None:
        issues.append(InputIssue(ErrorLocation(source, row=row, field=field), reason))

    for row_no, cells in enumerate(reader, start=2):
        if len(issues) >= MAX_ISSUES:
            break
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) < len(header):
            bad(row_no, header[len(cells)] if len(cells) < len(header) else Y, "missing value (short row)")
            continue
        uid = cells[at[UNIQUE_ID]].strip()
        ds_text = cells[at[DS]]
        y_text = cells[at[Y]].strip()
        ok = True
        if not uid:
            bad(row_no, UNIQUE_ID, "empty series id")
            ok = False
        stamp = _parse_ds(ds_text)
        if stamp is None:
            bad(row_no, DS, f"{ds_text.strip()!r} is not a date (YYYY-MM-DD)")
            ok = False
        elif stamp.tzinfo is not None:
            stamp = pd.Timestamp(stamp).tz_convert("UTC").tz_localize(None).to_pydatetime()
        try:
            value = float(y_text)
        except ValueError:
            bad(row_no, Y, f"{y_text!r} is not a number")
            ok = False
        else:
            if not math.isfinite(value):
                bad(row_no, Y, f"{y_text!r} is not a finite number")
                ok = False
            elif value < 0:
                bad(row_no, Y, f"negative quantity {y_text} (returns are not demand)")
                ok = False
        if not ok or stamp is None:
            continue
        key = (uid, stamp)
        if key in first_seen:
            bad(row_no, DS, f"duplicate ({uid}, {stamp.date().isoformat()}): also on row {first_seen[key]}")
            continue
        first_seen[key] = row_no
        ids.append(uid)
        stamps.append(stamp)
        values.append(value)
    if issues:
        raise InvalidInputError(issues)
    if not ids:
        raise InvalidInputError.single(source, "no data rows after the header", row=1)
    return pd.DataFrame({UNIQUE_ID: ids, DS: pd.to_datetime(stamps), Y: values})
