"""The .fjs reader: header, jobs, options, 1-based machines, wrapped lines and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from microfactory.errors import InvalidInputError
from microfactory.production import parse_fjs

TEXT = """2   3   1.5
2  2 1 5 3 7  1 2 4
1  3 1 2 2 3
   3 9
"""
"""Job 1: op 1 on M1 (5) or M3 (7), op 2 on M2 (4); job 2: one op on M1 (2), M2 (3) or M3 (9),
its last pair wrapped onto the next line."""


def test_parses_jobs_operations_and_alternatives() -> None:
    """Machines become M01..M03 (0-based indices), durations minutes, jobs runs J01, J02."""
    p = parse_fjs(TEXT, name="tiny")
    assert [m.code for m in p.machines] == ["M01", "M02", "M03"]
    assert [r.code for r in p.runs] == ["J01", "J02"]
    first, second = p.runs[0].operations
    assert [(a.machine, a.minutes) for a in first.alternatives] == [(0, 5), (2, 7)]
    assert [(a.machine, a.minutes) for a in second.alternatives] == [(1, 4)]
    assert [(a.machine, a.minutes) for a in p.runs[1].operations[0].alternatives] == [(0, 2), (1, 3), (2, 9)]
    assert p.window_minutes == 7 + 4 + 9
    assert p.site == "tiny"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2 3 1\n1 1 1 5\n", "job 2: operations: unexpected end of file"),
        ("1 3 1\n1 1 4 5\n", "job 1 operation 1: machine 4 is not in 1..3"),
        ("1 3 1\n1 1 1 0\n", "duration 0 must be positive"),
        ("1 3 1\n1 1 x 5\n", "'x' is not a number"),
        ("0 3 1\n", "need at least one job"),
    ],
)
def test_bad_files_name_the_job_and_operation(text: str, message: str) -> None:
    """Truncated, out-of-range machine, zero duration, junk token, no jobs."""
    with pytest.raises(InvalidInputError, match=message):
        parse_fjs(text)


def test_brandimarte_mk01_parses() -> None:
    """The shared Mk01 instance (when present) has 10 jobs, 6 machines and 55 operations."""
    path = Path(__file__).resolve().parents[3] / "shared" / "bench" / "fjsp" / "brandimarte" / "Mk01.fjs"
    if not path.exists():
        pytest.skip("shared benchmark instances not present")
    p = parse_fjs(path.read_text(encoding="utf-8"), name="Mk01")
    assert (len(p.runs), len(p.machines), p.operation_count) == (10, 6, 55)
