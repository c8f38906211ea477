"""Console output for the CLI: Rich progress bars and tables, plain JSON for ``--json``."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from microfactory.plan.progress import Advance


class RichProgress:
    """A :class:`~microfactory.plan.progress.ProgressSink` drawing Rich progress bars on stderr."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._current: TaskID | None = None

    def step(self, label: str, total: int | None = None) -> Advance:
        """Start a new bar (and finish the previous one)."""
        self._finish_current()
        task = self._progress.add_task(label, total=total)
        self._current = task

        def advance(done: int, total: int) -> None:
            self._progress.update(task, completed=done, total=total)

        return advance

    def _finish_current(self) -> None:
        if self._current is not None:
            task = self._progress.tasks[self._current]
            total = task.total if task.total is not None else 1
            self._progress.update(self._current, completed=total, total=total)

    def close(self) -> None:
        """Mark the last step finished."""
        self._finish_current()


@contextmanager
def rich_progress(console: Console) -> Iterator[RichProgress]:
    """Progress bars for a long command; silent when the console is not a terminal."""
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=not console.is_terminal,
    )
    with progress:
        sink = RichProgress(progress)
        try:
            yield sink
        finally:
            sink.close()


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    """A Rich table with right-aligned numbers."""
    out = Table(title=title, title_justify="left", header_style="bold")
    numeric = [bool(rows) and all(isinstance(r[i], int | float) for r in rows) for i in range(len(headers))]
    for header, is_num in zip(headers, numeric, strict=True):
        out.add_column(header, justify="right" if is_num else "left")
    for row in rows:
        out.add_row(*(_cell(v) for v in row))
    return out


def kpi_table(title: str, kpis: Mapping[str, float | int | str]) -> Table:
    """A two-column KPI table."""
    return table(title, ["KPI", "value"], [[k, _cell(v)] for k, v in kpis.items()])


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def print_json(console: Console, payload: Any) -> None:
    """Print JSON to stdout without Rich markup or wrapping, so it can be piped."""
    console.file.write(json.dumps(payload, indent=2, default=str) + "\n")
