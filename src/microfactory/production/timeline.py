"""Calendar arithmetic on open periods in integer minutes, shared by the warm start and the model.

Open periods are sorted, disjoint half-open intervals ``[a, b)``. A non-splittable operation must lie
inside one of them; a splittable one starts in open time and stretches over closed gaps until it has
had its processing minutes of open time.
"""

from __future__ import annotations

from bisect import bisect_right

from microfactory.production.problem import Interval


def fit_start(open_periods: tuple[Interval, ...], earliest: int, minutes: int) -> int | None:
    """Earliest start ≥ ``earliest`` with ``[start, start + minutes)`` inside one open period.

    Returns None when no open period at or after ``earliest`` is long enough.
    """
    i = max(0, bisect_right(open_periods, (earliest, 1 << 62)) - 1)
    for a, b in open_periods[i:]:
        start = max(a, earliest)
        if start + minutes <= b:
            return start
    return None


def stretch(open_periods: tuple[Interval, ...], earliest: int, minutes: int) -> tuple[int, int] | None:
    """Start and end of a splittable operation needing ``minutes`` of open time from ``earliest``.

    The start is moved to open time; the end is where the open minutes add up, so the operation spans
    any closed gaps in between. Returns None when the open periods run out first.
    """
    i = max(0, bisect_right(open_periods, (earliest, 1 << 62)) - 1)
    start: int | None = None
    left = minutes
    for a, b in open_periods[i:]:
        lo = max(a, earliest)
        if lo >= b:
            continue
        if start is None:
            start = lo
        if b - lo >= left:
            return start, lo + left
        left -= b - lo
    return None


def open_minutes_between(open_periods: tuple[Interval, ...], start: int, end: int) -> int:
    """Open minutes within ``[start, end)``."""
    total = 0
    for a, b in open_periods:
        lo, hi = max(a, start), min(b, end)
        if lo < hi:
            total += hi - lo
    return total


def allowed_starts(open_periods: tuple[Interval, ...], minutes: int) -> list[Interval]:
    """Inclusive ranges ``[lo, hi]`` of starts that keep a ``minutes``-long operation in open time."""
    return [(a, b - minutes) for a, b in open_periods if b - a >= minutes]


def closed_gaps(open_periods: tuple[Interval, ...], window: int) -> list[Interval]:
    """Closed periods between ``0`` and ``window``: the complement of the open periods."""
    gaps: list[Interval] = []
    last = 0
    for a, b in open_periods:
        if a > last:
            gaps.append((last, a))
        last = max(last, b)
    if last < window:
        gaps.append((last, window))
    return gaps


def is_always_open(open_periods: tuple[Interval, ...], window: int) -> bool:
    """True when the open periods cover the whole window."""
    return len(open_periods) == 1 and open_periods[0] == (0, window)
