"""Shared plumbing for benchmark scripts: options, reference values and the output contract.

Contract (../shared/bench/README.md): a CSV table on stdout with a header row, then as the last line
one summary of ``key=value`` pairs separated by spaces. Progress and logs go to stderr.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

SHARED_BENCH = Path(__file__).resolve().parent.parent.parent / "shared" / "bench"
"""``../shared/bench`` beside the repository."""

TABLE_COLUMNS = ("instance", "reference", "result", "gap_pct", "seconds")


def parser(
    description: str,
    *,
    default_instances: Path,
    default_reference: Path | None,
    seconds: float | None = None,
    workers: int | None = None,
) -> argparse.ArgumentParser:
    """An argument parser with the options every benchmark accepts."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--instances", type=Path, default=default_instances, help="an instance file or a folder of them"
    )
    p.add_argument(
        "--reference",
        type=Path,
        default=default_reference,
        help="CSV of reference values (best known or optimal)",
    )
    if seconds is not None:
        p.add_argument("--seconds", type=float, default=seconds, help="time limit per instance")
    if workers is not None:
        p.add_argument("--workers", type=int, default=workers, help="solver threads")
    return p


def instance_files(path: Path, suffix: str) -> list[Path]:
    """The instance files at ``path`` (a file, or every ``*suffix`` in a folder), sorted by name."""
    if not path.exists():
        sys.exit(f"error: {path}: no such file or folder")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.iterdir() if p.name.lower().endswith(suffix.lower()))
    if not files:
        sys.exit(f"error: {path}: no *{suffix} files")
    return files


def read_reference(path: Path | None, value_column: str) -> dict[str, float]:
    """Reference values by instance name (case-insensitive, without extension)."""
    if path is None or not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if rows and value_column not in rows[0]:
        sys.exit(f"error: {path}: no column {value_column!r} (has {', '.join(rows[0])})")
    return {
        Path(row["instance"]).stem.lower(): float(row[value_column])
        for row in rows
        if row.get(value_column) not in (None, "")
    }


def gap_pct(result: float | None, reference: float | None) -> float | None:
    """Relative gap of a result to the reference, in per cent (None when either is missing)."""
    if result is None or reference is None or reference == 0:
        return None
    return 100.0 * (result - reference) / reference


class TableWriter:
    """Writes the CSV table to stdout row by row (flushed, so long runs show progress)."""

    def __init__(self, columns: Sequence[str] = TABLE_COLUMNS) -> None:
        self.columns = tuple(columns)
        self._writer = csv.writer(sys.stdout, lineterminator="\n")
        self._writer.writerow(self.columns)
        sys.stdout.flush()

    def row(self, values: Mapping[str, object]) -> None:
        """Write one row; missing columns are empty, floats get a sensible precision."""
        self._writer.writerow([_fmt(values.get(c)) for c in self.columns])
        sys.stdout.flush()


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Adding 0.0 after rounding turns -0.0 into 0.0, so a solver's -1e-9 prints as 0.000.
        if abs(value) < 1000:
            return f"{round(value, 3) + 0.0:.3f}"
        return f"{round(value, 1) + 0.0:.1f}"
    return str(value)


def summary_line(pairs: Iterable[tuple[str, object]]) -> None:
    """Print the final ``key=value ...`` line."""
    print(" ".join(f"{k}={_fmt(v)}" for k, v in pairs), flush=True)


def log(message: str) -> None:
    """Progress to stderr."""
    print(message, file=sys.stderr, flush=True)
