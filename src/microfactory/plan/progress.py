"""How stages report progress without knowing who is watching (a Rich bar, a log, an API job)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Advance = Callable[[int, int], None]
"""``advance(done, total)``: called as work completes."""


class ProgressSink(Protocol):
    """Receives named steps and their progress."""

    def step(self, label: str, total: int | None = None) -> Advance:
        """Start a step; returns the function that reports how far it got."""
        ...


class SilentProgress:
    """A sink that shows nothing: for tests, library use and background jobs."""

    def step(self, label: str, total: int | None = None) -> Advance:
        """Start a step that reports to no one."""

        def advance(done: int, total: int) -> None:
            return None

        return advance
