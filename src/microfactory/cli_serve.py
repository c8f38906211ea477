"""``microfactory serve``: the REST API and the web dashboard (Uvicorn)."""

from __future__ import annotations

import typer


def register_serve_command(app: typer.Typer) -> None:
    """Add ``serve`` to the top-level command group."""
