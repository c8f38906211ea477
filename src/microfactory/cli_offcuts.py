"""``microfactory second-life offcuts``: match surplus panels to upcoming cut lists."""

from __future__ import annotations

import typer


def register_offcut_commands(app: typer.Typer) -> None:
    """Add the offcut commands to the ``second-life`` group."""
